"""The cités of the shipped data at real coverage: the Mission Bassin Minier's ERBM, buffer-zone and inscribed-property
layers merged with the hand-curated cités, and found by the names residents use.

The counts are those of the source files in data/programme/sources/ (see data/programme/PROVENANCE.md); the
spellings are names of those files typed as residents do (numbers, « n° », « cité du », hyphens, no accents).
"""
import csv
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import cite_sources
from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings

ROOT = PROGRAMME_DIR.parent.parent
SOURCES = PROGRAMME_DIR / "sources"
TOKEN = "programme-data-tests"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


CITES = _rows(PROGRAMME_DIR / "cites.csv")
BY_ID = {row["id"]: row for row in CITES}
COMMUNES = {row["insee"]: row for row in _rows(PROGRAMME_DIR / "communes.csv")}
ERBM_ROWS = _rows(SOURCES / "cites_minieres_erbm.csv")
BUFFER_ROWS = _rows(SOURCES / "cites_minieres_zone_tampon_unesco.csv")
PROPERTY_ROWS = _rows(SOURCES / "cites_minieres_unesco_bien_inscrit.csv")


def _refs(layer: str) -> Counter:
    return Counter(ref for row in CITES for ref in row["references"].split(";") if ref.startswith(layer + ":"))


def _settings(path: Path, programme_dir: Path = PROGRAMME_DIR) -> Settings:
    return Settings(
        database_url=f"sqlite:///{path / 'programme.db'}",
        programme_dir=programme_dir,
        staff_token=TOKEN,
        host="127.0.0.1",
        port=0,
    )


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> TestClient:
    return TestClient(create_app(_settings(tmp_path_factory.mktemp("coverage"))))


# --- The shipped file ---------------------------------------------------------------------------------------


def test_the_source_files_have_the_rows_the_provenance_states():
    assert len(ERBM_ROWS) == 59
    assert len(BUFFER_ROWS) == 162
    assert len(PROPERTY_ROWS) == 159
    assert sum(1 for r in PROPERTY_ROWS if r["id_unesco"]) == 124  # polygons of the property
    assert Counter(r["proprietaire"] for r in ERBM_ROWS) == {
        "Maisons et Cités": 38, "Maisons et Cités / SIA": 15, "SIA": 6
    }


def test_every_source_row_is_in_exactly_one_cite():
    """Row counts by source: each row of each layer is carried by one cité, none twice."""
    assert _refs("erbm") == Counter({f"erbm:{r['id_lsm']}": 1 for r in ERBM_ROWS})
    assert _refs("zone_tampon") == Counter({f"zone_tampon:{r['id_lsm']}": 1 for r in BUFFER_ROWS})
    assert _refs("bien_inscrit") == Counter({f"bien_inscrit:{r['id_unesco']}": 1 for r in PROPERTY_ROWS if r["id_unesco"]})
    appended = [r for r in PROPERTY_ROWS if not r["id_unesco"]]
    assert sum(_refs("erbm_annexe").values()) == len(appended) == 35
    assert sum(1 for row in CITES if "manuel" in row["references"].split(";")) == 22  # the hand-curated cités


def test_the_flags_follow_the_layers():
    for row in CITES:
        refs = row["references"]
        assert (row["erbm_liste"] == "true") == ("erbm:" in refs or "erbm_annexe:" in refs), row["id"]
        assert (row["unesco_bien"] == "true") == ("bien_inscrit:" in refs), row["id"]
        assert (row["zone_tampon"] != "non") == ("zone_tampon:" in refs), row["id"]
    assert Counter(r["zone_tampon"] for r in CITES)["en_partie"] == sum(
        1 for r in BUFFER_ROWS if "partie en zone-tampon" in r["nom"]
    )


