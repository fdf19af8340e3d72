"""A person's name and contact in their own words (the words of data/programme/handoff/names.fr.yaml):
« Paul Martin 03 21 00 00 00 » typed at « Quel est votre nom ? » gives both; « bonjour, je m'appelle Marc Lefebvre,
mon tel 06 07 08 09 10 » earlier in the conversation gives both again; « je vous l'ai déjà dit » is a sentence,
no name."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from assistant.datafiles import cached
from assistant.handoff.queue import RequestError, normalise_contact
from assistant.text import fold, normalise, phrase_pattern

FILE = Path("handoff") / "names.fr.yaml"
# An e-mail address or a French phone number somewhere in a message
_CONTACT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                      r"|(?:\+33|0033|0)\s*[1-9](?:[\s.-]*\d){8}")


def _patterns(data: dict) -> dict:
    introduce = sorted((r"[\s'’-]+".join(map(re.escape, normalise(p).split())) for p in data["introduce_name"]),
                       key=len, reverse=True)
    return {
        "not_in_names": phrase_pattern(data["not_in_names"]),
        "own_contact": phrase_pattern(data["own_contact"]),
        # matched in folded text of the message's own length, so that the name is cut from the text as typed
        "introduce_name": re.compile(r"\b(?:" + "|".join(introduce) + r")\b"),
        "name_ends": {normalise(w) for w in data["name_ends"]} | {normalise(w) for w in data["not_in_names"]},
        "answer_intro": re.compile(r"^(?:\W*\b(?:" + "|".join(
            r"[\s'’-]+".join(map(re.escape, normalise(p).split()))
            for p in sorted(data["answer_intro"], key=lambda p: len(normalise(p)), reverse=True)) + r")\b)+[\s'’,:-]*"),
    }


def details(text: str, programme_dir: Path, own: bool = False) -> dict:
    """What `text` says of its writer: `contact`, their e-mail or phone, cleaned (any, with `own`: the answer to the
    contact or name question; otherwise only when the words make it theirs); `reste`, the text without it;
    `phrase`, whether that rest is a sentence rather than a name; `nom`, a name the words introduce."""
    words = cached(programme_dir / FILE, _patterns)
    text = text or ""
    contact, rest = None, text
    found = _CONTACT.search(text)
    if found and (own or words["own_contact"].search(normalise(text))):
        try:
            contact, _ = normalise_contact(found.group())
            rest = (text[:found.start()] + " " + text[found.end():]).strip(" ,;-")
        except RequestError:
            contact = None
    if own:  # « c'est Mme Bouchra El Amrani » at the name question: the name is what follows the introduction
        folded = "".join((fold(c) or c)[0] for c in rest)  # one character for each: positions match the text
        intro = words["answer_intro"].match(folded.lower())
        rest = rest[intro.end():] if intro else rest
    return {"contact": contact, "reste": rest, "phrase": bool(words["not_in_names"].search(normalise(rest))),
            "nom": _introduced_name(text, words)}


def _introduced_name(text: str, words: dict) -> Optional[str]:
    """« je m'appelle Marc Lefèvre, … » → « Marc Lefèvre », as typed; None without such words."""
    folded = "".join((fold(c) or c)[0] for c in text)  # one character for each: positions match the text
    intro = words["introduce_name"].search(folded)
    if intro is None:
        return None
    kept = []
    for word in re.finditer(r"[^\W\d_][\w'’-]*|[^\w\s]|\d", text[intro.end():]):
        if not word.group()[0].isalpha() or normalise(word.group()) in words["name_ends"]:
            break
        kept.append(word.group())
    return " ".join(kept) or None
