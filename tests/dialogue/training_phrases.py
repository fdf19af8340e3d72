"""The user phrases of the training data and of the test sets, to check that the test sets are held out."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.text import normalise

ROOT = Path(__file__).resolve().parents[2]
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def plain(text: str) -> str:
    """« [Douai](commune) fait partie du BUD ? » → « Douai fait partie du BUD ? »."""
    return _ANNOTATION.sub(r"\1", text).strip()


def key(text: str) -> str:
    """Case, accents and punctuation do not make a phrase new (a phrase of punctuation only is kept as typed)."""
    return normalise(plain(text)) or plain(text).strip()


def training_keys() -> set[str]:
    keys = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in item:
                for line in (item.get("examples") or "").splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        keys.add(key(line[2:]))
    return keys


def story_user_phrases() -> list[str]:
    phrases = []
    for path in sorted((ROOT / "tests" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories", []):
            for step in story["steps"]:
                if "user" in step and not step["user"].strip().startswith("/"):
                    phrases.append(plain(step["user"]))
    return phrases
