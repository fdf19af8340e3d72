"""Commune resolution as residents type it (table in commune_spellings.yaml), and the API's answers to bad input."""
import re
from pathlib import Path

import pytest
import yaml

TABLE = yaml.safe_load((Path(__file__).parent / "commune_spellings.yaml").read_text(encoding="utf-8"))
# Words of pydantic/FastAPI's default messages: a resident-facing service must not answer in English.
ENGLISH = re.compile(r"\b(field required|ensure this value|not found|value is not|invalid|missing|characters?)\b")


def _check(row: dict, body: dict) -> None:
    names = [c["nom"] for c in body["communes"]]
    assert body["status"] == row["status"], body
    if "match" in row:
        assert body["match"] == row["match"], body
    if "communes" in row:
        assert names == row["communes"], body
    if "departements" in row:
        assert [c["departement"] for c in body["communes"]] == row["departements"]
    if "contains" in row:
        assert set(row["contains"]) <= set(names), names
    if "at_most" in row:
        assert 1 < len(names) <= row["at_most"], names
    if "suggestions" in row:
        if row["suggestions"]:
            assert set(row["suggestions"]) <= set(body["suggestions"]), body
        else:
            assert body["suggestions"] == [], body
    if row["status"] == "not_found":
        assert body["communes"] == [], "a place that was not found must not come with a guessed commune"


@pytest.mark.parametrize("row", TABLE["resolve"], ids=[r["q"] for r in TABLE["resolve"]])
def test_resolve(client, row):
    response = client.get("/communes/resolve", params={"q": row["q"]})
    assert response.status_code == 200, response.text
    _check(row, response.json())


@pytest.mark.parametrize("row", TABLE["in_text"], ids=[r["text"] for r in TABLE["in_text"]])
def test_in_text(client, row):
    response = client.get("/communes/in-text", params={"text": row["text"]})
    assert response.status_code == 200, response.text
    _check(row, response.json())


@pytest.mark.parametrize("row", TABLE["guess"], ids=[r["text"] for r in TABLE["guess"]])
def test_guess(client, row):
    response = client.get("/communes/guess", params={"text": row["text"]})
    assert response.status_code == 200, response.text
    body = response.json()
    _check(row, body)
    if row["status"] == "found":
        assert body["match"] == "guess", body


def test_only_homonym_free_basin_communes_are_guessed(client):
    """Saint-Aubin (59 and 62) needs its department, and a commune outside the basin is never guessed."""
    for text in ("st aubiin", "cambrai", "cambrau", "arras", "arrass"):
        assert client.get("/communes/guess", params={"text": text}).json()["status"] == "not_found", text