def test_every_insee_code_is_a_commune_of_the_data():
    for row in CITES:
        for code in filter(None, row["communes"].split(";")):
            assert code in COMMUNES, (row["id"], code)
    for rows in (ERBM_ROWS, BUFFER_ROWS, PROPERTY_ROWS):
        for row in rows:
            for i in (1, 2, 3):
                code = row.get(f"insee_commune_{i}_derive")
                if row.get(f"commune_{i}"):
                    assert code in COMMUNES, (row["nom"], row[f"commune_{i}"])
    # Only the Cité de la Croix-de-Pierre had no commune; the ERBM layer places it in Dechy.
    assert all(row["communes"] for row in CITES)


def test_every_row_says_its_source_and_date_and_the_licence_when_it_comes_from_a_layer():
    for row in CITES:
        assert row["source"], row["id"]
        if row["references"] != "manuel":  # a hand-curated source may give no date; the layers always do
            assert row["source_date"] >= "2026-03-10", row["id"]
            assert "Licence Ouverte 2.0" in row["source"] and "extrait du" in row["source"], row["id"]


def test_the_sources_write_their_dates_as_the_bot_does():
    """« extrait du 10 mars 2026 », as the bot writes every date (assistant/french.py), never « 10/03/2026 »."""
    import re

    for row in CITES:
        assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}", row["source"]), (row["id"], row["source"])
    sources = " ".join(row["source"] for row in CITES)
    assert "extrait du 10 mars 2026" in sources and "extrait du 21 avril 2026" in sources


def test_the_build_is_deterministic(tmp_path):
    out = tmp_path / "cites.csv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_cites.py"), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_text(encoding="utf-8") == (PROGRAMME_DIR / "cites.csv").read_text(encoding="utf-8")


# (cité id, the layers it must carry, landlord): duplicates between the lists are one cité with both facts.
MERGED = [
    ("cite-des-alouettes-bully-les-mines", {"manuel", "erbm", "zone_tampon"}, "Maisons & Cités"),
    ("cite-darcy-henin-beaumont", {"manuel", "erbm", "bien_inscrit"}, "Maisons & Cités"),
    ("cite-n-4-de-lens-lens", {"erbm", "zone_tampon"}, "Maisons & Cités"),
    ("cite-brunehaut-escautpont", {"manuel", "erbm", "bien_inscrit"}, "SIA Habitat"),
    ("cite-du-5-12-sallaumines", {"erbm", "zone_tampon"}, "Maisons & Cités et SIA Habitat"),
    ("cite-n-10-de-bethune-sains-en-gohelle", {"erbm", "zone_tampon", "bien_inscrit"}, "Maisons & Cités"),
    ("cite-du-parc-mericourt", {"manuel", "erbm", "zone_tampon", "bien_inscrit"}, "SIA Habitat"),
    ("cite-n-2-de-bethune-mazingarbe", {"erbm", "bien_inscrit"}, "Maisons & Cités"),
    ("cite-lemay-pecquencourt", {"manuel", "bien_inscrit"}, ""),
]


@pytest.mark.parametrize("cite_id, layers, landlord", MERGED, ids=[m[0] for m in MERGED])
def test_a_cite_in_several_lists_is_one_cite_with_every_fact(shipped, cite_id, layers, landlord):
    row = BY_ID[cite_id]
    assert {ref.split(":")[0] for ref in row["references"].split(";")} - {"erbm_annexe"} == layers
    cite = shipped.get(f"/cites/{cite_id}").json()
    assert cite["bailleur"] == (landlord or None)
    assert cite["erbm_liste_mission_bassin_minier"] is ("erbm" in layers)
    assert cite["patrimoine_mondial"]["bien_inscrit"] is ("bien_inscrit" in layers)
    assert (cite["patrimoine_mondial"]["zone_tampon"] != "non") is ("zone_tampon" in layers)
    assert cite["statut"]["connu"] is False  # no source gives a works status


