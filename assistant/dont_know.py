"""Whether a message says « I don't know » (or « I'd rather not say »): the words of data/programme/dont_know.fr.yaml,
one list for the BUD check's answers (assistant/answer_reader.py) and the employment answers
(assistant/employment_answers.py)."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.datafiles import cached
from assistant.text import fold, normalise, phrase_pattern

FILE = Path("dont_know.fr.yaml")


def _pattern(data: dict) -> re.Pattern:
    return phrase_pattern(data["phrases"])


def says_dont_know(text: str, programme_dir: Path) -> bool:
    """« chepa », « aucune idée, faut que je demande à mon comptable », « je préfère pas le dire »."""
    return bool(cached(programme_dir / FILE, _pattern).search(normalise(text or "")))


def _in_folded_text(data: dict) -> re.Pattern:
    keys = sorted({normalise(str(p)) for p in data["phrases"]} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(r"[\W_]+".join(map(re.escape, k.split())) for k in keys) + r")\b")


def without_dont_know(text: str, programme_dir: Path) -> str:
    """The message, folded, without its « je sais pas » words: « je sais pas exactement, une dizaine » keeps
    « exactement, une dizaine », a figure said beside them (it reads as a guess, to be said back)."""
    return cached(programme_dir / FILE, _in_folded_text).sub(" ", fold(text or ""))
