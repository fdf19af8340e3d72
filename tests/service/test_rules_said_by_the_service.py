"""Rules the action server used to copy are now said by the service, from dated parameters: whether a commune is a
2019 addition, whether a bare year of creation still needs its month, the tax regime's words, and the forms'
digression intents. A change of the data changes the answer; the actions keep no copy."""
import datetime as dt
import shutil
from pathlib import Path

import pytest

from assistant import answer_reader, bud, communes
from assistant.settings import PROGRAMME_DIR

ACTIONS = Path(__file__).resolve().parents[2] / "actions"


@pytest.mark.parametrize("query, added", [("La Bassée", True), ("Douai", False), ("Cambrai", False)])
def test_the_service_says_which_communes_are_2019_additions(client, query, added):
    commune = client.get("/communes/resolve", params={"q": query}).json()["communes"][0]
    assert commune["bud"]["ajout_2019"] is added


def test_a_2019_addition_follows_the_dated_parameter():
    start = bud.load_parameters().value("additions_2019.creation_start", dt.date(2026, 12, 1))
    assert communes.added_in_2019(start.isoformat())
    assert not communes.added_in_2019((start - dt.timedelta(days=1)).isoformat())
    assert not communes.added_in_2019(None)


@pytest.mark.parametrize("year, needed", [(2017, False), (2018, True), (2023, True), (2026, True), (2027, False)])
def test_a_bare_year_needs_its_month_only_inside_the_creation_window(client, year, needed):
    answer = client.get("/bud/creation-year", params={"year": year, "today": "2026-12-01"}).json()
    assert answer["month_needed"] is needed
    assert answer["window"] == {"start": "2018-01-01", "end": "2026-12-31"} and answer["sources"]


def test_the_month_rule_follows_the_window_in_force_on_the_day():
    """Under the 2021 law the window ended in 2022: a company of 2024 did not need to say its month."""
    parameters = bud.load_parameters()
    assert not bud.month_needed(2024, parameters, dt.date(2021, 6, 1))
    assert bud.month_needed(2024, parameters, dt.date(2026, 12, 1))


def test_a_year_out_of_range_is_a_french_422(client):
    response = client.get("/bud/creation-year", params={"year": "deux mille"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "text, corporate_tax",
    [
        ("on est une SARL", True),
        ("je suis auto-entrepreneur", False),
        ("une SARL à l'IR", False),  # income tax first
        ("c'est à l'impôt sur les sociétés", True),
        ("je fais de la plomberie", None),
    ],
)
def test_the_tax_regime_is_read_from_the_word_lists(client, text, corporate_tax):
    facts = client.get("/bud/understand", params={"text": text}).json()["facts"]
    found = [f["value"] for f in facts if f["fact"] == "corporate_tax"]
    assert found == ([] if corporate_tax is None else [corporate_tax])


def test_a_word_added_to_the_list_is_read_without_a_restart(tmp_path):
    programme = tmp_path / "programme"
    (programme / "bud").mkdir(parents=True)
    shutil.copy(PROGRAMME_DIR / "dont_know.fr.yaml", programme)
    text = (PROGRAMME_DIR / "bud" / "answers.fr.yaml").read_text(encoding="utf-8")
    (programme / "bud" / "answers.fr.yaml").write_text(text.replace("    - sasu\n", "    - sasu\n    - selarl\n"),
                                                       encoding="utf-8")
    readings = answer_reader.read_message("nous sommes une selarl", programme)
    assert [r.value for r in readings if r.fact == "corporate_tax"] == [True]


def test_the_forms_digressions_are_dated_parameters_served_to_the_actions(client):
    answer = client.get("/dialogue/parameters").json()
    bud_form, employment_form = answer["forms"]["bud_form"], answer["forms"]["employment_form"]
    assert "ask_bud_commune" in bud_form["digression_intents"] and "stop" in employment_form["digression_intents"]
    assert set(bud_form["question_intents"]) <= set(bud_form["digression_intents"])
    assert 0 < bud_form["min_confidence"] <= 1 and 0 < employment_form["min_confidence"] <= 1
    assert all(p["reference"] for p in answer["parameters"])


def test_the_actions_keep_no_copy_of_these_rules():
    source = "\n".join(path.read_text(encoding="utf-8") for path in ACTIONS.glob("*.py"))
    for copy in ("WINDOW_YEARS", "2019-01-01", "DIGRESSIONS = ", "impot sur les societes", "(2018, 2026)"):
        assert copy not in source, copy
