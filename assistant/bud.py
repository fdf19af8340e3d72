"""BUD eligibility — « bassins urbains à dynamiser », article 44 sexdecies of the CGI — as rules over dated data.

- `Parameters`: the legal parameters of data/programme/bud/parameters.yaml (OpenFisca style), each looked up
  « as of » a date, with its description, its legal references and how certain it is.
- `evaluate(facts, parameters, today) -> Verdict`: a pure function. Every criterion comes out met / not_met /
  unknown / not_applicable with a reason code, the parameter values it used and their sources; the verdict lists
  the facts still needed, and for a company that is (so far) eligible the exemption calendar with real dates, the
  de minimis ceiling and an estimate of the corporate tax saved.
- `Texts` and `Verdict.as_dict(texts)`: the French explanations, from data/programme/bud/explanations.fr.yaml.
  The rules never hold a French sentence; the texts never hold a rule.
"""
from __future__ import annotations

import calendar
import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import yaml

from assistant.settings import PROGRAMME_DIR

BUD_DIR = PROGRAMME_DIR / "bud"
PARAMETERS_FILE = "parameters.yaml"
TEXTS_FILE = "explanations.fr.yaml"

# Weakest last: a criterion is as certain as the least certain parameter it used.
CERTAINTIES = ("confirmed", "secondary", "inference")
COMMUNE_CERTAINTIES = ("confirmed", "probable", "unknown")
ACTIVITIES = ("industrial", "commercial", "craft", "liberal", "agricultural")
ORIGINS = ("new", "takeover", "transfer", "concentration", "restructuring", "extension")
STATUSES = ("met", "not_met", "unknown", "not_applicable")
VERDICTS = ("eligible", "not_eligible", "unknown")
DISCLAIMER = "information_not_tax_decision"

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


class ParameterError(ValueError):
    """parameters.yaml is malformed; the message names the parameter."""


class ParameterNotFound(LookupError):
    """A parameter has no value on the date asked for."""


# --------------------------------------------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class ParameterValue:
    start: dt.date
    value: Any
    certainty: Optional[str]
    note: Optional[str]
    reference: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "value": _jsonable(self.value),
            "certainty": self.certainty,
            "note": self.note,
            "reference": list(self.reference),
        }


@dataclass(frozen=True)
class Parameter:
    path: str
    description: str
    values: tuple[ParameterValue, ...]  # by start date
    reference: tuple[str, ...]
    certainty: str
    unit: Optional[str]
    note: Optional[str]

    def at(self, when: dt.date) -> ParameterValue:
        found = None
        for value in self.values:
            if value.start <= when:
                found = value
        if found is None:
            raise ParameterNotFound(f"{self.path} has no value on {when.isoformat()}")
        return found

    def certainty_at(self, when: dt.date) -> str:
        return self.at(when).certainty or self.certainty

    def sources_at(self, when: dt.date) -> list[str]:
        return _unique([*self.at(when).reference, *self.reference])

    def as_dict(self, as_of: Optional[dt.date] = None) -> dict:
        current = None
        if as_of is not None:
            try:
                value = self.at(as_of)
                current = {"value": _jsonable(value.value), "from": value.start.isoformat(),
                           "certainty": value.certainty or self.certainty}
            except ParameterNotFound:
                current = None
        return {
            "path": self.path,
            "description": self.description,
            "unit": self.unit,
            "certainty": self.certainty,
            "note": self.note,
            "reference": list(self.reference),
            "values": [v.as_dict() for v in self.values],
            "current": current,
        }


class Parameters:
    """All BUD parameters by dotted path (« creation_window.end »)."""

    def __init__(self, items: dict[str, Parameter], metadata: dict):
        self.items = items
        self.metadata = metadata

    def __getitem__(self, path: str) -> Parameter:
        return self.items[path]

    def value(self, path: str, when: dt.date) -> Any:
        return self.items[path].at(when).value

    def as_dict(self, as_of: Optional[dt.date] = None) -> dict:
        return {
            "metadata": _jsonable(self.metadata),
            "as_of": as_of.isoformat() if as_of else None,
            "parameters": [p.as_dict(as_of) for p in self.items.values()],
        }


