"""French free-text answers, typed the way residents and business owners type them.

Each table row is an answer a user could give to one of the bot's questions, and what the bot must
understand from it; None means the bot must ask again rather than guess. Today is fixed.
"""
from datetime import date

import pytest

from assistant.french_values import (
    CountDetail,
    CountPart,
    ParsedDate,
    parse_age,
    parse_amount_eur,
    parse_count,
    parse_count_detail,
    parse_date,
    parse_percent,
    parse_yes_no,
)

TODAY = date(2026, 11, 26)


def day(y: int, m: int, d: int) -> ParsedDate:
    return ParsedDate(date(y, m, d), "day")


def month(y: int, m: int) -> ParsedDate:
    return ParsedDate(date(y, m, 1), "month")


def year(y: int) -> ParsedDate:
    return ParsedDate(date(y, 1, 1), "year")


def when(parsed: ParsedDate | None) -> tuple | None:
    """The date and its precision (whether the year was typed is tested apart)."""
    return None if parsed is None else (parsed.value, parsed.precision)


@pytest.mark.parametrize("text, year_said", [
    ("en janvier", False), ("le 15 decembre", False), ("15/10", False), ("fin decembre", False),
    ("janvier 2026", True), ("mars dernier", True), ("janvier prochain", True), ("il y a 6 mois", True),
    ("en 2023", True), ("hier", True), ("15/10/2024", True),
])
def test_a_month_or_a_day_without_its_year_says_the_year_is_a_guess(text, year_said):
    assert parse_date(text, TODAY).year_said is year_said


# « Quand avez-vous créé votre entreprise ? » — answers about the past.
PAST_DATES = [
    ("15/10/2022", day(2022, 10, 15)),
    ("le 15 octobre 2022", day(2022, 10, 15)),
    ("le 15 octobre 2022.", day(2022, 10, 15)),
    ("1er mars 2024", day(2024, 3, 1)),
    ("le premier mars deux mille vingt-quatre", day(2024, 3, 1)),
    ("2022-10-15", day(2022, 10, 15)),
    ("15.10.2022", day(2022, 10, 15)),
    ("15/10", day(2026, 10, 15)),
    ("le 3 janv. 2023", day(2023, 1, 3)),
    ("31/12/2017", day(2017, 12, 31)),
    ("01/01/2018", day(2018, 1, 1)),
    ("5/3/24", day(2024, 3, 5)),
    ("octobre 2022", month(2022, 10)),
    ("Octobre 2022", month(2022, 10)),
    ("oct 2022", month(2022, 10)),
    ("oct. 2022", month(2022, 10)),
    ("sept 2021", month(2021, 9)),
    ("le 1er sept 2022", day(2022, 9, 1)),
    ("fevrier 2021", month(2021, 2)),
    ("fevrer 2021", month(2021, 2)),
    ("decmbre 2022", month(2022, 12)),
    ("aout 2020", month(2020, 8)),
    ("août 2020", month(2020, 8)),
    ("03/2024", month(2024, 3)),
    ("10/22", month(2022, 10)),
    ("en 2023", year(2023)),
    ("2023", year(2023)),
    ("en deux mille dix-neuf", year(2019)),
    ("depuis 2021", year(2021)),
    ("fin 2021", year(2021)),
    ("mi-2022", year(2022)),
    ("il y a deux ans", year(2024)),
    ("y a 2 ans", year(2024)),
    ("ca fait 2 ans", year(2024)),
    ("depuis 3 ans", year(2023)),
    ("il y a sept ans", year(2019)),
    ("l'an dernier", year(2025)),
    ("l'annee passee", year(2025)),
    ("il y a 6 mois", month(2026, 5)),
    ("il y a 3 semaines", day(2026, 11, 5)),
    ("avant hier", day(2026, 11, 24)),
    ("il y a un an et demi", month(2025, 5)),
    ("le mois dernier", month(2026, 10)),
    ("debut decembre", month(2025, 12)),
    ("début décembre", month(2025, 12)),
    ("decembre", month(2025, 12)),
    ("fin decembre", month(2025, 12)),
    ("mars dernier", month(2026, 3)),
    ("novembre dernier", month(2025, 11)),
    ("le 15 decembre", day(2025, 12, 15)),
    ("hier", day(2026, 11, 25)),
    ("aujourd'hui", day(2026, 11, 26)),
    ("aujourdhui", day(2026, 11, 26)),
    ("j'ai lance ma societe en octobre 2022", month(2022, 10)),
    ("on a cree la boite il y a deux ans", year(2024)),
    ("on a cree la societe le 15 octobre 2022 a harnes", day(2022, 10, 15)),
    ("vers mars 2024 je crois", month(2024, 3)),
    ("bonjour, j'ai lance ma petite entreprise de nettoyage a harnes en octobre 2022 avec mon frere",
     month(2022, 10)),
    ("non, c'etait en 2023", year(2023)),
    # No date, or not one that can be trusted: the bot asks again.
    ("pas encore créée", None),
    ("je sais pas", None),
    ("je ne me souviens plus", None),
    ("mardi", None),
    ("le 15", None),
    ("4", None),
    ("cree en 2021, lance en mars 2022", None),  # two dates: which one?
    ("29/02/2023", None),  # no such day
    ("on est a marles", None),  # Marles-les-Mines, two letters from « mars »: no month
    ("on s'est maries en 2019 puis j'ai cree", year(2019)),  # « mariés » is no « mars » either
    ("juilet 2021", month(2021, 7)),
    ("en 1850", None),
    ("", None),
    # two digits after a month are its year (a French day comes first: « 18 juin »); a later « 30 » stays a day
    ("ouverte en avril 19", month(2019, 4)),
    ("octobre 22 je crois", month(2022, 10)),
    ("novembre 30", day(2025, 11, 30)),
    # a month of a year said in words
    ("en mai de l'année dernière", month(2025, 5)),
    ("l'an passé en octobre", month(2025, 10)),
    ("janvier de cette année", month(2026, 1)),
    # the same date twice, once more precisely; a year then its month
    ("en 2022 je vous dis, mai 2022", month(2022, 5)),
    ("en deux mille dix-neuf, au mois d'octobre", month(2019, 10)),
]


