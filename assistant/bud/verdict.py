"""The verdict of the BUD check, as data: each criterion met / not met / unknown / not applicable with its reason
code and its sources, the exemption calendar, the de minimis ceiling and the estimate. It holds no French:
assistant/bud/texts.py words it (`render_verdict`) from the templates of explanations.fr.yaml."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

from assistant.bud.facts import CommuneBud

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


@dataclass(frozen=True)
class ProfitPeriod:
    index: int
    start: dt.date
    end: dt.date
    months: float
    exempt_pct: float  # share of the profit exempt under the schedule
    effective_exempt_pct: float  # after the reduction for turnover made outside the zone


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
    precision: str = "day"  # of the creation date: « day » or « month »


@dataclass(frozen=True)
class DeMinimis:
    ceiling_eur: int
    fiscal_years: int
    certainty: str
    previous_ceiling_eur: Optional[int]
    sources: list[str]


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
