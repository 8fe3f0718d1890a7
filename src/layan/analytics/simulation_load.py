"""What a service shares its officers with, and how much of a task is the officer's own
time, read from the log.

A unit's officers serve every service with a step there, so a model of one service alone
would give it the whole unit. The other services' tasks come in as they actually came
(`Visit`s, with the working time they actually took).

A task's working time (taken to decided) is not all its officer's: it may wait on a site
visit or a committee while the officer takes the next. The officer's own time on a task
is read where the log shows it: an officer who took a task while the next was already
waiting took that next one once done with their part of this one, so the working time
between the two is theirs (`touch_s`); where the log does not show it, the model draws
one seen on another task of the step. And before an officer takes a task, time passes
even when no one is ahead of it in the unit's queue and an officer is free (an official
signs in one or two sittings a day): the waiting of the tasks that found the queue empty
and an officer free are a step's pickup times. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from layan.analytics.measures import measured_instances
from layan.analytics.simulation import Pool, Visit
from layan.analytics.working_time import ClockBook, working_at

OWN = ""  # the service simulated, among the services sharing its officers
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class SharedService:
    """Another service's log, and its steps' roles and SLAs (working seconds)."""

    code: str
    frame: pl.DataFrame
    roles: Mapping[str, str]
    slas: Mapping[str, float]


@dataclass(frozen=True)
class Load:
    """The tasks at the pools, each with its officer's own time and whether it found the
    queue empty; the officers' own and the pickup times per step; the other services'
    visits."""

    tasks: pl.DataFrame
    own: dict[str, tuple[float, ...]]  # the officers' own times seen, by `step_key`
    pickups: dict[str, tuple[float, ...]]
    visits: tuple[Visit, ...]


def step_key(service: str, step: str) -> str:
    return f"{service}{SEPARATOR}{step}"


def pool_tasks(
    measured: pl.DataFrame, service: str, roles: Mapping[str, str], slas: Mapping[str, float]
) -> pl.DataFrame:
    """A service's measured step instances with the role and SLA of their step."""
    return measured.with_columns(
        pl.lit(service).alias("service"),
        pl.col("step").replace_strict(roles, default=None, return_dtype=pl.String).alias("role"),
        pl.col("step").replace_strict(slas, default=0.0, return_dtype=pl.Float64).alias("sla_s"),
    )


def _in(pools: Iterable[Pool]) -> pl.Expr:
    keys = [f"{unit}{SEPARATOR}{role}" for unit, role in pools]
    return pl.concat_str("unit", "role", separator=SEPARATOR).is_in(keys)


def with_touch(tasks: pl.DataFrame) -> pl.DataFrame:
    """`touch_s`: the officer's own time on a task, where the log shows it: the working
    time until the same officer took their next task, when that one was already waiting
    as they took this (so they were busy, not idle, until then) and came before the
    decision; null elsewhere. `busy_s` is the officer's time as best known: the task's
    own, or the step's median (never more than its work), or all of its work."""
    ordered = tasks.sort("resource", "taken_at", nulls_last=True)
    following = pl.col("w_taken_at").shift(-1).over("resource")
    waiting = pl.col("scheduled_at").shift(-1).over("resource") <= pl.col("taken_at")
    gap = (following - pl.col("w_taken_at")).clip(lower_bound=0.0)
    seen = pl.col("resource").is_not_null() & waiting & pl.col("work_s").is_not_null()
    touched = ordered.with_columns(
        pl.when(seen).then(pl.min_horizontal("work_s", gap)).alias("touch_s")
    )
    typical = pl.min_horizontal(pl.col("touch_s").median().over("service", "step"), "work_s")
    return touched.with_columns(pl.coalesce("touch_s", typical, "work_s").alias("busy_s"))