@pytest.mark.parametrize("text, expected", PAST_DATES)
def test_parse_date_past(text: str, expected: ParsedDate | None) -> None:
    assert when(parse_date(text, TODAY)) == when(expected)


# « Quand comptez-vous vous installer ? » — the context says future.
FUTURE_DATES = [
    ("decembre", month(2026, 12)),
    ("debut decembre", month(2026, 12)),
    ("le 15 mars", day(2027, 3, 15)),
    ("en janvier prochain", month(2027, 1)),
    ("janvier prochain", month(2027, 1)),
    ("decembre prochain", month(2026, 12)),
    ("l'an prochain", year(2027)),
    ("l'annee prochaine", year(2027)),
    ("l an prochain", year(2027)),
    ("dans 2 mois", month(2027, 1)),
    ("janvier 2027", month(2027, 1)),
    ("5/3/24", day(2024, 3, 5)),  # a written year wins over the preference
]


@pytest.mark.parametrize("text, expected", FUTURE_DATES)
def test_parse_date_future(text: str, expected: ParsedDate) -> None:
    assert when(parse_date(text, TODAY, prefer="future")) == when(expected)


@pytest.mark.parametrize("text, expected", [
    ("je vais ouvrir fin decembre", month(2026, 12)),  # this month, not over yet (it was December 2027)
    ("ce sera mi-decembre", month(2026, 12)),
    ("en novembre", month(2027, 11)),
    ("en janvier", month(2027, 1)),
])
def test_the_current_month_said_of_the_future_is_this_month(text: str, expected: ParsedDate) -> None:
    assert when(parse_date(text, date(2026, 12, 7), prefer="future")) == when(expected)


@pytest.mark.parametrize("text, expected", [
    ("pas encore, c'est prevu en mars", month(2027, 3)),
    ("je compte m'installer en fevrier", month(2027, 2)),
])
def test_words_about_the_future_override_the_default(text: str, expected: ParsedDate) -> None:
    assert when(parse_date(text, TODAY)) == when(expected)


COUNTS = [
    ("4", 4),
    ("on est 4", 4),
    ("quatre salariés", 4),
    ("quatre salaries", 4),
    ("un salarie", 1),
    ("une personne", 1),
    ("une douzaine de salariés", 12),
    ("une douzaine de salaries", 12),
    ("une vingtaine", 20),
    ("une dizaine d'employes", 10),
    ("2 douzaines", 24),
    ("deux cent cinquante", 250),
    ("249", 249),
    ("1 200 salaries", 1200),
    ("3 cdi et 2 cdd", 5),
    ("trois cdi et deux cdd", 5),
    ("3 cdi + 2 cdd", 5),
    ("4 dont 2 en cdi", 4),
    ("aucun", 0),
    ("personne", 0),
    ("pas de salarie", 0),
    ("je n'ai pas de salaries", 0),
    ("pas encore de salarie", 0),
    ("juste moi", 0),
    ("moi seul", 0),
    ("zero", 0),
    ("0", 0),
    # Ranges, bounds and hesitations are not counts.
    ("entre 10 et 20", None),
    ("10-20", None),
    ("4 ou 5", None),
    ("plus de 10", None),
    ("quelques uns", None),
    ("2,5", None),
    ("2 salaries depuis 2021", None),
    ("juste moi et mon associe", None),
    ("je sais pas", None),
    ("non", None),
]


@pytest.mark.parametrize("text, expected", COUNTS)
def test_parse_count(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("3 cdi et 2 cdd", CountDetail(5, (CountPart(3, "cdi"), CountPart(2, "cdd")))),
    ("trois cdi et deux cdd", CountDetail(5, (CountPart(3, "cdi"), CountPart(2, "cdd")))),
    ("4 dont 2 cdi", CountDetail(4, (CountPart(2, "cdi"),))),
    ("2 dont 4 cdi", None),  # the part cannot exceed the whole
    ("aucun", CountDetail(0, ())),
])
def test_parse_count_detail(text: str, expected: CountDetail | None) -> None:
    assert parse_count_detail(text) == expected


