"""Employment offices at real coverage: Service-Public.fr's 2019 directory in the shipped data, the Mission locale of
each commune of the eight ERBM intercommunalities, and the import of a newer directory."""
import csv
import json
import subprocess
import sys
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings

ROOT = PROGRAMME_DIR.parent.parent
TOKEN = "employment-data-tests"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


def _rows(path):
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


DIRECTORY = _rows(PROGRAMME_DIR / "sources" / "annuaire_service_public_2019_emploi_59_62.csv")
STRUCTURES = _rows(PROGRAMME_DIR / "employment" / "structures.csv")
MANUAL = _rows(PROGRAMME_DIR / "employment" / "structures_manual.csv")
COMMUNES = {row["insee"]: row for row in _rows(PROGRAMME_DIR / "communes.csv")}
MBM = _rows(PROGRAMME_DIR / "sources" / "communes_mission_bassin_minier.csv")


@pytest.fixture
def client(tmp_path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'programme.db'}", programme_dir=PROGRAMME_DIR, staff_token=TOKEN,
        host="127.0.0.1", port=0,
    )
    return TestClient(create_app(settings))


def _orient(client, **profile) -> dict:
    response = client.post("/employment/orientation", json=profile)
    assert response.status_code == 200, response.text
    return response.json()


# --- The shipped file ------------------------------------------------------------------------------------------


def test_the_directory_has_the_rows_the_provenance_states():
    assert len(DIRECTORY) == 151
    assert Counter(r["type_pivot"] for r in DIRECTORY) == {
        "cij": 59, "msap": 31, "mission_locale": 28, "cio": 20, "greta": 8, "direccte_ut": 3, "agefiph": 1, "apec": 1
    }


def test_every_office_but_the_labour_inspection_units_is_shipped_once():
    ids = Counter(r["id"] for r in STRUCTURES)
    assert max(ids.values()) == 1
    from_directory = [r for r in STRUCTURES if "service-public" in r["source"].lower()]
    # 148 offices (no DIRECCTE unit); the Missions locales of Lens-Liévin, Hénin-Carvin and the Valenciennois are
    # the hand-curated ones, which gain the directory's address and phone.
    assert len(from_directory) == 148
    assert len(STRUCTURES) == len(MANUAL) + 148 - 3
    assert not [r for r in STRUCTURES if "direccte" in r["id"]]


def test_every_insee_code_of_the_directory_is_a_commune():
    for row in DIRECTORY:
        assert row["code_insee"] in COMMUNES, row["id_annuaire"]
    for row in STRUCTURES:
        for code in filter(None, row["communes"].split(";")):
            assert code in COMMUNES, (row["id"], code)


def test_every_directory_row_keeps_its_source_date_and_pointer(client):
    for structure in client.get("/employment/structures").json()["structures"]:
        if "service-public" in structure["source"].lower():
            assert "2019 : à vérifier" in structure["source"]
            assert structure["source_date"] == "2019-08"
            assert structure["annuaire_officiel"] == "lannuaire.service-public.fr"


def test_the_build_is_deterministic(tmp_path):
    out = tmp_path / "structures.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_structures.py"), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_text(encoding="utf-8") == (PROGRAMME_DIR / "employment" / "structures.csv").read_text(encoding="utf-8")


# --- The Mission locale of a commune -----------------------------------------------------------------------------

