"""Personal data are masked before anything is kept for insights: a table of French e-mail, phone, NIR, SIRET
formats, names and addresses, and what must stay as it is (communes, postal codes, years, amounts)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rasa_plugins.masking import mask

CASES = yaml.safe_load((Path(__file__).parent / "masking_cases.yaml").read_text(encoding="utf-8"))
MASKED = [(kind, text, expected) for kind, rows in CASES.items() if kind != "kept" for text, expected in rows]


@pytest.mark.parametrize("kind, text, expected", MASKED, ids=[f"{k}:{t}" for k, t, _ in MASKED])
def test_personal_data_are_masked(kind, text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", CASES["kept"])
def test_what_is_not_personal_stays(text):
    assert mask(text) == text


def test_every_kind_of_the_issue_is_in_the_table():
    assert {"email", "phone", "nir", "siret"} <= set(CASES) and all(len(CASES[k]) >= 5 for k in ("email", "phone", "nir", "siret"))