AMOUNTS = [
    ("1,2 M€", 1_200_000),
    ("1,2M€", 1_200_000),
    ("1.2 millions", 1_200_000),
    ("2,5 millions d'euros", 2_500_000),
    ("300k", 300_000),
    ("300 k€", 300_000),
    ("50 keuros", 50_000),
    ("300 000 €", 300_000),
    ("12 000€", 12_000),
    ("1 200 000 €", 1_200_000),
    ("45.000", 45_000),
    ("1.500.000 €", 1_500_000),
    ("trois cent mille euros", 300_000),
    ("45 000 euros", 45_000),
    ("mille cinq cents euros", 1_500),
    ("deux millions", 2_000_000),
    ("2 M", 2_000_000),
    ("un million et demi", 1_500_000),
    ("1 million et demi", 1_500_000),
    ("environ 300k", 300_000),
    ("un ca de 300k en 2023", 300_000),
    ("rien", 0),
    ("zero euro", 0),
    # Not one amount.
    ("entre 1 et 2 millions", None),
    ("300 000 ou 400 000", None),
    ("plus de 1 M", None),
    ("15 %", None),
    ("je sais pas", None),
    ("beaucoup", None),
]


@pytest.mark.parametrize("text, expected", AMOUNTS)
def test_parse_amount_eur(text: str, expected: float | None) -> None:
    assert parse_amount_eur(text) == expected


PERCENTS = [
    ("60 %", 60),
    ("60%", 60),
    ("60 pourcent", 60),
    ("60 pour cent", 60),
    ("soixante pour cent", 60),
    ("40", 40),
    ("15,5 %", 15.5),
    ("50,1 %", 50.1),
    ("la moitié", 50),
    ("la moitie", 50),
    ("moitie moitie", 50),
    ("50/50", 50),
    ("deux tiers du capital", 66.67),
    ("2/3", 66.67),
    ("un tiers", 33.33),
    ("1/3", 33.33),
    ("un quart", 25),
    ("le quart", 25),
    ("les trois quarts", 75),
    ("les 3 quart", 75),
    ("aucun", 0),
    ("0", 0),
    ("pas du tout", 0),
    ("pas d'autre societe", 0),
    ("tout", 100),
    ("la totalite", 100),
    ("100 %", 100),
    # Not one share.
    ("plus de la moitie", None),
    ("plus de 50 %", None),
    ("detenu par des tiers", None),  # third parties, not a third
    ("60/40", None),
    ("150", None),
    ("60 % et 40 %", None),
    ("je sais pas", None),
]


@pytest.mark.parametrize("text, expected", PERCENTS)
def test_parse_percent(text: str, expected: float | None) -> None:
    assert parse_percent(text) == expected


AGES = [
    ("24 ans", 24),
    ("j'ai 24 ans", 24),
    ("vingt-quatre ans", 24),
    ("vingt quatre ans", 24),
    ("58", 58),
    ("seize ans", 16),
    ("j'ai 24 ans et 2 enfants", 24),
    ("24 ans et demi", 24),
    ("120", 120),
    ("née le 3 mars 2001", 25),
    ("ne le 30 novembre 2000", 25),
    ("nee en mars 2001", 25),
    # Not an age, or not an exact one.
    ("121", None),
    ("130 ans", None),
    ("0", None),
    ("bientot 26 ans", None),
    ("presque 26", None),
    ("la cinquantaine", None),
    ("j'ai 25 ou 26 ans", None),
    ("ne en 2001", None),  # 24 or 25
    ("je sais pas", None),
]


@pytest.mark.parametrize("text, expected", AGES)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text, TODAY) == expected


YES_NO = [
    ("oui", True),
    ("Oui !", True),
    ("ouais", True),
    ("ouiii", True),
    ("bien sur", True),
    ("bien sûr", True),
    ("tout a fait", True),
    ("absolument", True),
    ("d'accord", True),
    ("ok", True),
    ("carrement", True),
    ("oui, c'est ca", True),
    ("je pense que oui", True),
    ("si", True),
    ("mais si", True),
    ("non", False),
    ("nan", False),
    ("nonnn", False),
    ("pas du tout", False),
    ("absolument pas", False),
    ("bien sur que non", False),
    ("non pas du tout", False),
    ("pas encore", False),
    ("jamais", False),
    ("pas vraiment", False),
    ("non merci", False),
    # Neither: the bot asks again.
    ("je sais pas", None),
    ("je ne sais pas", None),
    ("peut-etre", None),
    ("oui et non", None),
    ("si je peux", None),
    ("bof", None),
    ("", None),
]


@pytest.mark.parametrize("text, expected", YES_NO)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize("text, value", [
    ("c'est où exactement ?", None),  # it answered « inscrit à France Travail ? » with a yes
    ("ils ouvrent quand, exactement ?", None),
    ("d'accord ?", None),
    ("oui ?", True),
    ("non, pourquoi ?", False),
    ("tout à fait, et c'est où ?", True),
    ("exactement", True),
])
def test_a_question_that_does_not_open_with_a_yes_or_a_no_is_neither(text, value):
    assert parse_yes_no(text) is value