def test_the_hand_curated_cites_keep_their_id_name_note_and_facts():
    assert BY_ID["cite-agache-fenain"]["nom"] == "Cité Agache"
    assert "erbm:855" in BY_ID["cite-agache-fenain"]["references"]  # the layer's « Cité des Agaches »
    assert BY_ID["cite-lemay-pecquencourt"]["erbm"] == "false"  # « rehabilitated before the ERBM » (CGET)
    assert BY_ID["cite-schneider-roeulx"]["logements"] == "219"
    assert BY_ID["cite-schneider-roeulx"]["communes"].split(";") == ["59504", "59205", "59361"]


def test_listed_monuments_and_the_partly_buffer_zone_cites():
    chateau = BY_ID["cite-du-chateau-des-dames-gosnay"]
    assert chateau["monument_historique"] == "inscrit" and chateau["unesco_bien"] == "true"
    assert BY_ID["cite-deblock-sallaumines"]["zone_tampon"] == "en_partie"


# --- Finding a cité by the name residents use -----------------------------------------------------------------

# (as typed, the cité expected): names of the source files with numbers, « n° », « cité du », hyphens, no accents.
SPELLINGS = [
    ("la cité 12 à Lens", "cite-n-12-de-lens-lens"),
    ("cite n°12 de Lens", "cite-n-12-de-lens-lens"),
    ("cité numéro 12 Lens", "cite-n-12-de-lens-lens"),
    ("cite 12 62300", "cite-n-12-de-lens-lens"),
    ("cité Saint-Édouard", "cite-n-12-de-lens-lens"),
    ("cite saint edouard lens", "cite-n-12-de-lens-lens"),
    ("cité 12 bis à Lens", "cite-n-12-bis-de-lens-lens"),
    ("cite n 12bis lens", "cite-n-12-bis-de-lens-lens"),
    ("cité n°4 de Lens", "cite-n-4-de-lens-lens"),
    ("cite 4 a lens", "cite-n-4-de-lens-lens"),
    ("cité du 4 à Éleu-dit-Leauwette", "cite-n-4-de-lens-lens"),
    ("cite 9 de lens", "cite-n-9-de-lens-lens"),
    ("corons de la fosse 2 à Lens", "cite-n-2-de-lens-lens"),
    ("les corons du 2 lens", "cite-n-2-de-lens-lens"),
    ("cité n°2 de Béthune", "cite-n-2-de-bethune-mazingarbe"),
    ("cite du 2 mazingarbe", "cite-n-2-de-bethune-mazingarbe"),
    ("corons du n°2 hersin coupigny", "corons-du-n-2-hersin-coupigny"),
    ("cité n°10 de Béthune", "cite-n-10-de-bethune-sains-en-gohelle"),
    ("cite 10 sains en gohelle", "cite-n-10-de-bethune-sains-en-gohelle"),
    ("cité n°11 de Béthune", "cite-n-11-de-bethune-grenay"),
    ("cite numero 11 du dahomey", "cite-n-11-du-dahomey-loos-en-gohelle"),
    ("cité du 4-11", "cite-du-4-11-sallaumines"),
    ("cite du 4 11 sallaumines", "cite-du-4-11-sallaumines"),
    ("cité 5-12", "cite-du-5-12-sallaumines"),
    ("cite du 13-18", "cite-du-13-18-sallaumines"),
    ("cite du 3 15 a mericourt", "cite-du-3-15-sallaumines"),
    ("cité 16-3 du Nouveau Monde", "cite-16-3-du-nouveau-monde-bruay-la-buissiere"),
    ("cite 16 1 du nouveau monde", "cite-16-1-du-nouveau-monde-bruay-la-buissiere"),
    ("cité n°5 d'Auchel", "cite-n-5-d-auchel-auchel"),
    ("cite 5 auchel", "cite-n-5-d-auchel-auchel"),
    ("cité n°3 d'Auchel", "cite-n-3-d-auchel-auchel"),
    ("cité 27-28 Bruay-la-Buissière", "cite-anatole-france-bruay-la-buissiere"),
    ("cite anatole france", "cite-anatole-france-bruay-la-buissiere"),
    ("cité 12 à Bruay-la-Buissière", "cite-evrard-bruay-la-buissiere"),  # « Cité n°11, 12 et 13 »
    ("cite evrard", "cite-evrard-bruay-la-buissiere"),
    ("cité 31 bruay la buissiere", "cite-des-aviateurs-bruay-la-buissiere"),
    ("cite de la fosse n°10 hersin-coupigny", "cite-de-la-fosse-n-10-hersin-coupigny"),
    ("cité de la fosse 10 à Billy-Montigny", "cite-de-la-fosse-n-10-billy-montigny"),
    ("cite 50 auberchicourt", "cite-50-auberchicourt"),
    ("coron des 120", "coron-des-120-anzin"),
    ("cité n°7 de Béthune", "cite-n-7-de-bethune-mazingarbe"),
    ("cite du n°3 noeux les mines", "cite-du-n-3-noeux-les-mines"),
    ("cité 14 ouest", "cite-n-14-ouest-lens"),
    ("cite n14 est lens", "cite-n-14-est-lens"),
    ("cité Darçy", "cite-darcy-henin-beaumont"),
    ("cite des agaches", "cite-agache-fenain"),
    ("résidence de la Motte", "cite-noumea-rouvroy"),
    ("res de la motte rouvroy", "cite-noumea-rouvroy"),
    ("cité de la Parisienne", "cite-parisienne-drocourt"),
    ("cite chabaud latour ancienne", "cite-chabaud-latour-ancienne-denain"),
    ("cite ernestine", "cite-chabaud-latour-ancienne-denain"),
    ("cité du Bois Brûlé", "cite-du-bois-brule-somain"),
    ("cite du bois brule", "cite-du-bois-brule-somain"),
    ("quartier de sessevalle", "cite-du-bois-brule-somain"),
    ("cité de l'Archevêque", "cite-de-l-archeveque-aniche"),
    ("cite de l archeveque", "cite-de-l-archeveque-aniche"),
    ("cité St-Albert", "cite-saint-albert-lievin"),
    ("cite saint albert", "cite-saint-albert-lievin"),
    ("cité 16 liévin", "cite-saint-albert-lievin"),  # « Cité n°16 de Lens », at Liévin
    ("cite du grand conde", "cite-du-grand-conde-lens"),
    ("cité du Grand-Condé", "cite-du-grand-conde-lens"),
    ("cite du pole nord", "cite-du-pole-nord-lens"),
    ("cité du Château des Dames", "cite-du-chateau-des-dames-gosnay"),
    ("cite des electriciens", "cite-des-electriciens-bruay-la-buissiere"),
    ("cité des Électriciens bruay", "cite-des-electriciens-bruay-la-buissiere"),
    ("cite de la solitude vieux conde", "cite-de-la-solitude-vieux-conde"),
    ("cité de la Solitude à Douai", "cite-de-la-solitude-douai"),
    ("cite des alouettes bruay la buissiere", "cite-des-alouettes-bruay-la-buissiere"),
    ("cite des alouettes grenay", "cite-des-alouettes-bully-les-mines"),
    ("cité Thiers Ancienne", "cite-thiers-ancienne-bruay-sur-l-escaut"),
    ("cite du rond point", "cite-du-rond-point-marles-les-mines"),
    ("cite de riaumont", "cite-de-riaumont-lievin"),
    ("cité des Pâtures", "cite-des-patures-pecquencourt"),
    ("cite des patures", "cite-des-patures-pecquencourt"),
]


