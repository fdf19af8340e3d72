"""Values typed in French free text: dates, head counts, amounts, percentages, ages, yes / no.

Residents and business owners answer the bot's questions the way they type: « debut decembre »,
« une douzaine de salaries », « 1,2 M€ », « deux tiers du capital ». The Rasa form actions validate
those answers with these pure functions. Each returns a small typed value, or None when the text
does not say it clearly: the action then asks again instead of guessing.

dateparser reads the dates (absolute and relative) and text2num turns French number words into
digits. The small rewrites here only bring typed text into a shape those libraries read: typos in
month names, « l'an prochain », « janvier dernier », « 1,2 M€ », « deux tiers », and so on.

Conventions shared by every function:
- an answer that says the user does not know (« je sais pas », « peut-etre ») gives None;
- a bound or a range (« plus de 10 », « entre 10 et 20 », « 4 ou 5 ») gives None: it is not a value;
- an approximation the user gives as their figure is taken as that figure (« une douzaine » -> 12,
  « environ 300k » -> 300 000).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Optional

from dateparser.date import DateDataParser
from rapidfuzz.distance import DamerauLevenshtein
from text_to_num import alpha2digit

from assistant.text import fold

Precision = Literal["day", "month", "year"]
Direction = Literal["past", "future"]

MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin",
          "juillet", "aout", "septembre", "octobre", "novembre", "decembre")


# --- Shared helpers ------------------------------------------------------------------------------

_UNSURE = re.compile(
    r"\b(?:je (?:ne )?sais (?:pas|plus)|sais pas|sait pas|chais pas|jsp|aucune idee|j'en sais rien"
    r"|pas sure?|peut[ -]?etre|ptet|ca depend|je (?:ne )?me souviens (?:pas|plus)|aucun souvenir)\b"
)
_BOUND = re.compile(
    r"\b(?:entre|plus de|plus d'|moins de|moins d'|au moins|au plus|au maximum|au minimum|jusqu'a"
    r"|superieure? a|inferieure? a|quelques|plusieurs)\b"
)
# Two numbers joined by « ou », « a » or « - »: « 25 ou 26 ans », « 10 a 20 », « 10-20 ».
_RANGE = re.compile(r"\d\s*(?:[a-z€%]+\s*)?(?:\bou\b|\ba\b|-)\s*\d")


def _clean(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces."""
    text = fold(text).replace("\u2019", "'").replace("`", "'")
    return " ".join(text.split())


def _is_unsure(text: str) -> bool:
    return bool(_UNSURE.search(text))


def _words_to_digits(text: str, small_numbers: bool = True) -> str:
    """« vingt-quatre ans » -> « 24 ans ».

    With `small_numbers`, a lone « un » or « deux » becomes a digit too (« un salarie » -> 1);
    without, it stays a word (« un ca de 300k » keeps its article) but « un million » is converted.
    """
    return alpha2digit(text, "fr", threshold=0 if small_numbers else 3)


def _join_thousands(text: str) -> str:
    """« 1 200 000 » -> « 1200000 » (French groups digits by three with spaces)."""
    return re.sub(r"(?<![\d,.])\d{1,3}(?: \d{3})+(?![\d,.])", lambda m: m.group().replace(" ", ""), text)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)?", text)


def _to_float(number: str) -> float:
    return float(number.replace(",", "."))


# --- Dates ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedDate:
    """A date as precise as the user gave it.

    `value` is the first day of the period at that precision: « octobre 2022 » is 2022-10-01 with
    precision "month", « en 2023 » or « il y a deux ans » is 1 January of that year with precision
    "year". Words such as « debut », « fin », « vers » do not change the value.
    """

    value: date
    precision: Precision
    # False for a month or a day typed without its year (« en janvier », « le 2/01 »): the year is a guess, the
    # latest or the next one (`prefer`), and may be the wrong side of a deadline
    year_said: bool = True


