"""Working time of the instants in a frame, on the working clocks of a service's units.

A step's waiting and working time counts only while its unit works, and a case's lead
time only while the agency that owns the service works (the rule the dashboard and the
deadlines follow). A `WorkingClock` maps an instant to the working seconds elapsed since
its span began; here that mapping runs over whole columns at once (a binary search of
every instant among the working days' openings), so working time between two columns is
a subtraction of two columns. Pure: no database, no web.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from layan.core.worktime import WorkingClock

HOUR = 3600.0


@dataclass(frozen=True)
class ClockBook:
    """The clocks an analysis measures with: the service's (its owning agency's standard
    hours) for cases, and each unit's own for its steps; a unit not listed (a unit since
    removed, or a name in an imported log) is measured on the service's clock."""

    service: WorkingClock
    units: Mapping[str, WorkingClock] = field(default_factory=dict)

    def for_unit(self, unit: str | None) -> WorkingClock:
        return self.units.get(unit or "", self.service)

    @property
    def day_seconds(self) -> float:
        """What one working day of lead time means: the service clock's day."""
        return self.service.day_seconds


def working_at(moments: pl.Series, clock: WorkingClock) -> pl.Series:
    """Working seconds from the clock's beginning to each moment; a null moment stays null."""
    if not clock.opens:  # a span without a working day: no working time passes in it
        return pl.Series(moments.name, [None if m is None else 0.0 for m in moments], pl.Float64)
    seconds = (moments.dt.epoch("us").cast(pl.Float64) / 1e6).fill_null(0.0)
    opens = pl.Series(clock.opens, dtype=pl.Float64)
    day = opens.search_sorted(seconds, side="right").cast(pl.Int64) - 1
    index = day.clip(lower_bound=0)
    frame = pl.DataFrame(
        {
            "seconds": seconds,
            "day": day,
            "opens": opens.gather(index),
            "closes": pl.Series(clock.closes, dtype=pl.Float64).gather(index),
            "before": pl.Series(clock.before, dtype=pl.Float64).gather(index),
            "known": moments.is_not_null(),
        }
    )
    elapsed = pl.col("before") + pl.min_horizontal("seconds", "closes") - pl.col("opens")
    return frame.select(
        pl.when(~pl.col("known"))
        .then(None)
        .when(pl.col("day") < 0)
        .then(0.0)
        .otherwise(elapsed)
        .alias(moments.name)
    ).to_series()


def with_working(frame: pl.DataFrame, columns: Iterable[str], book: ClockBook) -> pl.DataFrame:
    """The frame with a `w_<column>` of working seconds beside each time column, each row
    measured on the clock of its `unit`."""
    names = list(columns)
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, pl.Float64).alias(f"w_{c}") for c in names)
    indexed = frame.with_row_index("_row")
    parts = []
    for (unit,), part in indexed.partition_by("unit", as_dict=True, maintain_order=True).items():
        clock = book.for_unit(unit)  # type: ignore[arg-type]
        parts.append(part.with_columns(working_at(part[c], clock).alias(f"w_{c}") for c in names))
    return pl.concat(parts).sort("_row").drop("_row")


def on_clock(frame: pl.DataFrame, columns: Iterable[str], clock: WorkingClock) -> pl.DataFrame:
    """The frame with a `w_<column>` of working seconds on one clock for every row."""
    return frame.with_columns(working_at(frame[c], clock).alias(f"w_{c}") for c in columns)


def between(start: str, end: str) -> pl.Expr:
    """Working seconds from the `w_<start>` to the `w_<end>` column (never negative)."""
    return (pl.col(f"w_{end}") - pl.col(f"w_{start}")).clip(lower_bound=0.0)
