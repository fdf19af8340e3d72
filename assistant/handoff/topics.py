"""The topic a request for a person names in its own words (data/programme/handoff/topics.fr.yaml): « parler à
quelqu'un de la Mission locale » is about employment, even after a question on the BUD."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from assistant.datafiles import cached
from assistant.text import normalise, phrase_pattern

FILE = Path("handoff") / "topics.fr.yaml"
STRUCTURES_FILE = Path("handoff") / "structures.fr.yaml"


def _patterns(data: dict) -> dict[str, re.Pattern]:
    return {topic: phrase_pattern(words) for topic, words in data.items()}


def named_topic(text: str, programme_dir: Path) -> Optional[str]:
    """The one topic the text names, or None (none, or several)."""
    words = normalise(text or "")
    named = [topic for topic, pattern in cached(programme_dir / FILE, _patterns).items() if pattern.search(words)]
    return named[0] if len(named) == 1 else None


def named_structure_kind(text: str, programme_dir: Path) -> Optional[str]:
    """The one kind of employment structure the text names (« mission_locale »), or None (none, or several)."""
    words = normalise(text or "")
    named = [kind for kind, pattern in cached(programme_dir / STRUCTURES_FILE, _patterns).items() if pattern.search(words)]
    return named[0] if len(named) == 1 else None
