"""Employment structures: staff add and correct them (API or CSV import), the bot uses them at once, history kept."""
import csv
from pathlib import Path

import pytest

from assistant.settings import PROGRAMME_DIR

with (PROGRAMME_DIR / "employment" / "structures.csv").open(encoding="utf-8") as _f:
    SHIPPED = list(csv.DictReader(_f))

ARTOIS = {
    "nom": "Mission locale de l'Artois",
    "kind": "mission_locale",
    "communes": ["Béthune"],
    "epci": ["CA de Béthune-Bruay Artois Lys Romane"],
    "source": "site de la mission locale, consulté le 26/11/2026",
}


def _orient(client, **profile) -> dict:
    response = client.post("/employment/orientation", json=profile)
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["routes"]}


def _csv(client, headers, text: str):
    return client.post("/employment/structures/import", content=text.encode("utf-8"),
                       headers={**headers, "Content-Type": "text/csv"})


# --- Reading ----------------------------------------------------------------------------------------------------


def test_every_structure_named_by_the_sources_is_shipped_with_its_kind_epci_and_source(client):
    with (PROGRAMME_DIR / "employment_structures_sources.csv").open(encoding="utf-8") as f:
        sources = list(csv.DictReader(f))
    shipped = {s["nom"]: s for s in client.get("/employment/structures").json()["structures"]}
    assert len(sources) == 11 and len(shipped) == len(SHIPPED)  # the 11 of the sources and the directory's offices
    for row in sources:
        name = row["structure"].replace(" with ", " avec l'")
        structure = shipped[name]
        assert structure["kind"] == row["kind"]
        assert sorted(e["nom"] for e in structure["epci"]) == sorted(e.strip() for e in row["epci"].split(";"))
        assert structure["source"].split(" ; ")[0] == row["source"]  # then the directory's, when it names it


def test_structures_for_a_commune_come_by_commune_then_by_epci(client):
    answer = client.get("/employment/structures", params={"commune": "Carvin"}).json()
    assert answer["commune"]["nom"] == "Carvin"
    matches = [(s["id"], s["match"]) for s in answer["structures"]]
    assert set(matches[:2]) == {("mission-locale-henin-carvin", "commune"), ("maison-initiative-emploi-carvin", "commune")}
    assert ("maison-emploi-lens-lievin-henin-carvin", "epci") in matches
    assert all(s["id"] != "france-travail-lens" for s in answer["structures"])


