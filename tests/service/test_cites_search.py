"""Finding a cité as residents type it: a table of real spellings and near misses, through the HTTP API.

A wrong cité presented as found is the failure that matters most: near misses must come back as not_found with
suggestions, or as a question (ambiguous), never as an answer.
"""
import csv
import shutil

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings



CITES_OF: dict[str, list[str]] = {}  # INSEE code → the ids of the shipped cités there
with (PROGRAMME_DIR / "cites.csv").open(encoding="utf-8") as _f:
    for _row in csv.DictReader(_f):
        for _code in filter(None, _row["communes"].split(";")):
            CITES_OF.setdefault(_code, []).append(_row["id"])


def _settings(path, programme_dir=PROGRAMME_DIR) -> Settings:
    return Settings(
        database_url=f"sqlite:///{path / 'programme.db'}",
        programme_dir=programme_dir,
        staff_token="search-tests-token",
        host="127.0.0.1",
        port=0,
    )


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> TestClient:
    """The service on the shipped data; searches do not change it, so one database serves the module."""
    return TestClient(create_app(_settings(tmp_path_factory.mktemp("cites"))))


def _search(client: TestClient, query: str) -> dict:
    response = client.get("/cites/search", params={"q": query})
    assert response.status_code == 200, response.text
    return response.json()


# (as typed, the one cité expected, the commune the query names or None)
FOUND = [
    ("Cité Agache", "cite-agache-fenain", None),
    ("cite agache", "cite-agache-fenain", None),
    ("CITE AGACHE", "cite-agache-fenain", None),
    ("agache", "cite-agache-fenain", None),
    ("cite agach", "cite-agache-fenain", None),  # a letter missing
    ("la Croisette à Méricourt", "cite-de-la-croisette-mericourt", "62570"),
    ("la croisette a mericourt", "cite-de-la-croisette-mericourt", "62570"),
    ("croisette", "cite-de-la-croisette-mericourt", None),
    ("cite de la croisete", "cite-de-la-croisette-mericourt", None),  # a letter missing
    ("cité des alouettes bully", "cite-des-alouettes-bully-les-mines", "62186"),
    ("cite des alouette bully les mines", "cite-des-alouettes-bully-les-mines", "62186"),
    ("cite des alouettes 62160", "cite-des-alouettes-bully-les-mines", None),  # 62160: Bully and two others
    ("cité nouméa", "cite-noumea-rouvroy", None),
    ("cite noumea rouvroy", "cite-noumea-rouvroy", "62724"),
    ("cite darcy a henin beaumont", "cite-darcy-henin-beaumont", "62427"),
    ("cite darci", "cite-darcy-henin-beaumont", None),  # sounds the same
    ("cite heurtaux", "cite-heurteau-hornaing", None),  # sounds the same
    ("cite schnieder", "cite-schneider-roeulx", None),  # two letters swapped
    ("cite de la mouchoniere", "cite-de-la-mouchonniere-douai", None),
    ("les corons verts douai", "cite-des-corons-verts-douai", "59178"),
    ("cite du parc", "cite-du-parc-mericourt", None),
    ("quartier arenberg raismes", "quartier-arenberg-wallers", "59491"),  # a cité over four communes
    ("arenberg wallers", "quartier-arenberg-wallers", "59632"),
    ("cite de la croix de pierre", "cite-de-la-croix-de-pierre", None),  # no commune known
    ("cite de neuville", "cite-de-neuville-lourches", None),  # not the communes called Neuville-…
    ("cité Declerc", "cite-declercq-oignies", None),
    ("ou en est la renovation de la cite agache a fenain ?", "cite-agache-fenain", "59227"),
    ("c'est quand les travaux de la croisette", "cite-de-la-croisette-mericourt", None),
]


@pytest.mark.parametrize("query, cite_id, insee", FOUND, ids=[q for q, _, _ in FOUND])
def test_a_cite_typed_as_residents_do_is_found(shipped, query, cite_id, insee):
    answer = _search(shipped, query)
    assert answer["status"] == "found"
    assert [c["id"] for c in answer["cites"]] == [cite_id]
    assert (answer["commune"] or {}).get("insee") == insee