def parse_parameters(data: dict) -> Parameters:
    """Build `Parameters` from the YAML tree; a leaf is a node with `values`. Raises ParameterError."""
    if not isinstance(data, dict):
        raise ParameterError("parameters: the file must be a mapping")
    items: dict[str, Parameter] = {}

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            raise ParameterError(f"{path}: expected a mapping")
        if "values" in node:
            items[path] = _parse_leaf(node, path)
            return
        for key, child in node.items():
            walk(child, f"{path}.{key}" if path else str(key))

    for key, node in data.items():
        if key != "metadata":
            walk(node, str(key))
    return Parameters(items, data.get("metadata") or {})


def _parse_leaf(node: dict, path: str) -> Parameter:
    description = node.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ParameterError(f"{path}: a description is required")
    metadata = node.get("metadata") or {}
    reference = metadata.get("reference")
    if not isinstance(reference, list) or not reference or not all(isinstance(r, str) for r in reference):
        raise ParameterError(f"{path}: metadata.reference must be a non-empty list of texts")
    certainty = metadata.get("certainty", "confirmed")
    if certainty not in CERTAINTIES:
        raise ParameterError(f"{path}: certainty must be one of {', '.join(CERTAINTIES)}")
    raw_values = node["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterError(f"{path}: values must map start dates to values")
    values = []
    for start, entry in raw_values.items():
        if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
            raise ParameterError(f"{path}: {start!r} is not a date (YYYY-MM-DD)")
        if not isinstance(entry, dict) or "value" not in entry:
            raise ParameterError(f"{path}.{start}: expected {{value: ...}}")
        value_certainty = entry.get("certainty")
        if value_certainty is not None and value_certainty not in CERTAINTIES:
            raise ParameterError(f"{path}.{start}: certainty must be one of {', '.join(CERTAINTIES)}")
        values.append(
            ParameterValue(
                start=start,
                value=entry["value"],
                certainty=value_certainty,
                note=entry.get("note"),
                reference=tuple(entry.get("reference") or ()),
            )
        )
    return Parameter(
        path=path,
        description=description.strip(),
        values=tuple(sorted(values, key=lambda v: v.start)),
        reference=tuple(reference),
        certainty=certainty,
        unit=metadata.get("unit"),
        note=metadata.get("note"),
    )


# --------------------------------------------------------------------------------------------------------------
# Facts


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


# --------------------------------------------------------------------------------------------------------------
# Verdict


@dataclass
class Criterion:
    id: str
    status: str  # one of STATUSES
    reason: str  # template key in explanations.fr.yaml, under criteria.<id>
    args: dict[str, Any]  # template arguments
    parameters: dict[str, Any]  # parameter path -> value used
    sources: list[str]
    certainty: str  # weakest certainty of the parameters used
    needs: list[str] = field(default_factory=list)  # facts that would settle an unknown criterion
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, texts: "Texts") -> dict:
        return {
            "id": self.id,
            "title": texts.get(f"criteria.{self.id}.title"),
            "status": self.status,
            "reason": self.reason,
            "explanation": texts.render(f"criteria.{self.id}.{self.reason}", self.args),
            "parameters": _jsonable(self.parameters),
            "sources": self.sources,
            "certainty": self.certainty,
            "details": _jsonable(self.details),
        }


@dataclass(frozen=True)
class ProfitPeriod:
    index: int
    start: dt.date
    end: dt.date
    months: float
    exempt_pct: float  # share of the profit exempt under the schedule
    effective_exempt_pct: float  # after the reduction for turnover made outside the zone

    def as_dict(self, texts: "Texts") -> dict:
        reduced = self.effective_exempt_pct != self.exempt_pct
        key = "calendar.profit_period_reduced" if reduced else "calendar.profit_period"
        return {
            "period": self.index,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "months": round(self.months, 2),
            "exempt_pct": self.exempt_pct,
            "effective_exempt_pct": self.effective_exempt_pct,
            "text": texts.render(key, {"start": self.start, "end": self.end, "exempt_pct": self.exempt_pct,
                                       "effective_pct": self.effective_exempt_pct}),
        }


@dataclass(frozen=True)
class LocalTaxYear:
    year: int
    exempt_pct_of_automatic_share: float  # of the half exempt by law
    exempt_pct_of_base: float  # of the whole base, without a local deliberation

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "exempt_pct_of_automatic_share": self.exempt_pct_of_automatic_share,
            "exempt_pct_of_base": self.exempt_pct_of_base,
        }


