"""Working time: which days a unit works, and deadlines counted in working days or hours.

Deadlines are measured in the unit's own zone (WIB, WITA or WIT) and returned in UTC.
National public holidays always stop the clock; whether cuti bersama (collective leave)
does is a setting of each service, so every counting method takes
`collective_leave_stops_clock` (default: it stops).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

ZONES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

OVERRIDE_KINDS = frozenset({"holiday", "collective_leave", "closure"})
OVERRIDE_ACTIONS = frozenset({"add", "remove"})

_ONE_DAY = timedelta(days=1)
_NO_TIME = timedelta(0)


def zone(name: str) -> ZoneInfo:
    """The zone for an IANA name or for "WIB", "WITA" or "WIT"; ValueError if unknown."""
    if not isinstance(name, str):
        raise ValueError(f"time zone must be a name: {name!r}")
    try:
        return ZoneInfo(ZONES.get(name.strip().upper(), name.strip()))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


@dataclass(frozen=True)
class DayOverride:
    """An admin's change to the national calendar for one date."""

    day: date
    kind: str  # "holiday" (public holiday), "collective_leave" (cuti bersama), "closure"
    action: str  # "add" or "remove"
    name: str = ""

    def __post_init__(self) -> None:
        # A datetime would never equal a date in the calendar's sets, so refuse it early.
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise ValueError(f"override day must be a date, not {self.day!r}")
        if self.kind not in OVERRIDE_KINDS:
            raise ValueError(f"unknown override kind: {self.kind!r}")
        if self.action not in OVERRIDE_ACTIONS:
            raise ValueError(f"unknown override action: {self.action!r}")


@dataclass(frozen=True)
class WorkingCalendar:
    """When a unit works: its zone, days, hours and the dates it does not work."""

    tz: str = "Asia/Jakarta"  # IANA zone name ("WIB", "WITA", "WIT" are accepted and mapped)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    opens: time = time(7, 30)
    closes: time = time(16, 0)
    holidays: frozenset[date] = frozenset()  # public holidays + agency closures: never worked
    collective_leave: frozenset[date] = frozenset()  # cuti bersama: not worked if the service says

    def __post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz).key)
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "collective_leave", frozenset(self.collective_leave))
        # Without a workday every search for the next working day would never end.
        if not self.workdays or not self.workdays <= set(range(7)):
            raise ValueError(f"workdays must be a non-empty subset of 0..6: {set(self.workdays)}")
        if self.closes <= self.opens:
            raise ValueError(f"closing time {self.closes} must be after opening time {self.opens}")

    def is_working_day(self, day: date, *, collective_leave_stops_clock: bool = True) -> bool:
        """Whether the unit works on `day` (a datetime is taken at its local date)."""
        if isinstance(day, datetime):
            day = self._local(day).date()
        if day.weekday() not in self.workdays or day in self.holidays:
            return False
        return not (collective_leave_stops_clock and day in self.collective_leave)

    def add_working_days(
        self, start: datetime, days: int, *, collective_leave_stops_clock: bool = True
    ) -> datetime:
        """Deadline: the close of business of the `days`-th working day after start's local date.

        `start` is tz-aware in any zone; the result is tz-aware UTC. days=0 means the close
        of the start day if it is a working day and start is before close, else of the next
        working day.
        """
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        stops = collective_leave_stops_clock
        day = self._local(start).date()
        if days == 0:
            closing = self._at(day, self.closes)
            if self.is_working_day(day, collective_leave_stops_clock=stops) and start < closing:
                return closing
            days = 1
        deadline = next(islice(self._working_days_after(day, stops), days - 1, None))
        return self._at(deadline, self.closes)

    def add_working_seconds(
        self, start: datetime, seconds: float, *, collective_leave_stops_clock: bool = True
    ) -> datetime:
        """The instant (UTC) when `seconds` of working time have elapsed from `start`.

        Working time runs only inside opening hours of working days. Arithmetic is done in
        whole microseconds (timedelta) so that repeated additions do not drift.
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0: {seconds}")
        local = self._local(start)
        cursor = local.astimezone(UTC)
        remaining = timedelta(seconds=seconds)
        if remaining == _NO_TIME:
            return cursor
        stops = collective_leave_stops_clock
        for day in self._working_days_from(local.date(), stops):
            opened, closed = self.window(day)
            begin = max(cursor, opened)
            if begin >= closed:
                continue
            if remaining <= closed - begin:
                return begin + remaining
            remaining -= closed - begin
        # The generator never ends, so this only satisfies readers and type checkers.
        raise AssertionError("working days ran out")  # pragma: no cover

    def add_working_hours(
        self, start: datetime, hours: float, *, collective_leave_stops_clock: bool = True
    ) -> datetime:
        """The instant (UTC) when `hours` of working time have elapsed from `start`."""
        return self.add_working_seconds(
            start, hours * 3600, collective_leave_stops_clock=collective_leave_stops_clock
        )

    def working_seconds_between(
        self, start: datetime, end: datetime, *, collective_leave_stops_clock: bool = True
    ) -> float:
        """Working time in seconds inside opening hours between two instants.

        Negative if end < start, so that an overdue task shows how late it is.
        """
        first, last = self._local(start).astimezone(UTC), self._local(end).astimezone(UTC)
        if last < first:
            return -self.working_seconds_between(
                end, start, collective_leave_stops_clock=collective_leave_stops_clock
            )
        total = _NO_TIME
        for day in self._dates(self._local(first).date(), self._local(last).date()):
            if self.is_working_day(day, collective_leave_stops_clock=collective_leave_stops_clock):
                opened, closed = self.window(day)
                total += max(_NO_TIME, min(closed, last) - max(opened, first))
        return total.total_seconds()

    def working_days_between(
        self, start: datetime, end: datetime, *, collective_leave_stops_clock: bool = True
    ) -> int:
        """Working days strictly after start's local date up to and including end's local date.

        The inverse of add_working_days for deadlines of one day or more; negative if
        end's local date comes before start's.
        """
        first, last = self._local(start).date(), self._local(end).date()
        if last < first:
            return -self.working_days_between(
                end, start, collective_leave_stops_clock=collective_leave_stops_clock
            )
        stops = collective_leave_stops_clock
        days = self._dates(first + _ONE_DAY, last)
        return sum(
            1 for day in days if self.is_working_day(day, collective_leave_stops_clock=stops)
        )

    @property
    def _zone(self) -> ZoneInfo:
        """The unit's zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.tz)

    def local_date(self, moment: datetime) -> date:
        """The date `moment` falls on in the unit's zone."""
        return self._local(moment).date()

    def _local(self, moment: datetime) -> datetime:
        """`moment` in the unit's zone; a naive datetime is refused, its zone would be a guess."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"datetime must be timezone-aware: {moment!r}")
        return moment.astimezone(self._zone)

    def _at(self, day: date, clock: time) -> datetime:
        """The UTC instant of the local wall-clock `clock` on `day`."""
        return datetime.combine(day, clock, tzinfo=self._zone).astimezone(UTC)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing instants (UTC) of `day`."""
        return self._at(day, self.opens), self._at(day, self.closes)

    @staticmethod
    def _dates(first: date, last: date) -> Iterator[date]:
        """Every date from `first` to `last`, both included."""
        day = first
        while day <= last:
            yield day
            day += _ONE_DAY

    def _working_days_from(self, day: date, stops: bool) -> Iterator[date]:
        """Working days from `day` on (included), without end.

        Terminates between yields: there is at least one workday a week and the sets of
        dates off are finite.
        """
        while True:
            if self.is_working_day(day, collective_leave_stops_clock=stops):
                yield day
            day += _ONE_DAY

    def _working_days_after(self, day: date, stops: bool) -> Iterator[date]:
        """Working days strictly after `day`, without end."""
        return self._working_days_from(day + _ONE_DAY, stops)


