"""Step instances measured in working time: waiting, working, time in the unit, handoffs.

Every duration counts only while the step's unit works (its own clock), and never the
time the case waited on its applicant: while an application is returned its clocks stop,
so a parallel step that stood paused meanwhile is not charged for it. Each instance also
learns who handed it over: the step of its case completed last before it arrived.

Summaries (`Stats`) are the count, mean, median and 90th percentile (linear
interpolation between the two nearest observations, as numpy's default).
Pure: frames and clocks in, frames and numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from layan.analytics.step_instances import TIME, applicant_pauses, case_spans, step_instances
from layan.analytics.working_time import ClockBook, between, on_clock, with_working

TIMES = ["scheduled_at", "started_at", "taken_at", "completed_at", "ended_at", "handed_at"]


@dataclass(frozen=True)
class Stats:
    """A sample summarised, in the unit its figure states (working hours or days)."""

    n: int
    mean: float | None
    median: float | None
    p90: float | None


EMPTY = Stats(0, None, None, None)


def stats_exprs(column: str, prefix: str) -> list[pl.Expr]:
    """Aggregations that `stats_of` reads back as a `Stats` named `prefix`."""
    values = pl.col(column).drop_nulls()
    return [
        values.len().alias(f"{prefix}_n"),
        values.mean().alias(f"{prefix}_mean"),
        values.median().alias(f"{prefix}_median"),
        values.quantile(0.9, "linear").alias(f"{prefix}_p90"),
    ]


def stats_of(row: dict, prefix: str, per: float) -> Stats:
    """The `Stats` of an aggregated row, its values divided by `per` (3600 for hours)."""
    n = int(row[f"{prefix}_n"] or 0)
    if not n:
        return EMPTY
    return Stats(n, *(row[f"{prefix}_{k}"] / per for k in ("mean", "median", "p90")))


def stats_of_series(values: pl.Series, per: float) -> Stats:
    frame = pl.DataFrame({"v": values}).select(stats_exprs("v", "v"))
    return stats_of(frame.row(0, named=True), "v", per)


def _with_sender(instances: pl.DataFrame) -> pl.DataFrame:
    """Each instance with the step of its case completed last before it arrived."""
    arriving = instances.with_row_index("_i").sort("arrived_at", nulls_last=True)
    completed = (
        arriving.filter(pl.col("completed_at").is_not_null())
        .select(
            "case_id",
            pl.col("_i").alias("_from"),
            pl.col("completed_at").alias("handed_at"),
            pl.col("step").alias("from_step"),
            pl.col("unit").alias("from_unit"),
            pl.col("agency").alias("from_agency"),
        )
        .sort("handed_at")
    )
    joined = arriving.join_asof(
        completed,
        left_on="arrived_at",
        right_on="handed_at",
        by="case_id",
        strategy="backward",
        check_sortedness=False,
    )
    itself = pl.col("_from") == pl.col("_i")
    senders = ["handed_at", "from_step", "from_unit", "from_agency"]
    return (
        joined.with_columns(
            pl.when(itself).then(None).otherwise(pl.col(c)).alias(c) for c in senders
        )
        .sort("_i")
        .drop("_i", "_from")
    )


def _overlap(start: str, end: str) -> pl.Expr:
    """Working seconds of the segment `start`..`end` that fall inside the pause."""
    low = pl.max_horizontal(f"w_{start}", "w_paused_at")
    high = pl.min_horizontal(f"w_{end}", "w_resumed_at")
    return (high - low).clip(lower_bound=0.0).fill_null(0.0)


def _paused(timed: pl.DataFrame, pauses: pl.DataFrame, book: ClockBook) -> pl.DataFrame:
    """Per instance, the working seconds of its waiting, working and whole time in the unit
    that passed while the case waited on its applicant."""
    pairs = timed.with_row_index("_i").join(pauses.drop("task"), on="case_id", how="inner")
    pairs = with_working(pairs, ["paused_at", "resumed_at"], book)
    return pairs.group_by("_i").agg(
        _overlap("scheduled_at", "started_at").sum().alias("_paused_wait"),
        _overlap("taken_at", "completed_at").sum().alias("_paused_work"),
        _overlap("arrived_at", "ended_at").sum().alias("_paused_stay"),
    )


def _with_ends(
    instances: pl.DataFrame, frame: pl.DataFrame, imported: bool, moment: pl.Expr
) -> pl.DataFrame:
    """When each instance ended (decided; a step cancelled by its case's decision ended
    with the case; one still open, at `moment`) and was taken (started, or begun)."""
    closed = case_spans(frame, imported=imported).select(
        "case_id", pl.col("decided_at").alias("_closed")
    )
    ends = instances.join(closed, on="case_id", how="left", maintain_order="left")
    return ends.with_columns(
        pl.coalesce("completed_at", "_closed", moment).alias("ended_at"),
        pl.coalesce("started_at", "began_at").alias("taken_at"),
    ).drop("_closed")


def _less_pauses(timed: pl.DataFrame, paused: pl.DataFrame) -> pl.DataFrame:
    """Waiting, working and time in the unit, less what passed while the applicant had it."""
    joined = timed.with_row_index("_i").join(paused, on="_i", how="left", maintain_order="left")
    less = {c: pl.col(c).fill_null(0.0) for c in ("_paused_wait", "_paused_work", "_paused_stay")}
    return joined.with_columns(
        (between("scheduled_at", "started_at") - less["_paused_wait"]).clip(0.0).alias("wait_s"),
        (between("taken_at", "completed_at") - less["_paused_work"]).clip(0.0).alias("work_s"),
        (between("arrived_at", "ended_at") - less["_paused_stay"]).clip(0.0).alias("stay_s"),
    ).drop("_i", *less)


def measured_instances(
    frame: pl.DataFrame, book: ClockBook, *, imported: bool = False, as_of: datetime | None = None
) -> pl.DataFrame:
    """Every step instance with `wait_s`, `work_s` (null when unknown), `stay_s` (arrival to
    completion, or to `as_of` while still open), its sender and `handoff_wait_s`: the
    receiving unit's time from the handover to an officer taking the step."""
    moment = pl.lit(as_of.astimezone(UTC) if as_of else frame["timestamp"].max(), TIME)
    instances = _with_ends(
        _with_sender(step_instances(frame, imported=imported)), frame, imported, moment
    )
    pauses = applicant_pauses(frame).with_columns(
        pl.coalesce("resumed_at", moment).alias("resumed_at")
    )
    timed = with_working(instances, [*TIMES, "arrived_at"], book)
    measured = _less_pauses(timed, _paused(timed, pauses, book))
    return measured.with_columns(
        pl.coalesce("wait_s", between("handed_at", "started_at")).alias("handoff_wait_s")
    )


def measured_pauses(frame: pl.DataFrame, book: ClockBook) -> pl.DataFrame:
    """The applicant's pauses with `paused_s`: their working time on the service's clock
    (null while the applicant has not resubmitted)."""
    pauses = on_clock(applicant_pauses(frame), ["paused_at", "resumed_at"], book.service)
    return pauses.with_columns(between("paused_at", "resumed_at").alias("paused_s"))