# (as typed, the cités the question offers): the bot asks which one, it does not choose.
AMBIGUOUS = [
    ("cite de la croi", {"cite-de-la-croisette-mericourt", "cite-de-la-croix-de-pierre"}),  # two names begin so
    ("cite de la croix", {"cite-de-la-croix-de-pierre"}),  # only the start of a name: « Cité de la Croix-de-Pierre ? »
    ("mouch", {"cite-de-la-mouchonniere-douai", "cite-du-moucheron-montigny-en-ostrevent"}),
    ("cités de Douai", set(CITES_OF["59178"])),  # a commune, no name
    ("cite fenain", {"cite-agache-fenain"}),  # one known cité in Fenain is still a question, Fenain has others
    ("Méricourt", set(CITES_OF["62570"])),  # the commune, not the « Cité de Méricourt »
    # « Maroc » is another name of four cités in the sources (Parc and Croisette at Méricourt, Couture at
    # Escaudain, the cité n°5 of Béthune at Grenay).
    ("quartier du Maroc", {"cite-du-parc-mericourt", "cite-de-la-croisette-mericourt", "cite-couture-escaudain",
                           "cite-n-5-de-bethune-grenay"}),
]


@pytest.mark.parametrize("query, expected", AMBIGUOUS, ids=[q for q, _ in AMBIGUOUS])
def test_an_ambiguous_query_gets_a_question_not_an_answer(shipped, query, expected):
    answer = _search(shipped, query)
    assert answer["status"] == "ambiguous"
    assert {c["id"] for c in answer["cites"]} == expected


# (as typed, a suggestion expected or None, the commune named or None, the cités of that commune)
NOT_FOUND = [
    ("cité des Lilas", None, None, set()),
    ("cité des Lilas à Douai", None, "59178", set(CITES_OF["59178"])),
    ("cité des genets", "cite-des-genettes-lievin", None, set()),  # Genêts is another name than Genettes
    ("cite marcy", "cite-darcy-henin-beaumont", None, set()),  # one letter off a short name: not the same
    ("cite du parc des sports", "cite-du-parc-mericourt", None, set()),  # a longer name is another cité
    (
        "cité des alouettes à Douai",  # a real name in the wrong commune
        "cite-des-alouettes-bully-les-mines",
        "59178",
        set(CITES_OF["59178"]),
    ),
    (
        "cite des alouettes 59500",  # the postal code of Douai
        "cite-des-alouettes-bully-les-mines",
        "59178",
        set(CITES_OF["59178"]),
    ),
    ("cite zzz", None, None, set()),
    ("cité", None, None, set()),
    ("Lille", None, "59350", set()),  # a commune with no cité in the data
]


@pytest.mark.parametrize("query, suggestion, insee, local", NOT_FOUND, ids=[q for q, _, _, _ in NOT_FOUND])
def test_an_unknown_or_near_miss_name_is_not_found_with_suggestions_only(shipped, query, suggestion, insee, local):
    answer = _search(shipped, query)
    assert answer["status"] == "not_found"
    assert answer["cites"] == []
    suggested = [s["id"] for s in answer["suggestions"]]
    assert len(suggested) <= 3
    if suggestion:
        assert suggestion in suggested
    assert (answer["commune"] or {}).get("insee") == insee
    assert {c["id"] for c in answer["cites_de_la_commune"]} == local