def test_the_everyday_words_file_is_what_its_script_generates():
    """data/programme/communes_everyday_words.txt comes from spaCy's vocabulary and the basin's communes."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("make_guess_words", root / "scripts" / "make_guess_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TARGET.read_text(encoding="utf-8") == module.render(), (
        "data/programme/communes_everyday_words.txt is stale: run `python scripts/make_guess_words.py`")
    assert {"demain", "courrier", "avions", "bois"} <= set(module.TARGET.read_text(encoding="utf-8").split())


def test_the_table_is_big_enough():
    assert len(TABLE["resolve"]) + len(TABLE["in_text"]) >= 40


def test_a_resolved_commune_carries_its_bud_classification_and_source(client):
    douai = client.get("/communes/resolve", params={"q": "douai"}).json()["communes"][0]
    assert douai["epci"]["nom"] == "CA Douaisis Agglo"
    assert douai["bud"]["classee"] is True and douai["bud"]["a_verifier"] is False
    assert "arrêté" in douai["bud"]["source"]
    la_bassee = client.get("/communes/resolve", params={"q": "la bassee"}).json()["communes"][0]
    assert la_bassee["bud"]["depuis"] == "2019-01-01"
    vicq = client.get("/communes/resolve", params={"q": "vicq"}).json()["communes"][0]
    assert vicq["bud"]["a_verifier"] is True
    cambrai = client.get("/communes/resolve", params={"q": "cambrai"}).json()["communes"][0]
    assert cambrai["bud"]["classee"] is False
    famars = [c for c in client.get("/communes/resolve", params={"q": "59300"}).json()["communes"]
              if c["nom"] == "Famars"]
    assert famars and famars[0]["bud"]["classee"] is False


def test_a_commune_by_insee_code(client):
    response = client.get("/communes/59178")
    assert response.status_code == 200
    assert response.json()["nom"] == "Douai"


# Bad input: a clear 4xx, never a 500.

# (path, params, expected status, unused)
BAD_REQUESTS = [
    ("/communes/resolve", {"q": ""}, 422, False),
    ("/communes/resolve", {"q": "   "}, 422, True),
    ("/communes/resolve", {"q": "\t\n"}, 422, True),
    ("/communes/resolve", {"q": "a" * 10_000}, 422, False),
    ("/communes/resolve", {"q": "lens " * 2_000}, 422, False),
    ("/communes/resolve", {}, 422, False),
    ("/communes/resolve", {"query": "Lens"}, 422, False),
    ("/communes/resolve", {"commune": "Lens"}, 422, False),
    ("/communes/in-text", {"text": ""}, 422, False),
    ("/communes/in-text", {"text": "a" * 10_000}, 422, False),
    ("/communes/in-text", {"q": "Lens"}, 422, False),
    ("/communes/99999", {}, 404, True),
    ("/communes/abc", {}, 404, True),
    ("/communes/" + "9" * 300, {}, 404, True),
]
IDS = [f"{p[:30]}?{','.join(f'{k}={v[:8]!r}' for k, v in q.items())}" for p, q, _, _ in BAD_REQUESTS]


@pytest.mark.parametrize("path, params, status, _french", BAD_REQUESTS, ids=IDS)
def test_bad_input_gets_a_clear_4xx(client, path, params, status, _french):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert len(response.text) < 2_000, "the error must not echo a huge input back"


@pytest.mark.parametrize("path, params", [(path, params) for path, params, _, _ in BAD_REQUESTS], ids=IDS)
def test_every_error_message_is_in_french(client, path, params):
    response = client.get(path, params=params)
    assert not ENGLISH.search(response.content.decode("utf-8").lower()), response.text


def test_unknown_parameter_names_are_refused(client):
    response = client.get("/communes/resolve", params={"q": "Lens", "foo": "bar"})
    assert 400 <= response.status_code < 500, response.text


def test_whitespace_text_finds_nothing(client):
    response = client.get("/communes/in-text", params={"text": "   "})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["status"] == "not_found"


@pytest.mark.parametrize("q", ["\x00", "'; DROP TABLE communes; --", "<script>alert(1)</script>", "%00", "é" * 200])
def test_strange_input_is_never_a_server_error(client, q):
    for path, name in (("/communes/resolve", "q"), ("/communes/in-text", "text")):
        response = client.get(path, params={name: q})
        assert response.status_code < 500, response.text


# --- One contract for a commune typed in a query, on every router --------------------------------------------




@pytest.mark.parametrize("path", ["/cites", "/employment/structures"])
@pytest.mark.parametrize("query, status", [("Marles", 422), ("59380", 422), ("Trifouilly-les-Oies", 404)])
def test_every_router_answers_a_commune_query_the_same_way(client, path, query, status):
    """Before, the cités answered an ambiguous commune with 409 and the employment structures with 422; now
    every router says it with one status and one body, which names the candidates or the suggestions."""
    response = client.get(path, params={"commune": query})
    assert response.status_code == status
    body = response.json()
    assert body["detail"] and body["commune_resolution"]["status"] == ("ambiguous" if status == 422 else "not_found")
    if status == 422:
        assert len(body["commune_resolution"]["candidates"]) >= 2


def test_the_bud_check_gives_the_same_resolution_body(client):
    body = client.post("/bud/eligibility", json={"commune_query": "Marles"}).json()
    assert body["commune_resolution"]["status"] == "ambiguous"
    assert {c["nom"] for c in body["commune_resolution"]["candidates"]} >= {"Marles-les-Mines", "Marles-sur-Canche"}


def test_a_code_that_is_also_an_insee_code_is_asked_where_the_route_has_an_insee_parameter(client):
    """59500 is Douai's postal code and Ribécourt-la-Tour's INSEE code: /cites (which has ?insee=) asks;
    /employment/structures (a code there may be an INSEE code) takes the INSEE code."""
    asked = client.get("/cites", params={"commune": "59500"})
    assert asked.status_code == 422 and "insee" in asked.json()["detail"]
    assert client.get("/employment/structures", params={"commune": "59500"}).json()["commune"]["insee"] == "59500"
