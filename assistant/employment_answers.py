"""Read the employment facts a person's message gives: the one place where employment answers are read.

The cues are data (data/programme/employment/answers.fr.yaml, reloaded when the file changes); ages and yes/no
answers are read by assistant.french_values. Served by GET /employment/understand; the table of cases is
tests/service/employment_readings.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional

from text_to_num import alpha2digit

from assistant import answer_reader
from assistant.datafiles import cached
from assistant.dont_know import says_dont_know
from assistant.employment.rules import rules_for
from assistant.french_values import parse_age, parse_yes_no
from assistant.text import fold

FILE = Path("employment") / "answers.fr.yaml"
AGE = "age"
_PART = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Cues:
    facts: dict[str, tuple[re.Pattern, Optional[re.Pattern]]]  # fact: (positive, negative or None)
    unemployed_context: re.Pattern
    duration: re.Pattern
    age_in_passing: re.Pattern
    correction: re.Pattern  # « non pardon, je me suis trompé »: no yes or no
    someone_else: re.Pattern  # « et pour mon fils ? »: the questions start again for that person
    their_age: re.Pattern  # « il a 17 ans »: that person's age
    services: dict[str, re.Pattern]  # route id: its names (« PLIE », « pôle emploi »)
    about_service: re.Pattern  # « c'est quoi … ? », « … c'est pour qui ? »: a question about a service named
    service_details: re.Pattern  # « les horaires de … »: a question about it that its description does not answer
    service_exists: re.Pattern  # « y a un PLIE à Denain ? »: whether one is there, a question about it too
    acknowledgement: re.Pattern  # « ok », « d'accord »: heard, not a yes to « Avez-vous une RQTH ? »
    figure_correction: re.Pattern  # « 24 ans enfin non 26 »: the figure after it replaces the one before


def _cues(data: dict) -> Cues:
    parts = data["parts"]

    def compiled(pattern: Optional[str]) -> Optional[re.Pattern]:
        if pattern is None:
            return None
        return re.compile(_PART.sub(lambda m: parts[m[1]], pattern))

    return Cues(
        facts={fact: (compiled(cue["positive"]), compiled(cue.get("negative"))) for fact, cue in data["cues"].items()},
        unemployed_context=compiled(data["unemployed_context"]),
        duration=compiled(data["duration"]),
        age_in_passing=compiled(data["age_in_passing"]),
        correction=compiled(data["correction"]),
        someone_else=compiled(data["someone_else"]),
        their_age=compiled(data["their_age"]),
        services={route: compiled(names) for route, names in data["services"].items()},
        about_service=compiled(data["about_service"]),
        service_details=compiled(data["service_details"]),
        service_exists=compiled(data["service_exists"]),
        acknowledgement=compiled(data["acknowledgement"]),
        figure_correction=compiled(data["figure_correction"]),
    )


def cues(programme_dir: Path) -> Cues:
    """The cues of answers.fr.yaml, read again when staff edit the file (assistant.datafiles)."""
    return cached(programme_dir / FILE, _cues)


def _folded(text: str) -> str:
    text = fold(text or "").replace("\u2019", "'").replace("`", "'")
    return " ".join(text.split())


def _words_to_digits(text: str) -> str:
    """« vingt-deux ans » → « 22 ans »; a lone « un » or « une » stays a word."""
    return alpha2digit(text, "fr", threshold=10)


def read_age(text: str, asked: bool, programme_dir: Path, today: Optional[date] = None) -> Optional[int]:
    """The age the message gives; a bare number counts only when the question was the age."""
    found_cues = cues(programme_dir)
    folded = found_cues.duration.sub(" ", _folded(text))
    pieces = found_cues.figure_correction.split(folded)
    with_figures = [piece for piece in pieces if re.search(r"\d", _words_to_digits(piece))]
    corrects_an_age = len(with_figures) > 1 and found_cues.age_in_passing.search(_words_to_digits(with_figures[-2]))
    if len(with_figures) > 1:
        folded = with_figures[-1]  # « 24 ans enfin non 26 », « j'ai 52 ans pardon 53 »: the last one said
    with_digits = _words_to_digits(folded)
    if corrects_an_age:
        asked = True  # the figure after the correction is an age, « ans » or not
    if asked:
        # A number must be there: « une formation » is not an age of 1.
        return parse_age(folded, today or date.today()) if re.search(r"\d", with_digits) else None
    found = found_cues.age_in_passing.findall(with_digits)
    if len(found) != 1:
        return None
    return parse_age(f"{found[0]} ans")


def read_cues(text: str, programme_dir: Path) -> dict[str, bool]:
    """The yes/no facts a message states in passing."""
    found_cues = cues(programme_dir)
    folded = _folded(text)
    facts: dict[str, bool] = {}
    for fact, (positive, negative) in found_cues.facts.items():
        if negative is not None and negative.search(folded):
            facts[fact] = False
        elif positive.search(folded):
            facts[fact] = True
    if "long_term_unemployed" not in facts and found_cues.unemployed_context.search(folded):
        durations = found_cues.duration.findall(_words_to_digits(folded))
        if len(durations) == 1:
            number, unit = durations[0]
            months = int(number) * (1 if unit == "mois" else 12)
            # the threshold is the dated rule of employment/parameters.yaml, the one the orientation applies
            facts["long_term_unemployed"] = months >= rules_for(programme_dir).long_term_unemployment_months
    return facts


def read_someone_else(text: str, programme_dir: Path) -> tuple[bool, Optional[int]]:
    """Whether the message asks for someone else (« et pour mon fils il a 17 ans ? »), and that person's age when it
    gives exactly one."""
    found_cues = cues(programme_dir)
    folded = _words_to_digits(found_cues.duration.sub(" ", _folded(text)))
    if not found_cues.someone_else.search(folded):
        return False, None
    ages = {int(next(g for g in groups if g)) for groups in found_cues.their_age.findall(folded)}
    age = ages.pop() if len(ages) == 1 else None
    return True, age if age is not None and 1 <= age <= 120 else None


def read_asks_about(text: str, programme_dir: Path) -> list[str]:
    """The services (route ids of the orientation rules) the message asks what they are or whom they are for
    (« c'est quoi le PLIE ? », « la mission locale c'est jusqu'à quel âge ? »), in the order named; [] otherwise."""
    found_cues = cues(programme_dir)
    folded = _folded(text)
    asks = found_cues.about_service.search(folded) or found_cues.service_exists.search(folded.strip())
    if not asks or found_cues.service_details.search(folded):
        return []
    named = [(match.start(), route) for route, names in found_cues.services.items()
             for match in [names.search(folded)] if match]
    return [route for _, route in sorted(named)]


def is_unsure(text: str, programme_dir: Path) -> bool:
    """The person cannot or will not tell (data/programme/dont_know.fr.yaml): the question is skipped, not asked
    forever."""
    return says_dont_know(text, programme_dir)


def understand(text: str, asked: Optional[str], programme_dir: Path, today: Optional[date] = None) -> dict[str, Any]:
    """What a message says: the facts it gives (an age, yes/no facts stated in passing), its plain yes or no (the
    answer to a yes/no question; `heard_only` when its only yes is an « ok » or a « d'accord »), whether the person says they cannot tell, and whether they ask for someone else
    (`someone_else`: the facts are then that person's), the services it asks about (`asks_about`: « c'est quoi le
    PLIE ? »), and whether it asks where or when a service is (`asks_details`: « c'est où leur adresse ? »)."""
    facts: dict[str, Any] = {}
    age = read_age(text, asked=asked == AGE, programme_dir=programme_dir, today=today)
    if age is not None:
        facts[AGE] = age
    facts.update(read_cues(text, programme_dir))
    someone_else, their_age = read_someone_else(text, programme_dir)
    if someone_else and AGE not in facts and their_age is not None:
        facts[AGE] = their_age
    if answer_reader.asks_meaning(text, programme_dir):
        # « c'est quoi la RQTH ? » asks, it says nothing of the person (it was recorded as a recognised disability)
        facts = {fact: value for fact, value in facts.items() if fact == AGE}
    # « non pardon, je me suis trompé, j'habite à … » takes back an earlier answer: it says no « non » to this question
    yes_no = None if cues(programme_dir).correction.search(_folded(text)) else parse_yes_no(text)
    if yes_no is not None and asked and any(fact not in (AGE, asked) for fact in facts):
        # « oui je touche le RSA » to the RQTH question: the yes goes with the fact it names, not with the question
        yes_no = None
    acknowledgement = cues(programme_dir).acknowledgement
    heard_only = yes_no is not False and bool(acknowledgement.search(_folded(text))) \
        and parse_yes_no(acknowledgement.sub(" ", _folded(text))) is not True  # « d'acc »: no yes of the classifier either
    if heard_only:
        yes_no = None  # « d'accord », « ok merci »: the question about the person is asked again
    return {"facts": facts, "yes_no": yes_no, "heard_only": heard_only, "unsure": is_unsure(text, programme_dir),
            "someone_else": someone_else,
            "asks_about": read_asks_about(text, programme_dir),
            "asks_details": bool(cues(programme_dir).service_details.search(_folded(text)))}