def test_structures_can_be_filtered_by_kind(client):
    plie = client.get("/employment/structures", params={"kind": "plie"}).json()["structures"]
    assert sorted(s["id"] for s in plie) == ["plie-douaisis", "plie-porte-du-hainaut"]
    denain = client.get("/employment/structures", params={"kind": "plie", "commune": "59172"}).json()["structures"]
    assert [s["id"] for s in denain] == ["plie-porte-du-hainaut"]


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({"kind": "pole_emploi"}, 422, "types possibles"),
        ({"commune": "Nullepart-sur-Mer"}, 404, "Commune inconnue"),
        ({"commune": "99999"}, 404, "Aucune commune"),
        ({"commune": "Marles"}, 422, "Plusieurs communes"),
    ],
)
def test_bad_structure_queries_get_a_french_4xx(client, params, status, words):
    response = client.get("/employment/structures", params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_an_unknown_structure_is_a_404(client):
    response = client.get("/employment/structures/nulle-part")
    assert response.status_code == 404
    assert "Aucune structure" in response.json()["detail"]
    assert client.get("/employment/structures/nulle-part/history").status_code == 404


# --- Staff changes through the API --------------------------------------------------------------------------


def test_creating_a_structure_needs_the_staff_token(client, staff_headers):
    assert client.post("/employment/structures", json=ARTOIS).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.post("/employment/structures", json=ARTOIS, headers=wrong).status_code == 401
    assert client.get("/employment/structures/mission-locale-de-l-artois").status_code == 404
    created = client.post("/employment/structures", json=ARTOIS, headers=staff_headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "mission-locale-de-l-artois"
    assert body["communes"] == [{"insee": "62119", "nom": "Béthune"}]
    assert body["epci"] == [{"siren": "200072460", "nom": "CA de Béthune-Bruay, Artois-Lys Romane"}]
    assert client.post("/employment/structures", json=ARTOIS, headers=staff_headers).status_code == 409


def test_a_new_structure_is_used_by_the_next_orientation(client, staff_headers):
    # The directory of 2019 names no Mission locale in the CC Coeur d'Ostrevent: the official directory is given.
    before = _orient(client, age=20, commune_query="Somain")
    assert before["mission_locale"]["structures"] == []
    assert before["mission_locale"]["national_contact"]["site"] == "lannuaire.service-public.fr"
    ostrevent = {**ARTOIS, "nom": "Mission locale du Coeur d'Ostrevent (test)", "communes": [], "epci": ["CCCO"]}
    client.post("/employment/structures", json=ostrevent, headers=staff_headers)
    after = _orient(client, age=20, commune_query="Somain")
    assert [(s["id"], s["match"]) for s in after["mission_locale"]["structures"]] == [
        ("mission-locale-du-coeur-d-ostrevent-test", "epci")
    ]
    assert after["mission_locale"]["national_contact"] is None  # a local office is known now


def test_a_plie_added_by_staff_opens_the_plie_route_there(client, staff_headers):
    assert "plie" not in _orient(client, age=45, rsa=True, commune_query="Somain")
    plie = {"nom": "PLIE du Coeur d'Ostrevent", "kind": "plie", "epci": "CCCO", "source": "délibération (test)"}
    assert client.post("/employment/structures", json=plie, headers=staff_headers).status_code == 201
    routes = _orient(client, age=45, rsa=True, commune_query="Somain")
    assert [s["id"] for s in routes["plie"]["structures"]] == ["plie-du-coeur-d-ostrevent"]


def test_put_and_patch_correct_a_structure_and_every_change_is_in_the_history(client, staff_headers):
    url = "/employment/structures/france-travail-denain"
    assert client.patch(url, json={"horaires": "du lundi au vendredi"}).status_code == 401
    patched = client.patch(url, json={"horaires": "du lundi au vendredi"}, headers=staff_headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["horaires"] == "du lundi au vendredi"
    assert patched.json()["nom"] == "France Travail Denain"
    assert patched.json()["updated_by"] == "staff"
    routes = _orient(client, age=40, commune_query="Denain")
    assert routes["france_travail"]["structures"][0]["horaires"] == "du lundi au vendredi"

    replacement = {"nom": "France Travail Denain", "kind": "france_travail", "communes": ["59172"],
                   "epci": ["200042190"], "adresse": "adresse vérifiée (test)", "source": "va-infos.fr (2026)"}
    replaced = client.put(url, json=replacement, headers=staff_headers)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["horaires"] is None  # PUT replaces every field
    assert replaced.json()["adresse"] == "adresse vérifiée (test)"

    changes = client.get(url + "/history").json()["changements"]
    note = "Agence France Travail de Denain (convention avec l'agglomération)."
    recorded = [(c["champ"], c["ancienne_valeur"], c["nouvelle_valeur"], c["via"]) for c in changes]
    assert sorted(recorded, key=str) == [
        ("adresse", None, "adresse vérifiée (test)", "api"),
        ("horaires", "du lundi au vendredi", None, "api"),
        ("horaires", None, "du lundi au vendredi", "api"),
        ("note", note, None, "api"),  # PUT without a note removes it
    ]
    assert changes[-1]["nouvelle_valeur"] == "du lundi au vendredi"  # most recent first: the PATCH is last


def test_put_on_an_unknown_structure_is_a_404(client, staff_headers):
    response = client.put("/employment/structures/nulle-part", json=ARTOIS, headers=staff_headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body, words",
    [
        ({**ARTOIS, "kind": "pole_emploi"}, "types possibles"),
        ({**ARTOIS, "communes": ["Nullepart"]}, "commune inconnue"),
        ({**ARTOIS, "epci": ["CA de Nulle Part"]}, "EPCI inconnu"),
        ({**ARTOIS, "communes": [], "epci": []}, "au moins une commune ou un EPCI"),
        ({k: v for k, v in ARTOIS.items() if k != "source"}, "source est obligatoire"),
        ({**ARTOIS, "telephone": "0321000000"}, "champ(s) inconnu(s) : telephone"),
        ({**ARTOIS, "id": "Pas Un Id"}, "identifiant"),
        ({**ARTOIS, "nom": "x" * 300}, "dépasse"),
    ],
)
def test_a_bad_structure_is_refused_in_french_and_nothing_is_written(client, staff_headers, body, words):
    response = client.post("/employment/structures", json=body, headers=staff_headers)
    assert response.status_code == 422, response.text
    assert words in response.text
    assert len(client.get("/employment/structures").json()["structures"]) == len(SHIPPED)


def test_a_bad_patch_leaves_the_structure_unchanged(client, staff_headers):
    url = "/employment/structures/plie-douaisis"
    response = client.patch(url, json={"kind": "nimporte"}, headers=staff_headers)
    assert response.status_code == 422
    assert client.get(url).json()["kind"] == "plie"
    assert client.get(url + "/history").json()["changements"] == []


# --- Staff changes by CSV import ----------------------------------------------------------------------------

GOOD_IMPORT = (
    "id;nom;kind;communes;epci;adresse;contact;horaires;note;source\n"
    "plie-douaisis;;;;;;;du lundi au jeudi;;\n"
    ";Mission locale de l'Artois;mission_locale;62119;CA de Béthune-Bruay, Artois-Lys Romane;;;;;site (test)\n"
)


def test_a_good_import_updates_and_adds_and_the_bot_uses_it_at_once(client, staff_headers):
    good = "id,horaires\nplie-douaisis,du lundi au jeudi\n"
    assert _csv(client, {}, good).status_code == 401
    response = _csv(client, staff_headers, good)
    assert response.status_code == 200, response.text
    assert response.json()["entites_modifiees"] == ["plie-douaisis"]
    routes = _orient(client, age=50, rsa=True, commune_query="Douai")
    assert routes["plie"]["structures"][0]["horaires"] == "du lundi au jeudi"
    assert routes["plie"]["structures"][0]["nom"] == "PLIE du Douaisis"  # columns not in the file are kept
    history = client.get("/employment/structures/plie-douaisis/history").json()["changements"]
    assert [(c["champ"], c["via"]) for c in history] == [("horaires", "import")]


def test_an_import_with_french_separators_adds_a_structure(client, staff_headers):
    text = (
        "id;nom;kind;communes;epci;source\n"
        "mission-locale-ostrevent;Mission locale de l'Ostrevent (test);mission_locale;Somain;"
        "CC Coeur d'Ostrevent (CCCO);site (test)\n"
    )
    response = _csv(client, staff_headers, text)
    assert response.status_code == 200, response.text
    routes = _orient(client, age=19, commune_query="Somain")
    assert [s["id"] for s in routes["mission_locale"]["structures"]] == ["mission-locale-ostrevent"]


def test_a_malformed_import_changes_nothing_and_says_which_lines_are_wrong(client, staff_headers):
    text = (
        "id,nom,kind,communes,epci,source\n"
        "plie-douaisis,PLIE du Douaisis (corrigé),plie,59178,,source (test)\n"
        "nouvelle-structure,Nouvelle,pole_emploi,59178,,source (test)\n"
        "autre-structure,Autre,plie,Nullepart,,source (test)\n"
        "sans-source,Sans source,plie,59178,,\n"
    )
    response = _csv(client, staff_headers, text)
    assert response.status_code == 422
    errors = response.json()["erreurs"]
    assert {e["ligne"] for e in errors} == {3, 4, 5}
    assert any("pole_emploi" in e["erreur"] and e["erreur"].startswith("ligne 3 :") for e in errors)
    assert any("Nullepart" in e["erreur"] for e in errors)
    assert any("source" in e["erreur"] and e["ligne"] == 5 for e in errors)
    assert "rien n'a été modifié" in response.json()["detail"]
    # line 2 was right, but nothing was applied
    assert client.get("/employment/structures/plie-douaisis").json()["nom"] == "PLIE du Douaisis"
    assert client.get("/employment/structures/plie-douaisis/history").json()["changements"] == []


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "vide"),
        ("id,telephone\nplie-douaisis,0321000000\n", "colonne(s) inconnue(s) : telephone"),
        ("id,horaires\nplie-douaisis,lundi,mardi\n", "valeurs au lieu de"),
        ("id,horaires\nnulle-part,lundi\n", "nouvelle structure 'nulle-part'"),
    ],
)
def test_malformed_files_are_refused_in_french(client, staff_headers, text, words):
    response = _csv(client, staff_headers, text)
    assert response.status_code == 422
    assert words in response.text