def test_the_spelling_table_is_large_enough():
    assert len(SPELLINGS) >= 60
    assert all(expected in BY_ID for _, expected in SPELLINGS)


@pytest.mark.parametrize("query, cite_id", SPELLINGS, ids=[q for q, _ in SPELLINGS])
def test_a_name_residents_use_finds_the_right_cite(shipped, query, cite_id):
    answer = shipped.get("/cites/search", params={"q": query}).json()
    assert answer["status"] == "found", answer
    assert [c["id"] for c in answer["cites"]] == [cite_id]


# (as typed, the cités the question offers): a number several cités share is a question, never a pick.
SHARED_NUMBERS = [
    ("cité du 4", {"cite-n-4-de-lens-lens", "cite-de-souchez-billy-montigny", "cite-d-algerie-bruay-la-buissiere"}),
    ("les corons de la fosse 2", {"cite-n-2-de-lens-lens", "cite-n-2-de-bethune-mazingarbe",
                                  "corons-du-n-2-hersin-coupigny", "cite-des-electriciens-bruay-la-buissiere"}),
    ("cite n°12", {"cite-n-12-de-lens-lens", "cite-evrard-bruay-la-buissiere"}),
    ("cité de la fosse 10", {"cite-de-la-fosse-n-10-hersin-coupigny", "cite-de-la-fosse-n-10-billy-montigny",
                             "cite-des-provinces-bruay-la-buissiere", "cite-n-10-de-bethune-sains-en-gohelle",
                             "cite-n-10-de-lens-vendin-le-vieil"}),
    ("cite des alouettes", {"cite-des-alouettes-bully-les-mines", "cite-des-alouettes-bruay-la-buissiere"}),
]


