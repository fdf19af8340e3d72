"""The one reader of French answers: what a free-text answer says about a fact, and how sure it is.

People answer the way they speak: « non ce n'est pas une reprise », « je n'ai rien racheté, j'ai tout créé »,
« pas 10, on est 8 », « je crois que c'était en mars 2022 », « j'ai lancé ma boulangerie à Harnes il y a deux
ans, on est 3 ». This module reads such answers:

- a negation (« pas », « rien », « jamais », « aucun », « ni », « sans », « ne … plus ») denies what follows it
  in its clause, and never turns a denied word into its value;
- a contrast (« pas une reprise mais une création », « pas en 2021, en 2022 ») keeps the clause that is not
  denied;
- a hedge (« je crois », « à peu près », « une vingtaine ») keeps the value but marks it `unsure`;
- one message may give several facts (`read_message`).

Values are read by assistant.french_values (dates, counts, amounts, shares, yes/no) and by the lexicon of
data/programme/bud/answers.fr.yaml (activity, origin); the cue words (negations, contrasts, hedges, the words that
tie a number to people, to money, to a time or to a share, the place words of the company) are data in the same
file. A reading is `sure` or `unsure`: the dialogue says back an unsure reading, and any reading that would decide a
negative verdict, before it counts (actions/bud_eligibility.py).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional


from assistant import french, french_values as fv, parameters
from assistant.bud.facts import as_given, partial_date
from assistant.communes import POSTAL_CODE
from assistant.datafiles import cached
from assistant.dont_know import says_dont_know, without_dont_know
from assistant.text import fold, normalise

SURE, UNSURE = "sure", "unsure"
LEXICON_FACTS = ("activity", "origin")
DATE_FACTS = ("creation_date",)
COUNT_FACTS = ("employees", "eligible_employees", "resident_employees")
AMOUNT_FACTS = ("turnover_eur", "balance_sheet_eur", "expected_profit_eur")
PERCENT_FACTS = ("capital_held_by_companies_pct", "turnover_outside_pct")
YES_NO_FACTS = ("yes_no",)
FACTS = LEXICON_FACTS + DATE_FACTS + COUNT_FACTS + AMOUNT_FACTS + PERCENT_FACTS + YES_NO_FACTS
FIGURE_FACTS = DATE_FACTS + COUNT_FACTS + AMOUNT_FACTS + PERCENT_FACTS  # a guess beside « je sais pas » counts

_FILE = Path("bud") / "answers.fr.yaml"


@dataclass(frozen=True)
class Reading:
    fact: str
    value: Any  # None: the answer does not say it (the bot asks again)
    certainty: Optional[str]  # sure | unsure; None with no value
    because: Optional[str]  # the words that show the value, as found in the normalised text
    negation: bool  # a negation was read (and honoured)
    precision: Optional[str] = None  # dates: day | month | year
    rest: Optional[str] = None  # yes / no: what the answer says besides its yes or no (« non, on est 5 » -> « on est 5 »)
    unknown: bool = False  # the person says they do not know (« je sais pas du tout »), and gives no figure
    asks_meaning: bool = False  # the message asks what a word means (« c'est quoi une activité libérale ? »): no answer

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Cues:
    negations: tuple[str, ...]
    negation_after_ne: tuple[str, ...]
    not_negations: tuple[str, ...]
    clause_breaks: tuple[str, ...]
    hedges: tuple[str, ...]
    confirm_yes: tuple[str, ...] = ()
    confirm_no: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()
    contrasts: tuple[str, ...] = ()
    negation_particles: tuple[str, ...] = ()
    round_figures: tuple[str, ...] = ()
    negations_after_verb: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    not_after_verb_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class People:
    """Words that tie a number to people (answers.fr.yaml `people`), as folded-text patterns."""
    before_number: re.Pattern
    after_number: re.Pattern
    all: re.Pattern
    one: re.Pattern  # « il est en CDI », « elle habite à Lens »: all of one
    lasting_contract: re.Pattern
    fixed_term: re.Pattern
    other_contracts: re.Pattern
    residence: re.Pattern
    residence_in_zone: re.Pattern
    alone: re.Pattern
    of_them: re.Pattern
    the_other: re.Pattern  # « un habite à Liévin, l'autre à Angres »: one more person
    nobody: re.Pattern  # « aucun … n'habite en zone »: 0
    all_but: re.Pattern  # « tous sauf 2 »: all the people counted before, but some
    in_all: re.Pattern  # « …, donc 10 »: the figure the person works out
    no_employee: re.Pattern  # « sans salarié »: none (never before « en CDI », « qui habite »)
    not_employees: re.Pattern  # « 2 associés »: people who are not employees
    numbered: re.Pattern
    before_place: re.Pattern


@dataclass(frozen=True)
class Words:
    """The other cue words of answers.fr.yaml (`reading`, `figures`, `shares`, `origin_in_passing`), as patterns on
    folded or normalised text; the file says what each one tells."""
    read_as: tuple[tuple[str, re.Pattern], ...]  # (the word read, the phrases read as it)
    think_not: re.Pattern
    think_not_unless: re.Pattern
    yes_no_opener: re.Pattern  # at the start of a clause
    tag_question: re.Pattern  # « …, non ? » at the end of a longer sentence, in the text as typed
    resume: re.Pattern  # « on peut reprendre ? »: resuming the check, in folded text; no takeover
    sub_clause_break: re.Pattern  # with the spaces around it
    message_cues: dict[str, re.Pattern]
    yearly: re.Pattern
    earnings: re.Pattern
    money: re.Pattern  # with « € » and the magnitudes of french_values
    duration: re.Pattern  # « 6 mois »
    date_in_count: re.Pattern  # « en 2022 », « mars 2023 », « 15/10/2022 »
    future: re.Pattern
    in_weeks: re.Pattern  # « dans 2 semaines »: a date to the month
    this_day: re.Pattern  # « aujourd'hui », « demain »: a creation date only beside a word of `of_starting`
    of_starting: re.Pattern
    of_something_else: re.Pattern  # « fermé depuis 2 ans », « l'ancien propriétaire »: another date than the start
    inside_zone: re.Pattern
    only: re.Pattern
    outside_zone: re.Pattern
    companies: re.Pattern
    persons: re.Pattern
    own_company: re.Pattern  # « la société m'appartient », « mon EURL »: not another company
    rest: re.Pattern
    parts: re.Pattern  # with « % »
    time: re.Pattern
    origin_in_passing: frozenset[str]
    no_company: re.Pattern = re.compile(r"(?!)")  # « je suis un particulier »: nothing to check
    meaning_question: re.Pattern = re.compile(r"(?!)")  # « c'est quoi une activité libérale ? »: asks, answers nothing


@dataclass(frozen=True)
class CompanyPlace:
    """Words that put the company in the commune named just after them (answers.fr.yaml `company_place`)."""
    before_name: tuple[str, ...]  # normalised phrases: « a », « siege », « demenage »
    articles: frozenset[str]  # « la », « le »: not the word of a name that is looked for (La Couture: « couture »)
    short_answer_words: int  # an answer of this many words at most is the place itself (« Douai », « à Liévin »)
    moves_company: tuple[str, ...] = ()  # with a commune held already, the words that move the company (« siège »)
    head_office: tuple[str, ...] = ()  # of several communes, the one in a clause with these words (« siège social »)
    denied_place: tuple[str, ...] = ()  # « pas à Lens »: a commune after these words is not the company's place
    moves_company_after: tuple[str, ...] = ()  # « et à Lens plutôt ? »: after the name, the words that move it too


@dataclass(frozen=True)
class Lexicon:
    values: dict[str, dict[str, tuple[str, ...]]]  # fact -> value -> phrases (normalised)
    cues: Cues
    said: dict[str, Any]
    tax_regime: tuple[tuple[bool, re.Pattern], ...] = ()  # (corporate_tax, words), in the order to look
    people: Optional[People] = None
    bare_amount_unsure_below: float = 0
    company_place: Optional[CompanyPlace] = None
    words: Optional[Words] = None
    always_unsure: dict[str, frozenset[str]] = field(default_factory=dict)  # fact -> values always said back


def _lexicon(data: dict) -> Lexicon:
    values = {fact: {value: tuple(normalise(w) for w in words) for value, words in data[fact].items()}
              for fact in LEXICON_FACTS}
    reading = data["reading"]
    cues = Cues(**{name: tuple(normalise(w) for w in reading.get(name) or ()) for name in Cues.__dataclass_fields__})
    people_words = data.get("people") or {}
    people = People(**{name: _phrase_regex(tuple(normalise(w) for w in people_words.get(name) or ("\x00",)))
                       for name in People.__dataclass_fields__})
    tax_regime = tuple(
        (bool(value), re.compile(r"\b(?:" + "|".join(re.escape(normalise(w)) for w in words) + r")\b"))
        for value, words in (data.get("corporate_tax") or {}).items()
    )
    place = data.get("company_place") or {}
    company_place = CompanyPlace(tuple(normalise(w) for w in place.get("before_name") or ()),
                                 frozenset(normalise(w) for w in place.get("articles") or ()),
                                 int(place.get("short_answer_words") or 0),
                                 tuple(normalise(w) for w in place.get("moves_company") or ()),
                                 tuple(normalise(w) for w in place.get("head_office") or ()),
                                 tuple(normalise(w) for w in place.get("denied_place") or ()),
                                 tuple(normalise(w) for w in place.get("moves_company_after") or ()))
    return Lexicon(values, cues, data["said"], tax_regime, people, float(data.get("bare_amount_unsure_below") or 0),
                   company_place, _words(data),
                   {fact: frozenset(values) for fact, values in (data.get("always_unsure") or {}).items()})


_NOTHING = ("\x00",)  # a phrase no text holds: a list left empty matches nothing


def _phrases(words) -> tuple[str, ...]:
    return tuple(normalise(str(w)) for w in words or ()) or _NOTHING


def _alternatives(words) -> str:
    """The phrases as one regex alternation (« c est » matches « c'est », « c est »), the longest first."""
    return "|".join(sorted((r"[\s'-]+".join(map(re.escape, p.split())) for p in _phrases(words)), key=len, reverse=True))


def _words(data: dict) -> Words:
    reading, figures, shares = data.get("reading") or {}, data.get("figures") or {}, data.get("shares") or {}
    money = [re.escape(m) for m in sorted(fv._MULTIPLIERS, key=len, reverse=True)]
    return Words(
        read_as=tuple((normalise(word), _phrase_regex(_phrases(phrases)))
                      for word, phrases in (reading.get("read_as") or {}).items()),
        think_not=_phrase_regex(_phrases(reading.get("think_not"))),
        think_not_unless=_phrase_regex(_phrases(reading.get("think_not_unless"))),
        yes_no_opener=re.compile(rf"^(?:{_alternatives(reading.get('yes_no_openers'))})\s+"),
        tag_question=re.compile(r"(?<=\w)[\s,]+(?:" + "|".join(
            r"[\s'’-]+".join(map(re.escape, normalise(p).split())) for p in reading.get("tag_questions") or ["(?!)"])
            + r")\s*\?+\s*$", re.IGNORECASE),
        resume=re.compile(
            rf"(?<![a-z0-9])(?:(?:{_flexible(reading.get('resume_with_object'))})(?![a-z0-9])"
            rf"|(?:{_flexible(reading.get('resume_alone'))})(?=\s*(?:[?!.,;]|$)))"),
        sub_clause_break=re.compile(rf"\s(?:{_alternatives(reading.get('sub_clause_breaks'))})\s"),
        message_cues={fact: _phrase_regex(_phrases(words)) for fact, words in (figures.get("message_cues") or {}).items()},
        yearly=_phrase_regex(_phrases(figures.get("yearly"))),
        earnings=_phrase_regex(_phrases(figures.get("earnings"))),
        money=re.compile(r"€|\b(?:" + "|".join([_alternatives(figures.get("money")), *money]) + r")\b"),
        duration=re.compile(rf"\b\d+\s+(?:{_alternatives(figures.get('durations'))})\b"),
        date_in_count=re.compile(rf"\b(?:{_alternatives(figures.get('before_year'))}|{fv._MONTH_WORD})\.?\s+(?:19|20)\d\d\b"
                                 r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
        future=_phrase_regex(_phrases(figures.get("future"))),
        in_weeks=_phrase_regex(_phrases(figures.get("in_weeks"))),
        this_day=_phrase_regex(_phrases(figures.get("this_day"))),
        of_starting=_phrase_regex(_phrases(figures.get("of_starting"))),
        of_something_else=_phrase_regex(_phrases(figures.get("of_something_else"))),
        inside_zone=_phrase_regex(_phrases(shares.get("inside_zone"))),
        only=_phrase_regex(_phrases(shares.get("only"))),
        outside_zone=_phrase_regex(_phrases(shares.get("outside_zone"))),
        companies=_phrase_regex(_phrases(shares.get("companies"))),
        persons=_phrase_regex(_phrases(shares.get("persons"))),
        own_company=_phrase_regex(_phrases(shares.get("own_company"))),
        rest=_phrase_regex(_phrases(shares.get("rest"))),
        parts=re.compile(rf"%|{_phrase_regex(_phrases(shares.get('parts'))).pattern}"),
        time=_phrase_regex(_phrases(shares.get("time"))),
        origin_in_passing=frozenset(normalise(w) for w in data.get("origin_in_passing") or ()),
        no_company=_phrase_regex(_phrases(data.get("no_company"))),
        meaning_question=re.compile(r"^(?:(?:et|mais|euh|ok|bon|alors|d accord|pardon|attendez|attends)\s+)*(?:"
                                    + _phrase_regex(_phrases(data.get("meaning_questions"))).pattern + ")"),
    )


def lexicon(programme_dir: Path) -> Lexicon:
    """The cue words, read again when staff edit the file."""
    return cached(programme_dir / _FILE, _lexicon)


# --- Clauses and negation --------------------------------------------------------------------------------------

# Punctuation that ends a clause; a comma or a dot inside a number (« 1,2 M€ », « 15.10.2022 ») does not.
_PUNCTUATION = re.compile(r"[;!?()\[\]«»\"…]+|\s[-–]\s|[,.:](?!\d)")


def _has(tokens: list[str], phrase: str, at: Optional[int] = None) -> list[int]:
    """Positions where `phrase` (normalised words) starts in `tokens` (or whether it starts at `at`)."""
    words = phrase.split()
    n = len(words)
    starts = range(len(tokens) - n + 1) if at is None else ([at] if at + n <= len(tokens) else [])
    return [i for i in starts if tokens[i:i + n] == words]


def _flexible(phrases) -> str:
    """Normalised phrases as one alternation over folded text (« la ou » matches « là où », « l'ou »…)."""
    alternatives = sorted((r"[\s'’-]+".join(map(re.escape, normalise(p).split())) for p in phrases or ()), key=len,
                          reverse=True)
    return "|".join(alternatives) or "(?!)"


def without_resuming(text: str, programme_dir: Path) -> str:
    """The text without the words that resume the check (« oui, reprendre », « on peut reprendre ? »): read as they
    are, they were a takeover and a negative verdict."""
    words = lexicon(programme_dir).words
    folded = fold(text or "")
    if words is None or not words.resume.search(folded):
        return text
    return words.resume.sub(" ", folded)


def _phrase_regex(phrases: tuple[str, ...]) -> re.Pattern:
    """Normalised phrases (« c est ») matched in folded text (« c'est », « c est »)."""
    alternatives = sorted((r"[\s'-]+".join(map(re.escape, p.split())) for p in phrases), key=len, reverse=True)
    return re.compile(rf"(?<![a-z0-9])(?:{'|'.join(alternatives)})(?![a-z0-9])")


@lru_cache(maxsize=8)
def _break_regex(breaks: tuple[str, ...]) -> re.Pattern:
    return _phrase_regex(breaks)


def _folded(text: str) -> str:
    return " ".join(fold(text or "").replace("\u2019", "'").replace("`", "'").split())


def raw_clauses(text: str, cues: Cues) -> list[str]:
    """The text's clauses, folded: cut at punctuation and before a contrast word (« mais », « c'est »)."""
    out: list[str] = []
    breaks = _break_regex(cues.clause_breaks)
    for piece in _PUNCTUATION.split(_folded(text)):
        cuts = [m.start() for m in breaks.finditer(piece)]
        bounds = [0] + [c for c in cuts if c > 0] + [len(piece)]
        for start, end in zip(bounds, bounds[1:]):
            clause = piece[start:end].strip()
            if normalise(clause):
                out.append(clause)
    return out


def clauses(text: str, cues: Cues) -> list[list[str]]:
    """The clauses as lists of normalised words."""
    return [normalise(clause).split() for clause in raw_clauses(text, cues)]


def _negation_start(tokens: list[str], cues: Cues) -> Optional[int]:
    """Where the first negation of this clause starts, or None."""
    for i, token in enumerate(tokens):
        if any(_has(tokens, phrase, i) for phrase in cues.not_negations):
            continue
        if any(_has(tokens, phrase, i) for phrase in cues.negations) or _denies_its_verb(tokens, i, cues):
            ne = [j for j, t in enumerate(tokens[:i]) if t in cues.negation_particles]
            if ne:
                return ne[-1]  # « on n'a repris aucun fonds »: the negation starts at « n' »
            if _denies_its_verb(tokens, i, cues):
                return 0  # « j'ai repris aucune exploitation »: the « ne » left out, the verb is denied too
            return i
        if token in cues.negation_after_ne and any(t in cues.negation_particles for t in tokens[:i]):
            return i
    return None


def _denies_its_verb(tokens: list[str], i: int, cues: Cues) -> bool:
    """« aucun », « rien », « personne » after the verb of a clause that starts with its subject, as people say it
    without « ne » (« j'ai racheté aucun fonds », « on a repris personne »); « personne » after « une » is a noun."""
    return (i >= 2 and tokens[i] in cues.negations_after_verb and tokens[0] in cues.subjects
            and tokens[i - 1] not in cues.not_after_verb_after)


def _found(tokens: list[str], phrases: tuple[str, ...]) -> Optional[str]:
    for phrase in phrases:
        if _has(tokens, phrase):
            return phrase
    return None


def _hedged(text: str, cues: Cues) -> bool:
    tokens = normalise(text).split()
    return _found(tokens, cues.hedges) is not None or _found(tokens, cues.round_figures) is not None


# --- Words of a lexicon (activity, origin) --------------------------------------------------------------------

def _lexicon_matches(tokens: list[str], values: dict[str, tuple[str, ...]]) -> list[tuple[int, int, str, str]]:
    """(start, end, value, phrase) for each phrase found, the longest first where phrases overlap."""
    candidates = []
    for value, phrases in values.items():
        for phrase in phrases:
            for start in _has(tokens, phrase):
                candidates.append((start, start + len(phrase.split()), value, phrase))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: set[int] = set()
    matches = []
    for start, end, value, phrase in candidates:
        if taken.intersection(range(start, end)):
            continue
        taken.update(range(start, end))
        matches.append((start, end, value, phrase))
    return sorted(matches)


def _read_lexicon(fact: str, text: str, lex: Lexicon) -> Reading:
    values = lex.values[fact]
    order = list(values)
    affirmed: list[tuple[str, str]] = []
    denied: list[tuple[str, str]] = []
    for tokens in clauses(_answered_inline(text), lex.cues):
        negation = _negation_start(tokens, lex.cues)
        matches = _lexicon_matches(tokens, values)
        for i, (start, end, value, phrase) in enumerate(matches):
            answer = _yes_or_no_after(tokens[end:matches[i + 1][0] if i + 1 < len(matches) else len(tokens)])
            said_no = negation is not None and start > negation or answer is False  # « reprise non, création oui »
            (denied if said_no else affirmed).append((value, phrase))
    hedged = _hedged(text, lex.cues)
    negation = bool(denied)
    kinds = sorted({v for v, _ in affirmed}, key=order.index)
    if kinds:
        value = kinds[0]  # the lexicon's order: the value that matters most for the verdict first
        because = next(p for v, p in affirmed if v == value)
        contradicted = because in {p for _, p in denied}
        sure = len(kinds) == 1 and not hedged and not contradicted and value not in lex.always_unsure.get(fact, ())
        return Reading(fact, value, SURE if sure else UNSURE, because, negation)
    if fact == "origin" and denied and "new" not in {v for v, _ in denied}:
        # « ce n'est pas une reprise », « je n'ai rien racheté »: nothing pre-existing, so a creation; said back
        return Reading(fact, "new", UNSURE, "pas " + denied[0][1], True)
    return Reading(fact, None, None, None, negation)


def _yes_or_no_after(words: list[str]) -> Optional[bool]:
    """The yes or no that follows a word of the lexicon (« reprise non », « création oui »), or None."""
    return fv.parse_yes_no(" ".join(words)) if 0 < len(words) <= _YES_NO_AFTER_WORDS else None


_YES_NO_AFTER_WORDS = 4  # « reprise : non pas du tout »; more words are a sentence of their own
# « reprise : non », « une reprise ? non »: the yes or no after a colon or a question mark answers the words before it
_INLINE_ANSWER = re.compile(r"\s*[:?]\s*([^,.;:!?()]*)")


def _answered_inline(text: str) -> str:
    def joined(m: re.Match) -> str:
        words = m[1].split()
        return " " + m[1] if 0 < len(words) <= _YES_NO_AFTER_WORDS and fv.parse_yes_no(m[1]) is not None else m[0]
    return _INLINE_ANSWER.sub(joined, text)


# --- Numbers and dates ----------------------------------------------------------------------------------------

def _kept_text(text: str, cues: Cues, has_value) -> tuple[str, bool]:
    """The text without its denied clauses (a negation before a value: « pas 10 », « pas en 2021 »)."""
    kept, negation = [], False
    for clause in raw_clauses(text, cues):
        tokens = normalise(clause).split()
        start = _negation_start(tokens, cues)
        if start is not None and has_value(" ".join(tokens[start:])):
            negation = True
            continue
        kept.append(clause)
    return (" ; ".join(kept) if negation else _folded(text)), negation


def _digit_in(words: str) -> bool:
    return bool(re.search(r"\d", fv._words_to_digits(words, small_numbers=False)))


def _date_in(words: str) -> bool:
    return bool(fv._DATE_CUE.search(words)) or _digit_in(words)


def _plain(text: str, cues: Cues) -> str:
    """The text with its hedge words taken out, so that the value readers see a plain figure."""
    return " ".join(_hedge_regex(cues.hedges).sub(" ", _folded(text)).split())


@lru_cache(maxsize=8)
def _hedge_regex(hedges: tuple[str, ...]) -> re.Pattern:
    return _phrase_regex(hedges)


_DAY_OF_MONTH = re.compile(rf"\b\d{{1,2}}(?:er|e)?\s+(?:{fv._MONTH_WORD})\b\.?(?:\s+(?:19|20)\d\d\b)?")


def _read_number(fact: str, text: str, lex: Lexicon, today: dt.date) -> Reading:
    cues = lex.cues
    has_value = _date_in if fact in DATE_FACTS else _digit_in
    words = lex.words
    if fact not in DATE_FACTS:
        text = _folded(text)
        for word, phrases in words.read_as:
            text = phrases.sub(word, text)  # « pas un seul salarié »: « aucun salarié »
    text = _digit_typos(text)
    if fact in COUNT_FACTS:
        # « des CDD de 6 mois », « lancée en 2022 »: a duration or a date is not a head count; « d'entre eux » no range
        text = words.date_in_count.sub(" ", words.duration.sub(" ", _folded(text)))
        if lex.people:
            text = lex.people.of_them.sub(" ", text)
    elif fact in AMOUNT_FACTS + PERCENT_FACTS:
        text = words.duration.sub(" ", text)  # « ça fait 10 ans », « apprenti 2 ans »: no amount, no share
        # « ça va ouvrir le 20 décembre », « le 1er mars »: a day of a month is no amount (it read 20 €)
        text = _DAY_OF_MONTH.sub(" ", text)
    kept, negation = _kept_text(text, cues, has_value)
    kept = _last_of_corrections(kept, cues, has_value)
    if kept is None:
        return Reading(fact, None, None, None, negation)
    hedged = _hedged(text, cues)
    if fact in DATE_FACTS:
        # dates keep their own words (« fin 2021 », « pas encore »): read the original text when nothing is denied
        prefer = "future" if words.future.search(normalise(kept)) else "past"
        parsed = fv.parse_date(_plain(kept, cues) if hedged else kept, today, prefer=prefer)
        if parsed is None:
            return Reading(fact, None, None, None, negation)
        precision = parsed.precision
        if precision == "day" and words.in_weeks.search(normalise(kept)) and parsed.value.replace(day=1) != today.replace(day=1):
            precision = "month"  # in this month the day stays: « en décembre » would not say whether it is to come
        value = as_given(parsed.value, precision)  # « 2023 », « 2023-03 », « 2023-03-15 »
        # « j'ouvre en janvier »: which January is a guess, said back with its year before it counts
        return Reading(fact, value, UNSURE if hedged or not parsed.year_said else SURE, None, negation, precision)
    plain = _no_longer(_plain(kept, cues))
    bare = False
    if fact in COUNT_FACTS:
        # « non, aucun rachat » answers the origin, not how many: « aucun » counts only people (or nothing named)
        if not _digit_in(plain) and _other_fact_words(plain, lex) and not _people_words(plain, lex):
            return Reading(fact, None, None, None, negation)
        value = 0 if fact == "employees" and _partners_without_employees(text, lex.people) else fv.parse_count(plain)
    elif fact in AMOUNT_FACTS:
        value, bare = _read_amount(plain, lex)
    else:
        shares = fv._words_to_digits(fv._clean(plain), small_numbers=False)
        several = len(_SHARE_SAID.findall(shares)) > 1 and words.companies.search(shares)
        if fact == "capital_held_by_companies_pct" and (words.persons.search(shares) or several
                                                          or words.own_company.search(shares)):
            # « 50/50 avec mon associé »; « une holding 40 % et une autre société 20 % »: the companies' shares added;
            # « c'est ma société à 100 % »: the person's own
            value = _capital_held_by_companies(_without_articles(shares), words)
        else:
            shares = _without_head_counts(shares, lex, money=False)
            value = _read_share(fact, shares, words) if shares is not None else None  # « 2 habitent à Lens »
    if value is None:
        return Reading(fact, None, None, None, negation)
    return Reading(fact, value, UNSURE if hedged or bare else SURE, None, negation)


# --- Money and head counts --------------------------------------------------------------------------------------

_SCALE_OF_COUNT = re.compile(r"\b(?:une? )?(\d+) d(?:e |')(milliers|millions|milliards)\b")


def _partners_without_employees(folded: str, people: Optional[People]) -> bool:
    """« on est 2 associés sans salarié »: partners or managers counted, and no employee."""
    if people is None or not people.not_employees.search(folded):
        return False
    return any(not re.match(r"[\s,]*(?:en |qui |dans |a |habit)", folded[m.end():])
               for m in people.no_employee.finditer(folded))


def _head_count_numbers(text: str, people: People, money: re.Pattern) -> list[tuple[int, int]]:
    """Spans of the numbers `text` (folded, digits) ties to people: « on est 4 », « 4 salariés », « 2 habitent »."""
    spans = []
    residents = people.residence.search(text)
    for m in re.finditer(r"(?<![\d.,])\d+(?![\d.,]\d)", text):
        before = text[max(0, m.start() - 30):m.start()].rstrip()
        after = text[m.end():m.end() + 40]
        tied_before = any(b.end() == len(before) for b in people.before_number.finditer(before))
        # « 2 habitent à Anzin et 1 à Valenciennes »: beside where people live, a small number at a place is people
        tied_after = bool(residents and len(m.group()) <= 3 and not re.search(r"\d\s?$", text[:m.start()])
                          and re.match(rf"\s*(?:{people.before_place.pattern})\s", after))  # not « 300 000 à Lens »
        for a in () if tied_after else people.after_number.finditer(after):
            words = after[:a.start()]
            if len(words.split()) <= 2 and not money.search(words) and not re.search(r"\d", words):
                tied_after = True
                break
        if tied_before or tied_after:
            spans.append((m.start(), m.end()))
    return spans


def _other_fact_words(text: str, lex: Lexicon) -> bool:
    """Whether the text speaks of the origin or the activity (« on n'a racheté aucun fonds »)."""
    tokens = normalise(text).split()
    return any(_lexicon_matches(tokens, lex.values[fact]) for fact in LEXICON_FACTS)


def _of_money(text: str, lex: Lexicon) -> bool:
    """Whether the text speaks of money: « € », « euros », « k », or the words of the turnover, the profit, the
    balance sheet (`figures.message_cues`)."""
    folded = _folded(text)
    cues = lex.words.message_cues
    return bool(lex.words.money.search(folded) or any(
        cues[fact].search(folded) for fact in ("turnover_eur", "expected_profit_eur", "balance_sheet_eur") if fact in cues))


def _people_words(text: str, lex: Lexicon) -> bool:
    """Whether the text names people (« salarié », « CDI », « personne », « seul »): the words the head-count cues
    put after a number (« on est » before one says nothing without it)."""
    people = lex.people
    folded = _folded(text)
    return bool(people and (people.after_number.search(folded) or people.alone.search(folded)))


def _without_head_counts(digits: str, lex: Lexicon, money: bool = True) -> Optional[str]:
    """The text (folded, in digits) without the numbers of people; None when it only speaks of people (« on est
    4 ») or, for money, without a figure of another fact (« pas de salarié », « aucun rachat »)."""
    people = lex.people
    spans = _head_count_numbers(digits, people, lex.words.money) if people else []
    if spans:
        for start, end in reversed(spans):
            digits = digits[:start] + " " + digits[end:]
        return digits if re.search(r"\d", digits) or not money else None
    words = lex.words  # « un garage, la moitié hors zone », « un tabac, tout se fait dans la zone »: a share said
    said_a_share = not money and (any(p.search(digits) for p in (words.parts, words.inside_zone, words.outside_zone))
                                  or bool(_NOTHING_FIRST.match(digits)))  # « rien, on vend tout à la boutique »
    if not re.search(r"\d", digits) and not lex.words.money.search(digits) and not said_a_share and (
            money and people and people.after_number.search(digits) or _other_fact_words(digits, lex)):
        return None
    return digits


def _read_amount(plain: str, lex: Lexicon) -> tuple[Optional[float], bool]:
    """An amount in euros, without the numbers of people (« on est 4 » is no amount), and whether it is a bare
    small figure (no « € » nor magnitude: « 300 » may be thousands), which is only said back, never taken as sure."""
    digits = fv._words_to_digits(fv._clean(plain), small_numbers=False)
    digits = re.sub(rf"\b(?:{fv._MONTH_WORD})\.?\s+(?:19|20)\d\d\b", " ", digits)  # « mars 2023 » is a date
    digits = _without_head_counts(digits, lex)
    if digits is None:
        return None, False
    digits = _SCALE_OF_COUNT.sub(lambda m: f"{m[1]} " + {"milliers": "mille"}.get(m[2], m[2]), fv._expand_approximate_counts(digits))
    value = fv.parse_amount_eur(digits)
    bare = (value is not None and 0 < value < lex.bare_amount_unsure_below and not lex.words.money.search(digits))
    return value, bare




def _digit_typos(text: str) -> str:
    """« 2O23 », « 1OO OOO » typed with the letter O: digits."""
    text = re.sub(r"(?<![a-z])(?=[0-9oO]*[0-9])[0-9oO]{2,}(?![a-z])", lambda m: re.sub("[oO]", "0", m.group()), text)
    return re.sub(r"(?<=\d)([ .])[oO]{3}(?![a-z])", r"\g<1>000", text)  # « 100 OOO »


def _last_of_corrections(kept: str, cues: Cues, has_value) -> Optional[str]:
    """Of two figures, the one after a correction (« 4, enfin plutôt 5 »); None when a contrast leaves them
    unclear (« on était 6 mais plus que 4 »)."""
    words = cues.corrections + cues.contrasts
    if not words:
        return kept
    pattern = _phrase_regex(words)
    folded = _folded(kept)
    cuts = list(pattern.finditer(folded))
    if not cuts:
        return kept
    bounds = [0] + [m.start() for m in cuts] + [len(folded)]
    segments = [folded[a:b] for a, b in zip(bounds, bounds[1:])]
    with_value = [i for i, segment in enumerate(segments) if has_value(pattern.sub(" ", segment))]
    if len(with_value) < 2:
        return kept
    last = with_value[-1]
    separator = normalise(cuts[last - 1].group(0))
    if separator in cues.corrections:
        return pattern.sub(" ", segments[last])
    return None




def _no_longer(text: str) -> str:
    """« je n'ai plus de salarié » is « pas de salarié » (« plus de 10 » stays a bound)."""
    text = re.sub(r"\b(n'|ne )(.{0,30}?)\bplus personne\b", r"\1\2personne", text)
    return re.sub(r"\b(n'|ne )(.{0,30}?)\bplus (de |d')", r"\1\2pas \3", text)


_ARTICLE = re.compile(r"\b(?:un|une)\s+(?!(?:tiers|quarts?|cinquiemes?|dixiemes?|demie?|moitie)\b)(?=[a-z])")


def _without_articles(folded: str) -> str:
    """« une » before a word is an article, not a figure (« c'est une supérette, tout se fait à Anzin »); « un
    tiers » stays a share."""
    return _ARTICLE.sub("", folded)


_NOTHING_FIRST = re.compile(r"\s*(?:non\s+)?(?:rien|aucun|aucune|zero|que dalle|nada)\b(?!\s*(?:idee|d idee))")


def _read_share(fact: str, plain: str, words: Words) -> Optional[float]:
    plain = _without_articles(plain)
    if _NOTHING_FIRST.match(plain) and not re.search(r"%|pour ?cent", plain):
        return 0.0  # « nada, que nous trois », « rien, on vend tout à la boutique »: the number after it counts people
    if fact == "turnover_outside_pct" and not re.search(r"\d", fv._words_to_digits(plain)):
        if words.inside_zone.search(plain) and words.only.search(plain) and not words.outside_zone.search(plain):
            return 0.0  # « tout se fait dans la zone », « uniquement sur place »
        if fv._ALL_OF_IT.search(plain) and not words.outside_zone.search(plain):
            return None  # « tout » alone: all outside or all inside?
    if (fact == "capital_held_by_companies_pct" and fv._ALL_OF_IT.search(plain) and not fv._NONE_OF_IT.search(plain)
            and not words.companies.search(plain) and not re.search(r"\d", plain)):
        return None  # « tout » alone is not clear
    value = fv.parse_percent(plain)
    if value is None and fv.parse_yes_no(plain) is False:
        return 0.0  # « non » to « quelle part … est détenue par d'autres entreprises ? »
    return value


_CLAUSE = re.compile(r"[,;:.]|\b(?:et|mais|puis|sinon)\b")
_SHARE_SAID = re.compile(r"\d\s*(?:%|pour ?cent|pour 100\b|pourcent|des parts|du capital)|\b(?:moitie|tiers|quarts?)\b")
_HALVES = re.compile(r"\b50\s*(?:/|-|sur)?\s*50\b|\bmoitie moitie\b|\b(?:a|en) parts? egales?\b|\bchacun (?:la )?moitie\b")


def _capital_held_by_companies(plain: str, words: Words) -> Optional[float]:
    """The share of companies in a capital that people are said to hold (folded text, figures in digits): « j'ai
    100 % des parts » and « 50/50 avec mon associé » are 0 %; « j'ai 60 %, le reste c'est une holding » is 40 %;
    « j'ai 60 % » alone, or people and a company without their shares, is not clear (None: asked again)."""
    person_figures: list[float] = []
    company_figures: list[float] = []
    bare_figures: list[float] = []  # « 0 %, c'est moi et ma compagne »: the answer, then who holds the capital
    company_rest = company_unclear = False
    for clause in _CLAUSE.split(plain):
        # a share is said as one (« 60 % », « la moitié »): a bare number beside people counts them (« 3 associés »)
        figure = fv.parse_percent(clause) if _SHARE_SAID.search(clause) else None
        if words.own_company.search(clause):  # « la société m'appartient à 100 % »: the person's share
            clause = words.own_company.sub(" moi ", clause)
        if not words.companies.search(clause) and not words.persons.search(clause):
            if figure is not None:
                bare_figures.append(figure)
            elif fv._NONE_OF_IT.search(clause) and not _digit_in(clause):
                bare_figures.append(0.0)  # « aucune, c'est ma société perso »
            continue
        if words.companies.search(clause):
            if fv._NONE_OF_IT.search(clause) and figure is None:
                continue  # « aucune société », « pas de holding »
            if figure is not None:
                company_figures.append(figure)
            elif words.rest.search(clause):
                company_rest = True
            else:
                company_unclear = True  # « moi et une holding »
        elif figure is not None:
            person_figures.append(figure)
    if company_figures:
        return min(100.0, sum(company_figures))
    if len(bare_figures) == 1 and not person_figures:
        return bare_figures[0]  # the share answered first; the words after it say who (« c'est la société de mon frère »)
    if 0.0 in person_figures and not company_rest and not company_unclear:
        return 0.0  # « 0 % c'est à moi »
    if company_rest:
        return 100.0 - sum(person_figures) if person_figures and sum(person_figures) < 100 else None
    if company_unclear or (len(bare_figures) > 1 and not person_figures):
        return None  # « moi et une holding », « 30 % et 25 % »: whose shares?
    if not person_figures or _HALVES.search(plain) or sum(person_figures) >= 100 or fv._ALL_OF_IT.search(plain):
        return 0.0  # « le capital est à moi », « 100 % à moi », « 60 % moi et 40 % mon associé »
    return None  # « j'ai 60 % »: who holds the rest?


# --- Yes / no ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _confirm_regexes(yes: tuple[str, ...], no: tuple[str, ...]) -> tuple[tuple[bool, re.Pattern], ...]:
    return tuple((value, _phrase_regex(words)) for value, words in ((True, yes), (False, no)) if words)


def _confirm_phrase(text: str, cues: Cues) -> Optional[tuple[bool, int, int]]:
    """The longest yes or no of the confirmation step (answers.fr.yaml `confirm_yes`, `confirm_no`) in `text`."""
    found = [(m.end() - m.start(), value, m.start(), m.end())
             for value, pattern in _confirm_regexes(cues.confirm_yes, cues.confirm_no) for m in pattern.finditer(text)]
    if not found:
        return None
    _, value, start, end = max(found)
    if any(v != value and not (start <= s and e <= end) for _, v, s, e in found):
        return None  # « c'est juste, enfin c'est faux »: both, read by the ordinary rules below
    return value, start, end


def _read_yes_no(text: str, lex: Lexicon) -> Reading:
    reading = _yes_no_value(text, lex)
    if reading.value is None:
        return reading
    kept = []
    for clause in raw_clauses(text, lex.cues):
        if (_confirm_phrase(normalise(clause), lex.cues) is None
                and fv.parse_yes_no(lex.words.yes_no_opener.sub("", _plain(clause, lex.cues))) is None
                and not _hedge_only(clause, lex.cues)):
            kept.append(clause)
        elif reading.value is False and _digit_in(clause):
            # « non 25 en cdi »: the figure after the no is the right answer, not part of the no (after a yes, the
            # figure says again what was said back: « oui décembre 2017 »)
            kept.append(_LEADING_YES_NO.sub("", clause))
    rest = " ".join(kept).strip()
    return Reading(reading.fact, reading.value, reading.certainty, reading.because, reading.negation, rest=rest or None)


_LEADING_YES_NO = re.compile(r"^(?:(?:non|nan|nn|oui|ouais|ouai|si)\b[\s,!.]*)+")


def _hedge_only(clause: str, cues: Cues) -> bool:
    return not normalise(_plain(clause, cues))


def _yes_no_value(text: str, lex: Lexicon) -> Reading:
    cues = lex.cues
    text = lex.words.tag_question.sub("", text)  # « oui mais c'est une nouvelle boîte non ? »: the « non » asks
    if fv.asks_without_answering(lex.words.yes_no_opener.sub("", _folded(text))):
        # « c'est où exactement ? », « ah bon, c'est obligé ? »: a question that does not open with a yes or a no
        # answers nothing (« exactement » was a yes, and confirmed a reading that closes the exemption); « tout à
        # fait, et ils sont où ? » does
        return Reading("yes_no", None, None, None, False)
    hedged = _hedged(text, cues)
    words = normalise(text)
    confirm = _confirm_phrase(words, cues)
    if confirm is not None:
        value, start, end = confirm
        rest = fv.parse_yes_no(_plain(words[:start] + " " + words[end:], cues))
        if rest is None or rest is value:  # « non, pas tout à fait »; « oui c'est ça »
            return Reading("yes_no", value, UNSURE if hedged else SURE, words[start:end], value is False)
    if lex.words.think_not.search(words) and not lex.words.think_not_unless.search(words):
        return Reading("yes_no", False, UNSURE, "je ne pense pas", True)
    parts = [fv.parse_yes_no(lex.words.yes_no_opener.sub("", _plain(clause, cues)))
             for clause in raw_clauses(text, cues)]
    answers = [p for p in parts if p is not None]
    if len(set(answers)) > 1:  # « non, enfin si », « oui, enfin non »: the correction wins, said back
        return Reading("yes_no", answers[-1], UNSURE, None, True)
    value = fv.parse_yes_no(_plain(text, cues))
    if value is None and answers:
        value = answers[0]
    if value is None:
        return Reading("yes_no", None, None, None, False)
    return Reading("yes_no", value, UNSURE if hedged else SURE, None, value is False)


# --- Entry points -----------------------------------------------------------------------------------------------

# Where a place named in an answer is: (in a BUD zone, INSEE code), or None when the name is not one commune.
ZoneOf = Callable[[str], Optional[tuple[bool, str]]]


def read(fact: str, text: str, programme_dir: Path, today: Optional[dt.date] = None,
         zone_of: Optional[ZoneOf] = None, known: Optional[dict] = None) -> Reading:
    """What `text`, an answer to the question about `fact`, says about it.

    `known`: the head counts held already, so that « tous » answers « how many of them … ? »."""
    if fact not in FACTS:
        raise ValueError(f"unknown fact {fact!r}")
    lex = lexicon(programme_dir)
    text = without_resuming((text or "")[:500], programme_dir)
    if not normalise(text):
        return Reading(fact, None, None, None, False)
    if says_dont_know(text, programme_dir) and not lex.words.think_not.search(normalise(text)):
        # « je sais pas exactement, une dizaine », « aucune idée, peut-être 3 »: a figure said beside the words is a
        # guess, said back before it counts; a digit that reads as nothing asks the question again
        rest = without_dont_know(text, programme_dir)
        guess = read(fact, rest, programme_dir, today, zone_of, known) if fact in FIGURE_FACTS and normalise(rest) else None
        if guess is not None and guess.value is not None:
            return replace(guess, certainty=UNSURE)
        return Reading(fact, None, None, None, False, unknown=not _digit_in(normalise(text)))
    if asks_meaning(text, programme_dir):
        return Reading(fact, None, None, None, False, asks_meaning=True)
    if fact in LEXICON_FACTS:
        return _read_lexicon(fact, text, lex)
    if fact in YES_NO_FACTS:
        return _read_yes_no(text, lex)
    if fact == "resident_employees" and lex.people and zone_of is not None:
        # « 2 à Lens et 1 à Lille »: those who live outside a BUD zone do not count; « l'autre à Angres »: one more
        if not re.search(r"\bni\b", _folded(text)):  # « ni l'un ni l'autre » is no one more
            text = lex.people.the_other.sub(", 1 ", _folded(text))
        parts = _parts(text, lex)
        places = [_place(part, lex.people, zone_of) for part in parts]
        if any(place and place[0] is False for place in places):
            kept = [part for part, place in zip(parts, places) if not (place and place[0] is False)]
            if not kept:  # all those named live outside a zone: none, if they are all the employees asked about
                named = read(fact, text, programme_dir, today, None, known)  # how many, wherever they live
                if named.value is not None and named.value == (known or {}).get("eligible_employees"):
                    return Reading(fact, 0, UNSURE, None, False)  # « les deux vivent à Lille »: said back
                return Reading(fact, None, None, None, False)  # « 2 habitent à Lille » of 3: the third?
            text = " ; ".join(kept)
    if fact == "resident_employees" and lex.people:
        # « 12 en CDI et 5 habitent à Lens »: the CDI are not residents (it read 17)
        parts = _parts(text, lex)
        kept = [part for part in parts if not (lex.people.lasting_contract.search(part)
                                               and not lex.people.residence.search(part)
                                               and not (zone_of and _place(part, lex.people, zone_of)))]
        if kept and len(kept) < len(parts):
            text = " ; ".join(kept)
    elif fact in COUNT_FACTS and lex.people:
        # « nous sommes 5 et 3 habitent à Lens »: the residents are not the head count asked
        parts = _parts(text, lex)
        kept = [part for part in parts if not lex.people.residence.search(part)]
        if kept and len(kept) < len(parts):
            text = " ; ".join(kept)
    if fact in COUNT_FACTS and lex.people:
        # « on est 12 salariés et on fait 900 000 de CA »: an amount is no head count (it read 900 012 employees)
        parts = _parts(text, lex)
        kept = [part for part in parts if _people_words(part, lex) or not _of_money(part, lex)]
        if kept and len(kept) < len(parts):
            text = " ; ".join(kept)
    if fact == "eligible_employees" and lex.people:
        breakdown = _lasting_contracts(text, lex, programme_dir, today or dt.date.today())
        if breakdown is not None:
            return breakdown
    reading = _read_number(fact, text, lex, today or dt.date.today())
    sided = _share_said_of_a_side(text, lex.words) if fact == "turnover_outside_pct" else None
    if sided is not None:
        reading = Reading(fact, sided, UNSURE, None, reading.negation)
    elif fact == "turnover_outside_pct" and reading.value is not None:
        reading = _share_of_work(reading, text, lex, zone_of)
    elif fact == "turnover_outside_pct":
        reading = _all_of_it_in_the_zone(reading, text, lex, zone_of)
    whole = (known or {}).get({"eligible_employees": "employees", "resident_employees": "eligible_employees"}.get(fact))
    folded = _folded(text)
    said_all = lex.people.all.search(folded) if lex.people else None  # « tous », « que des … »
    if said_all and lex.people.all_but.search(folded):
        if fact in ("eligible_employees", "resident_employees"):
            return _all_but(fact, folded, whole, lex, today or dt.date.today())
        if fact == "employees":
            # « on est 5, tous en CDI sauf 1 »: the staff is said before the « tous » (it read nothing, and asked)
            return _read_number(fact, folded[:said_all.start()], lex, today or dt.date.today())
        if fact == "capital_held_by_companies_pct" or fact in AMOUNT_FACTS:
            return Reading(fact, None, None, None, False)  # « tous sauf un » to the capital's share: no 1 %
    everyone = lex.people and (said_all or whole == 1 and lex.people.one.search(folded))
    if everyone and said_all and said_all.group().endswith(" des"):
        # « que des particuliers » (the capital's answer, typed at the CDI question) is no « all on a CDI »: « que
        # des … », « uniquement des … » say all only of people or contracts
        of_what = " ".join(folded[said_all.end():].split()[:1])
        if not (_people_words(of_what, lex) or lex.people.lasting_contract.search(of_what)):
            everyone = None
    if reading.value is None and whole is not None and everyone and _negation_start(normalise(text).split(), lex.cues) is None:
        # « tous », « toutes »; « il est en CDI » of one employee. « tous en CDD »: only CDD of 12 months or more
        # count, said back
        unsure = _hedged(text, lex.cues) or fact == "eligible_employees" and lex.people.other_contracts.search(folded)
        return Reading(fact, whole, UNSURE if unsure else SURE, "tous", False)
    return reading


def _all_but(fact: str, folded: str, whole: Optional[int], lex: Lexicon, today: dt.date) -> Reading:
    """« tous sauf 2 » (in CDI, of 8 employees): 6, said back; « tous sauf les 2 apprentis, donc 10 »: the 10 the person
    works out. Without the count it is taken from, nothing (asked again): never the 2 excepted, nor 2 + 10."""
    worked_out = lex.people.in_all.search(folded)
    if worked_out:
        total = _read_number(fact, folded[worked_out.end():], lex, today).value
        if total is not None:
            return Reading(fact, total, UNSURE, "tous sauf", False)
    but = lex.people.all_but.search(folded)
    excepted = _read_number(fact, folded[but.end():], lex, today).value
    if whole is not None and excepted is not None and 0 <= excepted <= whole:
        return Reading(fact, whole - excepted, UNSURE, "tous sauf", False)
    return Reading(fact, None, None, None, False)


_CONTRACT_MONTHS = re.compile(r"\b(\d+|un|une)\s*(mois|ans?|annees?)\b")


def _lasting_contracts(text: str, lex: Lexicon, programme_dir: Path, today: dt.date) -> Optional[Reading]:
    """« 32 en CDI, 5 CDD de 6 mois », « 5 en CDI et 2 en CDD de 18 mois, 1 intérimaire »: the count of CDI and of
    CDD of at least the law's length (bud/parameters.yaml hiring.min_fixed_term_months), not every number added up.
    A CDD whose length is not said makes the count unsure (said back); a number with no contract, no reading (None:
    the ordinary rules read it)."""
    people = lex.people
    parts = [p for p in _parts(text, lex) if re.search(r"\d", p)]
    if len(parts) < 2 or not any(people.lasting_contract.search(p) for p in parts):
        return None
    minimum = parameters.load(programme_dir / "bud" / "parameters.yaml").value("hiring.min_fixed_term_months", today)
    count, unsure = 0, _hedged(text, lex.cues)
    for part in parts:
        number = re.search(r"(?<![\d.,])\d+(?![\d.,]\d)", part)
        if people.lasting_contract.search(part) and not people.fixed_term.search(part):
            count += int(number.group())
        elif people.fixed_term.search(part):
            length = _CONTRACT_MONTHS.search(part[number.end():])
            if length is None:
                unsure = True  # how long? said back
                continue
            months = (1 if length.group(1) in ("un", "une") else int(length.group(1))) * (1 if length.group(2) == "mois" else 12)
            if months >= minimum:
                count += int(number.group())
        elif not people.other_contracts.search(part):
            return None  # « 3 en CDI, 2 autres »: who are the others?
    return Reading("eligible_employees", count, UNSURE if unsure else SURE, None, False)


def _hedge_scoped(reading: Reading, text: str, cues: Cues, evidence: Callable[[str], bool]) -> Reading:
    """The reading made sure when no hedge bears on it: a hedge in the clause that gives it, or a clause that is only
    a hedge (« …, je crois »), makes it unsure; one inside another fact's clause (« dans les 40 000 € ») does not."""
    for clause in raw_clauses(text, cues):
        if _hedged(clause, cues) and (evidence(clause) or _hedge_only(clause, cues)):
            return reading
    return Reading(reading.fact, reading.value, SURE, reading.because, reading.negation, reading.precision, reading.rest)


def _with_its_correction(parts: list[str], i: int, cues: Cues) -> str:
    """The part, and the next one when that one begins with a correction (« 2 salariés, ah non 3 … »): read
    together, the figure after the correction is the one kept."""
    if i + 1 < len(parts):
        following = normalise(parts[i + 1]).split()
        if any(_has(following, word, at=0) for word in cues.corrections):
            return f"{parts[i]}, {parts[i + 1]}"
    return parts[i]


def read_message(text: str, programme_dir: Path, today: Optional[dt.date] = None,
                 skip: tuple[str, ...] = (), zone_of: Optional[ZoneOf] = None,
                 known: Optional[dict] = None) -> list[Reading]:
    """Every fact a longer message states clearly, each read from the clause that speaks of it.

    `known`: the head counts held already (employees, eligible_employees), for « tous en CDI »."""
    if asks_meaning(text, programme_dir):
        return []  # « c'est quoi une activité libérale ? » states no activity
    text = without_resuming(text, programme_dir)
    lex = lexicon(programme_dir)
    today = today or dt.date.today()
    readings: list[Reading] = []
    cues, words = lex.cues, lex.words
    if words.this_day.search(fold(text)):
        # « créée en 2020 …, on est 320 salariés aujourd'hui »: « aujourd'hui » in a sentence without a word of
        # starting dates nothing, and hid the head count and the creation date said elsewhere in the message
        text = "".join(piece if words.of_starting.search(normalise(piece)) else words.this_day.sub(" ", piece)
                       for piece in re.split(r"([,.;!?])", fold(text)))

    def in_passing(reading: Reading) -> bool:
        return reading.fact == "origin" and reading.because in words.origin_in_passing and not reading.negation

    for fact in LEXICON_FACTS:
        if fact not in skip:
            reading = _read_lexicon(fact, text, lex)
            if in_passing(reading):  # « j'ai créé une boulangerie, c'est une création »: the words that say it
                plain = " ".join(w for w in normalise(text).split() if w not in words.origin_in_passing)
                reading = _read_lexicon(fact, plain, lex)
            if reading.value is not None and not in_passing(reading):
                if reading.certainty == UNSURE and _read_lexicon(fact, _plain(text, cues), lex).certainty == SURE:
                    reading = _hedge_scoped(reading, text, cues,
                                            lambda clause, because=reading.because: bool(_has(normalise(clause).split(), because)))
                readings.append(reading)
    if "creation_date" not in skip:
        about_people = [part for part in _parts(text, lex) if lex.people and lex.people.residence.search(part)]
        dated = " ; ".join(p for p in _parts(text, lex) if p not in about_people) if about_people else text
        # only the clauses that say a date, when some do: « créée en septembre 2021, on est 3 non 4 » lost its date
        # to the correction of the head count
        with_dates = [p for p in _parts(dated, lex) if fv._DATE_CUE.search(p)]
        # « le local d'un ancien resto fermé depuis 2 ans »: that date is another business's
        candidates = with_dates or _parts(dated, lex)
        own = [p for p in candidates if not words.of_something_else.search(normalise(p))
               or words.of_starting.search(normalise(p))]
        if own != candidates or with_dates:
            dated = " ; ".join(own)
        dated = _without_head_counts_of_a_date(dated, lex)
        reading = read("creation_date", dated, programme_dir, today)
        said_as = normalise(dated)
        if (words.this_day.search(said_as) and not words.of_starting.search(normalise(text))
                and not fv._HAS_YEAR.search(said_as)):
            reading = Reading("creation_date", None, None, None, False)  # « je suis à Lens aujourd'hui »: no date
        if reading.value is not None:
            if reading.certainty == UNSURE and read("creation_date", _plain(dated, cues), programme_dir, today).certainty == SURE:
                reading = _hedge_scoped(reading, dated, cues, lambda clause: bool(fv._DATE_CUE.search(clause)))
            readings.append(reading)
    parts = [part for clause in raw_clauses(text, lex.cues) for part in words.sub_clause_break.split(clause) if part.strip()]
    for fact, cue in words.message_cues.items():
        if fact in skip:
            continue
        for i, part in enumerate(parts):
            if not cue.search(normalise(part)):
                continue
            if (fact == "employees" and lex.people and lex.people.residence.search(_folded(part))
                    and not lex.people.before_number.search(_folded(part))):
                continue  # « 2 de mes salariés habitent à Lens » counts residents, not the staff (« on est 4 … qui
                # habitent tous à Lens » counts both)
            if (fact == "employees" and lex.people and "capital_held_by_companies_pct" in words.message_cues
                    and words.message_cues["capital_held_by_companies_pct"].search(normalise(part))
                    and not cue.search(lex.people.alone.sub(" ", normalise(part)))):
                continue  # « c'est moi seul qui ai le capital » says who holds the capital, not that there is no staff
            part = _with_its_correction(parts, i, cues)  # « 2 salariés, ah non 3 avec l'apprenti »
            windows = [part] if fact != "turnover_outside_pct" else [part, *parts[i + 1:i + 2]]
            window = next((w for w in windows if re.search(r"\d", fv._words_to_digits(w, small_numbers=False))), part)
            reading = read(fact, window, programme_dir, today)
            # « on est sept salariés »: a seven, not September, is no date (« créée il y a 2 ans, tout seul »: none)
            dated = fv._DATE_CUE.search(fv._words_to_digits(fv.sept_as_month(_folded(window)), small_numbers=False))
            if reading.value is not None and (fact != "employees" or not dated or reading.value == 0):
                readings.append(reading)
                break
    if ("turnover_outside_pct" not in skip and zone_of is not None and lex.people is not None
            and not any(r.fact == "turnover_outside_pct" for r in readings)):
        # « on fait 20 % de nos chantiers à Lille »: a share of the work at a commune, with no word for « outside »;
        # read as the question's answer would be (outside a zone: that share; inside: the rest), and said back
        for part in parts:
            folded = _folded(part)
            if (not (re.search(r"%", part) or words.parts.search(folded)) or lex.people.residence.search(folded)
                    or not _places_after_a_place_word(folded, lex.people, zone_of)):
                continue
            reading = read("turnover_outside_pct", part, programme_dir, today, zone_of)
            if reading.value is not None:
                readings.append(Reading(reading.fact, reading.value, UNSURE, reading.because, reading.negation))
                break
    if "turnover_eur" not in skip and not any(r.fact in ("turnover_eur", "expected_profit_eur") for r in readings):
        # « je fais dans les 40 000 € par an »: a yearly amount with no word for what it is may be the turnover,
        # or the profit: it is only said back
        for part in parts:
            normalised = normalise(part)
            if (words.yearly.search(normalised) and words.money.search(_folded(part))
                    and not words.message_cues["expected_profit_eur"].search(normalised)
                    and not words.earnings.search(normalised)):
                reading = read("turnover_eur", part, programme_dir, today)
                if reading.value is not None:
                    readings.append(Reading(reading.fact, reading.value, UNSURE, "par an", reading.negation))
                    break
    if "corporate_tax" not in skip:
        reading = _read_tax_regime(text, lex)
        if reading.value is not None:
            readings.append(reading)
    held = {r.fact: r.value for r in readings}
    known = {**(known or {}), **({"employees": held["employees"]} if "employees" in held else {})}
    return readings + [r for r in _staff_readings(text, lex, zone_of, known, skip) if r.fact not in held]


def _parts(text: str, lex: Lexicon) -> list[str]:
    """The message's clauses, cut again at « et », « avec », « pour », folded, numbers in digits."""
    return [fv._words_to_digits(fv.sept_as_month(part.strip())) for clause in raw_clauses(text, lex.cues)
            for part in lex.words.sub_clause_break.split(clause) if part.strip()]


def _residence(part: str, people: People, zone_of: Optional[ZoneOf]) -> Optional[tuple[Optional[bool], Optional[str]]]:
    """Where the people of this part live: (in a BUD zone?, INSEE code or None); None when it says nothing of it."""
    said = people.residence.search(part)
    if not said:
        return None
    return _place(part[said.end():], people, zone_of) or (None, None)


def _place(after: str, people: People, zone_of: Optional[ZoneOf]) -> Optional[tuple[Optional[bool], Optional[str]]]:
    """The place these words name first (« à Lens », « dans la zone »): (in a BUD zone?, INSEE code), or None."""
    if people.residence_in_zone.search(after):
        return True, None
    for place in re.finditer(rf"(?:^|\s)(?:(?:{people.all.pattern})\s)?(?:(?:{people.before_place.pattern})\s+)?([a-z' -]+)", after):
        if zone_of is None:
            return None
        words = place.group(1).replace("'", " ").split()
        for start in range(len(words)):
            for size in range(min(len(words) - start, 5), 0, -1):
                found = zone_of(" ".join(words[start:start + size]))
                if found is not None:
                    return found
    return None


def states_company_place(text: str, commune_name: str, programme_dir: Path, lived_in: bool = False,
                         moving: bool = False, postal_codes: tuple[str, ...] = ()) -> bool:
    """Whether the message puts the company in this commune it names: a short answer that is the name, a postal
    code, or a place word just before the name (« on a déménagé à Lens », « notre siège est à Douai »). « On fait de
    la couture sur mesure » names La Couture, but says nothing of where the company is; « je travaille à Lille la
    moitié du temps » names where a share of the work is done.

    `lived_in`: the message also says employees live in this commune (« 2 habitent à Douai »); only its parts that
    say nothing of where people live can put the company there (« créée à Liévin …, 4 habitent à Liévin »).
    `moving`: the check holds another commune for the company; only the words of `moves_company` move it (« on a
    déménagé à Lens »), not a bare « à » (« on va jusqu'à Lillers pour des dépannages »)."""
    lex = lexicon(programme_dir)
    place = lex.company_place
    if place is None:
        return False
    name = [w for w in normalise(commune_name).split() if w not in place.articles]
    if lived_in:
        if not lex.people:
            return False
        parts = _parts(text, lex)
        lists = set(_about_residence(parts, lex.people))
        text = " ; ".join(part for i, part in enumerate(parts) if i not in lists)
        # « ma boulangerie à 62800 …, 3 habitent à Liévin »: the commune's postal code, said apart from where people
        # live, places the company (it was taken for where they live only, and the commune asked again)
        if any(re.search(rf"(?<!\d){code}(?!\d)", text) for code in postal_codes):
            return True
        if not name or not _has(normalise(text).split(), " ".join(name)):
            return False  # « nous sommes 3 et 2 habitent à Douai »: Douai is only where two of them live
    words = normalise(text)
    if name and lex.words and any(_has(normalise(clause).split(), name[0]) and _gives_a_share(clause, lex.words)
                                  for clause in raw_clauses(text, lex.cues)):
        return False
    if len(words.split()) <= place.short_answer_words or POSTAL_CODE.search(words):
        return True
    cues = place.moves_company if moving else place.before_name
    if not name or not cues:
        return False
    after = "|".join(sorted((r"\s".join(map(re.escape, p.split())) for p in place.moves_company_after), key=len,
                            reverse=True))
    if moving and after and any(
            re.search(rf"(?<![a-z0-9]){re.escape(' '.join(name))}\s(?:[a-z0-9]+\s)?(?:{after})(?:$|\s(?:de|d|du)\s)",
                      normalise(clause)) for clause in re.split(r"[?!.,;:]", text)):
        return True  # « et si je l'ouvre à Lens plutôt ? » after a verdict about Lille (not « à Lens plutôt le matin »)
    cue = "|".join(sorted((r"\s".join(map(re.escape, p.split())) for p in cues), key=len, reverse=True))
    article = "|".join(map(re.escape, sorted(place.articles, key=len, reverse=True)))
    article = rf"(?:(?:{article})\s)?" if article else ""
    denied = "|".join(sorted((r"\s".join(map(re.escape, p.split())) for p in place.denied_place), key=len, reverse=True))
    for found in re.finditer(rf"(?<![a-z0-9])(?:{cue})\s(?:[a-z0-9]+\s){{0,2}}?{article}{re.escape(name[0])}(?![a-z0-9])",
                             words):
        # « le garage est à Arras, pas à Lens »: Lens is denied, whatever word comes before it
        if denied and re.search(rf"(?<![a-z0-9])(?:{denied})\s(?:[a-z0-9]+\s)?{article}{re.escape(name[0])}(?![a-z0-9])",
                                words[max(0, found.start() - 20):found.end()]):
            continue
        return True
    return False


def asks_meaning(text: str, programme_dir: Path) -> bool:
    """Whether the message begins by asking what a word means (answers.fr.yaml `meaning_questions`)."""
    words = lexicon(programme_dir).words
    return bool(words and words.meaning_question.search(normalise(text)))


def says_no_company(text: str, programme_dir: Path) -> bool:
    """Whether the writer says they have no company to check (« non j'ai pas d'entreprise, je suis un particulier »)."""
    words = lexicon(programme_dir).words
    return bool(words and words.no_company.search(normalise(text)))


def states_head_office(text: str, commune_name: str, programme_dir: Path) -> bool:
    """Whether a clause of the message names this commune with a word of the head office (« le siège est à Lens
    mais on a un dépôt à Arras »: Lens, not Arras)."""
    lex = lexicon(programme_dir)
    place = lex.company_place
    name = [w for w in normalise(commune_name).split() if w not in (place.articles if place else ())]
    if place is None or not name or not place.head_office:
        return False
    return any(_has(tokens, " ".join(name)) and any(_has(tokens, word) for word in place.head_office)
               for tokens in (normalise(clause).split() for clause in raw_clauses(text, lex.cues)))


def _share_of_work(reading: Reading, text: str, lex: Lexicon, zone_of: Optional[ZoneOf]) -> Reading:
    """A share given as time, or at a commune: « la moitié du temps à Lille » is 50 % outside, said back (time is
    not turnover); « 80 % à Lens » is 20 % outside (Lens is in a zone), said back, but « 10 % à Valenciennes » (in a
    zone) says nothing of outside; « 2 jours par semaine » is no share (asked again)."""
    words, folded = lex.words, _folded(text)
    of_time = bool(words.time.search(normalise(text)))
    if of_time and not words.parts.search(folded):
        return Reading(reading.fact, None, None, None, reading.negation)  # « 2 jours par semaine »: of what week?
    value, unsure = reading.value, of_time
    said = words.outside_zone.search(folded) or words.inside_zone.search(folded) or not words.parts.search(folded)
    places = [] if said or zone_of is None or lex.people is None else _places_after_a_place_word(folded, lex.people, zone_of)
    if places and all(in_zone for in_zone, _ in places):
        if value <= 50:  # « 10 % de mes chantiers à Valenciennes »: a place among others, nothing said of outside
            return Reading(reading.fact, None, None, None, reading.negation)
        value, unsure = round(100 - value, 2), True  # « 80 % à Lens »: most is done inside, the rest outside
    elif places and any(in_zone for in_zone, _ in places):
        unsure = True  # « moitié à Lens, moitié à Lille »
    if not unsure:
        return reading
    return Reading(reading.fact, value, UNSURE, reading.because, reading.negation)


_EXCEPT = re.compile(r"\b(?:sauf|hormis|excepte|a part)\b")


def _share_said_of_a_side(text: str, words: Words) -> Optional[float]:
    """The share outside when a figure is said of a side: « 60 % sur place, le reste en livraison » is 40 % outside (it
    read 60 % outside), « 80 % du temps dans la zone » 20 %, « 80 % dans la zone et 20 % ailleurs » 20 %; said back.
    None when no figure is said of a side, or when the figures said of inside already pass 100 %."""
    inside: list[float] = []
    outside: list[float] = []
    for clause in _CLAUSE.split(_EXCEPT.sub(",", _folded(text))):
        shares = fv._words_to_digits(fv._clean(clause), small_numbers=False)
        if not _SHARE_SAID.search(shares):
            continue
        figure = fv.parse_percent(shares)
        if figure is None:
            continue
        if words.outside_zone.search(clause):
            outside.append(figure)
        elif words.inside_zone.search(clause):
            inside.append(figure)
    if outside:
        return min(100.0, sum(outside)) if inside else None  # alone, « 20 % hors zone » is read as it is
    if inside and sum(inside) <= 100:
        return round(100 - sum(inside), 2)
    return None


def _all_of_it_in_the_zone(reading: Reading, text: str, lex: Lexicon, zone_of: Optional[ZoneOf]) -> Reading:
    """« tout à Lens », « je travaille que sur Liévin »: every place named is in a BUD zone and the work is said to be
    done only there, so nothing is done outside (0 %), said back: the reading rests on the communes named."""
    words = lex.words
    if (zone_of is None or lex.people is None or words.outside_zone.search(_folded(text))
            or re.search(r"\d", fv._words_to_digits(_without_articles(_folded(text))))):  # a figure is read as such
        return reading
    places = {part: _places_after_a_place_word(part, lex.people, zone_of) for part in _parts(text, lex)}
    named = [place for found in places.values() for place in found]
    if (named and all(in_zone for in_zone, _ in named)
            and any(found and words.only.search(part) for part, found in places.items())):  # « tout à Lens »
        return Reading(reading.fact, 0.0, UNSURE, None, reading.negation)
    return reading


def _places_after_a_place_word(folded: str, people: People, zone_of: ZoneOf) -> list[tuple[bool, str]]:
    """The communes named just after a place word (« à Lille », « sur Lens »): (in a BUD zone, INSEE code)."""
    found = []
    for m in re.finditer(rf"(?:{people.before_place.pattern})\s+([a-z' -]+)", folded):
        names = m[1].replace("'", " ").split()
        for size in range(min(len(names), 5), 0, -1):
            place = zone_of(" ".join(names[:size]))
            if place is not None:
                found.append(place)
                break
    return found


def _gives_a_share(clause: str, words: Words) -> bool:
    """« la moitié du temps », « 30 % de mes chantiers »: a part of the work (folded clause)."""
    return bool(words.parts.search(clause) or words.time.search(normalise(clause)) and _digit_in(clause))


def residence_communes(text: str, programme_dir: Path, zone_of: ZoneOf) -> list[str]:
    """The communes where the message says employees live (« 2 habitent à Douai »): not the company's commune."""
    lex = lexicon(programme_dir)
    if not lex.people:
        return []
    parts = _parts(text, lex)
    found: list[str] = []
    for i in _about_residence(parts, lex.people):
        place = _residence(parts[i], lex.people, zone_of) or zone_of(parts[i].strip())
        if place and place[1]:
            found.append(place[1])
    return found


def _about_residence(parts: list[str], people: People) -> list[int]:
    """The parts that say where people live, and the bare names that go on their list (« … habitent à Lens et
    Béthune », « … à Lens, Béthune »)."""
    about, listing = [], False
    for i, part in enumerate(parts):
        if people.residence.search(part):
            listing = True
        elif not (listing and 0 < len(part.split()) <= 4 and not re.search(r"\d", part)):
            listing = False
            continue
        about.append(i)
    return about


def _staff_readings(text: str, lex: Lexicon, zone_of: Optional[ZoneOf], known: dict,
                    skip: tuple[str, ...]) -> list[Reading]:
    """Head counts of the hiring clause read in passing: « tous en CDI », « 3 en CDI », « 2 habitent à Lens »."""
    people = lex.people
    if people is None:
        return []
    parts = [fv._expand_approximate_counts(part) for part in _parts(text, lex)]  # « une dizaine » is 10, not 1
    whole = " ".join(parts)
    hedged = _hedged(text, lex.cues)
    employees = known.get("employees")
    readings: list[Reading] = []
    eligible: Optional[int] = None
    for part in parts:
        if not people.lasting_contract.search(part) or _negation_start(normalise(part).split(), lex.cues) is not None:
            continue
        if people.other_contracts.search(whole):
            break  # « 3 cdi et 2 cdd »: how long the CDD last is not said
        lives = people.residence.search(part)
        if lives and not people.all.search(part[lives.start():]):
            break  # « 3 en CDI qui habitent à Lens »: 3 of them, or 3 in all? « … qui habitent tous à Lens »: in all
        tied = re.search(r"(?<![\d.,])(\d+)\s+(?:[a-z']+\s+){0,2}?" + people.lasting_contract.pattern, part)
        if people.all.search(part) and people.all_but.search(part):
            # « tous sauf 1 en CDI »: the 1 is the one left out, not the count (said back, as when it is asked)
            but = _all_but("eligible_employees", part, employees, lex, dt.date.today())
            if but.value is None:
                break
            eligible, sure, tied = but.value, False, None
        elif tied:
            eligible = int(tied.group(1))
            sure = not hedged and employees is not None and eligible == employees
        elif people.all.search(part) and employees is not None:
            eligible, sure = employees, not hedged
        else:
            continue
        readings.append(Reading("eligible_employees", eligible, SURE if sure else UNSURE, tied and tied.group(0), False))
        break
    eligible = eligible if eligible is not None else known.get("eligible_employees")
    for part in parts:
        place = _residence(part, people, zone_of)
        if place is None or place[0] is not True:
            continue
        said = people.residence.search(part)
        if _negation_start(normalise(part).split(), lex.cues) is not None:
            # « aucun de mes salariés n'habite en zone BUD »; not « aucun n'habite à Harnes », one commune of the zones
            if place[1] is None and people.nobody.search(part[:said.start()]):
                readings.append(Reading("resident_employees", 0, UNSURE if hedged else SURE, part[:said.end()], True))
                break
            continue
        count = re.search(r"(?<![\d.,])(\d+)\s+(?:[a-z']+\s+){0,3}?$", part[:said.start()])
        if count:
            residents = int(count.group(1))
        elif people.all.search(part) and eligible is not None:
            residents = eligible
        else:
            continue
        readings.append(Reading("resident_employees", residents, UNSURE if hedged else SURE, part[:said.end()], False))
        break
    return [r for r in readings if r.fact not in skip]


def _read_tax_regime(text: str, lex: Lexicon) -> Reading:
    """Income tax or corporate tax, from the words of answers.fr.yaml (`corporate_tax`)."""
    words = normalise(text)
    for value, pattern in lex.tax_regime:
        found = pattern.search(words)
        if found:
            return Reading("corporate_tax", value, SURE, found.group(0), False)
    return Reading("corporate_tax", None, None, None, False)


def _without_head_counts_of_a_date(text: str, lex: Lexicon) -> str:
    """« on est 4 depuis 2 ans » keeps the date words; head counts are not dates (« 4 » is not the 4th)."""
    if lex.people is None:
        return fold(text)
    return re.sub(rf"\b\d+\s+(?:{lex.people.numbered.pattern})", " ", fold(text))


# --- Saying a reading back ------------------------------------------------------------------------------------

def said(fact: str, value: Any, programme_dir: Path, commune_name: Optional[str] = None) -> str:
    """The reading in plain words (« votre entreprise reprend une activité qui existait déjà »)."""
    templates = lexicon(programme_dir).said
    if fact == "commune":
        return templates["commune"].format(value=commune_name or value)
    if fact == "creation_date":  # as precise as it was given: « 2023 », « 2023-03 », « 2023-03-15 »
        day, precision = partial_date(str(value))
        today = dt.date.today()
        if precision in ("year", "month") and (day.year, day.month if precision == "month" else 0) == (
                today.year, today.month if precision == "month" else 0):
            # « en décembre 2026 » said in December 2026 (« je vais ouvrir fin décembre »): begun or about to
            return templates["creation_date_current"].format(value=french.when(str(value)))
        future = day.year > today.year if precision == "year" else day > today
        return templates["creation_date_future" if future else "creation_date"].format(value=french.when(str(value)))
    template = templates[fact]
    if isinstance(template, dict) and "many" in template:  # head counts: « aucun », « 1 … est », « 3 … sont »
        count = value if isinstance(value, (int, float)) else None
        template = template["zero"] if count == 0 else template["one"] if count == 1 else template["many"]
    elif isinstance(template, dict):
        return template[str(value).lower()]
    return template.format(value=french.number(value) if isinstance(value, (int, float)) else value)
