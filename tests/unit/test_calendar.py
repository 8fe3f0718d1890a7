"""Working days and working hours: the worked example, zones, overrides and properties."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layan.core.calendar import (
    ZONES,
    DayOverride,
    WorkingCalendar,
    build_calendar,
    national_calendar_days,
    zone,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
NATIONAL = build_calendar(years=range(2023, 2030))
HOUR = 3600.0
FULL_DAY = 8.5 * HOUR  # 07:30 to 16:00


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def calendar_2025(*overrides: DayOverride, tz: str = "Asia/Jakarta") -> WorkingCalendar:
    return build_calendar(tz=tz, years=[2024, 2025, 2026], overrides=overrides)


# The worked example of the domain rules.


def test_five_working_days_after_27_march_2025_end_on_7_april() -> None:
    deadline = NATIONAL.add_working_days(
        wib(2025, 3, 27, 10), 5, collective_leave_stops_clock=False
    )
    assert deadline == utc(2025, 4, 7, 9)  # 16:00 WIB


def test_five_working_days_after_27_march_2025_end_on_14_april_when_cuti_bersama_stops() -> None:
    assert NATIONAL.add_working_days(wib(2025, 3, 27, 10), 5) == utc(2025, 4, 14, 9)


@pytest.mark.parametrize(
    "start",
    [
        wib(2025, 3, 27, 0, 0),
        wib(2025, 3, 27, 7, 29),
        wib(2025, 3, 27, 16, 0),
        wib(2025, 3, 27, 23, 59),
        utc(2025, 3, 26, 17, 0),  # midnight of the 27th in Jakarta, still the 26th in UTC
    ],
)
def test_the_worked_example_holds_for_any_time_of_27_march_in_jakarta(start: datetime) -> None:
    assert NATIONAL.add_working_days(start, 5, collective_leave_stops_clock=False) == utc(
        2025, 4, 7, 9
    )
    assert NATIONAL.add_working_days(start, 5) == utc(2025, 4, 14, 9)


def test_the_worked_example_counts_back_to_five_working_days() -> None:
    start, public_only_deadline = wib(2025, 3, 27, 10), wib(2025, 4, 7, 16)
    assert (
        NATIONAL.working_days_between(
            start, public_only_deadline, collective_leave_stops_clock=False
        )
        == 5
    )
    # Every working day in between is cuti bersama or a holiday when cuti bersama stops.
    assert NATIONAL.working_days_between(start, public_only_deadline) == 0
    assert NATIONAL.working_days_between(start, wib(2025, 4, 14, 16)) == 5


def test_working_days_between_is_negative_when_the_end_comes_first() -> None:
    days = NATIONAL.working_days_between(
        wib(2025, 4, 7, 16), wib(2025, 3, 27, 10), collective_leave_stops_clock=False
    )
    assert days == -5


# Weekends and day zero.


def test_saturday_and_sunday_are_not_working_days_but_monday_is() -> None:
    assert not NATIONAL.is_working_day(date(2025, 10, 11))
    assert not NATIONAL.is_working_day(date(2025, 10, 12))
    assert NATIONAL.is_working_day(date(2025, 10, 13))


def test_a_datetime_is_judged_by_its_local_date_in_the_units_zone() -> None:
    # Sunday 20:00 UTC is already Monday 03:00 in Jakarta.
    assert NATIONAL.is_working_day(utc(2025, 10, 12, 20))
    assert not NATIONAL.is_working_day(utc(2025, 10, 12, 16))


def test_one_working_day_after_friday_or_saturday_is_monday() -> None:
    assert NATIONAL.add_working_days(wib(2025, 10, 10, 10), 1) == utc(2025, 10, 13, 9)
    assert NATIONAL.add_working_days(wib(2025, 10, 11, 10), 1) == utc(2025, 10, 13, 9)


def test_a_unit_working_on_saturday_counts_saturday() -> None:
    calendar = WorkingCalendar(workdays=frozenset(range(6)))
    assert calendar.add_working_days(wib(2025, 10, 10, 10), 1) == utc(2025, 10, 11, 9)


def test_zero_working_days_ends_today_only_on_a_working_day_before_closing() -> None:
    assert NATIONAL.add_working_days(wib(2025, 10, 13, 10), 0) == utc(2025, 10, 13, 9)
    assert NATIONAL.add_working_days(wib(2025, 10, 13, 16), 0) == utc(2025, 10, 14, 9)
    assert NATIONAL.add_working_days(wib(2025, 10, 11, 10), 0) == utc(2025, 10, 13, 9)


# Time zones.


@pytest.mark.parametrize(
    ("name", "iana", "closing_in_utc"),
    [
        ("WIB", "Asia/Jakarta", utc(2025, 4, 14, 9)),
        ("WITA", "Asia/Makassar", utc(2025, 4, 14, 8)),
        ("WIT", "Asia/Jayapura", utc(2025, 4, 14, 7)),
    ],
)
def test_units_in_wita_and_wit_close_at_16_local_which_is_a_different_utc_instant(
    name: str, iana: str, closing_in_utc: datetime
) -> None:
    calendar = calendar_2025(tz=name)
    start = datetime(2025, 3, 27, 10, tzinfo=ZoneInfo(iana))
    deadline = calendar.add_working_days(start, 5)
    assert calendar.tz == iana
    assert deadline == closing_in_utc
    assert deadline.astimezone(ZoneInfo(iana)).replace(tzinfo=None) == datetime(2025, 4, 14, 16)


def test_zone_accepts_abbreviations_in_any_case_and_iana_names() -> None:
    assert zone("wit") == ZoneInfo("Asia/Jayapura")
    assert zone("Asia/Makassar") == ZoneInfo("Asia/Makassar")
    assert WorkingCalendar(tz="WITA").tz == "Asia/Makassar"
    assert ZONES["WIB"] == "Asia/Jakarta"


# National days and overrides.


def test_national_days_come_with_indonesian_names_and_keep_cuti_bersama_apart() -> None:
    public, leave = national_calendar_days([2025])
    assert public[date(2025, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert public[date(2025, 3, 31)] == "Hari Raya Idul Fitri"
    assert leave[date(2025, 4, 7)] == "Cuti Bersama Hari Raya Idul Fitri"
    assert date(2025, 3, 28) in leave
    assert date(2025, 3, 28) not in public
    assert len(public) == 17
    assert len(leave) == 11


def test_national_days_cover_exactly_the_years_asked_for() -> None:
    public, leave = national_calendar_days([2026, 2025, 2026])
    assert {day.year for day in public} == {2025, 2026}
    assert {day.year for day in leave} == {2025, 2026}


def test_far_ahead_estimated_holidays_are_marked_as_estimates() -> None:
    public, _ = national_calendar_days([2030])
    assert public[date(2030, 2, 4)] == "Hari Raya Idul Fitri (perkiraan)"


def test_an_added_holiday_pushes_the_deadline_to_the_next_working_day() -> None:
    calendar = calendar_2025(DayOverride(date(2025, 10, 13), "holiday", "add", "Libur daerah"))
    assert not calendar.is_working_day(date(2025, 10, 13))
    assert calendar.add_working_days(wib(2025, 10, 10, 10), 1) == utc(2025, 10, 14, 9)


def test_a_removed_holiday_becomes_a_working_day() -> None:
    christmas = date(2025, 12, 25)
    calendar = calendar_2025(DayOverride(christmas, "holiday", "remove"))
    assert calendar.is_working_day(christmas)
    deadline = calendar.add_working_days(
        wib(2025, 12, 24, 10), 1, collective_leave_stops_clock=False
    )
    assert deadline == utc(2025, 12, 25, 9)
    unchanged = calendar_2025().add_working_days(
        wib(2025, 12, 24, 10), 1, collective_leave_stops_clock=False
    )
    assert unchanged == utc(2025, 12, 26, 9)


def test_a_removed_cuti_bersama_day_counts_when_cuti_bersama_stops_the_clock() -> None:
    calendar = calendar_2025(DayOverride(date(2025, 4, 7), "collective_leave", "remove"))
    assert calendar.add_working_days(wib(2025, 3, 27, 10), 5) == utc(2025, 4, 11, 9)


def test_an_added_cuti_bersama_day_stops_the_clock_only_when_the_service_says_so() -> None:
    calendar = calendar_2025(DayOverride(date(2025, 10, 13), "collective_leave", "add"))
    assert not calendar.is_working_day(date(2025, 10, 13))
    assert calendar.is_working_day(date(2025, 10, 13), collective_leave_stops_clock=False)


def test_a_closure_is_never_worked_even_when_cuti_bersama_does_not_stop_the_clock() -> None:
    calendar = calendar_2025(DayOverride(date(2025, 10, 13), "closure", "add", "Pindah kantor"))
    assert not calendar.is_working_day(date(2025, 10, 13), collective_leave_stops_clock=False)
    deadline = calendar.add_working_days(
        wib(2025, 10, 10, 10), 1, collective_leave_stops_clock=False
    )
    assert deadline == utc(2025, 10, 14, 9)


def test_removing_a_closure_leaves_the_public_holiday_on_the_same_date() -> None:
    christmas = date(2025, 12, 25)
    calendar = calendar_2025(
        DayOverride(christmas, "closure", "add"), DayOverride(christmas, "closure", "remove")
    )
    assert not calendar.is_working_day(christmas, collective_leave_stops_clock=False)


def test_overrides_apply_in_order_so_the_last_one_wins() -> None:
    monday = date(2025, 10, 13)
    added_then_removed = calendar_2025(
        DayOverride(monday, "holiday", "add"), DayOverride(monday, "holiday", "remove")
    )
    removed_then_added = calendar_2025(
        DayOverride(monday, "holiday", "remove"), DayOverride(monday, "holiday", "add")
    )
    assert added_then_removed.is_working_day(monday)
    assert not removed_then_added.is_working_day(monday)


# Working seconds.


def test_working_seconds_inside_one_day_are_the_plain_difference() -> None:
    assert NATIONAL.working_seconds_between(wib(2025, 10, 13, 9), wib(2025, 10, 13, 11, 30)) == 9000


def test_working_seconds_count_only_opening_hours() -> None:
    assert NATIONAL.working_seconds_between(wib(2025, 10, 13, 6), wib(2025, 10, 13, 18)) == FULL_DAY


def test_working_seconds_across_a_weekend_skip_saturday_and_sunday() -> None:
    seconds = NATIONAL.working_seconds_between(wib(2025, 10, 10, 15), wib(2025, 10, 13, 8, 30))
    assert seconds == 2 * HOUR


def test_working_seconds_across_a_holiday_skip_it_and_cuti_bersama_when_it_stops() -> None:
    start, end = wib(2025, 12, 24, 15), wib(2025, 12, 26, 8, 30)
    assert NATIONAL.working_seconds_between(start, end, collective_leave_stops_clock=False) == (
        2 * HOUR
    )
    assert NATIONAL.working_seconds_between(start, end) == HOUR


def test_working_seconds_are_negative_when_the_end_comes_first() -> None:
    assert NATIONAL.working_seconds_between(wib(2025, 10, 13, 11, 30), wib(2025, 10, 13, 9)) == (
        -9000
    )


def test_a_whole_year_2025_holds_237_working_days_or_248_without_cuti_bersama() -> None:
    start, end = wib(2024, 12, 31, 12), wib(2025, 12, 31, 12)
    assert NATIONAL.working_days_between(start, end) == 237
    assert NATIONAL.working_days_between(start, end, collective_leave_stops_clock=False) == 248
    assert NATIONAL.working_seconds_between(start, end) == 237 * FULL_DAY
    assert NATIONAL.working_seconds_between(start, end, collective_leave_stops_clock=False) == (
        248 * FULL_DAY
    )


def test_adding_working_seconds_before_opening_starts_at_opening() -> None:
    assert NATIONAL.add_working_seconds(wib(2025, 10, 13, 6), HOUR) == wib(2025, 10, 13, 8, 30)


def test_adding_working_seconds_after_closing_starts_next_working_morning() -> None:
    assert NATIONAL.add_working_seconds(wib(2025, 10, 13, 17), HOUR) == wib(2025, 10, 14, 8, 30)


def test_adding_working_seconds_on_a_weekend_starts_on_monday() -> None:
    assert NATIONAL.add_working_seconds(wib(2025, 10, 11, 10), HOUR) == wib(2025, 10, 13, 8, 30)


def test_adding_working_seconds_carries_over_to_the_next_working_day() -> None:
    assert NATIONAL.add_working_seconds(wib(2025, 10, 13, 15), 2 * HOUR) == wib(2025, 10, 14, 8, 30)


def test_adding_working_seconds_that_end_exactly_at_closing_ends_at_closing() -> None:
    end = NATIONAL.add_working_seconds(wib(2025, 10, 13, 15), HOUR)
    assert end == utc(2025, 10, 13, 9)
    assert end.tzinfo is UTC


def test_adding_zero_working_seconds_returns_the_start_in_utc() -> None:
    assert NATIONAL.add_working_seconds(wib(2025, 10, 11, 10), 0) == utc(2025, 10, 11, 3)


def test_adding_working_hours_is_adding_hours_times_3600_seconds() -> None:
    assert NATIONAL.add_working_hours(wib(2025, 10, 13, 10), 2.5) == wib(2025, 10, 13, 12, 30)
    # 60 working days on from Monday 13 October: 14 left in October, 20 in November, 21 in
    # December (25th holiday, 26th cuti bersama), then 2 and 5 to 8 January (1st holiday).
    assert NATIONAL.add_working_hours(wib(2025, 10, 13, 10), 60 * 8.5) == wib(2026, 1, 8, 10)


# Refusals.


@pytest.mark.parametrize(
    "kwargs",
    [
        {"opens": time(16), "closes": time(16)},
        {"opens": time(16), "closes": time(7, 30)},
        {"tz": "Asia/Atlantis"},
        {"tz": "WIX"},
        {"workdays": frozenset()},
        {"workdays": frozenset({7})},
    ],
)
def test_an_impossible_calendar_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(**kwargs)  # type: ignore[arg-type]


def test_a_naive_datetime_is_refused_because_its_zone_would_be_a_guess() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NATIONAL.add_working_days(datetime(2025, 10, 13, 10), 1)


@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf])
def test_negative_or_non_finite_working_seconds_are_refused(seconds: float) -> None:
    with pytest.raises(ValueError):
        NATIONAL.add_working_seconds(wib(2025, 10, 13, 10), seconds)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError):
        NATIONAL.add_working_days(wib(2025, 10, 13, 10), -1)


@pytest.mark.parametrize(("kind", "action"), [("holiday", "move"), ("weekend", "add")])
def test_an_override_of_unknown_kind_or_action_is_refused(kind: str, action: str) -> None:
    with pytest.raises(ValueError):
        DayOverride(date(2025, 10, 13), kind, action)


# Properties.

CALENDARS = st.sampled_from(
    [
        NATIONAL,
        build_calendar(
            tz="WITA",
            years=range(2023, 2030),
            workdays=frozenset(range(6)),
            opens=time(8),
            closes=time(14, 30),
        ),
        build_calendar(tz="WIT", years=range(2023, 2030), opens=time(9, 15), closes=time(17, 45)),
    ]
)
ZONE_INFOS = st.sampled_from([UTC, *(ZoneInfo(name) for name in ZONES.values())])
STARTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=ZONE_INFOS
)
DAYS = st.integers(min_value=0, max_value=60)


@st.composite
def starts_inside_opening_hours(draw: st.DrawFn, calendar: WorkingCalendar) -> datetime:
    day = draw(
        st.dates(date(2024, 1, 1), date(2026, 12, 31)).filter(
            lambda day: calendar.is_working_day(day, collective_leave_stops_clock=True)
        )
    )
    tz = ZoneInfo(calendar.tz)
    opened = datetime.combine(day, calendar.opens, tzinfo=tz)
    closed = datetime.combine(day, calendar.closes, tzinfo=tz)
    span = (closed - opened) // timedelta(microseconds=1)
    return opened + timedelta(microseconds=draw(st.integers(0, span - 1)))


@given(calendar=CALENDARS, start=STARTS, days=DAYS, stops=st.booleans())
def test_a_deadline_always_falls_at_closing_time_of_a_working_day(
    calendar: WorkingCalendar, start: datetime, days: int, stops: bool
) -> None:
    deadline = calendar.add_working_days(start, days, collective_leave_stops_clock=stops)
    local = deadline.astimezone(ZoneInfo(calendar.tz))
    assert deadline.tzinfo is UTC
    assert local.time() == calendar.closes
    assert calendar.is_working_day(local.date(), collective_leave_stops_clock=stops)
    assert deadline > start


@given(calendar=CALENDARS, start=STARTS, days=DAYS, more=DAYS, stops=st.booleans())
def test_more_working_days_never_give_an_earlier_deadline(
    calendar: WorkingCalendar, start: datetime, days: int, more: int, stops: bool
) -> None:
    sooner = calendar.add_working_days(start, days, collective_leave_stops_clock=stops)
    later = calendar.add_working_days(start, days + more, collective_leave_stops_clock=stops)
    assert sooner <= later
    if days >= 1 and more >= 1:
        assert sooner < later


@given(calendar=CALENDARS, start=STARTS, days=st.integers(1, 60), stops=st.booleans())
def test_counting_working_days_up_to_a_deadline_gives_back_the_days_added(
    calendar: WorkingCalendar, start: datetime, days: int, stops: bool
) -> None:
    deadline = calendar.add_working_days(start, days, collective_leave_stops_clock=stops)
    assert calendar.working_days_between(start, deadline, collective_leave_stops_clock=stops) == (
        days
    )


@given(data=st.data(), calendar=CALENDARS, seconds=st.floats(0, 2e7))
def test_adding_working_seconds_then_measuring_them_round_trips(
    data: st.DataObject, calendar: WorkingCalendar, seconds: float
) -> None:
    start = data.draw(starts_inside_opening_hours(calendar))
    end = calendar.add_working_seconds(start, seconds)
    assert end >= start
    assert abs(calendar.working_seconds_between(start, end) - seconds) <= 1e-6


@settings(max_examples=50)
@given(calendar=CALENDARS, a=STARTS, b=STARTS, c=STARTS, stops=st.booleans())
def test_working_seconds_add_up_over_consecutive_spans(
    calendar: WorkingCalendar, a: datetime, b: datetime, c: datetime, stops: bool
) -> None:
    def between(x: datetime, y: datetime) -> float:
        return calendar.working_seconds_between(x, y, collective_leave_stops_clock=stops)

    assert abs(between(a, b) + between(b, c) - between(a, c)) <= 1e-6
