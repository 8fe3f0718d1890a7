"""Where a service's time goes: the figures of a bottleneck analysis of its event log.

- per step and unit, the time it waited in the unit's queue (scheduled to taken) and the
  time an officer worked it (taken to decided), in the unit's working hours;
- handoffs: a step arriving at another unit (or agency) than the one that completed the
  case's previous step, and how long it then waited there;
- rework: steps passed through more than once in a case, returns to the applicant from
  each step, and how long applicants then took (working days; the clock stood still);
- breaches: the `sla breached` events of each step, and for each case whose service time
  was breached the step that overran its own SLA the most;
- the variants (paths) of decided cases with their lead times, and the performance
  directly-follows graph.

It runs on Layan's own log and on an imported one (`imported=True`), whose steps are
paired by activity. Pure: a frame, clocks and the steps' SLAs in, numbers out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from layan.analytics.cases import Variants, case_leads, variants
from layan.analytics.measures import (
    EMPTY,
    Stats,
    measured_instances,
    measured_pauses,
    stats_exprs,
    stats_of,
    stats_of_series,
)
from layan.analytics.working_time import HOUR, ClockBook

STEP_KEY = ["step", "unit", "agency"]


@dataclass(frozen=True)
class StepTimes:
    """How long a step waited and was worked at one unit, in working hours."""

    step: str
    unit: str | None
    agency: str | None
    instances: int
    waiting: Stats
    working: Stats
    total_hours: float  # all its instances' waiting and working added up
    waiting_share: float | None  # percent of that total spent waiting


@dataclass(frozen=True)
class Handoff:
    """Cases passed from one unit to another; the receiving unit's wait in working hours."""

    from_unit: str | None
    to_unit: str | None
    from_agency: str | None
    to_agency: str | None
    count: int
    across_agencies: bool
    waiting: Stats


@dataclass(frozen=True)
class Rework:
    """A step's repeats and returns; the applicant's correction time in working days."""

    step: str
    unit: str | None
    cases: int  # cases that passed through the step
    repeated_cases: int  # of them, passed through it more than once
    extra_passes: int  # passes beyond the first
    returns: int  # times it returned the case to the applicant
    return_rate: float | None  # percent of its decisions
    applicant_days: Stats
    still_with_applicant: int


@dataclass(frozen=True)
class BreachCause:
    """A step's breaches: its own deadline passed, and service times it overran the most."""

    step: str
    unit: str | None
    step_breaches: int  # `sla breached` events
    service_breaches: int  # breached cases where it overran its SLA the most
    overrun_hours: Stats  # by how much, in those cases (working hours)


@dataclass(frozen=True)
class Bottlenecks:
    cases: int
    decided: int
    lead_days: Stats
    steps: list[StepTimes]
    handoffs: list[Handoff]
    unit_handoffs: int
    agency_handoffs: int
    rework: list[Rework]
    breaches: list[BreachCause]
    breached_cases: int
    unattributed_breaches: int  # breached cases where no step overran its own SLA
    variants: Variants
    dfg: Any = None  # `analytics.dfg.Dfg` when computed


def step_times(measured: pl.DataFrame) -> list[StepTimes]:
    """Waiting and working per step and unit, the steps that took the most time first."""
    grouped = measured.group_by(STEP_KEY).agg(
        pl.len().alias("instances"),
        *stats_exprs("wait_s", "wait"),
        *stats_exprs("work_s", "work"),
        pl.col("wait_s").sum().alias("wait_total"),
        pl.col("work_s").sum().alias("work_total"),
    )
    grouped = grouped.with_columns((pl.col("wait_total") + pl.col("work_total")).alias("total"))
    found = []
    for row in grouped.sort(["total", "step"], descending=[True, False]).iter_rows(named=True):
        total = row["total"] or 0.0
        share = round(100.0 * row["wait_total"] / total, 1) if total > 0 else None
        found.append(
            StepTimes(
                row["step"],
                row["unit"],
                row["agency"],
                row["instances"],
                stats_of(row, "wait", HOUR),
                stats_of(row, "work", HOUR),
                total / HOUR,
                share,
            )
        )
    return found


def handoffs(measured: pl.DataFrame) -> list[Handoff]:
    """Handovers between units, the most frequent first."""
    moved = measured.filter(
        pl.col("from_unit").is_not_null() & (pl.col("from_unit") != pl.col("unit"))
    )
    grouped = moved.group_by("from_unit", "unit", "from_agency", "agency").agg(
        pl.len().alias("count"), *stats_exprs("handoff_wait_s", "wait")
    )
    order = grouped.sort(["count", "from_unit", "unit"], descending=[True, False, False])
    return [
        Handoff(
            row["from_unit"],
            row["unit"],
            row["from_agency"],
            row["agency"],
            row["count"],
            row["from_agency"] != row["agency"],
            stats_of(row, "wait", HOUR),
        )
        for row in order.iter_rows(named=True)
    ]