@dataclass
class Calendar:
    creation_date: dt.date
    planned: bool
    profit: list[ProfitPeriod]
    cfe: list[LocalTaxYear]
    tfpb: list[LocalTaxYear]
    sources: list[str]

    def as_dict(self, texts: "Texts") -> dict:
        full = [y.year for y in self.cfe if y.exempt_pct_of_automatic_share == 100]
        decreasing = [y.year for y in self.cfe if y.exempt_pct_of_automatic_share < 100]
        local = texts.render("calendar.local_taxes", {
            "first_year": self.cfe[0].year,
            "full_last_year": full[-1] if full else self.cfe[0].year,
            "decreasing_first_year": decreasing[0] if decreasing else self.cfe[-1].year,
            "last_year": self.cfe[-1].year,
        })
        return {
            "creation_date": self.creation_date.isoformat(),
            "planned": self.planned,
            "planned_text": texts.render("calendar.planned", {"date": self.creation_date}) if self.planned else None,
            "profit": [p.as_dict(texts) for p in self.profit],
            "cfe": [y.as_dict() for y in self.cfe],
            "tfpb": [y.as_dict() for y in self.tfpb],
            "local_taxes_text": local,
            "other_half_by_local_deliberation": True,
            "cvae_text": texts.render("calendar.cvae", {}),
            "sources": self.sources,
        }


@dataclass(frozen=True)
class DeMinimis:
    ceiling_eur: int
    fiscal_years: int
    certainty: str
    previous_ceiling_eur: Optional[int]
    sources: list[str]

    def as_dict(self, texts: "Texts") -> dict:
        key = "de_minimis.text_inference" if self.certainty == "inference" else "de_minimis.text"
        return {
            "ceiling_eur": self.ceiling_eur,
            "fiscal_years": self.fiscal_years,
            "certainty": self.certainty,
            "previous_ceiling_eur": self.previous_ceiling_eur,
            "text": texts.render(key, {"ceiling": self.ceiling_eur, "fiscal_years": self.fiscal_years,
                                       "previous": self.previous_ceiling_eur}),
            "sources": self.sources,
        }


@dataclass(frozen=True)
class EstimatePeriod:
    index: int
    start: dt.date
    end: dt.date
    effective_exempt_pct: float
    tax_without_exemption_eur: Optional[int]
    tax_saved_eur: Optional[int]

    def as_dict(self) -> dict:
        return {
            "period": self.index,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "effective_exempt_pct": self.effective_exempt_pct,
            "tax_without_exemption_eur": self.tax_without_exemption_eur,
            "tax_saved_eur": self.tax_saved_eur,
        }


@dataclass
class Estimate:
    """An estimate of the corporate tax (IS) saved, never a computation of the user's tax."""

    status: str  # computed | needs_profit | income_tax | tax_regime_unknown
    expected_profit_eur: Optional[float] = None
    reduced_rate_applied: Optional[bool] = None
    periods: list[EstimatePeriod] = field(default_factory=list)
    total_tax_saved_eur: Optional[int] = None
    assumptions: list[tuple[str, dict]] = field(default_factory=list)  # (template key, args)
    sources: list[str] = field(default_factory=list)

    @property
    def depends_on_household_tax(self) -> bool:
        return self.status in ("income_tax", "tax_regime_unknown")

    def as_dict(self, texts: "Texts") -> dict:
        return {
            "is_estimate": True,
            "status": self.status,
            "depends_on_household_tax": self.depends_on_household_tax,
            "expected_profit_eur": self.expected_profit_eur,
            "reduced_rate_applied": self.reduced_rate_applied,
            "periods": [p.as_dict() for p in self.periods],
            "total_tax_saved_eur": self.total_tax_saved_eur,
            "text": texts.render(f"estimate.{self.status}",
                                 {"profit": self.expected_profit_eur, "total": self.total_tax_saved_eur}),
            "assumptions": [texts.render(f"estimate.assumptions.{key}", args) for key, args in self.assumptions],
            "sources": self.sources,
        }


