"""Reading an XES (IEEE 1849) log into the columns of `analytics.eventlog.SCHEMA`.

Two readers find the same events. The fast one (`analytics.xes_fast`) reads the layout
every XES writer produces, one element per line, with Polars over the file's lines, and
steps aside for anything else; the general one (`analytics.xes_general`) reads any
well-formed XES with expat. Both hand over text (`xes.RawLog`) and `finish` here turns it
into the table, so times and numbers are converted by one and the same code.

What is read: the trace's `concept:name` is the case; an event's `concept:name`,
`lifecycle:transition`, `time:timestamp`, `org:resource`, `org:role`, `org:group` and
Layan's `layan:agency`, `layan:task`, `layan:outcome` fill the columns; every other
attribute is left aside. A timestamp may carry milliseconds (or any fraction) or none,
and `Z` or an offset; one without a zone is read as UTC. A missing transition stays
empty. A file that is not XML, not an XES log, or has an event without its case,
activity or time is refused with a `ValidationFailedError` naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from layan.analytics.eventlog import SCHEMA
from layan.analytics.xes import RawLog, refused
from layan.analytics.xes_fast import read_fast
from layan.analytics.xes_general import read_general
from layan.core.errors import Text

_MISSING = (
    ("case_id", "trace_line", Text("trace tanpa concept:name", "a trace without concept:name")),
    ("activity", "line", Text("event tanpa concept:name", "an event without concept:name")),
    ("timestamp", "line", Text("event tanpa time:timestamp", "an event without time:timestamp")),
)
_ISO = "%Y-%m-%dT%H:%M:%S%.f%z"


@dataclass(frozen=True)
class XesLog:
    """A log read from XES: its events (`eventlog.SCHEMA`, in file order), the line of
    each event, and the log's own attributes."""

    frame: pl.DataFrame
    lines: pl.Series
    attributes: dict[str, str]

    @property
    def cases(self) -> int:
        return self.frame["case_id"].n_unique()


def timestamps(raw: pl.Series) -> pl.Series:
    """ISO 8601 date-times as UTC instants, null where one does not read: an offset or
    `Z`, any fraction of a second or none; without a zone, UTC."""
    parsed = raw.str.to_datetime(_ISO, time_unit="us", strict=False, time_zone="UTC")
    failed = parsed.is_null() & raw.is_not_null()
    if not failed.any():
        return parsed
    text = raw.str.strip_chars().str.replace(r"[zZ]$", "+00:00")
    zoned = pl.select(
        pl.when(text.str.contains(r"[+-]\d\d:?\d\d$")).then(text).otherwise(text + "+00:00")
    ).to_series()
    again = zoned.str.to_datetime(_ISO, time_unit="us", strict=False, time_zone="UTC")
    return pl.select(pl.when(failed).then(again).otherwise(parsed)).to_series()


def _first(events: pl.DataFrame, bad: pl.Series, line: str = "line") -> tuple[int, Any]:
    row = events.filter(bad).row(0, named=True)
    return row[line], row


def _times(events: pl.DataFrame) -> pl.Series:
    """The events' times, refused at the first that does not read."""
    stamps = timestamps(events["timestamp"])
    if stamps.is_null().any():
        where, row = _first(events, stamps.is_null())
        value = row["timestamp"]
        raise refused(
            where,
            "xes_timestamp",
            Text(
                f"time:timestamp {value!r} bukan tanggal dan waktu ISO 8601",
                f"time:timestamp {value!r} is not an ISO 8601 date and time",
            ),
        )
    return stamps


def _tasks(events: pl.DataFrame) -> pl.Series:
    """The events' task numbers, refused at the first that is not a whole number."""
    tasks = events["task"].str.strip_chars().cast(pl.Int64, strict=False)
    unread = tasks.is_null() & events["task"].is_not_null()
    if unread.any():
        where, row = _first(events, unread)
        value = row["task"]
        raise refused(
            where,
            "xes_task",
            Text(
                f"layan:task {value!r} bukan bilangan bulat",
                f"layan:task {value!r} is not a whole number",
            ),
        )
    return tasks


def finish(raw: RawLog) -> XesLog:
    """The events as `eventlog.SCHEMA`; refused at the first event missing its case,
    activity or time, or whose time or task does not read."""
    events = raw.events
    for column, line, what in _MISSING:
        missing = events[column].is_null() | (events[column] == "")
        if missing.any():
            raise refused(_first(events, missing, line)[0], f"xes_no_{column}", what)
    frame = events.select(list(SCHEMA)).with_columns(timestamp=_times(events), task=_tasks(events))
    return XesLog(frame, events["line"], raw.attributes)


def read_xes(source: Path | bytes, how: Literal["auto", "fast", "general"] = "auto") -> XesLog:
    """Read an XES log: the fast reader when the file's layout allows it, the general one
    otherwise (`how` forces one; "fast" raises LookupError when it cannot)."""
    raw = None if how == "general" else read_fast(source)
    if raw is None:
        if how == "fast":
            raise LookupError("the fast XES reader cannot read this file")
        raw = read_general(source)
    return finish(raw)