# (commune, its ERBM EPCI, the Mission locale expected or None when the 2019 directory has none in that EPCI).
# The Mission Bassin Minier's perimeter (sources/communes_mission_bassin_minier.csv) holds all but Osartis Marquion.
MISSION_LOCALE = [
    ("Lens", "CA de Lens - Liévin", "mission-locale-lens-lievin"),
    ("Liévin", "CA de Lens - Liévin", "mission-locale-lens-lievin"),
    ("Avion", "CA de Lens - Liévin", "mission-locale-lens-lievin"),
    ("Wingles", "CA de Lens - Liévin", "mission-locale-lens-lievin"),
    ("Hénin-Beaumont", "CA d'Hénin-Carvin", "mission-locale-henin-carvin"),
    ("Carvin", "CA d'Hénin-Carvin", "mission-locale-henin-carvin"),
    ("Oignies", "CA d'Hénin-Carvin", "mission-locale-henin-carvin"),
    ("Rouvroy", "CA d'Hénin-Carvin", "mission-locale-henin-carvin"),
    ("Douai", "CA Douaisis Agglo", "mission-locale-59178-01"),
    ("Sin-le-Noble", "CA Douaisis Agglo", "mission-locale-59178-01"),
    ("Auby", "CA Douaisis Agglo", "mission-locale-59178-01"),
    ("Valenciennes", "CA Valenciennes Métropole", "mission-locale-valenciennois"),
    ("Anzin", "CA Valenciennes Métropole", "mission-locale-valenciennois"),
    ("Onnaing", "CA Valenciennes Métropole", "mission-locale-valenciennois"),
    ("Béthune", "CA de Béthune-Bruay, Artois-Lys Romane", "mission-locale-62119-01"),
    ("Bruay-la-Buissière", "CA de Béthune-Bruay, Artois-Lys Romane", "mission-locale-62119-01"),
    ("Auchel", "CA de Béthune-Bruay, Artois-Lys Romane", "mission-locale-62119-01"),
    ("Noeux-les-Mines", "CA de Béthune-Bruay, Artois-Lys Romane", "mission-locale-62119-01"),
    ("Somain", "CC Coeur d'Ostrevent (CCCO)", None),
    ("Aniche", "CC Coeur d'Ostrevent (CCCO)", None),
    ("Denain", "CA de la Porte du Hainaut", None),
    ("Wallers", "CA de la Porte du Hainaut", None),
    ("Vitry-en-Artois", "CC Osartis Marquion", None),
    ("Marquion", "CC Osartis Marquion", None),
]


def test_the_table_covers_the_eight_erbm_epci_with_the_data_s_own_membership():
    epcis = {row["epci_nom"] for row in COMMUNES.values() if row["erbm_epci"] == "true"}
    assert {epci for _, epci, _ in MISSION_LOCALE} == epcis and len(epcis) == 8
    by_name = {row["nom"]: row for row in COMMUNES.values()}
    in_perimeter = {row["insee"] for row in MBM}
    for commune, epci, _ in MISSION_LOCALE:
        assert by_name[commune]["epci_nom"] == epci
        assert (by_name[commune]["insee"] in in_perimeter) is (epci != "CC Osartis Marquion")


@pytest.mark.parametrize("commune, epci, expected", MISSION_LOCALE, ids=[c for c, _, _ in MISSION_LOCALE])
def test_a_young_person_gets_the_mission_locale_of_their_commune(client, commune, epci, expected):
    answer = _orient(client, age=20, commune_query=commune)
    route = next(r for r in answer["routes"] if r["id"] == "mission_locale")
    missions = [s for s in route["structures"] if s["kind"] == "mission_locale"]
    if expected is None:
        assert missions == []
        assert route["national_contact"]["site"] == "lannuaire.service-public.fr"  # where to find it
    else:
        assert [m["id"] for m in missions] == [expected]
        assert missions[0]["adresse"] and missions[0]["contact"].startswith("Tél. 03 ")
        assert route["national_contact"] is None


def test_the_mission_locale_of_henin_beaumont_with_its_address_phone_and_source_date(client):
    answer = _orient(client, age=19, commune_query="Hénin-Beaumont")
    route = next(r for r in answer["routes"] if r["id"] == "mission_locale")
    mission = route["structures"][0]
    assert mission["id"] == "mission-locale-henin-carvin" and mission["match"] == "commune"
    assert mission["adresse"] == "Îlot Carnot - Immeuble Sis - 80 rue Montpencher - BP 84, 62252 Hénin-Beaumont Cedex"
    assert mission["contact"].startswith("Tél. 03 21 20 64 64")
    assert "annuaire de Service-Public.fr (DILA), extrait de juillet-août 2019 : à vérifier" in mission["source"]
    assert mission["source_date"] == "2019-08"
    # no information point for young people at Hénin-Beaumont in the directory: none is shown
    assert [s["kind"] for s in route["structures"]] == ["mission_locale"]


