"""What the forms ask, read from `domain.yml` (the forms' `required_slots`): the one list of the facts each form
may ask. The programme-data service says which of them are still needed (its `missing`); a fact it starts to
need is asked as soon as its slot is added to the form in the domain, without a change here."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
