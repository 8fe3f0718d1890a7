"""The performance directly-follows graph of an event log: which activity follows which,
how often, and how long after.

Read from a frame in the columns of `analytics.eventlog.SCHEMA` (Layan's own log or an
imported one). The events of each case are ordered by time, ties keeping the frame's order
(the order of the file or of the log). When the log records lifecycle transitions only the
`complete` events count, so an arc joins one finished activity to the next finished one,
as a performance DFG in process mining does; an event without a transition is taken as
complete (the XES default for an atomic event). An arc's time is the timestamp of the
later event minus that of the earlier one.

Everything is vectorised in Polars: no Python loop over events, so millions of events take
well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

_MICROSECONDS = 1_000_000


@dataclass(frozen=True)
class Arc:
    """`target` directly followed `source` in `count` cases-steps, this long after on average."""

    source: str
    target: str
    count: int
    mean_seconds: float
    median_seconds: float


@dataclass(frozen=True)
class Dfg:
    """A performance directly-follows graph: arcs, and how many cases start and end where."""

    arcs: list[Arc]
    start: dict[str, int]
    end: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """The graph as the `layan analytics dfg --json` contract prints it."""
        return {
            "arcs": [
                {
                    "from": a.source,
                    "to": a.target,
                    "count": a.count,
                    "mean_seconds": a.mean_seconds,
                    "median_seconds": a.median_seconds,
                }
                for a in self.arcs
            ],
            "start": dict(self.start),
            "end": dict(self.end),
        }


def completed_events(frame: pl.DataFrame) -> pl.DataFrame:
    """The events that count: `complete` ones (in any letter case) or without a
    transition, when the log has transitions; all of them when it has none."""
    lifecycle = frame["lifecycle"]
    if lifecycle.null_count() == frame.height:
        return frame
    spelled = lifecycle.filter(lifecycle != "complete").unique().drop_nulls().to_list()
    complete = ["complete", *(t for t in spelled if t.lower() == "complete")]
    return frame.filter(pl.col("lifecycle").is_null() | pl.col("lifecycle").is_in(complete))


def _case_keys(case_id: pl.Series) -> pl.Series:
    """A small integer per case, equal for equal case ids, cheap to sort by.

    Logs keep a case's events together, so the ids are ranked once per run of equal ids
    rather than once per event; a case whose events are spread over several runs still
    gets one key because the ranks are of the ids themselves.
    """
    run = case_id.ne_missing(case_id.shift(1)).fill_null(True).cum_sum()
    firsts = case_id.filter(case_id.ne_missing(case_id.shift(1)).fill_null(True))
    return firsts.rank("dense").cast(pl.UInt32).gather(run - 1)


def _in_case_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Events ordered by case, then time; ties keep the frame's order (a stable sort)."""
    keyed = pl.DataFrame(
        {
            "case": _case_keys(frame["case_id"]),
            "activity": frame["activity"],
            "timestamp": frame["timestamp"].dt.epoch("us"),
        }
    )
    ordered = keyed.select(
        (
            (pl.col("case").diff() > 0)
            | ((pl.col("case").diff() == 0) & (pl.col("timestamp").diff() >= 0))
        )
        .slice(1)
        .all()
    ).item()
    if ordered or keyed.height < 2:
        return keyed
    return keyed.sort(["case", "timestamp"], maintain_order=True)


def _counts(series: pl.Series) -> dict[str, int]:
    counted = series.value_counts().sort(series.name)
    return dict(zip(counted[series.name].to_list(), counted["count"].to_list(), strict=True))


def performance_dfg(frame: pl.DataFrame) -> Dfg:
    """The performance DFG of `frame` (columns of `eventlog.SCHEMA`), arcs sorted by
    source then target."""
    events = _in_case_order(completed_events(frame))
    same_case = pl.col("case") == pl.col("case").shift(-1)
    steps = events.select(
        pl.col("activity").alias("source"),
        pl.col("activity").shift(-1).alias("target"),
        (pl.col("timestamp").shift(-1) - pl.col("timestamp")).alias("us"),
        same_case.fill_null(False).alias("within"),
        pl.col("case").ne_missing(pl.col("case").shift(1)).alias("first"),
        same_case.not_().fill_null(True).alias("last"),
    )
    arcs = (
        steps.filter("within")
        .group_by("source", "target")
        .agg(
            pl.len().alias("count"),
            (pl.col("us").mean() / _MICROSECONDS).alias("mean"),
            (pl.col("us").median() / _MICROSECONDS).alias("median"),
        )
        .sort("source", "target")
    )
    return Dfg(
        arcs=[
            Arc(s, t, n, float(mean), float(median)) for s, t, n, mean, median in arcs.iter_rows()
        ],
        start=_counts(steps.filter("first")["source"]),
        end=_counts(steps.filter("last")["source"]),
    )