_MONTH_ABBREVIATIONS = ("janv", "fev", "fevr", "avr", "juil", "sept", "sep", "oct", "nov", "dec")
_MONTH_WORD = "|".join(MONTHS + _MONTH_ABBREVIATIONS)
# A window of words is only handed to dateparser if it holds one of these: dateparser alone reads a
# bare « 4 » as the 4th of this month and « ma » as Tuesday.
_DATE_CUE = re.compile(
    rf"\b(?:{_MONTH_WORD}|(?:19|20)\d\d|\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?|hier|avant-hier"
    r"|aujourd'hui|demain|il y a|dans \d+|dernier|derniere|prochain|prochaine|cette annee|ce mois)\b"
)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d\d\b|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_MONTH_OR_DAY = re.compile(rf"\b(?:{_MONTH_WORD})\b|\b\d{{1,2}}[/.-]\d{{1,2}}\b")
# dateparser reads French weekday abbreviations (« ma », « je ») and some small words as date parts:
# a window may not start with the former nor end with either.
_WEEKDAY_ABBREVIATIONS = {"lu", "ma", "me", "je", "ve", "sa", "di"}
_SMALL_WORDS = {"a", "de", "du", "d", "et", "avec", "le", "la", "l", "en"}
_FUTURE_HINT = re.compile(r"\b(?:pas encore|je compte|on compte|prevue?|ce sera|bientot)\b")
_WINDOW_MAX_WORDS = 6
_PLAUSIBLE_YEARS_BACK = 100
_PLAUSIBLE_YEARS_AHEAD = 10


def _fix_month_typos(text: str) -> str:
    """« fevrer », « decmbre », « octobr » -> the month name; short words are left alone (« mais »). One typing edit
    for a short month, two for a long one: « marles » (the commune Marles-les-Mines) and « maries » are not « mars »."""
    def fix(match: re.Match) -> str:
        word = match.group()
        if len(word) < 5 or word in MONTHS:
            return word
        edits = {month: DamerauLevenshtein.distance(word, month) for month in MONTHS}
        close = [month for month, n in edits.items() if n <= (1 if len(month) <= 5 else 2)]
        return min(close, key=edits.get) if len(close) == 1 else word
    return re.sub(r"[a-z]+", fix, text)


def _month_name_for_number(month: int) -> str:
    return MONTHS[month - 1]


def _rewrite_numeric_dates(text: str) -> str:
    """ISO dates and « 03/2024 » or « 10/22 » (month and year), which dateparser misreads."""
    text = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b",
                  lambda m: f"{int(m[3])} {_month_name_for_number(int(m[2]))} {m[1]}"
                  if 1 <= int(m[2]) <= 12 else m.group(), text)

    def month_year(m: re.Match) -> str:
        month, year = int(m[1]), m[2]
        if not 1 <= month <= 12:
            return m.group()
        if len(year) == 2:
            if int(year) <= 12:  # « 10/11 » is a day and a month: leave it to dateparser
                return m.group()
            year = f"20{year}"
        return f"{_month_name_for_number(month)} {year}"
    return re.sub(r"(?<![\d/.-])(\d{1,2})[/.-](\d{4}|\d{2})(?![\d/.-])", month_year, text)


def _rewrite_relative(text: str) -> str:
    """Spoken forms dateparser does not read, rewritten into forms it does."""
    text = re.sub(r"\baujourd ?hui\b", "aujourd'hui", text)
    text = re.sub(r"\bavant hier\b", "avant-hier", text)
    text = re.sub(r"\bl ?'?an (prochain|dernier|passe)\b",
                  lambda m: "l'annee " + {"prochain": "prochaine"}.get(m[1], "derniere"), text)
    text = re.sub(r"\bl'annee passee\b", "l'annee derniere", text)
    text = re.sub(r"\bmi-", "mi ", text)
    # « depuis 3 ans », « ca fait 2 ans », « y a 2 ans » -> « il y a 3 ans »
    text = re.sub(r"\b(?:depuis|ca fait|cela fait|il y a|y a|ya)\s+(\d+)\s+(ans?|mois|semaines?|jours?)\b",
                  r"il y a \1 \2", text)
    # « 2 ans et demi » -> « 30 mois »
    text = re.sub(r"\b(\d+) ans? et demi\b", lambda m: f"{int(m[1]) * 12 + 6} mois", text)
    return text


def _rewrite_sept(text: str) -> str:
    """« sept 2021 » is September; text2num and dateparser both read « sept » as seven. So is « sept » alone (the
    answer to « En quel mois ? »); « on est sept salariés » is seven (it read September)."""
    if re.fullmatch(r"\s*sept\.?\s*", text):
        return "septembre"
    return sept_as_month(text)


_COUNTED = (r"(?:ans?|mois|semaines?|jours?|heures?|salarie|employe|personne|apprenti|associe|ouvrier|vendeu|cdi|cdd"
            r"|gars|filles?|mecs?|sur|des|de|d)")
