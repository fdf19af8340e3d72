"""The BUD criteria (article 44 sexdecies of the CGI) as short pure functions of the facts and the dated parameters,
and `evaluate(facts, parameters, today) -> Verdict`, which runs them all. No I/O, no French."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Optional, Sequence

from assistant.bud.calendar import de_minimis, exemption_calendar
from assistant.bud.estimate import estimate_tax_saved
from assistant.bud.facts import FACT_ORDER, Facts, as_given
from assistant.bud.verdict import Criterion, Verdict
from assistant.parameters import ParameterError, Parameters, Reader


class _Reader(Reader):
    """Reads parameters as of a date for one criterion, and makes the criterion with what it used."""

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
    planned = may_be_ahead(facts, today)
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
    result.de_minimis = de_minimis(parameters, today)
    if facts.creation_date is not None and facts.creation_precision != "year":  # a year alone sets no calendar
        non_sedentary = result.criterion("non_sedentary")
        exempt_share = non_sedentary.details.get("exempt_share_pct", 100.0)
        result.calendar = exemption_calendar(facts.creation_date, planned, parameters, today, exempt_share,
                                             facts.creation_precision)
        result.estimate = estimate_tax_saved(facts, parameters, result.calendar, exempt_share)
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
    args = {"when": as_given(created, facts.creation_precision), "start": start, "end": end}
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
    planned = may_be_ahead(facts, read.when)
    return read.result("creation_window", "met", "planned_in_window" if planned else "in_window",
                       details={"planned": planned}, **args)


def may_be_ahead(facts: Facts, today: dt.date) -> bool:
    """Whether the creation may still be to come: after today, or « en décembre 2026 » said in December 2026 (begun
    or about to: « je vais ouvrir fin décembre »), for which the deadline is worth saying."""
    created = facts.creation_date
    if created is None:
        return False
    return created > today or (facts.creation_precision == "month"
                               and (created.year, created.month) == (today.year, today.month))


def month_needed(year: int, parameters: Parameters, today: dt.date) -> bool:
    """Whether a company created in `year` must still say the month: inside the years of the creation window the
    month can decide the window and sets the calendar; outside them the year alone decides."""
    read = Reader(parameters, today)
    return read("creation_window.start").year <= year <= read("creation_window.end").year


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
    if facts.origin in read("real_creation.unsettled_origins"):
        return read.result("real_creation", "unknown", facts.origin)  # our sources do not settle it: no fact will
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

