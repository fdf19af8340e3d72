"""An estimate of the corporate tax (IS) saved over the exemption calendar — labelled an estimate, never the user's
tax (art. 219 CGI rates from the parameters; a sole trader's saving depends on the household's tax: said, not
computed)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from assistant.bud.facts import Facts
from assistant.bud.verdict import Calendar, Estimate, EstimatePeriod
from assistant.parameters import ParameterNotFound, Parameters, Reader, unique


def estimate_tax_saved(facts: Facts, parameters: Parameters, schedule: Calendar, exempt_share_pct: float) -> Estimate:
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
        read = Reader(parameters, period.start)
        try:
            annual_tax, reduced = _annual_corporate_tax(profit, facts, read)
        except ParameterNotFound:
            unknown_rate_periods = True
            estimate.periods.append(EstimatePeriod(period.index, period.start, period.end,
                                                   period.effective_exempt_pct, None, None))
            continue
        sources = unique([*sources, *read.sources])
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


def _annual_corporate_tax(profit: float, facts: Facts, read: Reader) -> tuple[Decimal, bool]:
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


def _euros(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
