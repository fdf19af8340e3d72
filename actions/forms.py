"""How the forms run: one mechanism for every form that asks only what the programme-data service still needs.

The facts a form may ask are its `required_slots` in `domain.yml` (slots `<prefix><fact>`). Its validation
action reads the answer (the service reads the words), asks the service which facts would still change the
answer (its `missing`, in the order an adviser asks them), and sets `requested_slot` to the first of those the form
asks and the person has not skipped (`next_question`); None ends the form. A fact the service starts to need is
asked as soon as its slot is added to the form in the domain, without a change here.

When a form resumes after a digression, Rasa asks the domain's first empty slot unless the validation action sets
`requested_slot`: the employment form's validation always sets it; the BUD form's questions are `action_ask_<slot>`
actions (listed in the domain; `actions/bud_eligibility.py`) that ask `next_question` instead, because one of
them depends on an earlier answer (the month once the year is known)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

import yaml

from actions import settings


@lru_cache(maxsize=4)
def _forms(domain_file: Path) -> dict:
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    return domain.get("forms") or {}


def required_slots(form: str, domain_file: Path = settings.DOMAIN_FILE) -> tuple[str, ...]:
    """The slots of `form`, in the domain's order."""
    slots = (_forms(domain_file).get(form) or {}).get("required_slots") or []
    if not slots:
        raise LookupError(f"{domain_file.name}: the form {form} has no required_slots")
    return tuple(slots)


def form_facts(form: str, prefix: str, not_facts: tuple[str, ...] = (),
               domain_file: Path = settings.DOMAIN_FILE) -> tuple[str, ...]:
    """The facts a form asks: its slots `<prefix><fact>` without the prefix, less the slots that are not facts
    (a confirmation question)."""
    return tuple(slot[len(prefix):] for slot in required_slots(form, domain_file)
                 if slot.startswith(prefix) and slot not in not_facts)


def still_needed(missing: list[str], facts: tuple[str, ...], prefix: str, skipped: tuple[str, ...] = ()) -> list[str]:
    """The slots of the facts the service still needs (`missing`, in its order) that the form asks."""
    return [prefix + fact for fact in missing if fact in facts and fact not in skipped]


def next_question(missing: list[str], facts: tuple[str, ...], prefix: str, skipped: tuple[str, ...] = (),
                  filled: Optional[Callable[[str], bool]] = None) -> Optional[str]:
    """The slot to ask next: the first still needed that is not filled yet; None when nothing is missing."""
    return next((slot for slot in still_needed(missing, facts, prefix, skipped) if not (filled and filled(slot))),
                None)
