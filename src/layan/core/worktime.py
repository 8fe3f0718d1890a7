"""A working clock: working time as one number that only runs while a unit works.

`WorkingCalendar.working_seconds_between` walks the days between two instants, which is
right for one deadline and too slow for a million cases. A `WorkingClock` lays the
calendar's working windows of a span of dates end to end once, so that any instant maps
to the working seconds elapsed since the span began in O(log days), and back. Working
time between two instants is then a subtraction, and a simulation can run on the clock
and map its results back to real instants.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from layan.core.calendar import WorkingCalendar

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _posix(moment: datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return (moment - _EPOCH).total_seconds()


@dataclass(frozen=True)
class WorkingClock:
    """The working windows of `calendar` from `first` to `last` (local dates, included).

    Instants before the span read 0, and after it the span's whole working time: a clock
    is built for the dates its data covers, and `covers` tells whether it does.
    """

    calendar: WorkingCalendar
    first: date
    last: date
    collective_leave_stops_clock: bool = True
    opens: tuple[float, ...] = field(init=False, repr=False)  # POSIX seconds, per working day
    closes: tuple[float, ...] = field(init=False, repr=False)
    before: tuple[float, ...] = field(init=False, repr=False)  # working seconds before each day

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the clock's span ends before it begins: {self.first}..{self.last}")
        opens, closes, before, total = [], [], [], 0.0
        day = self.first
        while day <= self.last:
            if self.calendar.is_working_day(
                day, collective_leave_stops_clock=self.collective_leave_stops_clock
            ):
                start, end = (_posix(m) for m in self.calendar.window(day))
                opens.append(start)
                closes.append(end)
                before.append(total)
                total += end - start
            day += timedelta(days=1)
        object.__setattr__(self, "opens", tuple(opens))
        object.__setattr__(self, "closes", tuple(closes))
        object.__setattr__(self, "before", tuple(before))

    @property
    def day_seconds(self) -> float:
        """The length of one working day: what "1 working day" of lead time means."""
        opens = datetime.combine(self.first, self.calendar.opens)
        return (datetime.combine(self.first, self.calendar.closes) - opens).total_seconds()

    @property
    def total(self) -> float:
        """The span's whole working time in seconds."""
        if not self.opens:
            return 0.0
        return self.before[-1] + self.closes[-1] - self.opens[-1]

    def covers(self, moment: datetime) -> bool:
        return self.first <= self.calendar.local_date(moment) <= self.last

    def at(self, moment: datetime) -> float:
        """Working seconds from the span's beginning to `moment`."""
        return self.at_posix(_posix(moment))

    def at_posix(self, seconds: float) -> float:
        i = bisect_right(self.opens, seconds) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(seconds, self.closes[i]) - self.opens[i]

    def between(self, start: datetime, end: datetime) -> float:
        """Working seconds between two instants (negative when end comes first)."""
        return self.at(end) - self.at(start)

    def instant(self, working: float) -> datetime:
        """The earliest instant at which `working` seconds of the span have elapsed: when
        work that ends there is done (at a day's end, its closing)."""
        self._check(working)
        i = max(bisect_left(self.before, working) - 1, 0)
        return _EPOCH + timedelta(seconds=self.opens[i] + working - self.before[i])

    def instant_from(self, working: float) -> datetime:
        """The latest instant at which `working` seconds have elapsed: when work that
        starts there begins (at a day's end, the next working day's opening)."""
        self._check(working)
        i = min(bisect_right(self.before, working), len(self.before)) - 1
        return _EPOCH + timedelta(seconds=self.opens[i] + working - self.before[i])

    def _check(self, working: float) -> None:
        if not self.opens or working < 0 or working > self.total:
            raise ValueError(f"{working} working seconds is outside the clock's span")


# Clocks by calendar object (the catalogue hands out one calendar object per state of a
# calendar, so a changed calendar is a new key), span and cuti rule: laying out years of
# working days is worth doing once per process, not once per request or batch.
_CLOCKS: dict[tuple[int, range, bool], tuple[WorkingCalendar, WorkingClock]] = {}


def clock_for(
    calendar: WorkingCalendar, years: range, *, collective_leave_stops_clock: bool = True
) -> WorkingClock:
    """The working clock of `calendar` over the whole `years`, made once and kept."""
    key = (id(calendar), years, collective_leave_stops_clock)
    found = _CLOCKS.get(key)
    if found is None or found[0] is not calendar:
        if len(_CLOCKS) > 512:
            _CLOCKS.clear()
        span = (date(years.start, 1, 1), date(years.stop - 1, 12, 31))
        clock = WorkingClock(
            calendar, *span, collective_leave_stops_clock=collective_leave_stops_clock
        )
        found = _CLOCKS[key] = (calendar, clock)
    return found[1]