def test_a_file_not_in_utf8_is_refused(client, staff_headers):
    response = client.post(
        "/employment/structures/import",
        content="id,horaires\nplie-douaisis,lundi à jeudi\n".encode("latin-1"),
        headers={**staff_headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert "UTF-8" in response.json()["detail"]


# --- Bad orientation requests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, words",
    [
        ({"age": "vingt"}, "l'âge doit être un nombre entier"),
        ({"age": 200}, "entre 0 et 120"),
        ({"rsa": "oui"}, "attendu : true, false ou null"),
        ({"diplome": False}, "champ(s) inconnu(s) : diplome"),
        ({"commune_insee": "62510", "commune_query": "Liévin"}, "pas les deux"),
        ({"commune_insee": "Liévin"}, "code INSEE"),
        ({"commune_insee": "99999"}, "Aucune commune"),
        ({"commune_query": "   "}, "texte non vide"),
    ],
)
def test_bad_orientation_requests_get_a_french_422(client, body, words):
    response = client.post("/employment/orientation", json=body)
    assert response.status_code == 422, response.text
    assert words in response.text


def test_an_orientation_request_that_is_not_json_is_a_4xx_not_a_500(client):
    response = client.post("/employment/orientation", content=b"{pas du json", headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


def test_a_patch_that_changes_nothing_leaves_no_history(client, staff_headers):
    url = "/employment/structures/greta-grand-hainaut"
    before = client.get(url).json()
    response = client.patch(url, json={"nom": "GRETA Grand Hainaut", "epci": ["CA de la Porte du Hainaut"]},
                            headers=staff_headers)
    assert response.status_code == 200
    assert response.json()["updated_at"] == before["updated_at"]
    assert client.get(url + "/history").json()["changements"] == []