def test_a_found_cite_comes_with_what_the_bot_needs_to_answer(shipped):
    cite = _search(shipped, "cite darcy")["cites"][0]
    assert cite["nom"] == "Cité Darcy"
    assert cite["communes"] == [{"insee": "62427", "nom": "Hénin-Beaumont"}]
    assert [e["nom"] for e in cite["epci"]] == ["CA d'Hénin-Carvin"]
    assert cite["bailleur"] == "Maisons & Cités"
    assert cite["statut"]["code"] == "inconnu" and cite["statut"]["connu"] is False  # no source gives it
    assert cite["statut"]["debut_travaux_prevu"] is None
    assert cite["operation"] is None  # the source says ERBM, not which wave
    assert cite["erbm"] is True
    # The hand-curated source first, then the Mission Bassin Minier's layers with their dates and licence.
    assert cite["source"]["nom"].startswith("horizonactu.fr; prefectures-regions.gouv.fr (Hauts-de-France) ; ")
    assert "couche « cités ERBM », extrait du 10 mars 2026" in cite["source"]["nom"]
    assert "Licence Ouverte" in cite["source"]["nom"] and cite["source"]["licence"]
    assert cite["source"]["date"] == "2026-04-21"  # the latest of its sources (the inscribed property's layer)
    assert cite["source"]["lignes"] == ["manuel", "erbm:380", "bien_inscrit:48D"]
    assert cite["erbm_liste_mission_bassin_minier"] is True
    assert cite["patrimoine_mondial"]["bien_inscrit"] is True
    assert cite["type"] == "Cité jardin" and cite["compagnie"] == "Dourges"
    assert cite["mise_a_jour"]["par"] and cite["mise_a_jour"]["le"]


def test_an_empty_query_is_refused_in_french(shipped):
    response = shipped.get("/cites/search", params={"q": "   "})
    assert response.status_code == 422
    assert "vide" in response.json()["detail"]
    assert shipped.get("/cites/search").status_code == 422


def test_two_cites_of_the_same_name_are_told_apart_by_their_commune(tmp_path):
    """Many cités share a name (« Cité du Parc »): the name alone is a question, the name and commune an answer."""
    programme = tmp_path / "programme"
    shutil.copytree(PROGRAMME_DIR, programme)
    with (programme / "cites.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    twin = {**rows[0], "id": "cite-du-parc-douai", "nom": "Cité du Parc", "autres_noms": "", "communes": "59178"}
    with (programme / "cites.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + [twin])
    client = TestClient(create_app(_settings(tmp_path, programme)))
    both = _search(client, "cite du parc")
    assert both["status"] == "ambiguous"
    assert {c["id"] for c in both["cites"]} == {"cite-du-parc-mericourt", "cite-du-parc-douai"}
    assert [c["id"] for c in _search(client, "cité du parc à Douai")["cites"]] == ["cite-du-parc-douai"]
    assert [c["id"] for c in _search(client, "cite du parc mericourt")["cites"]] == ["cite-du-parc-mericourt"]


@pytest.mark.parametrize("query", ["cité", "ma cite miniere", "les logements du coron", "la cité", "nos maisons"])
def test_words_that_name_no_cite_are_no_name(shipped, query):
    answer = _search(shipped, query)
    assert answer["status"] == "not_found" and answer["match"] == "no_name", answer
    assert answer["suggestions"] == [], answer  # nothing to offer for « cité » alone


@pytest.mark.parametrize("query", ["les travaux de ma cite sont finis ou pas", "ou en est ma maison, c'est fait ou pas"])
def test_a_short_everyday_word_at_the_end_names_no_commune(shipped, query):
    # « pas » is the start of Pas-en-Artois only: read as that commune, the bot said it knew no cité there
    assert _search(shipped, query)["commune"] is None


def test_a_commune_typed_by_the_start_of_its_name_is_still_read(shipped):
    assert _search(shipped, "cite des alouettes a bully")["commune"]["nom"] == "Bully-les-Mines"


def test_a_commune_after_an_earlier_a_of_a_long_sentence_is_read(shipped):
    # « … la cité des 120 à Lens, on nous a dit que … »: the last « à » is « nous a dit »; the Coron des 120 of Anzin
    # was presented as found although the resident lives in Lens
    answer = _search(shipped, "moi c'est la cite des 120 a lens, on nous a dit que ca serait renove bientot")
    assert answer["status"] == "not_found" and answer["commune"]["nom"] == "Lens", answer
