"""Cases as wholes: lead times, and the variants (the paths cases actually took).

A case's lead time is the working time from submission to decision on the clock of the
agency that owns the service, less the time it waited on its applicant (the clock stops
then), in that clock's working days: the dashboard's definition. A variant is the
sequence of steps a decided case completed, in the order they were completed, repeats
included: a step done twice because it was returned is a different path from the
straight one. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from layan.analytics.measures import Stats, stats_exprs, stats_of
from layan.analytics.step_instances import case_spans
from layan.analytics.working_time import ClockBook, between, on_clock

SEPARATOR = "\x1f"  # joins step names into one key; no step code or activity name holds it


def case_leads(
    frame: pl.DataFrame, pauses: pl.DataFrame, book: ClockBook, *, imported: bool = False
) -> pl.DataFrame:
    """Each case's `submitted_at`, `decided_at`, `outcome`, and `lead_s` (null while
    undecided) with `lead_days`; `pauses` are `measures.measured_pauses` of the log."""
    spans = on_clock(
        case_spans(frame, imported=imported), ["submitted_at", "decided_at"], book.service
    )
    paused = pauses.group_by("case_id").agg(pl.col("paused_s").sum().alias("_paused"))
    lead = (between("submitted_at", "decided_at") - pl.col("_paused").fill_null(0.0)).clip(
        lower_bound=0.0
    )
    found = spans.join(paused, on="case_id", how="left").with_columns(lead.alias("lead_s"))
    return found.with_columns((pl.col("lead_s") / book.day_seconds).alias("lead_days")).drop(
        "_paused"
    )


@dataclass(frozen=True)
class Variant:
    """One path through the procedure, how many decided cases took it, and their lead time
    in working days."""

    steps: tuple[str, ...]
    cases: int
    share: float  # percent of decided cases
    lead_days: Stats


@dataclass(frozen=True)
class Variants:
    shown: list[Variant]
    other_cases: int  # decided cases on paths not shown
    other_paths: int
    decided: int


def variants(
    instances: pl.DataFrame, leads: pl.DataFrame, day_seconds: float, *, top: int = 10
) -> Variants:
    """The `top` most frequent paths of decided cases (ties by lead time, then path)."""
    decided = leads.filter(pl.col("lead_s").is_not_null()).select("case_id", "lead_s")
    done = instances.filter(pl.col("completed_at").is_not_null())
    paths = done.group_by("case_id").agg(
        pl.col("step").sort_by("completed_at", "arrived_at").str.join(SEPARATOR).alias("path")
    )
    cases = decided.join(paths, on="case_id", how="left").with_columns(pl.col("path").fill_null(""))
    grouped = (
        cases.group_by("path")
        .agg(pl.len().alias("cases"), *stats_exprs("lead_s", "lead"))
        .sort(["cases", "lead_median", "path"], descending=[True, False, False])
    )
    total = decided.height
    shown = [
        Variant(
            tuple(row["path"].split(SEPARATOR)) if row["path"] else (),
            row["cases"],
            round(100.0 * row["cases"] / total, 1),
            stats_of(row, "lead", day_seconds),
        )
        for row in grouped.head(top).iter_rows(named=True)
    ]
    rest = grouped.slice(top)
    return Variants(shown, int(rest["cases"].sum()), rest.height, total)
