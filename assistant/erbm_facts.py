"""Facts about the ERBM programme that the assistant may state, each with its source (data/programme/erbm_facts.yaml).

The file is read on each call, so a staff member's edit is served at once; a malformed file is an error that names
the entry and the field, never a silent gap.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from assistant.text import normalise

FILE_NAME = "erbm_facts.yaml"
CERTAINTIES = ("sourcee", "inference")
_DATE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")


@dataclass(frozen=True)
class Fact:
    id: str
    texte: str
    source: str
    date_source: str  # YYYY, YYYY-MM or YYYY-MM-DD; empty when the source gives none
    certitude: str

    def as_dict(self) -> dict:
        return {**asdict(self), "date_source": self.date_source or None}


class FactsFileError(ValueError):
    pass


def load(programme_dir: Path) -> list[Fact]:
    path = programme_dir / FILE_NAME
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FactsFileError(f"{FILE_NAME} illisible : {error}") from error
    entries = document.get("facts") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise FactsFileError(f"{FILE_NAME} : la clé « facts » doit contenir une liste")
    facts, seen = [], set()
    for position, entry in enumerate(entries, start=1):
        where = f"{FILE_NAME}, fait n° {position}"
        if not isinstance(entry, dict):
            raise FactsFileError(f"{where} : une entrée doit avoir les champs id, texte, source, date_source")
        values = {name: str(entry.get(name) or "").strip() for name in ("id", "texte", "source", "date_source")}
        for name in ("id", "texte", "source"):
            if not values[name]:
                raise FactsFileError(f"{where} : le champ {name} est vide")
        if not _DATE.match(values["date_source"]):
            raise FactsFileError(f"{where} : date_source {values['date_source']!r}, attendu AAAA, AAAA-MM ou AAAA-MM-JJ")
        certainty = str(entry.get("certitude") or "sourcee")
        if certainty not in CERTAINTIES:
            raise FactsFileError(f"{where} : certitude {certainty!r}, valeurs possibles : {', '.join(CERTAINTIES)}")
        if values["id"] in seen:
            raise FactsFileError(f"{where} : l'identifiant {values['id']!r} est déjà utilisé")
        seen.add(values["id"])
        facts.append(Fact(certitude=certainty, **values))
    return facts


# --- Questions no answer holds ---------------------------------------------------------------------------------

LIMITS_FILE_NAME = "faq_limits.fr.yaml"


def unanswered_detail(text: str, programme_dir: Path) -> str | None:
    """The practical detail (opening hours, phone, e-mail… of data/programme/faq_limits.fr.yaml) or the other scheme
    (TVA, ZFU, URSSAF…) that `text` asks and that no programme answer gives, or None. Whole words, accents and case
    ignored."""
    data = _limits(programme_dir)
    return _first_word_in(text, data["details_no_answer_gives"] + data["other_schemes_no_answer_covers"])


def other_scheme(text: str, programme_dir: Path) -> str | None:
    """The tax, charge or scheme other than the BUD that `text` names (« zfu », « tva »), or None: a question about
    it is not answered by the BUD check."""
    return _first_word_in(text, _limits(programme_dir)["other_schemes_no_answer_covers"])


def _limits(programme_dir: Path) -> dict:
    return yaml.safe_load((programme_dir / LIMITS_FILE_NAME).read_text(encoding="utf-8"))


def _first_word_in(text: str, words: list[str]) -> str | None:
    padded = f" {normalise(text)} "
    return next((word for word in (normalise(w) for w in words) if f" {word} " in padded), None)
