"""When to expect an answer: the service's processing hours and French public holidays (Europe/Paris)."""
import datetime as dt

import pytest

from assistant.handoff import hours

PARIS = hours.PARIS
WEEKDAYS = "lun-ven 09:00-12:00,14:00-17:00"  # 6 open hours a day


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    "created,working_hours,expected",
    [
        # Friday evening: nothing before Monday 9:00; 12 open hours end on Tuesday at 17:00.
        (paris(2026, 12, 4, 19, 30), 12, paris(2026, 12, 8, 17, 0)),
        (paris(2026, 12, 4, 19, 30), 1, paris(2026, 12, 7, 10, 0)),
        # 14 July (a Tuesday in 2026) is a public holiday: the count starts on the 15th.
        (paris(2026, 7, 14, 10, 0), 12, paris(2026, 7, 16, 17, 0)),
        (paris(2026, 7, 13, 16, 0), 2, paris(2026, 7, 15, 10, 0)),
        # 24 December (a Thursday) is a working day, 25 December is not, then the weekend.
        (paris(2026, 12, 24, 15, 0), 12, paris(2026, 12, 29, 15, 0)),
        (paris(2026, 12, 24, 15, 0), 2, paris(2026, 12, 24, 17, 0)),
        # During office hours, the clock runs at once; the lunch break does not count.
        (paris(2026, 12, 2, 11, 0), 2, paris(2026, 12, 2, 15, 0)),
        # Easter Monday 2027 (29 March) and 1 May 2027 (a Saturday anyway).
        (paris(2027, 3, 26, 17, 0), 6, paris(2027, 3, 30, 17, 0)),
    ],
)
def test_expected_answer(created, working_hours, expected):
    assert hours.expected_answer(created, WEEKDAYS, working_hours) == expected


def test_a_utc_time_is_read_in_paris_time():
    # 2026-12-04 18:30 UTC is 19:30 in Paris, a Friday evening.
    created = dt.datetime(2026, 12, 4, 18, 30, tzinfo=dt.timezone.utc)
    assert hours.expected_answer(created, WEEKDAYS, 1) == paris(2026, 12, 7, 10, 0)


def test_summer_time():
    # 2026-07-15 07:30 UTC is 9:30 in Paris (UTC+2).
    created = dt.datetime(2026, 7, 15, 7, 30, tzinfo=dt.timezone.utc)
    assert hours.expected_answer(created, WEEKDAYS, 2) == paris(2026, 7, 15, 11, 30)


def test_holidays_come_from_the_library():
    assert hours.is_holiday(dt.date(2026, 7, 14))
    assert hours.is_holiday(dt.date(2026, 12, 25))
    assert not hours.is_holiday(dt.date(2026, 12, 24))
    assert hours.is_holiday(dt.date(2027, 5, 6))  # Ascension 2027


@pytest.mark.parametrize(
    "spec,problem",
    [("", "aucun horaire"), ("lundi 9-12", "illisible"), ("lun-ven 12:00-09:00", "finit avant"),
     ("ven-lun 09:00-12:00", "désordre"), ("lun 25:00-26:00", "impossible")],
)
def test_bad_schedules_are_refused_in_french(spec, problem):
    with pytest.raises(hours.HoursError, match=problem):
        hours.parse(spec)


def test_several_groups():
    schedule = hours.parse("lun-jeu 09:00-17:00; ven 09:00-12:00")
    assert schedule[4] == [(dt.time(9), dt.time(12))] and 5 not in schedule
