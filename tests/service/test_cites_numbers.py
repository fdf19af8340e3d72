"""Cités named by a number, as residents write them: digits or words, with a commune (even one of two homonyms),
and names that merely hold a number (« cité des 3 … »), which are never a question about the cités numbered so."""
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.settings import PROGRAMME_DIR, Settings


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> TestClient:
    path = tmp_path_factory.mktemp("numbers")
    return TestClient(create_app(Settings(database_url=f"sqlite:///{path / 'programme.db'}", programme_dir=PROGRAMME_DIR,
                                          staff_token="numbers-token", host="127.0.0.1", port=0)))


def _search(client: TestClient, query: str, suite: str = "") -> dict:
    response = client.get("/cites/search", params={"q": query, "suite": suite})
    assert response.status_code == 200, response.text
    return response.json()


FOUND = [
    ("cite douze a lens", "cite-n-12-de-lens-lens"),
    ("la cité numéro douze de Lens", "cite-n-12-de-lens-lens"),
    ("cité 12 de Lens", "cite-n-12-de-lens-lens"),
    ("cité quatre onze", "cite-du-4-11-sallaumines"),
    ("corons du cinq à Barlin", "cite-n-5-barlin"),
    ("le coron des cent vingt", "coron-des-120-anzin"),
    ("coron des 120", "coron-des-120-anzin"),
    # « Bruay » is Bruay-la-Buissière and Bruay-sur-l'Escaut: the number tells, never the n°5 of Barlin
    ("cite n 5 a bruay", "cite-n-5-du-siege-3-bruay-la-buissiere"),
    ("cité n°5 bruay", "cite-n-5-du-siege-3-bruay-la-buissiere"),
]


@pytest.mark.parametrize("query, cite_id", FOUND, ids=[q for q, _ in FOUND])
def test_a_numbered_cite_is_found(shipped, query, cite_id):
    answer = _search(shipped, query)
    assert answer["status"] == "found", answer
    assert [c["id"] for c in answer["cites"]] == [cite_id]


@pytest.mark.parametrize("query, suite, read", [
    ("cite des 3", " cailloux ? c'est en travaux", "cite des 3 cailloux"),
    ("cité des trois", " Cailloux, elle est rénovée ?", "cité des trois Cailloux"),
    ("cite des 7 a Liévin", " sapins", "cite des 7 sapins a Liévin"),
])
def test_a_name_holding_a_number_is_read_whole_and_unknown(shipped, query, suite, read):
    """Cut by the NLU at « des 3 », the name goes on in the sentence: no cité is called so, whatever its number."""
    answer = _search(shipped, query, suite)
    assert answer["status"] == "not_found", answer
    assert answer["match"] is None and answer["cites"] == []
    assert answer["query"] == read


def test_without_what_follows_a_counted_number_is_still_not_a_cite_number(shipped):
    """« cité des 3 » is no cité: the cités n°3 are suggestions at most, never a question about the number."""
    answer = _search(shipped, "cite des 3")
    assert answer["status"] == "not_found"
    assert answer["match"] != "number"


def test_a_real_name_with_a_counted_number_does_not_read_on(shipped):
    answer = _search(shipped, "coron des 120", " il est rénové ?")
    assert answer["status"] == "found" and answer["query"] == "coron des 120"


def test_a_number_word_is_not_read_in_a_commune_name(shipped):
    """« Neuf-Berquin » keeps its « neuf »: numbers in words count only after a cité word."""
    answer = _search(shipped, "cité de neuf berquin")
    assert answer["match"] != "number"


def test_a_cite_name_in_neither_of_two_homonyms_is_not_found_there(shipped):
    """« Maroc » is another name of four cités, none in either Bruay: not found, the four as suggestions."""
    answer = _search(shipped, "cité du Maroc à Bruay")
    assert answer["status"] == "not_found"
    assert len(answer["suggestions"]) >= 1


def test_a_numbered_cite_inside_a_whole_question(shipped):
    """No NLU entity: the whole message is searched, and its cité word, number and commune are read."""
    answer = _search(shipped, "bonjour la cite numero douze de lens elle a un bailleur ?")
    assert answer["status"] == "found" and [c["id"] for c in answer["cites"]] == ["cite-n-12-de-lens-lens"]
    answer = _search(shipped, "la cite 9 elle sera renovee quand")
    assert answer["status"] == "ambiguous" and answer["match"] == "number"


def test_the_commune_right_after_a_is_read_before_the_rest_of_the_question(shipped):
    """« … à Sallaumines c'est quand les travaux »: a cité of Sallaumines, never one of another commune."""
    answer = _search(shipped, "bonjour la cite du 4 a sallaumines c'est quand les travaux")
    assert answer["commune"]["nom"] == "Sallaumines"
    assert all(any(k["nom"] == "Sallaumines" for k in c["communes"]) for c in answer["cites"])
