"""The French texts of the BUD check (data/programme/bud/explanations.fr.yaml), how values are written in them
(dates, numbers and lists through assistant/french.py), and the verdict worded with them (`render_verdict`: the
answer of POST /bud/eligibility). The rules and the verdict never hold a French sentence; the texts never hold a
rule."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from assistant import french
from assistant.bud.facts import as_given
from assistant.bud.verdict import Calendar, Criterion, DeMinimis, Estimate, ProfitPeriod, Verdict
from assistant.parameters import jsonable

french_number = french.number


class Texts:
    """The French templates of explanations.fr.yaml, and how values are written in them."""

    def __init__(self, data: dict):
        self.data = data
        self.labels: dict[str, dict[str, str]] = data.get("labels") or {}

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
        if name == "when":  # a date as precise as it was given, with its preposition: « le 15 mars », « en mars 2023 »
            return french.when(value)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int) and name.endswith("year"):
            return str(value)
        if isinstance(value, (int, float, Decimal)):
            return french_number(value)
        if isinstance(value, (list, tuple)):
            return french.join(self.write(name, v) for v in value)
        return str(value)

    def date(self, day: dt.date) -> str:
        return french.date(day)


# --- The verdict in words -----------------------------------------------------------------------------------------


def render_verdict(verdict: Verdict, texts: Texts) -> dict:
    """The verdict with every criterion, the calendar, the de minimis ceiling and the estimate, worded in French."""
    return {
        "verdict": verdict.verdict,
        "summary": _summary(verdict, texts),
        "today": verdict.today.isoformat(),
        "planned_creation": verdict.planned_creation,
        "commune": verdict.commune.as_dict() if verdict.commune else None,
        "criteria": [_criterion(c, texts) for c in verdict.criteria],
        "missing": verdict.missing,
        "calendar": _calendar(verdict.calendar, texts, verdict.today) if verdict.calendar else None,
        "de_minimis": _de_minimis(verdict.de_minimis, texts) if verdict.de_minimis else None,
        "estimate": _estimate(verdict.estimate, texts) if verdict.estimate else None,
        "disclaimer": {"code": verdict.disclaimer, "text": texts.render(f"disclaimer.{verdict.disclaimer}", {})},
    }


def _summary(verdict: Verdict, texts: Texts) -> str:
    if verdict.verdict == "eligible":
        key = "verdict.eligible_planned" if verdict.planned_creation else "verdict.eligible"
        return texts.render(key, {"end": verdict.window_end})
    if verdict.verdict == "not_eligible":
        not_met = [c for c in verdict.criteria if c.status == "not_met"]
        failed = [texts.get(f"criteria.{c.id}.title") for c in not_met]
        if all(c.certainty == "inference" for c in not_met):  # « les professions libérales n'y sont pas citées »
            return texts.render("verdict.not_eligible_inference", {"failed": failed})
        return texts.render("verdict.not_eligible_several" if len(failed) > 1 else "verdict.not_eligible", {"failed": failed})
    if verdict.missing:
        return texts.render("verdict.unknown_missing", {"missing": [texts.label("fact", f) for f in verdict.missing]})
    uncertain = [texts.get(f"criteria.{c.id}.title") for c in verdict.criteria if c.status == "unknown"]
    return texts.render("verdict.unknown_to_confirm", {"uncertain": uncertain})


def _criterion(criterion: Criterion, texts: Texts) -> dict:
    return {
        "id": criterion.id,
        "title": texts.get(f"criteria.{criterion.id}.title"),
        "status": criterion.status,
        "reason": criterion.reason,
        "explanation": texts.render(f"criteria.{criterion.id}.{criterion.reason}", criterion.args),
        "parameters": jsonable(criterion.parameters),
        "sources": criterion.sources,
        "certainty": criterion.certainty,
        "details": jsonable(criterion.details),
    }


def _profit_period(period: ProfitPeriod, calendar: Calendar, texts: Texts) -> dict:
    reduced = period.effective_exempt_pct != period.exempt_pct
    key = "calendar.profit_period_reduced" if reduced else "calendar.profit_period"
    by_month = period.index == 1 and calendar.precision == "month"  # the day of creation is not known
    if by_month:
        key = key.replace("profit_period", "profit_period_from_month")
    return {
        "period": period.index,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "months": round(period.months, 2),
        "exempt_pct": period.exempt_pct,
        "effective_exempt_pct": period.effective_exempt_pct,
        "text": texts.render(key, {"start": period.start, "when": as_given(period.start, "month") if by_month else None,
                                   "end": period.end, "exempt_pct": period.exempt_pct,
                                   "effective_pct": period.effective_exempt_pct}),
    }


def _profit_now(calendar: Calendar, texts: Texts, today: dt.date) -> str | None:
    """Where the profit exemption stands today: in which period, or over (« remplit les conditions » for a company
    created in 2021 said nothing of its exemption having ended in 2025)."""
    if calendar.planned or not calendar.profit or today < calendar.profit[0].start:
        return None
    last = calendar.profit[-1]
    if today > last.end:
        return texts.render("calendar.profit_over", {"after": last.end + dt.timedelta(days=1)})
    now = next(p for p in calendar.profit if p.start <= today <= p.end)
    key = "calendar.profit_now_reduced" if now.effective_exempt_pct != now.exempt_pct else "calendar.profit_now"
    return texts.render(key, {"today": today, "exempt_pct": now.exempt_pct, "effective_pct": now.effective_exempt_pct,
                              "end": now.end})


def _calendar(calendar: Calendar, texts: Texts, today: dt.date) -> dict:
    full = [y.year for y in calendar.cfe if y.exempt_pct_of_automatic_share == 100]
    decreasing = [y.year for y in calendar.cfe if y.exempt_pct_of_automatic_share < 100]
    local = texts.render("calendar.local_taxes", {
        "first_year": calendar.cfe[0].year,
        "full_last_year": full[-1] if full else calendar.cfe[0].year,
        "decreasing_first_year": decreasing[0] if decreasing else calendar.cfe[-1].year,
        "last_year": calendar.cfe[-1].year,
    })
    return {
        "creation_date": as_given(calendar.creation_date, calendar.precision),
        "planned": calendar.planned,
        "planned_text": texts.render("calendar.planned", {"when": as_given(calendar.creation_date, calendar.precision)})
        if calendar.planned else None,
        "profit": [_profit_period(p, calendar, texts) for p in calendar.profit],
        "profit_now_text": _profit_now(calendar, texts, today),
        "profit_over": not calendar.planned and bool(calendar.profit) and today > calendar.profit[-1].end,
        "cfe": [y.as_dict() for y in calendar.cfe],
        "tfpb": [y.as_dict() for y in calendar.tfpb],
        "local_taxes_text": local,
        "other_half_by_local_deliberation": True,
        "cvae_text": texts.render("calendar.cvae", {}),
        "sources": calendar.sources,
    }


def _de_minimis(ceiling: DeMinimis, texts: Texts) -> dict:
    key = "de_minimis.text_inference" if ceiling.certainty == "inference" else "de_minimis.text"
    return {
        "ceiling_eur": ceiling.ceiling_eur,
        "fiscal_years": ceiling.fiscal_years,
        "certainty": ceiling.certainty,
        "previous_ceiling_eur": ceiling.previous_ceiling_eur,
        "text": texts.render(key, {"ceiling": ceiling.ceiling_eur, "fiscal_years": ceiling.fiscal_years,
                                   "previous": ceiling.previous_ceiling_eur}),
        "sources": ceiling.sources,
    }


def _headline(estimate: Estimate) -> str:
    """`computed_partial` when some periods have no estimate (rates not known before 2022): no « en tout »."""
    partial = estimate.status == "computed" and any(p.tax_saved_eur is None for p in estimate.periods)
    return "computed_partial" if partial else estimate.status


def _estimate(estimate: Estimate, texts: Texts) -> dict:
    return {
        "is_estimate": True,
        "status": estimate.status,
        "depends_on_household_tax": estimate.depends_on_household_tax,
        "expected_profit_eur": estimate.expected_profit_eur,
        "reduced_rate_applied": estimate.reduced_rate_applied,
        "periods": [p.as_dict() for p in estimate.periods],
        "total_tax_saved_eur": estimate.total_tax_saved_eur,
        "text": texts.render(f"estimate.{_headline(estimate)}", {
            "profit": estimate.expected_profit_eur, "total": estimate.total_tax_saved_eur,
            **dict(estimate.assumptions).get("rate_unknown_before", {})}),
        "assumptions": [texts.render(f"estimate.assumptions.{key}", args) for key, args in estimate.assumptions],
        "sources": estimate.sources,
    }