_SEPT_MONTH = re.compile(
    r"\bsept\b\.?(?=\s+(?:(?:19|20)\d\d|dernier|prochain)\b)"          # « sept 2023 », « sept dernier »
    rf"|(?:(?<=\b\d )|(?<=\b\d\d )|(?<=\b1er ))sept\b\.?(?!\s+{_COUNTED})"  # « le 3 sept », « le 1er sept »
    rf"|(?:(?<=\ben )|(?<=\bmi )|(?<=\bdebut )|(?<=\bfin ))sept\b\.?(?!\s*(?:\d|{_COUNTED}))")  # « en sept »


def sept_as_month(text: str) -> str:
    """« ouverte en sept 2023 », « le 3 sept », « fin sept »: September, in a text whose numbers are about to be read
    (folded); « on est sept », « depuis sept ans » stay seven. (It read « 7 2023 », the 7 December 2023.)"""
    return _SEPT_MONTH.sub("septembre", text)


def _rewrite_named_month_direction(text: str, today: date) -> str:
    """« janvier prochain » / « mars dernier » -> the month with its year (dateparser gives None)."""
    def with_year(m: re.Match) -> str:
        month = MONTHS.index(m[1]) + 1
        if m[2].startswith("prochain"):
            year = today.year if month > today.month else today.year + 1
        else:
            year = today.year if month < today.month else today.year - 1
        return f"{m[1]} {year}"
    return re.sub(rf"\b({'|'.join(MONTHS)}) (prochaine?|derniere?)\b", with_year, text)


def _prepare_date_text(text: str, today: date) -> str:
    text = re.sub(r"[!?;:()\"]", " ", text)
    text = _fix_month_typos(text)
    text = _rewrite_sept(text)
    text = _words_to_digits(text)
    text = _rewrite_numeric_dates(text)
    text = _rewrite_short_year_after_month(text, today)
    text = _rewrite_month_of_a_named_year(text, today)
    text = _rewrite_year_then_month(text)
    text = _rewrite_relative(text)
    text = _rewrite_named_month_direction(text, today)
    return " ".join(text.split())


def _rewrite_short_year_after_month(text: str, today: date) -> str:
    """« juin 18 », « mars 21 »: after a month (a French day comes before it: « 18 juin »), two digits no later than
    next year's are the year, 2018 and 2021; « juin 30 » stays a day."""
    def year(m: re.Match) -> str:
        short = int(m.group(2))
        if short > (today.year + 1) % 100:
            return m.group(0)
        return f"{m.group(1)} {today.year // 100 * 100 + short}"
    return re.sub(rf"\b({_MONTH_WORD})\s+(\d\d)\b(?!\s*(?:[/.:h-]|{_MONTH_WORD}))", year, text)


_NAMED_YEAR = {
    -1: r"(?:de )?l'? ?an(?:nee)? (?:dernier|derniere|passe|passee)|(?:de )?l'? ?an(?:nee)? d'avant",
    0: r"(?:de )?cette annee|(?:de )?cette an",
    1: r"(?:de )?l'? ?an(?:nee)? (?:prochain|prochaine)",
}


def _rewrite_year_then_month(text: str) -> str:
    """« en 2021, au mois de juin », « 2019, en août »: that month of that year (« juin 2021 »)."""
    return re.sub(rf"\b((?:19|20)\d\d)\s*,?\s*(?:je crois\s*,?\s*)?(?:au mois d'?e?\s*|en\s+|courant\s+|vers\s+)"
                  rf"({_MONTH_WORD})\b", r"\2 \1", text)


def _rewrite_month_of_a_named_year(text: str, today: date) -> str:
    """« mars l'an dernier », « en mars de l'année dernière », « l'année dernière en septembre »: that month of that
    year (« mars 2025 »)."""
    for offset, named in _NAMED_YEAR.items():
        year = str(today.year + offset)
        text = re.sub(rf"\b({_MONTH_WORD})\s+(?:{named})\b", rf"\1 {year}", text)
        text = re.sub(rf"\b(?:{named})\s+(?:en |au mois de |courant |debut |fin |mi )?({_MONTH_WORD})\b",
                      rf"\1 {year}", text)
    return text


_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}