@dataclass
class Verdict:
    verdict: str  # one of VERDICTS
    today: dt.date
    criteria: list[Criterion]
    missing: list[str]  # facts still needed, in the order to ask them
    planned_creation: bool
    commune: Optional[CommuneBud]
    window_end: dt.date
    calendar: Optional[Calendar] = None
    de_minimis: Optional[DeMinimis] = None
    estimate: Optional[Estimate] = None
    disclaimer: str = DISCLAIMER

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)

    def as_dict(self, texts: "Texts") -> dict:
        return {
            "verdict": self.verdict,
            "summary": self._summary(texts),
            "today": self.today.isoformat(),
            "planned_creation": self.planned_creation,
            "commune": self.commune.as_dict() if self.commune else None,
            "criteria": [c.as_dict(texts) for c in self.criteria],
            "missing": self.missing,
            "calendar": self.calendar.as_dict(texts) if self.calendar else None,
            "de_minimis": self.de_minimis.as_dict(texts) if self.de_minimis else None,
            "estimate": self.estimate.as_dict(texts) if self.estimate else None,
            "disclaimer": {"code": self.disclaimer, "text": texts.render(f"disclaimer.{self.disclaimer}", {})},
        }

    def _summary(self, texts: "Texts") -> str:
        if self.verdict == "eligible":
            key = "verdict.eligible_planned" if self.planned_creation else "verdict.eligible"
            return texts.render(key, {"end": self.window_end})
        if self.verdict == "not_eligible":
            failed = [texts.get(f"criteria.{c.id}.title") for c in self.criteria if c.status == "not_met"]
            return texts.render("verdict.not_eligible", {"failed": failed})
        if self.missing:
            return texts.render("verdict.unknown_missing", {"missing": [texts.label("fact", f) for f in self.missing]})
        uncertain = [texts.get(f"criteria.{c.id}.title") for c in self.criteria if c.status == "unknown"]
        return texts.render("verdict.unknown_to_confirm", {"uncertain": uncertain})


# --------------------------------------------------------------------------------------------------------------
# Evaluation


class _Reader:
    """Reads parameters as of a date for one criterion, remembering the values used, their sources, certainty."""

    def __init__(self, parameters: Parameters, when: dt.date):
        self.parameters = parameters
        self.when = when
        self.used: dict[str, Any] = {}
        self.sources: list[str] = []
        self.certainty = "confirmed"

    def __call__(self, path: str) -> Any:
        parameter = self.parameters[path]
        self.used[path] = parameter.at(self.when).value
        self.sources = _unique([*self.sources, *parameter.sources_at(self.when)])
        self.certainty = _weakest(self.certainty, parameter.certainty_at(self.when))
        return self.used[path]

    def result(self, criterion_id: str, status: str, reason: str, *, needs: Sequence[str] = (),
               details: Optional[dict] = None, **args: Any) -> Criterion:
        return Criterion(
            id=criterion_id,
            status=status,
            reason=reason,
            args=args,
            parameters=dict(self.used),
            sources=list(self.sources),
            certainty=self.certainty,
            needs=list(needs),
            details=details or {},
        )


def evaluate(facts: Facts, parameters: Parameters, today: dt.date) -> Verdict:
    """The eligibility of a company to the BUD exemptions, under the law in force on `today`. Pure: no I/O."""
    rules: list[Callable[[Facts, _Reader], Criterion]] = [
        _location, _creation_window, _activity, _real_creation, _legal_form, _sme_size, _capital, _hiring_clause,
        _non_sedentary,
    ]
    criteria = [rule(facts, _Reader(parameters, today)) for rule in rules]
    failed = any(c.status == "not_met" for c in criteria)
    unknown = any(c.status == "unknown" for c in criteria)
    verdict = "not_eligible" if failed else "unknown" if unknown else "eligible"
    needed = {fact for c in criteria if c.status == "unknown" for fact in c.needs}
    missing = [fact for fact in FACT_ORDER if fact in needed] if verdict == "unknown" else []
    planned = facts.creation_date is not None and facts.creation_date > today
    result = Verdict(
        verdict=verdict,
        today=today,
        criteria=criteria,
        missing=missing,
        planned_creation=planned,
        commune=facts.commune,
        window_end=parameters.value("creation_window.end", today),
    )
    if verdict == "not_eligible":
        return result
    result.de_minimis = _de_minimis(parameters, today)
    if facts.creation_date is not None:
        non_sedentary = result.criterion("non_sedentary")
        exempt_share = non_sedentary.details.get("exempt_share_pct", 100.0)
        result.calendar = _calendar(facts.creation_date, planned, parameters, today, exempt_share)
        result.estimate = _estimate(facts, parameters, result.calendar, exempt_share)
    return result


