"""What the BUD rules know of a company: the facts the user gave, and what the communes table says of its commune."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

COMMUNE_CERTAINTIES = ("confirmed", "probable", "unknown")
PRECISIONS = ("day", "month", "year")  # how precisely a creation date was given
ACTIVITIES = ("industrial", "commercial", "craft", "liberal", "agricultural")
ORIGINS = ("new", "takeover", "transfer", "concentration", "restructuring", "extension", "premises")

# The order in which a good adviser asks for what is missing.
FACT_ORDER = (
    "commune",
    "creation_date",
    "activity",
    "origin",
    "employees",
    "turnover_eur",
    "balance_sheet_eur",
    "capital_held_by_companies_pct",
    "eligible_employees",
    "resident_employees",
    "turnover_outside_pct",
)


@dataclass(frozen=True)
class CommuneBud:
    """What the BUD rules need to know of a commune (from the communes table)."""

    insee: Optional[str]
    nom: Optional[str]
    classee: bool
    a_verifier: bool = False
    depuis: Optional[dt.date] = None  # first creation date covered in this commune
    depuis_certitude: Optional[str] = None  # confirmed | probable | unknown

    @classmethod
    def from_commune(cls, commune: dict) -> "CommuneBud":
        """From `Commune.as_dict()` of assistant/communes.py."""
        bud = commune["bud"]
        since = bud.get("depuis")
        return cls(
            insee=commune.get("insee"),
            nom=commune.get("nom"),
            classee=bool(bud["classee"]),
            a_verifier=bool(bud.get("a_verifier")),
            depuis=dt.date.fromisoformat(since) if isinstance(since, str) else since,
            depuis_certitude=bud.get("depuis_certitude"),
        )

    def as_dict(self) -> dict:
        return {
            "insee": self.insee,
            "nom": self.nom,
            "classee": self.classee,
            "a_verifier": self.a_verifier,
            "depuis": self.depuis.isoformat() if self.depuis else None,
            "depuis_certitude": self.depuis_certitude,
        }


@dataclass(frozen=True)
class Facts:
    """What the user told us; every fact is optional."""

    creation_date: Optional[dt.date] = None  # start of activity; may be in the future (planned creation)
    creation_precision: str = "day"  # one of PRECISIONS: « en mars 2023 » is 2023-03-01 to the month
    commune: Optional[CommuneBud] = None
    activity: Optional[str] = None  # one of ACTIVITIES
    origin: Optional[str] = None  # one of ORIGINS
    employees: Optional[int] = None
    turnover_eur: Optional[float] = None
    balance_sheet_eur: Optional[float] = None
    capital_held_by_companies_pct: Optional[float] = None
    eligible_employees: Optional[int] = None  # on a CDI or a CDD of at least 12 months
    resident_employees: Optional[int] = None  # of the eligible ones, living in a BUD
    turnover_outside_pct: Optional[float] = None
    micro_entreprise: Optional[bool] = None
    corporate_tax: Optional[bool] = None  # subject to corporate tax (IS); False = income tax
    expected_profit_eur: Optional[float] = None

    def __post_init__(self) -> None:
        problems = facts_problems(self)
        if problems:
            raise ValueError("; ".join(problems))


def facts_problems(facts: Facts) -> list[str]:
    """Inconsistencies that make the facts meaningless (the HTTP layer words them in French for users)."""
    problems = []
    if facts.activity is not None and facts.activity not in ACTIVITIES:
        problems.append(f"activity must be one of {', '.join(ACTIVITIES)}")
    if facts.creation_precision not in PRECISIONS:
        problems.append(f"creation_precision must be one of {', '.join(PRECISIONS)}")
    if facts.origin is not None and facts.origin not in ORIGINS:
        problems.append(f"origin must be one of {', '.join(ORIGINS)}")
    for name in ("employees", "eligible_employees", "resident_employees", "turnover_eur", "balance_sheet_eur",
                 "expected_profit_eur"):
        value = getattr(facts, name)
        if value is not None and value < 0:
            problems.append(f"{name} must not be negative")
    for name in ("capital_held_by_companies_pct", "turnover_outside_pct"):
        value = getattr(facts, name)
        if value is not None and not 0 <= value <= 100:
            problems.append(f"{name} must be between 0 and 100")
    if (facts.eligible_employees is not None and facts.employees is not None
            and facts.eligible_employees > facts.employees):
        problems.append("eligible_employees must not exceed employees")
    if (facts.resident_employees is not None and facts.eligible_employees is not None
            and facts.resident_employees > facts.eligible_employees):
        problems.append("resident_employees must not exceed eligible_employees")
    return problems


def partial_date(text: str) -> tuple[dt.date, str]:
    """An ISO date as precise as it was given: « 2022-10-15 » (day), « 2022-10 » (month, its first day),
    « 2022 » (year, its 1 January). ValueError for anything else."""
    parts = text.strip().split("-")
    if not 1 <= len(parts) <= 3 or [len(p) for p in parts] != [4, 2, 2][:len(parts)] or not all(p.isdigit() for p in parts):
        raise ValueError(f"not an ISO date, month or year: {text!r}")
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    return dt.date(*numbers), PRECISIONS[3 - len(parts)]


def as_given(day: dt.date, precision: str) -> str:
    """The date back as it was given: « 2022-10-15 », « 2022-10 », « 2022 »."""
    return day.isoformat()[:{"day": 10, "month": 7, "year": 4}[precision]]