@pytest.mark.parametrize("query, expected", SHARED_NUMBERS, ids=[q for q, _ in SHARED_NUMBERS])
def test_a_name_several_cites_share_asks_which(shipped, query, expected):
    answer = shipped.get("/cites/search", params={"q": query}).json()
    assert answer["status"] == "ambiguous"
    assert {c["id"] for c in answer["cites"]} == expected


def test_a_number_not_in_the_commune_is_not_found_with_the_cites_of_that_number_elsewhere(shipped):
    answer = shipped.get("/cites/search", params={"q": "la cité 12 à Liévin"}).json()
    assert answer["status"] == "not_found" and answer["commune"]["nom"] == "Liévin"
    assert "cite-n-12-de-lens-lens" in {s["id"] for s in answer["suggestions"]}
    assert {c["id"] for c in answer["cites_de_la_commune"]} >= {"cite-des-genettes-lievin", "cite-de-riaumont-lievin"}


def test_a_name_in_no_source_is_not_found_with_the_landlords_of_the_communes_cites(shipped):
    answer = shipped.get("/cites/search", params={"q": "cité des Coquelicots à Lens"}).json()
    assert answer["status"] == "not_found"
    assert answer["commune"]["nom"] == "Lens"
    assert len(answer["cites_de_la_commune"]) >= 10  # Lens has more than ten cités minières
    assert answer["bailleurs_de_la_commune"] == ["Maisons & Cités"]
    assert {c["bailleur"] for c in answer["cites_de_la_commune"]} <= {"Maisons & Cités", None}


# --- Importing a newer extract ----------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path) -> TestClient:
    return TestClient(create_app(_settings(tmp_path)))