def _most_precise(dates: set) -> Optional["ParsedDate"]:
    """Of dates that agree (each within the less precise ones: 2020, March 2020, 15 March 2020), the most precise;
    None when two of them disagree."""
    ordered = sorted(dates, key=lambda d: _PRECISION_RANK[d.precision])
    for coarse, fine in zip(ordered, ordered[1:]):
        if coarse.value.year != fine.value.year or (coarse.precision != "year" and coarse.value.month != fine.value.month):
            return None
        if coarse.precision == fine.precision:
            return None
    return ordered[-1]


def _candidate_windows(words: list[str]) -> list[tuple[int, int]]:
    """Spans of consecutive words that may hold a date, longest first."""
    spans = []
    for length in range(min(len(words), _WINDOW_MAX_WORDS), 0, -1):
        for start in range(len(words) - length + 1):
            end = start + length
            if words[start] in _WEEKDAY_ABBREVIATIONS or words[end - 1] in _WEEKDAY_ABBREVIATIONS | _SMALL_WORDS:
                continue
            if _DATE_CUE.search(" ".join(words[start:end])):
                spans.append((start, end))
    return spans


def _precision(period: str) -> Precision:
    if period in ("year", "month"):
        return period  # type: ignore[return-value]
    return "day"  # « la semaine derniere » ("week"): dateparser's date, seven days ago, is kept


def _truncate(value: date, precision: Precision) -> date:
    if precision == "year":
        return value.replace(month=1, day=1)
    if precision == "month":
        return value.replace(day=1)
    return value


def _date_parser(today: date, prefer: str) -> DateDataParser:
    settings = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": prefer,
    }
    return DateDataParser(languages=["fr"], settings=settings)


def parse_date(text: str, today: date, prefer: Direction = "past") -> Optional[ParsedDate]:
    """The date a user typed, as precise as they gave it, or None.

    Reads « 15/10/2022 », « le 15 octobre 2022 », « oct 2022 », « en 2023 », « il y a 6 mois »,
    « hier », « l'an prochain », « en janvier prochain », « debut decembre », « fin 2021 », with typos
    and without accents, also inside a short sentence (« on a cree en octobre 2022 »).
    A month or day without a year (« decembre », « le 15 mars ») is the most recent one when
    `prefer` is "past" and the next one when it is "future"; words such as « pas encore » or
    « prevu » in the text mean "future". Returns None when no date is given, when the text holds
    two different dates, or for a bare weekday or day number (« mardi », « le 15 »).
    """
    cleaned = _clean(text)
    if not cleaned or _is_unsure(cleaned):
        return None
    if _FUTURE_HINT.search(cleaned):
        prefer = "future"
    words = re.sub(r"[,.](?=\s|$)", " ", _prepare_date_text(cleaned, today)).split()
    relative_parser = _date_parser(today, prefer)
    absolute_parser = _date_parser(today, "current_period")

    found: list[tuple[int, int, ParsedDate]] = []
    for start, end in _candidate_windows(words):
        if any(s <= start and end <= e for s, e, _ in found):
            continue  # inside a longer window that already reads as a date
        window = " ".join(words[start:end])
        parser = absolute_parser if _HAS_YEAR.search(window) else relative_parser
        data = parser.get_date_data(window)
        if data.date_obj is None:
            continue
        precision = _precision(data.period)
        guessed = precision != "year" and not _HAS_YEAR.search(window) and bool(_MONTH_OR_DAY.search(window))
        found.append((start, end, ParsedDate(_truncate(data.date_obj.date(), precision), precision, not guessed)))

    results = {parsed for _, _, parsed in found}
    if len(results) > 1:  # « en 2020 je vous dis, mars 2020 »: the same date said twice, once more precisely
        results = {_most_precise(results)} - {None}
    if len(results) != 1:
        return None
    parsed = results.pop()
    if (prefer == "future" and not parsed.year_said and parsed.precision == "month"
            and (parsed.value.year, parsed.value.month) == (today.year + 1, today.month)):
        # « je vais ouvrir fin décembre », said in December: this month, not over yet, not the next December
        parsed = ParsedDate(parsed.value.replace(year=today.year), parsed.precision, parsed.year_said)
    if not today.year - _PLAUSIBLE_YEARS_BACK <= parsed.value.year <= today.year + _PLAUSIBLE_YEARS_AHEAD:
        return None
    return parsed


# --- Head counts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CountPart:
    number: int
    label: str  # the words after the number, « cdi » in « 3 cdi »; "" when none


