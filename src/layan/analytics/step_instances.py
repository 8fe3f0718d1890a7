"""The event log reshaped for analysis: step instances, the applicant's pauses, case spans.

A *step instance* is one pass of a case through one step: when it entered the unit's
queue (scheduled), when an officer took it (started), when it was decided (completed),
and how. Layan's own log names the task of every step event, so its instances are its
tasks. An imported log names none: a step's events are paired by activity within a case,
in order (a schedule opens an instance, a start joins the schedule before it, a complete
closes what was opened). An event without a lifecycle is an instance of its own that
began with the case's previous event: nothing in such a log tells waiting from working.

Pure: frames in the columns of `analytics.eventlog.SCHEMA` in, frames out.
"""

from __future__ import annotations

import polars as pl

from layan.analytics.fold import CASE_ACTIVITIES

STEP_LIFECYCLES = ["schedule", "start", "complete"]
DECISIONS = ["approve", "reject"]
REASSIGN = "reassign"
TIME = pl.Datetime("us", "UTC")
INSTANCE_SCHEMA = {
    "case_id": pl.String,
    "step": pl.String,
    "unit": pl.String,
    "agency": pl.String,
    "task": pl.Int64,
    "scheduled_at": TIME,
    "started_at": TIME,
    "began_at": TIME,  # without lifecycles: the case's previous event
    "completed_at": TIME,
    "outcome": pl.String,
    "resource": pl.String,  # who decided it (or, undecided, who took it)
}


def _at(lifecycle: str) -> pl.Expr:
    return pl.col("timestamp").filter(pl.col("lifecycle") == lifecycle).min()


def _who(lifecycle: str) -> pl.Expr:
    return pl.col("resource").filter(pl.col("lifecycle") == lifecycle).drop_nulls().first()


def _instance_columns(step: pl.Expr | None = None, started: pl.Expr | None = None) -> list[pl.Expr]:
    """What an instance keeps of its events, whatever paired them."""
    return [
        pl.col("case_id").first(),
        (step if step is not None else pl.col("activity").first()).alias("step"),
        pl.col("unit").drop_nulls().first(),
        pl.col("agency").drop_nulls().first(),
        _at("schedule").alias("scheduled_at"),
        (started if started is not None else _at("start")).alias("started_at"),
        pl.lit(None, TIME).alias("began_at"),
        _at("complete").alias("completed_at"),
        pl.col("outcome").filter(pl.col("lifecycle") == "complete").first(),
        pl.coalesce(_who("complete"), _who("start")).alias("resource"),
    ]


def _own_instances(frame: pl.DataFrame) -> pl.DataFrame:
    """Layan's own log: one instance per task. A task a supervisor gave to an officer
    before anyone took it was taken when it was given (a reassignment logs no start)."""
    given = pl.col("activity") == REASSIGN
    step_event = pl.col("lifecycle").is_in(STEP_LIFECYCLES) & ~pl.col("activity").is_in(
        sorted(CASE_ACTIVITIES)
    )
    steps = frame.filter(pl.col("task").is_not_null() & (step_event | given))
    columns = _instance_columns(
        step=pl.col("activity").filter(~given).first(),
        started=pl.coalesce(_at("start"), pl.col("timestamp").filter(given).min()),
    )
    found = steps.group_by("task", maintain_order=True).agg(columns)
    return found.filter(pl.col("step").is_not_null())


def _paired_instances(frame: pl.DataFrame) -> pl.DataFrame:
    """An imported log with lifecycles: events paired by activity within a case, in order."""
    steps = frame.filter(pl.col("lifecycle").is_in(STEP_LIFECYCLES))
    previous = pl.col("lifecycle").shift(1).over("case_id", "activity").fill_null("")
    opens = (
        (pl.col("lifecycle") == "schedule")
        | ((pl.col("lifecycle") == "start") & (previous != "schedule"))
        | ((pl.col("lifecycle") == "complete") & ~previous.is_in(["schedule", "start"]))
    )
    numbered = steps.with_columns(
        opens.cast(pl.Int64).cum_sum().over("case_id", "activity").alias("_instance")
    )
    found = numbered.group_by("case_id", "activity", "_instance", maintain_order=True).agg(
        _instance_columns()[1:]  # the case is a key already
    )
    return found.drop("activity", "_instance").with_columns(pl.lit(None, pl.Int64).alias("task"))