@lru_cache(maxsize=128)
def _national_year(year: int) -> tuple[tuple[tuple[date, str], ...], tuple[tuple[date, str], ...]]:
    """One year's public holidays and cuti bersama, cached: calendars are rebuilt often."""

    def days(category: str) -> tuple[tuple[date, str], ...]:
        found = holidays_lib.country_holidays(
            "ID", years=year, language="id", categories=(category,)
        )
        return tuple(sorted((day, name) for day, name in found.items() if day.year == year))

    return days("public"), days("government")


def national_calendar_days(years: Iterable[int]) -> tuple[dict[date, str], dict[date, str]]:
    """Public holidays and cuti bersama for Indonesia, names in Indonesian.

    Returns (public, collective_leave). Far-ahead Islamic and Chinese holidays are
    estimates named "... (perkiraan)"; admins correct them with overrides.
    """
    public: dict[date, str] = {}
    collective_leave: dict[date, str] = {}
    for year in sorted(set(years)):
        year_public, year_leave = _national_year(int(year))
        public.update(year_public)
        collective_leave.update(year_leave)
    return public, collective_leave


def build_calendar(
    *,
    tz: str = "Asia/Jakarta",
    years: Iterable[int],
    overrides: Iterable[DayOverride] = (),
    workdays: Iterable[int] = frozenset({0, 1, 2, 3, 4}),
    opens: time = time(7, 30),
    closes: time = time(16, 0),
) -> WorkingCalendar:
    """The calendar of a unit: national days for the years, then the admin's overrides in order.

    Closures are kept apart from public holidays while applying overrides, so removing a
    closure never removes a public holiday on the same date; both end up in `holidays`.
    """
    public, leave = national_calendar_days(years)
    days_off: dict[str, set[date]] = {
        "holiday": set(public),
        "collective_leave": set(leave),
        "closure": set(),
    }
    for override in overrides:
        target = days_off[override.kind]
        if override.action == "add":
            target.add(override.day)
        else:
            target.discard(override.day)
    return WorkingCalendar(
        tz=tz,
        workdays=frozenset(workdays),
        opens=opens,
        closes=closes,
        holidays=frozenset(days_off["holiday"] | days_off["closure"]),
        collective_leave=frozenset(days_off["collective_leave"]),
    )