def _location(facts: Facts, read: _Reader) -> Criterion:
    count = read("zone.communes_count")
    read("zone.head_office_and_activity_in_zone")
    commune = facts.commune
    if commune is None:
        return read.result("location", "unknown", "missing", needs=["commune"])
    if commune.a_verifier:
        return read.result("location", "unknown", "to_verify", commune=commune.nom)
    if commune.classee:
        return read.result("location", "met", "in_zone", commune=commune.nom)
    return read.result("location", "not_met", "out_of_zone", commune=commune.nom, communes_count=count)


def _creation_window(facts: Facts, read: _Reader) -> Criterion:
    start: dt.date = read("creation_window.start")
    end: dt.date = read("creation_window.end")
    created = facts.creation_date
    if created is None:
        return read.result("creation_window", "unknown", "missing", needs=["creation_date"])
    args = {"date": created, "start": start, "end": end}
    if created < start:
        return read.result("creation_window", "not_met", "before_window", **args)
    if created > end:
        return read.result("creation_window", "not_met", "after_window", **args)
    # The first creation date covered in this commune: the window start, or 1 Jan 2019 for the 2019 additions.
    # `earliest` is the best case and `latest` the worst case when the data are not sure which list it is on.
    commune = facts.commune
    if commune is not None and not commune.classee and not commune.a_verifier:
        earliest = latest = start  # outside the zone: the location criterion decides
    elif commune is not None and commune.depuis_certitude == "confirmed" and commune.depuis is not None:
        earliest = latest = max(start, commune.depuis)
        if commune.depuis > start:
            read("additions_2019.creation_start")
    else:
        added_2019: dt.date = read("additions_2019.creation_start")
        earliest = start
        latest = max(added_2019, commune.depuis) if commune is not None and commune.depuis else added_2019
    name = commune.nom if commune is not None else None
    if created < earliest:
        return read.result("creation_window", "not_met", "before_commune_start", commune=name,
                           commune_start=earliest, **args)
    if created < latest:
        if commune is None:
            return read.result("creation_window", "unknown", "commune_start_needs_commune", needs=["commune"],
                               commune_start=latest, **args)
        return read.result("creation_window", "unknown", "commune_start_uncertain", commune=name,
                           commune_start=latest, **args)
    planned = created > read.when
    return read.result("creation_window", "met", "planned_in_window" if planned else "in_window",
                       details={"planned": planned}, **args)


def _activity(facts: Facts, read: _Reader) -> Criterion:
    covered = read("activity.covered")
    if facts.activity is None:
        return read.result("activity", "unknown", "missing", needs=["activity"])
    if facts.activity in covered:
        return read.result("activity", "met", "covered", activity=facts.activity)
    if facts.activity in read("activity.not_covered"):
        return read.result("activity", "not_met", facts.activity, activity=facts.activity)
    raise ParameterError(f"activity {facts.activity!r} is neither covered nor excluded by the parameters")


def _real_creation(facts: Facts, read: _Reader) -> Criterion:
    excluded = read("real_creation.excluded_origins")
    if facts.origin is None:
        return read.result("real_creation", "unknown", "missing", needs=["origin"])
    if facts.origin in excluded:
        return read.result("real_creation", "not_met", "excluded", origin=facts.origin)
    return read.result("real_creation", "met", "new", origin=facts.origin)


def _legal_form(facts: Facts, read: _Reader) -> Criterion:
    read("legal_form.all_forms_and_regimes")
    return read.result("legal_form", "met", "micro" if facts.micro_entreprise else "any")


def _sme_size(facts: Facts, read: _Reader) -> Criterion:
    args = {
        "employees": facts.employees,
        "employees_below": read("sme.employees_below"),
        "turnover_below": read("sme.turnover_below_eur"),
        "balance_sheet_below": read("sme.balance_sheet_below_eur"),
    }
    if facts.employees is not None and facts.employees >= args["employees_below"]:
        return read.result("sme_size", "not_met", "too_many_employees", **args)
    # Financial test: turnover OR balance-sheet total under its threshold.
    turnover, balance = facts.turnover_eur, facts.balance_sheet_eur
    financial_needs: list[str] = []
    if facts.micro_entreprise:
        small: Optional[bool] = True  # the micro-entreprise regime is for small turnovers only
    elif turnover is not None and turnover < args["turnover_below"]:
        small = True
    elif balance is not None and balance < args["balance_sheet_below"]:
        small = True
    elif turnover is not None and balance is not None:
        small = False
    else:
        small = None
        financial_needs = ["turnover_eur"] if turnover is None else ["balance_sheet_eur"]
    if small is False:
        return read.result("sme_size", "not_met", "too_big", **args)
    if facts.employees is None:
        return read.result("sme_size", "unknown", "missing_employees", needs=["employees", *financial_needs], **args)
    if small is None:
        reason = "missing_turnover" if financial_needs == ["turnover_eur"] else "missing_balance_sheet"
        return read.result("sme_size", "unknown", reason, needs=financial_needs, **args)
    return read.result("sme_size", "met", "met_micro" if facts.micro_entreprise else "met", **args)