@dataclass(frozen=True)
class CountDetail:
    """A head count and the groups the user named.

    « 3 cdi et 2 cdd » -> total 5, parts (3 cdi, 2 cdd). « 4 dont 2 en cdi » -> total 4, parts
    (2 en cdi): after « dont » the parts are a subset of the total.
    """

    total: int
    parts: tuple[CountPart, ...]


_APPROXIMATE_COUNTS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}
_NOBODY = re.compile(
    r"\b(?:aucune?|zero|personne|pas (?:encore )?d(?:e |')|juste moi|que moi|moi seule?|seule?)\b"
)
_WITH_SOMEONE = re.compile(r"\b(?:et|avec|plus)\b")
_COUNT_CONNECTOR = re.compile(r"(?:\bet\b|\+|,|\bplus\b|\bavec\b)")
_COUNT_LABEL_STOP = re.compile(r"\bet\b|\+|,|\bplus\b|\bavec\b|\bdont\b")
# « on est 6 avec moi, 4 en CDI et 1 extra »: a bare number said as the whole is the total, the numbers after it its
# breakdown (they were added up: 11)
_TOTAL_BEFORE = re.compile(r"\b(?:on est|on sera|on etait|nous sommes|nous serons|sommes|ils sont|elles sont)\s*$")
_TOTAL_AFTER = re.compile(r"^\s*(?:en tout|au total|avec moi|moi compris|moi inclus|y compris moi)\b")


def _expand_approximate_counts(text: str) -> str:
    """« 1 douzaine » -> « 12 », « 2 dizaines » -> « 20 »."""
    names = "|".join(_APPROXIMATE_COUNTS)

    def expand(m: re.Match) -> str:
        return str(int(m[1] or 1) * _APPROXIMATE_COUNTS[m[2]])
    return re.sub(rf"\b(?:(\d+)\s+)?({names})s?\b", expand, text)


def _count_parts(text: str) -> list[tuple[CountPart, int, int]]:
    """Each number with its label and its span in the text."""
    parts = []
    for m in re.finditer(r"\d+", text):
        rest = text[m.end():]
        label = _COUNT_LABEL_STOP.split(rest, maxsplit=1)[0]
        label = re.split(r"\d", label, maxsplit=1)[0]
        label = re.sub(r"^\s*(?:de |d')", "", label).strip()
        parts.append((CountPart(int(m.group()), label), m.start(), m.end()))
    return parts


def parse_count_detail(text: str) -> Optional[CountDetail]:
    """A number of people with its breakdown, or None; see `parse_count`."""
    cleaned = _clean(text)
    if not cleaned or _is_unsure(cleaned) or _BOUND.search(cleaned):
        return None
    digits = _expand_approximate_counts(_join_thousands(_words_to_digits(cleaned)))
    if re.search(r"\d[.,]\d", digits):
        return None  # « 2,5 »: not a head count
    parts = _count_parts(digits)
    if not parts:
        if _NOBODY.search(digits) and not _WITH_SOMEONE.search(digits):
            return CountDetail(0, ())
        return None
    if len(parts) == 1:
        return CountDetail(parts[0][0].number, (parts[0][0],))
    if " dont " in digits:
        dont = digits.index(" dont ")
        before = [part for part, start, _ in parts if start < dont]
        after = tuple(part for part, start, _ in parts if start > dont)
        if len(before) != 1 or sum(p.number for p in after) > before[0].number:
            return None
        return CountDetail(before[0].number, after)
    (first, first_start, first_end), after = parts[0], tuple(part for part, _, _ in parts[1:])
    if _TOTAL_AFTER.match(digits[first_end:]) or (not first.label and _TOTAL_BEFORE.search(digits[:first_start])):
        return CountDetail(first.number, after) if sum(p.number for p in after) <= first.number else None
    for (_, _, end), (_, start, _) in zip(parts, parts[1:]):
        if not _COUNT_CONNECTOR.search(digits[end:start]):
            return None  # « 4 ou 5 », « 10-20 », « 2 salaries depuis 2021 »: not parts of one count
    return CountDetail(sum(part.number for part, _, _ in parts), tuple(part for part, _, _ in parts))


def parse_count(text: str) -> Optional[int]:
    """How many people the user counts, or None.

    « 4 », « on est 4 », « quatre salaries », « une douzaine » (12), « une vingtaine » (20);
    « aucun », « personne », « pas de salarie », « juste moi » give 0; « 3 cdi et 2 cdd » gives the
    total, 5; « 4 dont 2 cdi » and « on est 4, 2 en CDI et 1 apprenti » give 4. A range or a bound
    (« entre 10 et 20 », « 4 ou 5 », « plus de 10 ») gives None: there is no range type, the action asks again.
    """
    detail = parse_count_detail(text)
    return detail.total if detail else None


