"""The verdict of the BUD check: each criterion met / not met / unknown / not applicable with its reason and its
sources, the exemption calendar, the de minimis ceiling and the estimate. `as_dict(texts)` words them in French
from the templates of explanations.fr.yaml (assistant/bud/texts.py); the verdict itself holds no French."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from assistant.bud.facts import CommuneBud
from assistant.parameters import jsonable

if TYPE_CHECKING:
    from assistant.bud.texts import Texts

STATUSES = ("met", "not_met", "unknown", "not_applicable")
VERDICTS = ("eligible", "not_eligible", "unknown")
DISCLAIMER = "information_not_tax_decision"


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
            "parameters": jsonable(self.parameters),
            "sources": self.sources,
            "certainty": self.certainty,
            "details": jsonable(self.details),
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
