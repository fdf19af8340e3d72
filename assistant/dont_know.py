"""Whether a message says « I don't know » (or « I'd rather not say »): the words of data/programme/dont_know.fr.yaml,
one list for the BUD check's answers (assistant/answer_reader.py) and the employment answers
(assistant/employment_answers.py)."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.datafiles import cached
from assistant.text import normalise, phrase_pattern

FILE = Path("dont_know.fr.yaml")


def _pattern(data: dict) -> re.Pattern:
    return phrase_pattern(data["phrases"])


def says_dont_know(text: str, programme_dir: Path) -> bool:
    """« chepa », « aucune idée, faut que je demande à mon comptable », « je préfère pas le dire »."""
    return bool(cached(programme_dir / FILE, _pattern).search(normalise(text or "")))
