"""Masking of personal data in what residents write, before anything is kept for staff insights.

`mask(text)` replaces e-mail addresses, French phone numbers, social-security (NIR), SIRET / SIREN, IBAN and
other long identifier-like numbers, street addresses and names introduced by « je m'appelle », « Madame »… by a
placeholder in square brackets. It errs on the side of masking: a masked amount costs a figure, a kept phone
number costs a person's privacy. Postal codes (five digits) and years are kept: they say where and when.
"""
from __future__ import annotations

import re

EMAIL, PHONE, NUMBER, NAME, ADDRESS = "[courriel]", "[téléphone]", "[numéro]", "[nom]", "[adresse]"

_SEP = r"[ \t.\-/]?"
_PATTERNS: list[tuple[re.Pattern, str]] = [
    # e-mail, also written out (« jean point dupont arobase orange point fr ») or with « (at) »
    (re.compile(r"[\w.+'-]+(?:\s+point\s+[\w+'-]+)*\s*(?:@|\(at\)|\[at\]|\barobase\b|\barobas\b)\s*[\w-]+(?:\s*(?:\.|\bpoint\b)\s*[\w-]+)+",
                re.IGNORECASE), EMAIL),
    # IBAN (FR76 3000 6000 0112 3456 7890 189)
    (re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE), NUMBER),
    # NIR: sex, year, month, département (2A/2B for Corsica), commune, order, key (optional)
    (re.compile(r"(?<![\d])[1-478]" + _SEP + r"\d{2}" + _SEP + r"(?:0[1-9]|1[0-2]|[2-9]\d)" + _SEP
                + r"(?:\d{2}|2[AB])" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?:" + _SEP + r"\d{2})?(?![\d])",
                re.IGNORECASE), NUMBER),
    # French phone numbers: 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, +33 (0)6…, 0033 6…
    (re.compile(r"(?<![\d+])(?:(?:\+|00)\s?33[ .\-]?(?:\(0\)[ .\-]?)?|0)[1-9](?:[ .\-]?\d{2}){4}(?![\d])"), PHONE),
    # short service numbers written as 0 800 123 456
    (re.compile(r"(?<![\d])0[ .]?8\d{2}[ .]?\d{3}[ .]?\d{3}(?![\d])"), PHONE),
    # any other run of nine digits or more, with or without separators: SIRET, SIREN, tax or account numbers
    (re.compile(r"(?<![\d])\d(?:[ .\-]?\d){8,}(?![\d])"), NUMBER),
    # a street address: « 12 bis rue des Lilas », « 3, avenue Jean Jaurès »
    (re.compile(r"\b\d{1,4}\s*(?:bis|ter)?\s*,?\s*(?:rue|avenue|av\.|boulevard|bd|chemin|allée|allee|impasse|"
                r"route|place|square|quai|résidence|residence|lotissement)"
                r"(?:\s+(?!(?:à|a|au|aux|sur|dans|en|et|pour|près|vers)\b)[\w'’\-]+){1,5}", re.IGNORECASE),
     ADDRESS),
]
# A name after the words that introduce one: the cue is kept, up to three words after it are masked (they stop
# at a word that is not part of a name: « je m'appelle jean dupont et j'habite Lens » keeps « et j'habite Lens »).
_NAME_CUES = (r"je\s+m['’]?\s*ap+el+e?|je\s+me\s+nomme|mon\s+nom\s+(?:est|c['’]\s*est)|mon\s+prénom\s+(?:est|c['’]\s*est)|"
              r"mon\s+nom\s*:|moi\s+c['’]\s*est|c['’]\s*est\s+(?:madame|monsieur|mme|m\.)|madame|monsieur|"
              r"mademoiselle|mme|mlle|mr|m\.|au\s+nom\s+de")  # « au nom de … »: the hand-off confirmation says it back
_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*"
_NAME = re.compile(r"\b(" + _NAME_CUES + r")\s*(" + _WORD + r"(?:\s+" + _WORD + r"){0,2})", re.IGNORECASE)
# Words that end a name (« Monsieur le maire », « je m'appelle Paul et… »).
_NOT_NAMES = {"le", "la", "les", "l", "un", "une", "à", "a", "au", "aux", "de", "du", "des", "d", "en", "pour", "sur",
              "dans", "et", "ou", "mais", "donc", "je", "j", "il", "elle", "on", "nous", "vous", "bonjour", "merci",
              "svp", "s'il", "depuis", "qui", "que", "qu", "est", "suis", "habite", "voudrais", "veux", "c", "ma",
              "mon", "mes", "votre", "avec", "chez", "par", "n", "ne", "pas", "oui", "non", "maire"}


def _name(match: re.Match) -> str:
    cue, words = match.group(1), match.group(2).split()
    kept = []
    for word in words:
        if re.split(r"['’]", word.lower())[0] in _NOT_NAMES:
            break
        kept.append(word)
    if not kept:
        return match.group(0)
    rest = " ".join(words[len(kept):])
    return f"{cue} {NAME}" + (f" {rest}" if rest else "")


def mask(text: str) -> str:
    """The text with every personal datum it seems to contain replaced by a placeholder."""
    if not text:
        return text
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return _NAME.sub(_name, text)
