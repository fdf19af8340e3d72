"""The one way the service writes dates, numbers and lists in French (words from data/programme/french.fr.yaml).

- `date("2026-03-16")` → « 16 mars 2026 », `date("2026-03-01")` → « 1er mars 2026 », `date("2023-11")` →
  « novembre 2023 », `date("2018")` → « 2018 »; a `datetime.date`, an ISO date-time (« 2026-11-26T09:00:00Z ») too.
- `when("2026-03-16")` → « le 16 mars 2026 », `when("2023-11")` → « en novembre 2023 », `when("2018")` → « en 2018 »:
  a date as precise as it was given, with its preposition.
- `number(50_000_000)` → « 50 000 000 » (non-breaking spaces), `number(84.9)` → « 84,9 », `number(15.0)` → « 15 ».
- `join(["Wallers", "Haveluy", "Raismes"])` → « Wallers, Haveluy et Raismes » (`last="puis"` for a sequence).
- `with_article("PLIE du Douaisis", "le", "à")` → « au PLIE du Douaisis », `with_article("Axel", "", "de")` →
  « d'Axel », `with_article("Délégation …", "la")` → « la Délégation … ».
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, Optional

from assistant.datafiles import cached_yaml
from assistant.text import fold
from assistant.settings import PROGRAMME_DIR

WORDS_FILE = PROGRAMME_DIR / "french.fr.yaml"
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$")


def words() -> dict:
    return cached_yaml(WORDS_FILE)


def months() -> list[str]:
    return list(words()["months"])


def date(value: Any) -> Optional[str]:
    """A date in words; None for nothing; a text that is no date is given back as it is."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        year, month, day = value.year, value.month, value.day
    else:
        match = _ISO.match(str(value).strip())
        if not match:
            return str(value)
        year = int(match[1])
        month = int(match[2]) if match[2] else None
        day = int(match[3]) if match[3] else None
        if month is not None and not 1 <= month <= 12:
            return str(value)
    names = words()
    if month is None:
        return str(year)
    if day is None:
        return f"{names['months'][month - 1]} {year}"
    shown = names["first_of_month"] if day == 1 else str(day)
    return f"{shown} {names['months'][month - 1]} {year}"


def when(value: Any) -> Optional[str]:
    """A date with its preposition, as precise as it is written: a day « le … », a month or a year « en … »."""
    shown = date(value)
    if shown is None:
        return None
    match = None if isinstance(value, dt.date) else _ISO.match(str(value).strip())
    by_day = match is None or match[3] is not None
    return f"{words()['on_day' if by_day else 'in_period']} {shown}"


def number(value: float | int | Decimal) -> str:
    """1234567.5 → « 1 234 567,5 » (non-breaking spaces), 15.0 → « 15 »; to the hundredth."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    sign = "-" if amount < 0 else ""
    whole, _, decimals = f"{abs(amount):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = "\u00a0".join(groups)
    return f"{sign}{text},{decimals}" if decimals else f"{sign}{text}"


def join(items: Iterable[str], last: Optional[str] = None) -> str:
    """« a, b et c »; `last` replaces « et » (« puis » for a sequence)."""
    items = [str(item) for item in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {last or words()['and']} {items[-1]}"


_PLACEHOLDER = re.compile(r"\[\[(?:([a-z]+):)?([a-z0-9_.]+)\]\]")


def fill(template: str, value: Callable[[Optional[str], str], str]) -> str:
    """The template with each `[[path]]` or `[[kind:path]]` replaced by `value(kind, path)`: the one template
    syntax of the data files (FAQ answers, orientation texts)."""
    return _PLACEHOLDER.sub(lambda match: value(match.group(1), match.group(2)), template)


def yes_no(value: bool) -> str:
    return words()["yes"] if value else words()["no"]


def with_article(name: str, article: Optional[str], preposition: Optional[str] = None) -> str:
    """A name with its article (« la », « le », « les » or none) and, if given, the preposition « à » or « de »
    before it, contracted and elided as French writes them."""
    article = (article or "").strip()
    vowel = bool(re.match(r"[aeiouyhàâéèêëîïôûAEIOUYHÀÂÉÈÊËÎÏÔÛ]", name))
    elide = set(words()["elision_before_vowel"])
    if article and article in elide and vowel and article != "les":
        head = "l'" + name
    else:
        head = f"{article} {name}" if article else name
    if not preposition:
        return head
    contracted = (words()["contractions"].get(preposition) or {}).get(article)
    if contracted and not head.startswith("l'"):
        return f"{contracted} {name}"
    if preposition in elide and re.match(r"[aeiouyhàâéèêëîïôûAEIOUYHÀÂÉÈÊËÎÏÔÛ]", head):
        return f"{preposition[0]}'{head}"
    return f"{preposition} {head}"


def place_with_article(name: str, preposition: Optional[str] = None) -> str:
    """A cité's name as a sentence writes it: « la cité des Genettes », « de la cité des Genettes », « aux corons de
    la fosse 2 » (french.fr.yaml `place_nouns`); a name without such a first word is written as it is."""
    first, _, rest = name.partition(" ")
    article = (words().get("place_nouns") or {}).get(fold(first).lower())
    if not article:
        return f"{preposition} {name}" if preposition else name
    return with_article(f"{first.lower()} {rest}".strip(), article, preposition)