def _capital(facts: Facts, read: _Reader) -> Criterion:
    max_pct = read("capital.max_held_by_companies_pct")
    if facts.micro_entreprise:
        return read.result("capital", "not_applicable", "sole_trader", max_pct=max_pct)
    pct = facts.capital_held_by_companies_pct
    if pct is None:
        return read.result("capital", "unknown", "missing", needs=["capital_held_by_companies_pct"], max_pct=max_pct)
    status = "met" if pct <= max_pct else "not_met"
    return read.result("capital", status, status, pct=pct, max_pct=max_pct)


def _hiring_clause(facts: Facts, read: _Reader) -> Criterion:
    min_share = read("hiring.min_resident_share_pct")
    min_months = read("hiring.min_fixed_term_months")
    employees, eligible, resident = facts.employees, facts.eligible_employees, facts.resident_employees
    args = {"min_months": min_months, "min_share_pct": min_share, "eligible": eligible, "resident": resident}
    if employees == 0 or eligible == 0:
        return read.result("hiring_clause", "not_applicable", "no_employees", **args)
    if eligible is None:
        if employees is None:
            return read.result("hiring_clause", "unknown", "missing_employees", needs=["employees"], **args)
        return read.result("hiring_clause", "unknown", "missing_eligible", needs=["eligible_employees"], **args)
    if resident is None:
        return read.result("hiring_clause", "unknown", "missing_resident", needs=["resident_employees"], **args)
    # At least half: exactly half is enough. Integers, so compare without division.
    status = "met" if resident * 100 >= min_share * eligible else "not_met"
    return read.result("hiring_clause", status, status, **args)


def _non_sedentary(facts: Facts, read: _Reader) -> Criterion:
    max_pct = read("non_sedentary.max_outside_turnover_pct")
    pct = facts.turnover_outside_pct
    if pct is None:
        return read.result("non_sedentary", "unknown", "missing", needs=["turnover_outside_pct"], max_pct=max_pct)
    if pct <= max_pct:
        return read.result("non_sedentary", "met", "met", pct=pct, max_pct=max_pct,
                           details={"reduced": False, "exempt_share_pct": 100.0})
    # Above the threshold the profit is taxed in proportion to the turnover made outside the zone.
    share = float(Decimal(100) - Decimal(str(pct)))
    return read.result("non_sedentary", "met", "reduced", pct=pct, max_pct=max_pct, exempt_share_pct=share,
                       details={"reduced": True, "exempt_share_pct": share})


# --------------------------------------------------------------------------------------------------------------
# Calendar, de minimis, estimate


def _calendar(created: dt.date, planned: bool, parameters: Parameters, today: dt.date,
              exempt_share_pct: float) -> Calendar:
    read = _Reader(parameters, today)
    full_months: int = read("profit_exemption.full_months_after_creation_month")
    rates: list[float] = read("profit_exemption.decreasing_rates_pct")
    period_months: int = read("profit_exemption.decreasing_period_months")
    end = end_of_month_after(created, full_months)
    schedule = [(created, end, 100)]
    for rate in rates:
        start = end + dt.timedelta(days=1)
        end = end_of_month_after(start, period_months - 1)
        schedule.append((start, end, rate))
    profit = [
        ProfitPeriod(
            index=i,
            start=start,
            end=end,
            months=months_covered(start, end),
            exempt_pct=rate,
            effective_exempt_pct=_percent_of(rate, exempt_share_pct),
        )
        for i, (start, end, rate) in enumerate(schedule, start=1)
    ]
    cfe = _local_tax_years(created, read, "cfe")
    tfpb = _local_tax_years(created, read, "tfpb")
    read("cvae.follows_cfe")
    return Calendar(created, planned, profit, cfe, tfpb, read.sources)


