"""The exemption calendar of an eligible company (profit, CFE, TFPB), the de minimis ceiling and the date arithmetic
of the law (« until the end of the 23rd month after the month of creation »)."""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from assistant.bud.verdict import Calendar, DeMinimis, LocalTaxYear, ProfitPeriod
from assistant.parameters import Parameters, Reader, unique


def exemption_calendar(created: dt.date, planned: bool, parameters: Parameters, today: dt.date,
                       exempt_share_pct: float, precision: str = "day") -> Calendar:
    """The periods of the law from the creation: a creation known to the month (`precision`) starts on its first
    day, and the law counts in months, so every end date holds whatever the day."""
    read = Reader(parameters, today)
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
            effective_exempt_pct=percent_of(rate, exempt_share_pct),
        )
        for i, (start, end, rate) in enumerate(schedule, start=1)
    ]
    cfe = _local_tax_years(created, read, "cfe")
    tfpb = _local_tax_years(created, read, "tfpb")
    read("cvae.follows_cfe")
    return Calendar(created, planned, profit, cfe, tfpb, read.sources, precision)


def _local_tax_years(created: dt.date, read: Reader, tax: str) -> list[LocalTaxYear]:
    share: float = read(f"{tax}.automatic_base_share_pct")
    full_years: int = read(f"{tax}.full_years")
    rates: list[float] = read(f"{tax}.decreasing_rates_pct")
    first = created.year + 1  # from the year after the creation
    plan = [100] * full_years + list(rates)
    return [LocalTaxYear(first + i, rate, percent_of(rate, share)) for i, rate in enumerate(plan)]



def de_minimis(parameters: Parameters, today: dt.date) -> DeMinimis:
    ceiling = parameters["de_minimis.ceiling_eur"]
    current = ceiling.at(today)
    earlier = [v for v in ceiling.values if v.start < current.start]
    return DeMinimis(
        ceiling_eur=current.value,
        fiscal_years=parameters.value("de_minimis.fiscal_years", today),
        certainty=ceiling.certainty_at(today),
        previous_ceiling_eur=earlier[-1].value if earlier else None,
        sources=unique([*ceiling.sources_at(today), *parameters["de_minimis.fiscal_years"].sources_at(today)]),
    )


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


def percent_of(pct: float, share_pct: float) -> float:
    """`pct` % of `share_pct` %, in %, to the hundredth: 75 % of 84.9 % → 63.68 %."""
    value = Decimal(str(pct)) * Decimal(str(share_pct)) / 100
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
