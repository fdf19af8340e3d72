"""Read a BUD fact value (kind of activity, origin of the company) from what a user types.

The words are data (data/programme/bud/answers.fr.yaml). Matching is on whole words of the normalised
text, so « commerciale » matches but « commercialisation » does not; nothing matched gives None.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from assistant.text import normalise


@lru_cache(maxsize=4)
def _lexicon(path: Path, _mtime: float) -> dict[str, dict[str, list[str]]]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {fact: {value: [normalise(w) for w in words] for value, words in values.items()} for fact, values in data.items()}


def lexicon(programme_dir: Path) -> dict[str, dict[str, list[str]]]:
    path = programme_dir / "bud" / "answers.fr.yaml"
    return _lexicon(path, path.stat().st_mtime)


def facts() -> tuple[str, ...]:
    return ("activity", "origin")


def understand(fact: str, text: str, programme_dir: Path) -> Optional[dict]:
    """The value this text gives for `fact`, with the words that show it, or None."""
    padded = f" {normalise(text)} "
    for value, words in lexicon(programme_dir)[fact].items():
        for word in words:
            if f" {word} " in padded:
                return {"fact": fact, "value": value, "because": word}
    return None