# --- Amounts in euros ----------------------------------------------------------------------------

_MULTIPLIERS = {
    "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9, "mrd": 1e9,
    "million": 1e6, "millions": 1e6, "m": 1e6, "mio": 1e6,
    "k": 1e3, "ke": 1e3, "keur": 1e3, "keuros": 1e3, "mille": 1e3,
}
# text2num turns « 1,2 millions » into « 1,2 1000000 »: a power of a thousand after a number multiplies it.
_SPOKEN_MULTIPLIERS = {"1000000000": 1e9, "1000000": 1e6, "1000": 1e3}
_NOTHING = re.compile(r"\b(?:rien|zero|aucune?|pas (?:encore )?d(?:e |'))\b")
_YEAR_MENTION = re.compile(r"\b(?:en|depuis|pour|sur|annee|exercice)\s+(?:19|20)\d\d\b")


def _apply_multipliers(text: str) -> str:
    """« 1,2 m » -> « 1200000 », « 300k » -> « 300000 », « 1 million et demi » -> « 1500000 »."""
    names = "|".join(sorted(_MULTIPLIERS, key=len, reverse=True))
    spoken = "|".join(_SPOKEN_MULTIPLIERS)

    def multiply(m: re.Match) -> str:
        factor = _MULTIPLIERS[m[2]] if m[2] else _SPOKEN_MULTIPLIERS[m[3]]
        value = _to_float(m[1]) * factor + (factor / 2 if m[4] else 0)
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return re.sub(rf"(?<![\d.,])(\d+(?:[.,]\d+)?)(?:\s*({names})|\s+({spoken}))\b(\s+et\s+demie?\b)?",
                  multiply, text)


