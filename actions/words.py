"""The words of a message read against the word lists of the dialogue rules (served by the programme-data service,
GET /dialogue/parameters): folded to lower case without accents, as those lists are written."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable


def words_of(text: str) -> list[str]:
    """The words of a message, in lower case without accents (« l'ERBM » → ["l", "erbm"])."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", folded)


def says_any(text: str, phrases: Iterable[str], beginnings: bool = False) -> bool:
    """Whether the message holds one of `phrases` (words of the dialogue rules, without accents: « la bas »), as
    whole words, or with `beginnings` as the beginning of a word (« annul » in « annulez »)."""
    folded = " ".join(words_of(text))
    end = "" if beginnings else r"\b"
    return any(re.search(rf"\b{re.escape(phrase)}{end}", folded) for phrase in phrases)


def opens_with(text: str, phrases: Iterable[str]) -> bool:
    """Whether the message begins with one of `phrases`, as whole words (« non finalement je la garde »)."""
    folded = " ".join(words_of(text))
    return any(re.match(rf"{re.escape(phrase)}\b", folded) for phrase in phrases)


def only_of(text: str, phrases: Iterable[str]) -> bool:
    """Whether the text is made of `phrases` alone, in any order and number (« cite elle », « la-bas »); an empty
    text is."""
    folded = f" {' '.join(words_of(text))} "
    for phrase in sorted(phrases, key=len, reverse=True):  # « la bas » before « la »
        folded = re.sub(rf" {re.escape(phrase)}(?= )", " ", folded)
    return not folded.strip()