def _local_tax_years(created: dt.date, read: _Reader, tax: str) -> list[LocalTaxYear]:
    share: float = read(f"{tax}.automatic_base_share_pct")
    full_years: int = read(f"{tax}.full_years")
    rates: list[float] = read(f"{tax}.decreasing_rates_pct")
    first = created.year + 1  # from the year after the creation
    plan = [100] * full_years + list(rates)
    return [LocalTaxYear(first + i, rate, _percent_of(rate, share)) for i, rate in enumerate(plan)]


def _de_minimis(parameters: Parameters, today: dt.date) -> DeMinimis:
    ceiling = parameters["de_minimis.ceiling_eur"]
    current = ceiling.at(today)
    earlier = [v for v in ceiling.values if v.start < current.start]
    return DeMinimis(
        ceiling_eur=current.value,
        fiscal_years=parameters.value("de_minimis.fiscal_years", today),
        certainty=ceiling.certainty_at(today),
        previous_ceiling_eur=earlier[-1].value if earlier else None,
        sources=_unique([*ceiling.sources_at(today), *parameters["de_minimis.fiscal_years"].sources_at(today)]),
    )


def _estimate(facts: Facts, parameters: Parameters, schedule: Calendar, exempt_share_pct: float) -> Estimate:
    if facts.micro_entreprise or facts.corporate_tax is False:
        return Estimate("income_tax")
    if facts.corporate_tax is None:
        return Estimate("tax_regime_unknown")
    if facts.expected_profit_eur is None:
        return Estimate("needs_profit")
    profit = facts.expected_profit_eur
    estimate = Estimate("computed", expected_profit_eur=profit)
    estimate.assumptions.append(("same_profit_each_year", {}))
    sources: list[str] = []
    unknown_rate_periods = False
    for period in schedule.profit:
        read = _Reader(parameters, period.start)
        try:
            annual_tax, reduced = _annual_corporate_tax(profit, facts, read)
        except ParameterNotFound:
            unknown_rate_periods = True
            estimate.periods.append(EstimatePeriod(period.index, period.start, period.end,
                                                   period.effective_exempt_pct, None, None))
            continue
        sources = _unique([*sources, *read.sources])
        if estimate.reduced_rate_applied is None:
            estimate.reduced_rate_applied = reduced
            if reduced:
                estimate.assumptions.append(("reduced_rate", {
                    "reduced_rate": read.used["corporate_tax.reduced_rate_pct"],
                    "reduced_limit": read.used["corporate_tax.reduced_rate_profit_limit_eur"],
                    "min_natural_pct": read.used["corporate_tax.reduced_rate_min_natural_persons_pct"],
                }))
            else:
                estimate.assumptions.append(("normal_rate_only",
                                             {"normal_rate": read.used["corporate_tax.normal_rate_pct"]}))
        tax = annual_tax * Decimal(str(period.months)) / 12
        estimate.periods.append(EstimatePeriod(
            period.index, period.start, period.end, period.effective_exempt_pct,
            tax_without_exemption_eur=_euros(tax),
            tax_saved_eur=_euros(tax * Decimal(str(period.effective_exempt_pct)) / 100),
        ))
    if unknown_rate_periods:
        first_known = parameters["corporate_tax.normal_rate_pct"].values[0].start
        estimate.assumptions.append(("rate_unknown_before", {"first_known": first_known}))
    if exempt_share_pct < 100:
        estimate.assumptions.append(("outside_share", {"exempt_share_pct": exempt_share_pct}))
    saved = [p.tax_saved_eur for p in estimate.periods if p.tax_saved_eur is not None]
    estimate.total_tax_saved_eur = sum(saved) if saved else None
    estimate.sources = sources
    return estimate