def rework(measured: pl.DataFrame, pauses: pl.DataFrame, day_seconds: float) -> list[Rework]:
    """Repeats and returns per step and unit, the most reworked first."""
    per_case = measured.group_by("case_id", "step", "unit").agg(
        pl.len().alias("passes"), (pl.col("outcome") == "return").sum().alias("returns")
    )
    grouped = per_case.group_by("step", "unit").agg(
        pl.len().alias("cases"),
        (pl.col("passes") > 1).sum().alias("repeated"),
        (pl.col("passes") - 1).sum().alias("extra"),
        pl.col("returns").sum().alias("returns"),
    )
    decided = measured.filter(pl.col("outcome").is_not_null()).group_by("step", "unit").len()
    waits = _applicant_waits(measured, pauses)
    grouped = grouped.join(decided, on=["step", "unit"], how="left", nulls_equal=True).join(
        waits, on=["step", "unit"], how="left", nulls_equal=True
    )
    order = grouped.sort(["returns", "extra", "step"], descending=[True, True, False])
    return [
        Rework(
            row["step"],
            row["unit"],
            row["cases"],
            row["repeated"],
            row["extra"],
            row["returns"],
            round(100.0 * row["returns"] / row["len"], 1) if row["len"] else None,
            stats_of(row, "applicant", day_seconds) if row["applicant_n"] else EMPTY,
            int(row["waiting"] or 0),
        )
        for row in order.iter_rows(named=True)
    ]


def _applicant_waits(measured: pl.DataFrame, pauses: pl.DataFrame) -> pl.DataFrame:
    """The applicant's correction times, by the step that returned the case."""
    returned = pauses.join(
        measured.filter(pl.col("task").is_not_null()).select("task", "step", "unit"),
        on="task",
        how="inner",
    )
    return returned.group_by("step", "unit").agg(
        *stats_exprs("paused_s", "applicant"), pl.col("resumed_at").is_null().sum().alias("waiting")
    )


def breach_causes(
    frame: pl.DataFrame, measured: pl.DataFrame, sla_seconds: Mapping[str, float]
) -> tuple[list[BreachCause], int, int]:
    """Each step's breaches; the count of breached cases, and of those no step explains."""
    events = frame.filter(pl.col("activity") == "sla breached").select("task")
    own = events.join(measured.select("task", "step", "unit"), on="task", how="inner")
    per_step = own.group_by("step", "unit").agg(pl.len().alias("step_breaches"))
    breached = frame.filter(pl.col("activity") == "service time breached")["case_id"].unique()
    slas = pl.DataFrame(
        {"step": list(sla_seconds), "sla_s": list(sla_seconds.values())},
        schema={"step": pl.String, "sla_s": pl.Float64},
    )
    overruns = (
        measured.filter(pl.col("case_id").is_in(breached.implode()))
        .join(slas, on="step", how="inner")
        .with_columns((pl.col("stay_s") - pl.col("sla_s")).alias("overrun_s"))
        .sort("overrun_s", descending=True)
        .group_by("case_id", maintain_order=True)
        .first()
        .filter(pl.col("overrun_s") > 0)
    )
    causes = overruns.group_by("step", "unit").agg(
        pl.len().alias("service_breaches"), *stats_exprs("overrun_s", "overrun")
    )
    merged = per_step.join(causes, on=["step", "unit"], how="full", coalesce=True, nulls_equal=True)
    return _breach_rows(merged), breached.len(), breached.len() - overruns.height


def _breach_rows(merged: pl.DataFrame) -> list[BreachCause]:
    rows = merged.with_columns(
        pl.col("step_breaches").fill_null(0), pl.col("service_breaches").fill_null(0)
    ).sort(["service_breaches", "step_breaches", "step"], descending=[True, True, False])
    return [
        BreachCause(
            row["step"],
            row["unit"],
            row["step_breaches"],
            row["service_breaches"],
            stats_of(row, "overrun", HOUR) if row["overrun_n"] else EMPTY,
        )
        for row in rows.iter_rows(named=True)
    ]


def find_bottlenecks(
    frame: pl.DataFrame,
    book: ClockBook,
    *,
    imported: bool = False,
    sla_seconds: Mapping[str, float] | None = None,
    as_of: datetime | None = None,
    top_variants: int = 10,
) -> Bottlenecks:
    """Every figure of the analysis of `frame` (one service's cases, or an imported log).

    `sla_seconds` is each step's own SLA in working seconds of its unit; `as_of` the
    moment the figures are taken, up to which open steps are counted.
    """
    measured = measured_instances(frame, book, imported=imported, as_of=as_of)
    pauses = measured_pauses(frame, book)
    leads = case_leads(frame, pauses, book, imported=imported)
    day = book.day_seconds
    causes, breached, unexplained = breach_causes(frame, measured, sla_seconds or {})
    moved = handoffs(measured)
    return Bottlenecks(
        cases=leads.height,
        decided=int(leads["lead_s"].is_not_null().sum()),
        lead_days=stats_of_series(leads["lead_s"], day),
        steps=step_times(measured),
        handoffs=moved,
        unit_handoffs=sum(h.count for h in moved),
        agency_handoffs=sum(h.count for h in moved if h.across_agencies),
        rework=rework(measured, pauses, day),
        breaches=causes,
        breached_cases=breached,
        unattributed_breaches=unexplained,
        variants=variants(measured, leads, day, top=top_variants),
    )
