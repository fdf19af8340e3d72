"""The BUD parameters file: every value dated and sourced, looked up as of a date, and editable by staff."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import yaml

from assistant import bud

D = dt.date


@pytest.fixture(scope="module")
def parameters() -> bud.Parameters:
    return bud.load_parameters()


def test_every_parameter_has_a_description_a_reference_and_a_dated_value(parameters: bud.Parameters) -> None:
    assert len(parameters.items) >= 30
    for path, parameter in parameters.items.items():
        assert parameter.description, path
        assert parameter.reference, path
        assert parameter.values and all(isinstance(v.start, dt.date) for v in parameter.values), path
        assert parameter.certainty in bud.CERTAINTIES, path


def test_what_no_source_states_is_marked_as_inference(parameters: bud.Parameters) -> None:
    assert parameters["activity.not_covered"].certainty == "inference"
    assert parameters["de_minimis.ceiling_eur"].certainty_at(D(2024, 6, 1)) == "inference"
    assert parameters["de_minimis.ceiling_eur"].certainty_at(D(2023, 6, 1)) != "inference"
    assert parameters["creation_window.end"].certainty_at(D(2026, 11, 26)) == "confirmed"


@pytest.mark.parametrize("as_of, end", [
    (D(2018, 1, 1), D(2020, 12, 31)),
    (D(2020, 12, 31), D(2020, 12, 31)),
    (D(2021, 1, 1), D(2022, 12, 31)),
    (D(2022, 1, 1), D(2023, 12, 31)),
    (D(2023, 12, 30), D(2023, 12, 31)),
    (D(2023, 12, 31), D(2026, 12, 31)),
    (D(2026, 11, 26), D(2026, 12, 31)),
])
def test_the_window_end_follows_the_finance_laws(parameters: bud.Parameters, as_of: dt.date, end: dt.date) -> None:
    assert parameters.value("creation_window.end", as_of) == end


def test_the_law_s_figures(parameters: bud.Parameters) -> None:
    today = D(2026, 11, 26)
    expected = {
        "creation_window.start": D(2018, 1, 1),
        "additions_2019.creation_start": D(2019, 1, 1),
        "zone.communes_count": 159,
        "activity.covered": ["industrial", "commercial", "craft"],
        "sme.employees_below": 250,
        "sme.turnover_below_eur": 50_000_000,
        "sme.balance_sheet_below_eur": 43_000_000,
        "capital.max_held_by_companies_pct": 50,
        "hiring.min_resident_share_pct": 50,
        "non_sedentary.max_outside_turnover_pct": 15,
        "profit_exemption.full_months_after_creation_month": 23,
        "profit_exemption.decreasing_rates_pct": [75, 50, 25],
        "cfe.automatic_base_share_pct": 50,
        "cfe.full_years": 7,
        "tfpb.decreasing_rates_pct": [75, 50, 25],
        "de_minimis.ceiling_eur": 300_000,
        "de_minimis.fiscal_years": 3,
        "corporate_tax.normal_rate_pct": 25,
        "corporate_tax.reduced_rate_pct": 15,
        "corporate_tax.reduced_rate_profit_limit_eur": 42_500,
    }
    assert {path: parameters.value(path, today) for path in expected} == expected
    assert parameters.value("zone.communes_count", D(2018, 6, 1)) == 150


def test_a_parameter_has_no_value_before_its_first_date(parameters: bud.Parameters) -> None:
    with pytest.raises(bud.ParameterNotFound):
        parameters.value("corporate_tax.normal_rate_pct", D(2021, 12, 31))


@pytest.mark.parametrize("broken, message", [
    ({"x": {"description": "d", "values": {D(2018, 1, 1): {"value": 1}}}}, "x: metadata.reference"),
    ({"x": {"description": "d", "values": {"soon": {"value": 1}}, "metadata": {"reference": ["r"]}}}, "not a date"),
    ({"x": {"description": "d", "values": {D(2018, 1, 1): 1}, "metadata": {"reference": ["r"]}}}, "value"),
    ({"x": {"description": "", "values": {D(2018, 1, 1): {"value": 1}}, "metadata": {"reference": ["r"]}}},
     "description"),
    ({"x": {"y": {"description": "d", "values": {D(2018, 1, 1): {"value": 1}},
                  "metadata": {"reference": ["r"], "certainty": "sure"}}}}, "x.y: certainty"),
])
def test_a_malformed_parameter_is_refused_with_its_path(broken: dict, message: str) -> None:
    with pytest.raises(bud.ParameterError, match=message):
        bud.parse_parameters(broken)


def test_staff_extend_the_window_by_adding_a_dated_value(tmp_path: Path) -> None:
    """When the law changes, a staff member adds a date and a value; the verdict follows without a code change."""
    path = tmp_path / "parameters.yaml"
    shutil.copy(bud.BUD_DIR / bud.PARAMETERS_FILE, path)
    facts = bud.Facts(creation_date=D(2027, 6, 1))
    today = D(2027, 3, 1)
    before = bud.evaluate(facts, bud.load_parameters(path), today)
    assert before.criterion("creation_window").status == "not_met"

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["creation_window"]["end"]["values"][D(2027, 1, 1)] = {"value": D(2029, 12, 31)}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))

    after = bud.evaluate(facts, bud.load_parameters(path), today)
    assert after.criterion("creation_window").status == "met"
    assert after.criterion("creation_window").parameters["creation_window.end"] == D(2029, 12, 31)


def test_evaluate_reads_the_law_of_the_given_day_not_the_clock(parameters: bud.Parameters) -> None:
    facts = bud.Facts(creation_date=D(2022, 6, 1))
    assert bud.evaluate(facts, parameters, D(2021, 6, 1)).criterion("creation_window").status == "met"
    assert bud.evaluate(facts, parameters, D(2020, 6, 1)).criterion("creation_window").status == "not_met"


@pytest.mark.parametrize("facts", [
    {"employees": -1},
    {"turnover_outside_pct": 100.1},
    {"capital_held_by_companies_pct": -0.1},
    {"activity": "banking"},
    {"origin": "inheritance"},
    {"employees": 2, "eligible_employees": 3},
    {"eligible_employees": 2, "resident_employees": 3},
])
def test_meaningless_facts_are_refused(facts: dict) -> None:
    with pytest.raises(ValueError):
        bud.Facts(**facts)


@pytest.mark.parametrize("creation, end", [
    (D(2022, 10, 15), D(2024, 9, 30)),
    (D(2022, 10, 1), D(2024, 9, 30)),
    (D(2022, 10, 31), D(2024, 9, 30)),
    (D(2018, 1, 1), D(2019, 12, 31)),
    (D(2019, 12, 31), D(2021, 11, 30)),
    (D(2024, 2, 29), D(2026, 1, 31)),
])
def test_the_full_exemption_ends_with_the_23rd_month_after_the_month_of_creation(creation: dt.date,
                                                                                  end: dt.date) -> None:
    assert bud.end_of_month_after(creation, 23) == end


def test_french_numbers_and_dates() -> None:
    texts = bud.load_texts()
    assert bud.french_number(50_000_000) == "50\u00a0000\u00a0000"
    assert bud.french_number(84.9) == "84,9"
    assert bud.french_number(15.0) == "15"
    assert texts.date(D(2018, 1, 1)) == "1er janvier 2018"
    assert texts.date(D(2024, 9, 30)) == "30 septembre 2024"
