"""Keeping cités up to date: status changes by staff only, effective at once, kept in the history; CSV imports
all or nothing; lists by commune; ERBM facts with their sources."""
import csv
import datetime as dt

import pytest

from assistant.settings import PROGRAMME_DIR

AGACHE = "cite-agache-fenain"
SHIPPED = list(csv.DictReader((PROGRAMME_DIR / "cites.csv").open(encoding="utf-8")))
# The cités the shipped file places in Douai (59178), the Corons verts first.
DOUAI = tuple(sorted((r["id"] for r in SHIPPED if "59178" in r["communes"].split(";")), key=lambda i: "verts" not in i))
GOOD_STATUS = {
    "statut": "en_travaux",
    "debut_travaux_prevu": "2026-03-01",
    "fin_travaux_prevue": "2027-06-30",
    "debut_travaux_reel": "2026-03-16",
    "source_statut": "Maisons & Cités, point d'avancement",
}


def _status(client, cite_id):
    response = client.get(f"/cites/{cite_id}")
    assert response.status_code == 200
    return response.json()["statut"]


def _snapshot(client):
    return {c["id"]: c["statut"] for c in client.get("/cites").json()["cites"]}


# --- Status through the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}], ids=["no token", "wrong token"])
def test_a_status_change_without_the_staff_token_is_refused_and_changes_nothing(client, method, headers):
    response = getattr(client, method)(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=headers)
    assert response.status_code == 401
    assert "jeton" in response.json()["detail"]
    assert _status(client, AGACHE)["code"] == "inconnu"
    assert client.get(f"/cites/{AGACHE}/history").json()["changements"] == []


def test_a_status_set_by_staff_is_answered_at_once_and_kept_in_the_history(client, staff_headers):
    response = client.put(
        f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers={**staff_headers, "X-Agent": "m.dupont (DIBM)"}
    )
    assert response.status_code == 200, response.text
    assert {c["champ"] for c in response.json()["changements"]} == {
        "statut", "debut_travaux_prevu", "fin_travaux_prevue", "debut_travaux_reel", "source_statut"
    }
    # The very next read says the new status, with who changed it and when.
    cite = client.get(f"/cites/{AGACHE}").json()
    assert cite["statut"]["code"] == "en_travaux" and cite["statut"]["connu"] is True
    assert cite["statut"]["libelle"] == "En travaux"
    assert cite["statut"]["debut_travaux_reel"] == "2026-03-16"
    assert cite["statut"]["fin_travaux_reelle"] is None
    assert cite["mise_a_jour"]["par"] == "m.dupont (DIBM)"
    assert cite["mise_a_jour"]["le"].startswith(dt.datetime.utcnow().date().isoformat())
    assert client.get("/cites/search", params={"q": "cite agache"}).json()["cites"][0]["statut"]["code"] == (
        "en_travaux"
    )
    changes = client.get(f"/cites/{AGACHE}/history").json()["changements"]
    statut = next(c for c in changes if c["champ"] == "statut")
    assert (statut["ancienne_valeur"], statut["nouvelle_valeur"]) == ("inconnu", "en_travaux")
    assert statut["par"] == "m.dupont (DIBM)" and statut["via"] == "api"


def test_patch_changes_only_the_fields_sent_and_records_only_what_changed(client, staff_headers):
    client.put(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=staff_headers)
    response = client.patch(
        f"/cites/{AGACHE}/status",
        json={"statut": "terminee", "fin_travaux_reelle": "2026-09-30"},
        headers=staff_headers,
    )
    assert response.status_code == 200, response.text
    status = response.json()["cite"]["statut"]
    assert status["code"] == "terminee"
    assert status["debut_travaux_reel"] == "2026-03-16"  # kept
    assert status["fin_travaux_reelle"] == "2026-09-30"
    assert [(c["champ"], c["ancienne_valeur"], c["nouvelle_valeur"]) for c in response.json()["changements"]] == [
        ("statut", "en_travaux", "terminee"),
        ("fin_travaux_reelle", None, "2026-09-30"),
    ]
    history = client.get(f"/cites/{AGACHE}/history").json()["changements"]
    assert len(history) == 7  # 5 fields set, then 2 changed
    assert {c["champ"] for c in history[:2]} == {"statut", "fin_travaux_reelle"}  # most recent first
    assert {c["nouvelle_valeur"] for c in history[:2]} == {"terminee", "2026-09-30"}
    # The same PATCH again changes nothing and records nothing.
    again = client.patch(f"/cites/{AGACHE}/status", json={"statut": "terminee"}, headers=staff_headers)
    assert again.json()["changements"] == []
    assert len(client.get(f"/cites/{AGACHE}/history").json()["changements"]) == 7