def with_queue_ahead(tasks: pl.DataFrame) -> pl.DataFrame:
    """`ahead`: how many tasks of the same unit and role were waiting to be taken when
    each task came (scheduled before it, not yet taken), and `busy`: how many were then
    in their officer's own time. In the unit's working seconds."""
    keys = ["unit", "role"]
    left = pl.coalesce("w_started_at", "w_ended_at")
    indexed = tasks.with_row_index("_i")
    none = pl.lit(None, pl.UInt32).alias("_i")

    def moves(at: pl.Expr, queue: int, busy: int, who: pl.Expr) -> pl.DataFrame:
        return indexed.select(
            *keys, who, at.alias("t"), pl.lit(queue).alias("dq"), pl.lit(busy).alias("db")
        )

    events = pl.concat(
        [
            moves(pl.col("w_scheduled_at"), 1, 0, pl.col("_i")),
            moves(left, -1, 0, none),
            moves(pl.col("w_taken_at"), 0, 1, none),
            moves(pl.col("w_taken_at") + pl.col("busy_s"), 0, -1, none),
        ]
    ).filter(pl.col("t").is_not_null())
    # At one instant, what ends goes first: a task taken as another comes is not ahead.
    ordered = events.sort([*keys, "t", "dq", "db"])
    counted = ordered.with_columns(
        pl.col("dq").cum_sum().over(keys).alias("q"), pl.col("db").cum_sum().over(keys).alias("b")
    )
    came = counted.filter(pl.col("_i").is_not_null()).select(
        "_i", (pl.col("q") - 1).alias("ahead"), pl.col("b").alias("busy")
    )
    return indexed.join(came, on="_i", how="left", maintain_order="left").drop("_i")


def samples(tasks: pl.DataFrame, column: str) -> dict[str, tuple[float, ...]]:
    """Each step's known values of `column`, by `step_key`."""
    grouped = tasks.filter(pl.col(column).is_not_null()).group_by("service", "step")
    return {step_key(sv, st): tuple(v) for sv, st, v in grouped.agg(pl.col(column)).iter_rows()}


def pickup_times(tasks: pl.DataFrame, officers: Mapping[Pool, int]) -> dict[str, tuple[float, ...]]:
    """Each step's waits of the tasks that came to an empty queue and a free officer."""
    staff = pl.DataFrame(
        {
            "unit": [u for u, _ in officers],
            "role": [r for _, r in officers],
            "officers": [max(n, 1) for n in officers.values()],
        },
        schema={"unit": pl.String, "role": pl.String, "officers": pl.Int64},
    )
    found = tasks.join(staff, on=["unit", "role"], how="left").with_columns(
        pl.col("officers").fill_null(1)
    )
    free = found.filter(
        (pl.col("ahead") == 0)
        & (pl.col("busy") < pl.col("officers"))
        & pl.col("wait_s").is_not_null()
    )
    return samples(free, "wait_s")


def _visits(tasks: pl.DataFrame, book: ClockBook) -> tuple[Visit, ...]:
    """The other services' decided tasks: when they came, what they took."""
    found = tasks.filter(
        (pl.col("service") != OWN)
        & pl.col("scheduled_at").is_not_null()
        & pl.col("work_s").is_not_null()
    )
    at = working_at(found["scheduled_at"], book.service)
    own = pl.col("touch_s").fill_null(math.nan)
    rows = found.select("service", "step", "unit", "role", "work_s", "sla_s", own).iter_rows()
    return tuple(
        Visit(a, unit, role, work, sla, touch, step_key(service, step))
        for a, (service, step, unit, role, work, sla, touch) in zip(at, rows, strict=True)
    )


def shared_load(
    own: pl.DataFrame,
    shared: Sequence[SharedService],
    officers: Mapping[Pool, int],
    book: ClockBook,
) -> Load:
    """Every service's tasks at the pools (the service's own, `pool_tasks` of it, under
    `OWN`), read for the officers' own time and the pickup times."""
    others = [
        pool_tasks(measured_instances(s.frame, book), s.code, s.roles, s.slas) for s in shared
    ]
    every = pl.concat([own, *others], how="diagonal_relaxed").filter(_in(list(officers)))
    tasks = with_queue_ahead(with_touch(every))
    return Load(
        tasks, samples(tasks, "touch_s"), pickup_times(tasks, officers), _visits(tasks, book)
    )