def _annual_corporate_tax(profit: float, facts: Facts, read: _Reader) -> tuple[Decimal, bool]:
    """Corporate tax on one year's profit, and whether the SME reduced rate was applied (art. 219 CGI)."""
    normal = Decimal(str(read("corporate_tax.normal_rate_pct")))
    reduced_rate = Decimal(str(read("corporate_tax.reduced_rate_pct")))
    limit = Decimal(str(read("corporate_tax.reduced_rate_profit_limit_eur")))
    turnover_below = read("corporate_tax.reduced_rate_turnover_below_eur")
    min_natural = read("corporate_tax.reduced_rate_min_natural_persons_pct")
    # Assumption stated to the user: capital not held by companies is held by natural persons.
    reduced = (
        facts.turnover_eur is not None and facts.turnover_eur < turnover_below
        and facts.capital_held_by_companies_pct is not None
        and 100 - facts.capital_held_by_companies_pct >= min_natural
    )
    amount = Decimal(str(profit))
    if reduced:
        tax = reduced_rate * min(amount, limit) / 100 + normal * max(amount - limit, Decimal(0)) / 100
    else:
        tax = normal * amount / 100
    return tax, reduced


# --------------------------------------------------------------------------------------------------------------
# Dates


def end_of_month_after(day: dt.date, months: int) -> dt.date:
    """The last day of the `months`-th month after the month of `day` (0: the month of `day` itself)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def months_covered(start: dt.date, end: dt.date) -> float:
    """Months from `start` to `end` (a month's last day), counting the first month in proportion of its days."""
    days_in_first = calendar.monthrange(start.year, start.month)[1]
    first = (days_in_first - start.day + 1) / days_in_first
    whole = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    return first + whole


# --------------------------------------------------------------------------------------------------------------
# French texts


class Texts:
    """The French templates of explanations.fr.yaml, and how values are written in them."""

    def __init__(self, data: dict):
        self.data = data
        self.months: list[str] = data["months"]
        self.first_of_month: str = data["first_of_month"]
        self.conjunction: str = data["and"]
        self.labels: dict[str, dict[str, str]] = data["labels"]

    def get(self, key: str) -> str:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no French text for {key}")
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(f"{key} is not a text")
        return node

    def label(self, table: str, code: str) -> str:
        return self.labels[table][code]

    def render(self, key: str, args: dict[str, Any]) -> str:
        template = self.get(key)
        return template.format(**{name: self.write(name, value) for name, value in args.items()})

    def write(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if name in self.labels and isinstance(value, str):
            return self.labels[name].get(value, value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int) and name.endswith("year"):
            return str(value)
        if isinstance(value, (int, float, Decimal)):
            return french_number(value)
        if isinstance(value, (list, tuple)):
            items = [self.write(name, v) for v in value]
            return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {self.conjunction} {items[-1]}"
        return str(value)

    def date(self, day: dt.date) -> str:
        number = self.first_of_month if day.day == 1 else str(day.day)
        return f"{number} {self.months[day.month - 1]} {day.year}"


def french_number(value: float | int | Decimal) -> str:
    """1234567.5 → « 1 234 567,5 » (non-breaking spaces), 15.0 → « 15 »."""
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    sign = "-" if number < 0 else ""
    whole, _, decimals = f"{abs(number):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = "\u00a0".join(groups)
    return f"{sign}{text},{decimals}" if decimals else f"{sign}{text}"


# --------------------------------------------------------------------------------------------------------------
# Loading (the only I/O of this module)

_cache: dict[Path, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def load_parameters(path: Optional[Path] = None) -> Parameters:
    """The parameters, re-read when the file changes (staff edit a date and a value, no restart)."""
    return _cached(path or BUD_DIR / PARAMETERS_FILE, parse_parameters)


def load_texts(path: Optional[Path] = None) -> Texts:
    return _cached(path or BUD_DIR / TEXTS_FILE, Texts)


def _cached(path: Path, build: Callable[[dict], Any]) -> Any:
    mtime = os.stat(path).st_mtime
    with _cache_lock:
        hit = _cache.get(path)
        if hit is not None and hit[0] == mtime:
            return hit[1]
    with path.open(encoding="utf-8") as f:
        built = build(yaml.safe_load(f))
    with _cache_lock:
        _cache[path] = (mtime, built)
    return built


# --------------------------------------------------------------------------------------------------------------
# Helpers


def _weakest(a: str, b: str) -> str:
    return a if CERTAINTIES.index(a) >= CERTAINTIES.index(b) else b


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _percent_of(pct: float, share_pct: float) -> float:
    """`pct` % of `share_pct` %, in %, to the hundredth: 75 % of 84.9 % → 63.68 %."""
    value = Decimal(str(pct)) * Decimal(str(share_pct)) / 100
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _euros(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