def _add_spoken_half(text: str) -> str:
    """« 1000000 et demi » (text2num's « un million et demi ») -> « 1500000 »."""
    def add_half(m: re.Match) -> str:
        number = int(m[1])
        unit = 10 ** (3 * ((len(m[1]) - 1) // 3))
        return str(number + unit // 2) if number >= 1000 and number % unit == 0 else m.group()
    return re.sub(r"\b(\d+)\s+et\s+demie?\b", add_half, text)


def _thousand_dots(text: str) -> str:
    """« 45.000 » -> « 45000 »; « 1.2 » stays a decimal."""
    return re.sub(r"(?<![\d,.])\d{1,3}(?:\.\d{3})+(?![\d.,])(?!\s*(?:m|k|millions?|milliards?)\b)",
                  lambda m: m.group().replace(".", ""), text)


def parse_amount_eur(text: str) -> Optional[float]:
    """An amount in euros, or None.

    « 1,2 M€ », « 1.2 millions », « 300k », « 300 000 € », « trois cent mille euros », « 2 M »,
    « un million et demi »; « rien » or « aucun » give 0. A percentage, a range, a bound or two
    different amounts give None.
    """
    cleaned = _clean(text)
    if not cleaned or _is_unsure(cleaned) or _BOUND.search(cleaned):
        return None
    if "%" in cleaned or re.search(r"\bpour ?cent\b", cleaned):
        return None
    cleaned = re.sub(r"€|\beur\b|\beuros?\b", " euros ", cleaned)
    cleaned = _YEAR_MENTION.sub(" ", cleaned)
    cleaned = _apply_multipliers(_thousand_dots(_join_thousands(cleaned)))
    cleaned = _apply_multipliers(_add_spoken_half(_words_to_digits(cleaned, small_numbers=False)))
    numbers = _numbers(cleaned)
    if not numbers:
        return 0.0 if _NOTHING.search(cleaned) else None
    if len(numbers) != 1:
        return None
    return _to_float(numbers[0])


# --- Percentages ---------------------------------------------------------------------------------

_FRACTION_WORDS = {"tiers": 3, "quart": 4, "quarts": 4, "cinquieme": 5, "cinquiemes": 5,
                   "dixieme": 10, "dixiemes": 10}
_HALF = re.compile(r"\b(?:moitie|demi)\b")
_NONE_OF_IT = re.compile(r"\b(?:pas du tout|aucune?|rien|zero|nada|que dalle|personne|pas (?:encore )?d(?:e |'))\b")
_ALL_OF_IT = re.compile(r"\b(?:tout|toute|totalite|entierement|integralite|en totalite)\b")


def _word_fraction(text: str) -> Optional[float]:
    """« 2 tiers » (text2num's « deux tiers »), « le quart », « la moitie » as a percentage.

    « tiers » alone is not a fraction: « detenu par des tiers » means third parties.
    """
    names = "|".join(_FRACTION_WORDS)
    found = re.findall(rf"\b(\d+|le|un|une)\s+({names})\b", text)
    if len(found) == 1:
        count, name = found[0]
        numerator = int(count) if count.isdigit() else 1
        return 100 * numerator / _FRACTION_WORDS[name]
    if not found and _HALF.search(text):
        return 50.0
    return None


def _digit_fraction(text: str) -> Optional[float]:
    """« 1/3 » as a percentage; « 50/50 » is half each."""
    m = re.search(r"\b(\d+)\s*/\s*(\d+)\b", text)
    if not m:
        return None
    numerator, denominator = int(m[1]), int(m[2])
    if numerator == denominator == 50:
        return 50.0
    if denominator == 0 or numerator > denominator:
        return None
    return 100 * numerator / denominator


def parse_percent(text: str) -> Optional[float]:
    """A share in percent (0 to 100, two decimals), or None.

    « 60 % », « 60 pourcent », « 15,5 % », « 60 » alone, « la moitie » (50), « deux tiers du
    capital » (66.67), « un quart », « les trois quarts », « 1/3 », « 2 sur 3 », « aucun » (0), « tout » (100).
    A bound (« plus de la moitie »), a range or two different shares give None.
    """
    cleaned = _clean(text)
    if not cleaned or _is_unsure(cleaned) or _BOUND.search(cleaned):
        return None
    digits = _words_to_digits(cleaned)
    ratio = re.fullmatch(r"\D*?\b(\d{1,3}) sur (\d{1,3})\b\D*", digits)  # « 2 sur 3 », « un sur dix »
    if ratio and 0 < int(ratio.group(2)) and int(ratio.group(1)) <= int(ratio.group(2)):
        share = 100 * int(ratio.group(1)) / int(ratio.group(2))
    elif re.search(r"\d\s*/\s*\d", digits):
        share = _digit_fraction(digits)
    elif re.search(rf"\b(?:{'|'.join(_FRACTION_WORDS)})\b", digits) or _HALF.search(digits):
        share = _word_fraction(digits)
    else:
        share = _plain_percent(digits)
    if share is None or not 0 <= share <= 100:
        return None
    return round(share, 2)


def _plain_percent(text: str) -> Optional[float]:
    """« 60 % », « 60 pour 100 » (text2num's « soixante pour cent »), « 60 », « aucun », « tout »."""
    text = re.sub(r"\bpour ?(?:cent|100)\b|\bpourcents?\b|%", " ", text)
    numbers = _numbers(text)
    if len(numbers) == 1:
        return _to_float(numbers[0])
    if numbers:
        return None
    if _NONE_OF_IT.search(text):
        return 0.0
    if _ALL_OF_IT.search(text):
        return 100.0
    return None


# --- Ages ----------------------------------------------------------------------------------------

MAX_AGE = 120
_APPROXIMATE_AGE = re.compile(
    r"\b(?:bientot|presque|environ|vers|vais avoir|va avoir|autour de|a peu pres"
    r"|\w+aines?)\b"  # « la cinquantaine »: a decade, not an age
)
_BIRTH = re.compile(r"\b(?:ne|nee|naissance)\b")


def _age_from_birth(birth: ParsedDate, today: date) -> Optional[int]:
    """The age today of someone born on `birth`, when its precision is enough to tell."""
    years = today.year - birth.value.year
    if birth.precision == "day":
        return years - ((today.month, today.day) < (birth.value.month, birth.value.day))
    if birth.precision == "month" and birth.value.month != today.month:
        return years - (today.month < birth.value.month)
    return None


def parse_age(text: str, today: Optional[date] = None) -> Optional[int]:
    """An age in whole years (1 to 120), or None.

    « 24 ans », « j'ai 24 ans », « vingt-quatre ans », « 58 ». With `today`, a birth date
    (« ne le 3 mars 2001 », « nee en mars 2001 ») gives the age when it is precise enough; a birth
    year alone does not (it leaves two possible ages). « bientot 26 », « presque 26 » and
    « la cinquantaine » give None: the exact age decides some rights (under 26).
    """
    cleaned = _clean(text)
    if not cleaned or _is_unsure(cleaned) or _BOUND.search(cleaned) or _APPROXIMATE_AGE.search(cleaned):
        return None
    if today is not None and _BIRTH.search(cleaned):
        birth = parse_date(cleaned, today, prefer="past")
        age = _age_from_birth(birth, today) if birth else None
    else:
        age = _stated_age(_words_to_digits(cleaned))
    if age is None or not 1 <= age <= MAX_AGE:
        return None
    return age


def _stated_age(text: str) -> Optional[int]:
    if _RANGE.search(text):
        return None
    with_years = re.findall(r"\b(\d+)\s*ans?\b", text)
    if len(with_years) == 1:
        return int(with_years[0])
    numbers = _numbers(text)
    if not with_years and len(numbers) == 1 and numbers[0].isdigit():
        return int(numbers[0])
    return None


# --- Yes / no ------------------------------------------------------------------------------------

_YES_PHRASES = (
    "oui", "ouais", "ouai", "ouaip", "ouep", "yes", "yep", "ok", "okay", "d'accord", "daccord", "dac",
    "bien sur", "biensur", "bien entendu", "exactement", "exact", "tout a fait", "absolument",
    "evidemment", "carrement", "effectivement", "c'est ca", "affirmatif", "certainement",
    "volontiers", "avec plaisir", "ca marche", "vas-y", "allez-y", "je veux bien", "que oui",
    "bien sur que oui", "plutot oui", "c'est exact", "c'est le cas",
)
_NO_PHRASES = (
    "non", "nan", "nope", "no", "nn", "pas du tout", "absolument pas", "jamais", "aucunement",
    "pas vraiment", "surement pas", "certainement pas", "pas question", "negatif", "pas encore",
    "toujours pas", "que non", "bien sur que non", "du tout", "plutot non", "pas le cas",
    "ce n'est pas le cas",
)
_SI = re.compile(r"^(?:mais |ben |bah |eh )?si(?: si)*$")  # « si » answers a negative question


def _phrase_pattern(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


_YES_NO = re.compile(rf"\b(?:(?P<no>{_phrase_pattern(_NO_PHRASES)})|(?P<yes>{_phrase_pattern(_YES_PHRASES)}))\b")
_KNOWN_WORDS = {word for phrase in _YES_PHRASES + _NO_PHRASES for word in re.findall(r"[a-z]+", phrase)}


def _collapse_repeats(text: str) -> str:
    """« ouiii » -> « oui », « nonnn » -> « non »; known words such as « carrement » are kept."""
    return re.sub(r"[a-z]+", lambda m: m.group() if m.group() in _KNOWN_WORDS
                  else re.sub(r"(.)\1+", r"\1", m.group()), text)


_OPENS_WITH_YES_OR_NO = re.compile(r"^\W*(?:oui|ouais|ouai|non|nan|nn|si|yes|no)\b")


def asks_without_answering(text: str) -> bool:
    """A question that does not open with a yes or a no, whatever yes-word it holds: « c'est où exactement ? »,
    « bien sûr ? » (not « oui ? », « non ? », nor « tout à fait, et ils sont où ? », whose first clause answers)."""
    if "?" not in text or _OPENS_WITH_YES_OR_NO.match(_clean(text)):
        return False
    first = re.split(r"[,.;!]", text.strip(" ,.;!"))[0]
    return "?" in first or parse_yes_no(first) is None


def parse_yes_no(text: str) -> Optional[bool]:
    """True for a French yes, False for a no, None for anything else.

    « oui », « ouais », « bien sur », « tout a fait », « si » / « non », « pas du tout »,
    « absolument pas », « pas encore ». « je sais pas », « peut-etre », « oui et non » and answers
    with neither give None. When a phrase contains another (« absolument pas »), the longer wins.
    A question that does not open with a yes or a no is none (`asks_without_answering`).
    """
    if asks_without_answering(text):
        return None
    cleaned = _collapse_repeats(re.sub(r"[^a-z' -]", " ", _clean(text)))
    cleaned = " ".join(cleaned.split())
    if not cleaned or _is_unsure(cleaned):
        return None
    if _SI.match(cleaned):
        return True
    answers = {("yes" if m["yes"] else "no") for m in _YES_NO.finditer(cleaned)}
    if len(answers) != 1:
        return None
    return answers.pop() == "yes"