def test_put_replaces_the_whole_status_and_empties_dates_not_sent(client, staff_headers):
    client.put(f"/cites/{AGACHE}/status", json=GOOD_STATUS, headers=staff_headers)
    response = client.put(f"/cites/{AGACHE}/status", json={"statut": "a_l_etude"}, headers=staff_headers)
    assert response.status_code == 200, response.text
    status = response.json()["cite"]["statut"]
    assert status["code"] == "a_l_etude"
    assert status["debut_travaux_prevu"] is None and status["debut_travaux_reel"] is None


# A month ahead, not a day: the table is built when pytest collects, which can be before midnight while the
# test runs after it (CI of 3 Dec 2026: « tomorrow » had become today and was accepted).
NEXT_MONTH = (dt.date.today() + dt.timedelta(days=30)).isoformat()
# (method, body, a French phrase of the refusal)
BAD_STATUSES = [
    ("put", {"statut": "fini"}, "valeurs possibles : a_l_etude, programmee, en_travaux, terminee, inconnu"),
    ("put", {"debut_travaux_prevu": "2026-03-01"}, "le statut est obligatoire"),
    ("patch", {"statut": "programmee", "debut_travaux_prevu": "01/03/2026"}, "attendu : une date au format AAAA-MM-JJ"),
    ("patch", {"debut_travaux_prevu": "2026-06-01", "fin_travaux_prevue": "2026-01-01"}, "est avant"),
    ("patch", {"statut": "en_travaux", "debut_travaux_reel": NEXT_MONTH}, "dans le futur"),
    ("patch", {"statut": "en_travaux", "fin_travaux_reelle": "2025-01-01"}, "n'a pas encore de fin_travaux_reelle"),
    ("patch", {"statu": "terminee"}, "champ inconnu : statu"),
    ("patch", {}, "aucun champ à modifier"),
    ("patch", {"statut": None}, "le statut est obligatoire"),
]


@pytest.mark.parametrize("method, body, phrase", BAD_STATUSES, ids=[str(b) for _, b, _ in BAD_STATUSES])
def test_a_wrong_status_is_refused_in_french_and_changes_nothing(client, staff_headers, method, body, phrase):
    response = getattr(client, method)(f"/cites/{AGACHE}/status", json=body, headers=staff_headers)
    assert response.status_code == 422, response.text
    assert any(phrase in error for error in response.json()["erreurs"])
    assert _status(client, AGACHE)["code"] == "inconnu"
    assert client.get(f"/cites/{AGACHE}/history").json()["changements"] == []


def test_an_unknown_cite_is_a_404_in_french(client, staff_headers):
    for response in (
        client.get("/cites/cite-des-lilas"),
        client.get("/cites/cite-des-lilas/history"),
        client.put("/cites/cite-des-lilas/status", json={"statut": "terminee"}, headers=staff_headers),
    ):
        assert response.status_code == 404
        assert "Aucune cité" in response.json()["detail"]


