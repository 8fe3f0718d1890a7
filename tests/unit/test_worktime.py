"""The working clock agrees with the calendar it was built from, and maps back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.core.calendar import build_calendar
from layan.core.worktime import WorkingClock
from tests.unit.test_calendar import CALENDARS, NATIONAL, STARTS

JAKARTA = ZoneInfo("Asia/Jakarta")
SPAN = (date(2023, 12, 1), date(2027, 6, 30))


def _clock(calendar, stops: bool = True) -> WorkingClock:  # type: ignore[no-untyped-def]
    return WorkingClock(calendar, *SPAN, collective_leave_stops_clock=stops)


def test_a_working_day_is_its_opening_hours() -> None:
    clock = _clock(NATIONAL)
    monday = datetime(2026, 6, 1, 7, 30, tzinfo=JAKARTA)  # Pancasila Day: a holiday
    tuesday = datetime(2026, 6, 2, 7, 30, tzinfo=JAKARTA)
    assert clock.between(monday, monday + timedelta(hours=10)) == 0
    assert clock.between(tuesday, tuesday + timedelta(hours=10)) == 8.5 * 3600
    assert clock.day_seconds == 8.5 * 3600


def test_the_weekend_and_the_night_add_no_working_time() -> None:
    clock = _clock(NATIONAL)
    friday_close = datetime(2026, 6, 5, 16, 0, tzinfo=JAKARTA)
    monday_open = datetime(2026, 6, 8, 7, 30, tzinfo=JAKARTA)
    assert clock.between(friday_close, monday_open) == 0
    assert clock.instant(clock.at(friday_close)) == friday_close


@given(calendar=CALENDARS, a=STARTS, b=STARTS, stops=st.booleans())
def test_the_clock_measures_what_the_calendar_measures(calendar, a, b, stops) -> None:  # type: ignore[no-untyped-def]
    clock = _clock(calendar, stops)
    expected = calendar.working_seconds_between(a, b, collective_leave_stops_clock=stops)
    assert clock.between(a, b) == pytest.approx(expected, abs=1e-3)


@given(calendar=CALENDARS, start=STARTS, seconds=st.integers(0, 400 * 3600))
def test_the_instant_of_a_working_time_is_where_the_calendar_adds_it(
    calendar, start, seconds
) -> None:  # type: ignore[no-untyped-def]
    clock = _clock(calendar)
    expected = calendar.add_working_seconds(start, seconds)
    found = clock.instant(clock.at(start) + seconds)
    # The calendar moves a start outside opening hours to the next opening; both agree
    # on the working time elapsed, and the clock gives the earliest such instant.
    assert clock.at(found) == pytest.approx(clock.at(expected), abs=1e-3)
    assert found <= expected + timedelta(milliseconds=1)


def test_work_ending_at_a_close_ends_that_day_and_work_starting_there_starts_next_morning() -> None:
    clock = _clock(NATIONAL)
    friday_close = datetime(2026, 6, 5, 16, 0, tzinfo=JAKARTA)
    monday_open = datetime(2026, 6, 8, 7, 30, tzinfo=JAKARTA)
    at = clock.at(friday_close)
    assert clock.instant(at) == friday_close
    assert clock.instant_from(at) == monday_open
    night = datetime(2026, 6, 5, 22, 0, tzinfo=JAKARTA)
    assert clock.instant_from(clock.at(night)) == monday_open
    midday = datetime(2026, 6, 2, 12, 0, tzinfo=JAKARTA)
    assert clock.instant(clock.at(midday)) == clock.instant_from(clock.at(midday)) == midday


def test_instants_outside_the_span_are_refused_when_mapped_back() -> None:
    clock = WorkingClock(NATIONAL, date(2026, 6, 1), date(2026, 6, 30))
    assert clock.at(datetime(2020, 1, 1, tzinfo=UTC)) == 0
    assert clock.at(datetime(2030, 1, 1, tzinfo=UTC)) == clock.total
    assert not clock.covers(datetime(2026, 7, 1, 3, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.instant(clock.total + 1)
    with pytest.raises(ValueError):
        WorkingClock(NATIONAL, date(2026, 6, 30), date(2026, 6, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.at(datetime(2026, 6, 2, 9))


def test_a_unit_in_wit_counts_in_its_own_zone() -> None:
    papua = build_calendar(tz="WIT", years=[2026])
    clock = WorkingClock(papua, date(2026, 6, 1), date(2026, 6, 30))
    # 07:30 WIT is 05:30 WIB: the unit is already at work while Jakarta is not.
    start = datetime(2026, 6, 2, 7, 30, tzinfo=ZoneInfo("Asia/Jayapura"))
    assert clock.between(start, start + timedelta(hours=1)) == 3600
