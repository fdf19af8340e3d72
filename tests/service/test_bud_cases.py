"""The BUD eligibility table (bud_cases.yaml), run through the pure rules and through the HTTP API."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Optional

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from assistant import bud
from assistant.api import create_app
from assistant.communes import CommuneIndex
from assistant.communes import load as load_communes
from assistant.settings import PROGRAMME_DIR, Settings
from assistant.storage import metadata

TABLE = yaml.safe_load((Path(__file__).parent / "bud_cases.yaml").read_text(encoding="utf-8"))
CASES = TABLE["cases"]


@pytest.fixture(scope="module")
def communes() -> CommuneIndex:
    engine = sa.create_engine("sqlite://", future=True)
    metadata.create_all(engine)
    with engine.begin() as conn:
        load_communes(conn, PROGRAMME_DIR)
        return CommuneIndex.from_connection(conn)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """One service for the whole table (the `client` fixture starts one per test, too slow for 75 cases)."""
    database = tmp_path_factory.mktemp("bud") / "programme.db"
    settings = Settings(database_url=f"sqlite:///{database}", programme_dir=PROGRAMME_DIR, staff_token="unused",
                        host="127.0.0.1", port=0)
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def parameters() -> bud.Parameters:
    return bud.load_parameters()


@pytest.fixture(scope="module")
def texts() -> bud.Texts:
    return bud.load_texts()


def case_facts(case: dict) -> dict:
    """The defaults with the case's changes; a null removes a fact."""
    facts = {**TABLE["defaults"]["facts"], **case.get("facts", {})}
    return {name: value for name, value in facts.items() if value is not None}


def case_today(case: dict) -> dt.date:
    return case.get("today", TABLE["defaults"]["today"])


def test_the_table_covers_enough_cases() -> None:
    assert len(CASES) >= 45
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_through_the_rules(case: dict, communes: CommuneIndex, parameters: bud.Parameters,
                                texts: bud.Texts) -> None:
    facts = case_facts(case)
    commune: Optional[bud.CommuneBud] = None
    if "commune" in facts:
        found = communes.get(str(facts.pop("commune")))
        assert found is not None
        commune = bud.CommuneBud.from_commune(found.as_dict())
    verdict = bud.evaluate(bud.Facts(commune=commune, **facts), parameters, case_today(case))
    check(bud.render_verdict(verdict, texts), case["expect"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_through_the_api(case: dict, api: TestClient) -> None:
    body: dict[str, Any] = {_api_name(k): _json(v) for k, v in case_facts(case).items()}
    body["today"] = case_today(case).isoformat()
    response = api.post("/bud/eligibility", json=body)
    assert response.status_code == 200, response.text
    check(response.json(), case["expect"])


def _api_name(name: str) -> str:
    return "commune_insee" if name == "commune" else name


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def check(result: dict, expect: dict) -> None:
    """Compare a verdict (as JSON) with what the table expects."""
    assert result["verdict"] == expect["verdict"], result["summary"]
    criteria = {c["id"]: c for c in result["criteria"]}
    for criterion_id, status in expect.get("criteria", {}).items():
        assert criteria[criterion_id]["status"] == status, criteria[criterion_id]["explanation"]
    for criterion_id, reason in expect.get("reasons", {}).items():
        assert criteria[criterion_id]["reason"] == reason, criteria[criterion_id]["explanation"]
    for criterion_id, certainty in expect.get("certainty", {}).items():
        assert criteria[criterion_id]["certainty"] == certainty
    if "missing" in expect:
        assert result["missing"] == expect["missing"]
    if "planned" in expect:
        assert result["planned_creation"] is expect["planned"]
    if "profit_calendar" in expect:
        if expect["profit_calendar"] is None:
            assert result["calendar"] is None
        else:
            periods = [[dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]), p["exempt_pct"],
                        p["effective_exempt_pct"]] for p in result["calendar"]["profit"]]
            assert periods == expect["profit_calendar"]
    if "local_taxes" in expect:
        years = result["calendar"]["cfe"]
        full = [y["year"] for y in years if y["exempt_pct_of_automatic_share"] == 100]
        assert (years[0]["year"], full[-1], years[-1]["year"]) == tuple(expect["local_taxes"][k]
                                                                        for k in ("first", "full_until", "last"))
        assert result["calendar"]["tfpb"] == years
    if "estimate" in expect:
        check_estimate(result["estimate"], expect["estimate"])
    if "de_minimis" in expect:
        for key, value in expect["de_minimis"].items():
            assert result["de_minimis"][key] == value
    check_french(result)


def check_estimate(estimate: Optional[dict], expect: Optional[dict]) -> None:
    if expect is None:
        assert estimate is None
        return
    assert estimate is not None and estimate["is_estimate"] is True
    assert estimate["status"] == expect["status"]
    if "periods_saved" in expect:
        assert [p["tax_saved_eur"] for p in estimate["periods"]] == expect["periods_saved"]
    for key in ("total_tax_saved_eur", "reduced_rate_applied", "depends_on_household_tax"):
        if key in expect:
            assert estimate[key] == expect[key]
    if estimate["status"] == "computed":
        assert "estimation" in estimate["text"].lower()
    else:
        assert estimate["total_tax_saved_eur"] is None


TEMPLATE_LEFTOVER = re.compile(r"[{}]|\bNone\b|\b(True|False)\b")


def check_french(result: dict) -> None:
    """Every text the user reads is filled in, and the disclaimer is always there."""
    texts = [result["summary"], result["disclaimer"]["text"]]
    texts += [c["explanation"] for c in result["criteria"]]
    if result["calendar"]:
        texts += [p["text"] for p in result["calendar"]["profit"]] + [result["calendar"]["local_taxes_text"]]
    if result["estimate"]:
        texts += [result["estimate"]["text"], *result["estimate"]["assumptions"]]
    for text in texts:
        assert text and not TEMPLATE_LEFTOVER.search(text), text
    assert result["disclaimer"]["code"] == "information_not_tax_decision"
    assert "rescrit" in result["disclaimer"]["text"]
    for criterion in result["criteria"]:
        assert criterion["sources"], criterion["id"]


def test_a_verdict_is_data_and_its_words_come_from_the_texts(parameters: bud.Parameters, texts: bud.Texts) -> None:
    """The same verdict worded with other templates: only the words change (staff edit explanations.fr.yaml)."""
    verdict = bud.evaluate(bud.Facts(), parameters, dt.date(2026, 11, 26))
    other = bud.Texts({**texts.data, "disclaimer": {**texts.data["disclaimer"], bud.DISCLAIMER: "Un autre texte."}})
    worded, reworded = bud.render_verdict(verdict, texts), bud.render_verdict(verdict, other)
    assert reworded["disclaimer"] == {"code": bud.DISCLAIMER, "text": "Un autre texte."}
    assert {**reworded, "disclaimer": worded["disclaimer"]} == worded
    assert not hasattr(verdict, "as_dict")