def test_a_body_that_is_not_json_is_a_4xx_not_a_500(client, staff_headers):
    response = client.put(
        f"/cites/{AGACHE}/status",
        content=b"statut=terminee",
        headers={**staff_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


# --- Cités of a commune -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"commune": "Douai"}, {"commune": "douai"}, {"commune": "à Douai"}, {"insee": "59178"}],
)
def test_the_cites_of_a_commune_by_name_or_code(client, params):
    response = client.get("/cites", params=params)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["commune"]["insee"] == "59178"
    assert {c["id"] for c in answer["cites"]} == set(DOUAI)
    assert len(DOUAI) >= 8  # Douai's cités of the ERBM and UNESCO lists
    assert answer["par_statut"] == {"inconnu": len(DOUAI)}


def test_which_cites_are_under_works_in_douai_follows_the_latest_status(client, staff_headers):
    ask = {"commune": "Douai", "statut": "en_travaux"}
    assert client.get("/cites", params=ask).json()["cites"] == []
    client.patch(f"/cites/{DOUAI[0]}/status", json={"statut": "en_travaux"}, headers=staff_headers)
    answer = client.get("/cites", params=ask).json()
    assert [c["id"] for c in answer["cites"]] == [DOUAI[0]]
    assert answer["par_statut"] == {"en_travaux": 1, "inconnu": len(DOUAI) - 1}


def test_a_cite_over_several_communes_is_listed_in_each(client):
    for commune in ("Wallers", "Bellaing", "Hérin", "Raismes"):
        ids = {c["id"] for c in client.get("/cites", params={"commune": commune}).json()["cites"]}
        assert "quartier-arenberg-wallers" in ids
    arenberg = client.get("/cites/quartier-arenberg-wallers").json()
    assert [c["nom"] for c in arenberg["communes"]] == ["Wallers", "Bellaing", "Hérin", "Raismes"]


@pytest.mark.parametrize(
    "params, status_code, phrase",
    [
        ({"commune": "Trifouilly"}, 404, "Commune inconnue"),
        ({"commune": "Marles"}, 422, "Plusieurs communes"),
        # Douai's postal code and Ribécourt-la-Tour's INSEE code: a question, never a guess.
        ({"commune": "59500"}, 422, "à la fois un code postal (Douai) et un code INSEE (Ribécourt-la-Tour)"),
        ({"insee": "59999"}, 404, "Aucune commune"),
        ({"insee": "59178", "commune": "Douai"}, 422, "pas les deux"),
        ({"commune": "Douai", "statut": "fini"}, 422, "valeurs possibles"),
        ({"commune": " "}, 422, "vide"),
    ],
)
def test_a_wrong_commune_or_status_filter_is_a_clear_4xx(client, params, status_code, phrase):
    response = client.get("/cites", params=params)
    assert response.status_code == status_code
    assert phrase in str(response.json()["detail"])


def test_all_shipped_cites_are_listed_with_no_invented_status(client):
    answer = client.get("/cites").json()
    assert answer["nombre"] == len(SHIPPED)
    assert answer["par_statut"] == {"inconnu": len(SHIPPED)}
    by_id = {c["id"]: c for c in answer["cites"]}
    # Its hand-curated source names no commune; the ERBM layer places it in Dechy.
    croix = by_id["cite-de-la-croix-de-pierre"]
    assert croix["communes"] == [{"insee": "59170", "nom": "Dechy"}] and croix["logements"] == 276
    assert by_id["cite-lemay-pecquencourt"]["operation"]["code"] == "hors_erbm"
    assert by_id["cite-lemay-pecquencourt"]["erbm"] is False
    assert by_id["cite-schneider-roeulx"]["logements"] == 219
    assert by_id["cite-brunehaut-escautpont"]["bailleur"] == "SIA Habitat"
    # Operation waves are totals in the sources: no cité is put in one.
    assert not [c for c in answer["cites"] if c["operation"] and c["operation"]["code"] != "hors_erbm"]


# --- CSV import ---------------------------------------------------------------------------------------------

GOOD_FILE = (
    "id,statut,debut_travaux_prevu,fin_travaux_prevue,source_statut\n"
    "cite-agache-fenain,programmee,2027-01-15,2028-06-30,Maisons & Cités\n"
    "cite-des-corons-verts-douai,en_travaux,2025-09-01,2026-12-31,\n"
)


def test_a_good_file_updates_every_line_with_its_history(client, staff_headers):
    response = client.post(
        "/cites/import",
        content=GOOD_FILE.encode(),
        headers={**staff_headers, "Content-Type": "text/csv", "X-Agent": "import M&C"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["lignes"] == 2
    assert report["entites_modifiees"] == ["cite-agache-fenain", "cite-des-corons-verts-douai"]
    agache = client.get(f"/cites/{AGACHE}").json()
    assert agache["statut"]["code"] == "programmee" and agache["statut"]["debut_travaux_prevu"] == "2027-01-15"
    assert agache["mise_a_jour"]["par"] == "import M&C"
    changes = client.get(f"/cites/{AGACHE}/history").json()["changements"]
    assert {(c["champ"], c["via"], c["par"]) for c in changes} >= {("statut", "import", "import M&C")}
    asked = client.get("/cites", params={"commune": "Douai", "statut": "en_travaux"}).json()
    assert [c["id"] for c in asked["cites"]] == ["cite-des-corons-verts-douai"]


def test_a_spreadsheet_export_with_semicolons_in_windows_1252_is_accepted(client, staff_headers):
    text = "id;statut;source_statut\ncite-agache-fenain;terminee;Délégation\n"
    response = client.post("/cites/import", content=text.encode("cp1252"), headers=staff_headers)
    assert response.status_code == 200, response.text
    assert _status(client, AGACHE)["source"] == "Délégation"


def test_a_file_uploaded_as_a_form_is_accepted(client, staff_headers):
    response = client.post(
        "/cites/import",
        files={"file": ("statuts.csv", GOOD_FILE.encode(), "text/csv")},
        headers=staff_headers,
    )
    assert response.status_code == 200, response.text
    assert _status(client, AGACHE)["code"] == "programmee"


# (file, the errors expected, line by line)
MALFORMED_FILES = [
    (
        "id,statut\ncite-agache-fenain,programmee\ncite-des-corons-verts-douai,fini\n",
        ["ligne 3 : la colonne statut vaut 'fini', valeurs possibles : a_l_etude, programmee, en_travaux, "
         "terminee, inconnu"],
    ),
    (
        "id,statut\ncite-des-lilas,terminee\n",
        ["ligne 2 : aucune cité avec l'identifiant 'cite-des-lilas' (voir GET /cites)"],
    ),
    (
        "id,statut,debut_travaux_prevu,fin_travaux_prevue\n"
        "cite-agache-fenain,programmee,2027-01-15,2026-01-01\n"
        "cite-des-corons-verts-douai,programmee,15/01/2027,\n",
        [
            "ligne 2 : fin_travaux_prevue (2026-01-01) est avant debut_travaux_prevu (2027-01-15)",
            "ligne 3 : la colonne debut_travaux_prevu vaut '15/01/2027', attendu : une date au format AAAA-MM-JJ",
        ],
    ),
    (
        "id,statut\ncite-agache-fenain,programmee\ncite-agache-fenain,terminee\n",
        ["ligne 3 : id 'cite-agache-fenain' figure déjà à la ligne 2"],
    ),
    ("id,etat\ncite-agache-fenain,terminee\n", None),  # unknown and missing column: errors on line 1
    ("", ["ligne 1 : le fichier est vide"]),
]


@pytest.mark.parametrize("text, errors", MALFORMED_FILES)
def test_a_malformed_file_is_rejected_line_by_line_and_changes_nothing(client, staff_headers, text, errors):
    before = _snapshot(client)
    response = client.post("/cites/import", content=text.encode(), headers=staff_headers)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert "aucune modification" in answer["detail"]
    if errors is None:
        assert {e["ligne"] for e in answer["erreurs"]} == {1}
    else:
        assert [e["erreur"] for e in answer["erreurs"]] == errors
    assert _snapshot(client) == before
    assert client.get(f"/cites/{AGACHE}/history").json()["changements"] == []


@pytest.mark.parametrize("content", [
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",  # a JPEG sent as the file (found by the OpenAPI fuzzing: it was a 500)
    b"id,statut\ncite-agache-fenain,en_\x00travaux\n",
], ids=["jpeg", "nul-in-a-cell"])
def test_a_binary_file_is_refused_in_french_and_changes_nothing(client, staff_headers, content):
    before = _snapshot(client)
    response = client.post("/cites/import", content=content, headers=staff_headers)
    assert response.status_code == 422
    assert "pas un fichier CSV texte" in response.json()["detail"]
    assert _snapshot(client) == before


def test_an_import_without_the_staff_token_is_refused(client):
    response = client.post("/cites/import", content=GOOD_FILE.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 401
    assert _status(client, AGACHE)["code"] == "inconnu"


# --- ERBM facts ---------------------------------------------------------------------------------------------


def test_each_erbm_fact_is_short_french_with_a_source(client):
    facts = client.get("/programme/facts").json()["faits"]
    by_id = {f["id"]: f for f in facts}
    assert len(by_id) == len(facts) >= 15
    for fact in facts:
        assert fact["texte"] and fact["source"], fact
        assert len(fact["texte"]) < 320, fact["id"]
    assert "7 mars 2017" in by_id["erbm_signature"]["texte"] and "Oignies" in by_id["erbm_signature"]["texte"]
    assert "23 000" in by_id["erbm_objectif_logements"]["texte"]
    assert "Maisons & Cités" in by_id["erbm_bailleurs"]["texte"] and "SIA Habitat" in by_id["erbm_bailleurs"]["texte"]
    assert "35" in by_id["erbm_operations"]["texte"] and "15" in by_id["erbm_operations"]["texte"]
    assert by_id["erbm_delegation"]["date_source"] == "2017-07-21"
    assert client.get("/programme/facts/erbm_bailleurs").json() == by_id["erbm_bailleurs"]
    assert client.get("/programme/facts/erbm_inexistant").status_code == 404
