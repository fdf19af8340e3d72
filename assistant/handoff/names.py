"""Whether what was typed at « Quel est votre nom ? » is a sentence rather than a name (« je vous l'ai déjà dit »):
the words of data/programme/handoff/names.fr.yaml that are no part of a name."""
from __future__ import annotations

import re
from pathlib import Path

from assistant.datafiles import cached
from assistant.text import normalise, phrase_pattern

FILE = Path("handoff") / "names.fr.yaml"


def _pattern(data: dict) -> re.Pattern:
    return phrase_pattern(data["not_in_names"])


def is_a_sentence(text: str, programme_dir: Path) -> bool:
    return bool(cached(programme_dir / FILE, _pattern).search(normalise(text or "")))