def _single_event_instances(frame: pl.DataFrame) -> pl.DataFrame:
    """Events without a lifecycle: each one ends an instance begun at the case's previous
    event (the first event of a case has no beginning)."""
    previous = frame.with_columns(pl.col("timestamp").shift(1).over("case_id").alias("_before"))
    return previous.filter(pl.col("lifecycle").is_null()).select(
        "case_id",
        pl.col("activity").alias("step"),
        "unit",
        "agency",
        pl.lit(None, pl.Int64).alias("task"),
        pl.lit(None, TIME).alias("scheduled_at"),
        pl.lit(None, TIME).alias("started_at"),
        pl.col("_before").alias("began_at"),
        pl.col("timestamp").alias("completed_at"),
        "outcome",
        "resource",
    )


def step_instances(frame: pl.DataFrame, *, imported: bool = False) -> pl.DataFrame:
    """Every step instance of the log (`INSTANCE_SCHEMA`), ordered by case and arrival.

    A step's agency is the one before the dot of its unit ("AGENCY.UNIT"); an imported
    log's units are names of its own, so its steps belong to the importing agency.
    """
    if imported:
        parts = [_paired_instances(frame), _single_event_instances(frame)]
    else:
        parts = [_own_instances(frame)]
    found = pl.concat([p.select(list(INSTANCE_SCHEMA)).cast(INSTANCE_SCHEMA) for p in parts])
    unit_agency = pl.col("unit").str.split_exact(".", 1).struct.field("field_0")
    agency = (
        pl.col("agency")
        if imported
        else pl.when(pl.col("unit").str.contains(".", literal=True))
        .then(unit_agency)
        .otherwise(pl.col("agency"))
    )
    return found.with_columns(agency.alias("agency"), arrival().alias("arrived_at")).sort(
        "case_id", "arrived_at", "completed_at", nulls_last=True, maintain_order=True
    )


def arrival() -> pl.Expr:
    """When an instance reached its unit: scheduled, or (not known) started, begun or
    completed."""
    return pl.coalesce("scheduled_at", "started_at", "began_at", "completed_at")


def applicant_pauses(frame: pl.DataFrame) -> pl.DataFrame:
    """Each time a case waited on its applicant: the returning task, when it was returned,
    and when the applicant resubmitted (null while they still have not)."""
    numbered = pl.int_range(pl.len()).over("case_id").alias("_n")
    returns = frame.filter(pl.col("activity") == "return").with_columns(numbered)
    resubmits = frame.filter(pl.col("activity") == "resubmit").with_columns(numbered)
    return (
        returns.select("case_id", "_n", "task", pl.col("timestamp").alias("paused_at"))
        .join(
            resubmits.select("case_id", "_n", pl.col("timestamp").alias("resumed_at")),
            on=["case_id", "_n"],
            how="left",
        )
        .drop("_n")
    )


def case_spans(frame: pl.DataFrame, *, imported: bool = False) -> pl.DataFrame:
    """Each case's submission and decision (null while undecided) and its outcome.

    An imported log records finished traces: a case runs from its first to its last
    event, with no outcome known.
    """
    if imported:
        return frame.group_by("case_id", maintain_order=True).agg(
            pl.col("timestamp").min().alias("submitted_at"),
            pl.col("timestamp").max().alias("decided_at"),
            pl.lit(None, pl.String).alias("outcome"),
        )
    decided = pl.col("activity").is_in(DECISIONS)
    return frame.group_by("case_id", maintain_order=True).agg(
        pl.coalesce(
            pl.col("timestamp").filter(pl.col("activity") == "submit").min(),
            pl.col("timestamp").min(),
        ).alias("submitted_at"),
        pl.col("timestamp").filter(decided).first().alias("decided_at"),
        pl.col("activity").filter(decided).first().alias("outcome"),
    )