def _erbm_file(landlord_of: dict[str, str]) -> str:
    with (SOURCES / "cites_minieres_erbm.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        fields = reader.fieldnames
    for row in rows:
        row["proprietaire"] = landlord_of.get(row["id_lsm"], row["proprietaire"])
    from io import StringIO

    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_a_newer_erbm_extract_wins_and_a_staff_status_is_kept(client):
    darcy = "cite-darcy-henin-beaumont"  # id_lsm 380
    status = {"statut": "en_travaux", "debut_travaux_reel": "2026-02-02", "source_statut": "Maisons & Cités"}
    assert client.put(f"/cites/{darcy}/status", json=status, headers=STAFF).status_code == 200
    newer = _erbm_file({"380": "SIA", "704": "SIA"})
    response = client.post(
        "/cites/import", params={"couche": "erbm", "date_extrait": "2027-01-15"}, content=newer.encode(),
        headers={**STAFF, "Content-Type": "text/csv", "X-Agent": "a.martin (DIBM)"},
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["entites_modifiees"]) >= {darcy, "cite-rieux-vieux-conde"}
    cite = client.get(f"/cites/{darcy}").json()
    assert cite["bailleur"] == "SIA Habitat"  # the newer row wins
    assert cite["statut"]["code"] == "en_travaux" and cite["statut"]["debut_travaux_reel"] == "2026-02-02"
    assert cite["source"]["date"] == "2027-01-15" and "extrait du 15 janvier 2027" in cite["source"]["nom"]
    assert "manuel" in cite["source"]["lignes"] and "bien_inscrit:48D" in cite["source"]["lignes"]
    assert cite["patrimoine_mondial"]["bien_inscrit"] is True  # facts of other layers kept
    landlord = [c for c in client.get(f"/cites/{darcy}/history").json()["changements"] if c["champ"] == "bailleur"]
    assert landlord[0]["ancienne_valeur"] == "Maisons & Cités" and landlord[0]["par"] == "a.martin (DIBM)"


def test_an_older_extract_changes_nothing(client):
    older = _erbm_file({"380": "SIA"})
    response = client.post(
        "/cites/import", params={"couche": "erbm", "date_extrait": "2020-01-01"}, content=older.encode(),
        headers={**STAFF, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["modifications"] == 0
    assert client.get("/cites/cite-darcy-henin-beaumont").json()["bailleur"] == "Maisons & Cités"


def test_a_new_cite_in_an_extract_is_added(client):
    text = (
        "id_lsm,nom,nom_2,commune_1,insee_commune_1_derive,commune_2,insee_commune_2_derive,commune_3,"
        "insee_commune_3_derive,type,compagnie,interet,proprietaire,lon_centre_derive,lat_centre_derive\n"
        "99999,Cité des Tilleuls,,HARNES,62413,,,,,Cité jardin,Courrières,Témoin,SIA,2.9,50.4\n"
    )
    response = client.post(
        "/cites/import", params={"couche": "erbm", "date_extrait": "2027-01-15"}, content=text.encode(),
        headers={**STAFF, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    found = client.get("/cites/search", params={"q": "cité des tilleuls à Harnes"}).json()
    assert found["status"] == "found"
    assert found["cites"][0]["bailleur"] == "SIA Habitat" and found["cites"][0]["erbm_liste_mission_bassin_minier"]


@pytest.mark.parametrize(
    "params, phrase",
    [({"date_extrait": "2027-01-15"}, "couche=erbm ou couche=zone_tampon"), ({"couche": "erbm"}, "date_extrait")],
)
def test_an_extract_without_its_layer_or_date_is_refused_in_french(client, params, phrase):
    response = client.post(
        "/cites/import", params=params, content=_erbm_file({}).encode(), headers={**STAFF, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    assert phrase in response.json()["detail"]


def test_a_newer_build_of_the_shipped_file_merges_at_the_next_start_and_keeps_staff_statuses(tmp_path):
    """A database that loaded an older cites.csv (22 hand-curated cités) gets the new cités at the next start."""
    programme = tmp_path / "programme"
    shutil.copytree(PROGRAMME_DIR, programme)
    old_columns = list(CITES[0])[: list(CITES[0]).index("updated_at") + 1]  # the columns before this issue
    with (programme / "cites.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=old_columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "source_date": ""} for r in CITES if "manuel" in r["references"].split(";"))
    first = TestClient(create_app(_settings(tmp_path, programme)))
    assert first.get("/cites").json()["nombre"] == 22
    first.put("/cites/cite-agache-fenain/status", json={"statut": "programmee"}, headers=STAFF)
    shutil.copy(PROGRAMME_DIR / "cites.csv", programme / "cites.csv")
    again = TestClient(create_app(_settings(tmp_path, programme)))
    assert again.get("/cites").json()["nombre"] == len(CITES)
    agache = again.get("/cites/cite-agache-fenain").json()
    assert agache["statut"]["code"] == "programmee"
    assert agache["erbm_liste_mission_bassin_minier"] is True and agache["type"] == "Cité pavillonnaire"
