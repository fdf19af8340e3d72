"""When a service will answer: its processing hours (« lun-ven 09:00-12:00,14:00-17:00 ») and French public
holidays (the `holidays` library), in the Europe/Paris time zone.

`expected_answer(created, hours, working_hours)` walks forward from the moment a request is made and counts only
time inside the service's hours on days that are not public holidays.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
MAX_DAYS_AHEAD = 400  # a schedule with no open time at all is refused before this matters

Interval = Tuple[dt.time, dt.time]
Schedule = Dict[int, List[Interval]]

_GROUP = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<times>.+)$")
_TIMES = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """A schedule that cannot be read; the message is French."""


def parse(spec: str) -> Schedule:
    """« lun-ven 09:00-12:00,14:00-17:00; sam 09:00-12:00 » → {weekday: [(start, end), …]}."""
    schedule: Schedule = {}
    for group in (g.strip().lower() for g in spec.split(";")):
        if not group:
            continue
        match = _GROUP.match(group)
        if not match:
            raise HoursError(f"horaires illisibles : {group!r} (exemple : « lun-ven 09:00-12:00,14:00-17:00 »)")
        days = match["days"].split("-")
        if any(d not in DAYS for d in days):
            raise HoursError(f"jour inconnu dans {group!r} : jours possibles {', '.join(DAYS)}")
        first, last = DAYS.index(days[0]), DAYS.index(days[-1])
        if last < first:
            raise HoursError(f"jours dans le désordre : {group!r}")
        intervals = []
        for piece in match["times"].split(","):
            times = _TIMES.match(piece.strip())
            if not times:
                raise HoursError(f"plage horaire illisible : {piece.strip()!r} (exemple : 09:00-12:00)")
            h1, m1, h2, m2 = (int(x) for x in times.groups())
            try:
                start, end = dt.time(h1, m1), dt.time(h2, m2)
            except ValueError:
                raise HoursError(f"heure impossible : {piece.strip()!r}") from None
            if end <= start:
                raise HoursError(f"la plage {piece.strip()!r} finit avant de commencer")
            intervals.append((start, end))
        for day in range(first, last + 1):
            schedule.setdefault(day, []).extend(intervals)
    if not schedule:
        raise HoursError("aucun horaire : indiquez au moins une plage, par exemple « lun-ven 09:00-17:00 »")
    for day in schedule:
        schedule[day].sort()
    return schedule


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.France(years=year)


def is_holiday(day: dt.date) -> bool:
    return day in _holidays(day.year)


def expected_answer(created: dt.datetime, spec: str, working_hours: float) -> dt.datetime:
    """The moment (Europe/Paris) by which `working_hours` of the service's open time have passed since `created`
    (an aware datetime; a naive one is taken as UTC)."""
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.timezone.utc)
    schedule = parse(spec)
    remaining = dt.timedelta(hours=working_hours)
    now = created.astimezone(PARIS)
    day = now.date()
    for _ in range(MAX_DAYS_AHEAD):
        if not is_holiday(day):
            for start, end in schedule.get(day.weekday(), []):
                begin = dt.datetime.combine(day, start, PARIS)
                finish = dt.datetime.combine(day, end, PARIS)
                begin = max(begin, now)
                if finish <= begin:
                    continue
                if finish - begin >= remaining:
                    return begin + remaining
                remaining -= finish - begin
        day += dt.timedelta(days=1)
        now = dt.datetime.combine(day, dt.time(0), PARIS)
    raise HoursError("aucune plage horaire dans l'année qui vient")
