"""Read BUD fact values from what a user types: a thin layer over assistant.answer_reader for the HTTP API.

The words are data (data/programme/bud/answers.fr.yaml); the reader knows negation, contrast and hedges, and
says how sure it is.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

from assistant import answer_reader


def facts() -> tuple[str, ...]:
    return answer_reader.FACTS


def understand(fact: str, text: str, programme_dir: Path, today: Optional[dt.date] = None,
               zone_of: Optional[answer_reader.ZoneOf] = None, known: Optional[dict] = None) -> dict:
    """The value this text gives for `fact`, how sure the reading is, and the words that show it."""
    return answer_reader.read(fact, text, programme_dir, today, zone_of, known).as_dict()


def understand_message(text: str, programme_dir: Path, today: Optional[dt.date] = None,
                       skip: tuple[str, ...] = (), zone_of: Optional[answer_reader.ZoneOf] = None,
                       known: Optional[dict] = None) -> list[dict]:
    return [r.as_dict() for r in answer_reader.read_message(text, programme_dir, today, skip, zone_of, known)]


def residence_communes(text: str, programme_dir: Path, zone_of: answer_reader.ZoneOf) -> list[str]:
    """INSEE codes of the communes where the text says employees live (not the company's commune)."""
    return answer_reader.residence_communes(text, programme_dir, zone_of)


def states_company_place(text: str, commune_name: str, programme_dir: Path, lived_in: bool = False,
                         moving: bool = False, postal_codes: tuple[str, ...] = ()) -> bool:
    """Whether the text puts the company in this commune it names (« on a déménagé à Lens »), not only names it in
    passing (« on fait de la couture sur mesure », La Couture), or as where employees live (`lived_in`); `moving`:
    another commune is held for the company, which only clear words change; `postal_codes`: the commune's own."""
    return answer_reader.states_company_place(text, commune_name, programme_dir, lived_in, moving, postal_codes)


def asks_meaning(text: str, programme_dir: Path) -> bool:
    return answer_reader.asks_meaning(text, programme_dir)


def says_no_company(text: str, programme_dir: Path) -> bool:
    return answer_reader.says_no_company(text, programme_dir)


def states_head_office(text: str, commune_name: str, programme_dir: Path) -> bool:
    return answer_reader.states_head_office(text, commune_name, programme_dir)


def restate(values: dict[str, Any], programme_dir: Path, commune_name: Optional[str]) -> list[str]:
    """Each fact value in plain words, in the order given."""
    return [answer_reader.said(fact, value, programme_dir, commune_name) for fact, value in values.items()]