def test_other_offices_that_fit(client):
    routes = {r["id"]: r for r in _orient(client, age=40, commune_query="Lens", wants_training=True)["routes"]}
    assert [s["id"] for s in routes["training"]["structures"]] == ["cio-62498-01"]  # the CIO of Lens
    assert "msap-62498-01" in [s["id"] for s in routes["other_local"]["structures"]]  # France services
    rqth = {r["id"]: r for r in _orient(client, age=40, commune_query="Douai", disability_recognised=True)["routes"]}
    assert [s["kind"] for s in rqth["cap_emploi"]["structures"]] == ["agefiph"]


# --- A newer directory -------------------------------------------------------------------------------------------


def _current_row(date: str, address: str, competence: list[str]) -> dict:
    return {
        "id": "mission_locale-62427-01",
        "nom": "Mission locale pour l'insertion professionnelle et sociale des jeunes (16-25 ans) - Hénin-Beaumont - Carvin",
        "pivot": json.dumps([{"type_service_local": "mission_locale", "code_insee_commune": competence}]),
        "adresse": json.dumps([{"type_adresse": "Adresse", "numero_voie": address, "code_postal": "62110",
                                "nom_commune": "Hénin-Beaumont"}]),
        "telephone": json.dumps([{"valeur": "03 21 20 64 64", "description": ""}]),
        "site_internet": json.dumps([{"valeur": "https://www.mlhenincarvin.fr", "libelle": ""}]),
        "code_insee_commune": "62427",
        "date_modification": date,
    }


def _as_csv(rows: list[dict]) -> str:
    from io import StringIO

    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _import(client, text: str, content_type: str = "text/csv"):
    return client.post("/employment/structures/import", content=text.encode("utf-8"),
                       headers={**STAFF, "Content-Type": content_type})


def test_the_directory_as_published_today_updates_the_office_with_its_own_coverage(client):
    competence = ["62427", "62215", "62637"]
    response = _import(client, _as_csv([_current_row("2026-06-01 10:12:00", "12 rue Nouvelle", competence)]))
    assert response.status_code == 200, response.text
    mission = _orient(client, age=19, commune_query="Hénin-Beaumont")["routes"][0]["structures"][0]
    assert mission["id"] == "mission-locale-henin-carvin" and mission["nom"] == "Mission Locale Hénin-Carvin"
    assert mission["adresse"] == "12 rue Nouvelle, 62110 Hénin-Beaumont"  # the newer row wins
    assert mission["source_date"] == "2026-06-01"
    assert mission["source"] == "mlhenincarvin.fr ; annuaire de Service-Public.fr (DILA), fiche mise à jour le 01/06/2026"
    assert {c["insee"] for c in mission["communes"]} >= set(competence)


def test_the_json_publication_is_accepted_too(client):
    response = _import(client, json.dumps([_current_row("2026-06-01", "12 rue Nouvelle", ["62427"])]),
                       "text/csv")
    assert response.status_code == 200, response.text
    assert client.get("/employment/structures/mission-locale-henin-carvin").json()["source_date"] == "2026-06-01"


def test_an_older_directory_and_a_staff_correction_are_not_overwritten(client):
    older = _import(client, _as_csv([_current_row("2018-01-01", "ancienne adresse", ["62427"])]))
    assert older.status_code == 200, older.text
    assert client.get("/employment/structures/mission-locale-henin-carvin").json()["adresse"].startswith("Îlot Carnot")
    fixed = client.patch("/employment/structures/cio-62427-01", json={"contact": "Tél. 03 21 00 00 00 (vérifié)"},
                         headers=STAFF)
    assert fixed.status_code == 200, fixed.text
    again = (ROOT / "data" / "programme" / "sources" / "annuaire_service_public_2019_emploi_59_62.csv").read_text(
        encoding="utf-8")
    assert _import(client, again).status_code == 200
    assert client.get("/employment/structures/cio-62427-01").json()["contact"] == "Tél. 03 21 00 00 00 (vérifié)"


def test_a_directory_without_any_office_of_59_or_62_is_refused_in_french(client):
    row = {**_current_row("2026-06-01", "1 rue", ["75056"]), "code_insee_commune": "75056"}
    response = _import(client, _as_csv([row]))
    assert response.status_code == 422
    assert "aucun service pour l'emploi du Nord ou du Pas-de-Calais" in response.text
