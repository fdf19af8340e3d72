"""Normalisation of place names and free text the way residents type them."""
import re
import unicodedata
from functools import lru_cache

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "lez": "les", "les": "les"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelled out."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@lru_cache(maxsize=65_536)  # the cité search normalises every few words of a sentence, many times over
def normalise(text: str) -> str:
    """A comparison key: « St-Amand-les-Eaux », « saint amand les eaux » and « ST AMAND LES EAUX » are equal."""
    tokens = _NON_ALNUM.sub(" ", fold(text)).split()
    return " ".join(_ABBREVIATIONS.get(token, token) for token in tokens)


def phrase_pattern(phrases) -> re.Pattern:
    """Phrases as residents type them, found as whole words in `normalise`d text, the longest first (the lists of
    data/programme: « je sais pas », « mission locale »)."""
    keys = sorted({normalise(str(p)) for p in phrases} - {""}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, keys)) + r")\b") if keys else re.compile(r"(?!)")
