"""A procedure model fitted from the event log: what each step of the standard took.

From the cases of a period: the submissions (their instants, and the working time their
legal deadline gave), each step's working times (start to decision, in its unit's
working seconds) with the officer's own part of each and the pickup times before an
officer looked (`simulation_load`), how often it applied to the cases that reached its
stage (a conditional step applies to some), how often it returned a case to the
applicant or rejected it, and how long applicants took to resubmit; beside them, the
other services' tasks at the same units and roles. Officers per unit and role come from
the accounts, as the caller read them. Steps the log never saw worked are modelled as
taking no working time, and named in `unobserved` so the page can say so. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from layan.analytics.cases import case_leads
from layan.analytics.measures import measured_instances, measured_pauses
from layan.analytics.simulation import Arrival, Part, Pool, ProcedureModel, Station
from layan.analytics.simulation_load import (
    OWN,
    Load,
    SharedService,
    pool_tasks,
    shared_load,
    step_key,
)
from layan.analytics.working_time import ClockBook
from layan.applications.rules import deadline
from layan.catalogue.standard import Duration, Step


@dataclass(frozen=True)
class Fitted:
    model: ProcedureModel
    cases: pl.DataFrame  # case_id, submitted_at, allowance_s, lead_s, measured, at
    unobserved: tuple[str, ...]  # steps of the standard never seen worked in the log
    understaffed: tuple[tuple[str, str], ...]  # (unit, role) nobody holds: modelled as one


def _reach(measured: pl.DataFrame, stage_of: Mapping[str, int]) -> dict[int, int]:
    """How many cases reached each stage (had a step of it, or of a later one)."""
    staged = measured.with_columns(
        pl.col("step").replace_strict(stage_of, default=None, return_dtype=pl.Int64).alias("stage")
    ).filter(pl.col("stage").is_not_null())
    furthest = staged.group_by("case_id").agg(pl.col("stage").max())["stage"].to_list()
    return {s: sum(1 for f in furthest if f >= s) for s in set(stage_of.values())}


def _share(part: int, whole: int, otherwise: float) -> float:
    return part / whole if whole else otherwise


def _part(step: Step, tasks: pl.DataFrame, reached: int, pickups: tuple[float, ...]) -> Part:
    """A step as its tasks ran: how often, how long (and how much of it the officer's
    own), how it was decided, how long before an officer looked."""
    passes = tasks.filter(pl.col("step") == step.code)
    outcomes = passes["outcome"].drop_nulls().to_list()
    timed = passes.filter(pl.col("completed_at").is_not_null() & pl.col("work_s").is_not_null())
    applied = passes["case_id"].n_unique()
    return Part(
        code=step.code,
        work=tuple(timed["work_s"].to_list()),
        occurs=_share(applied, reached, 1.0 if step.condition is None else 0.5),
        returns=_share(outcomes.count("return"), len(outcomes), 0.0),
        rejects=_share(outcomes.count("reject"), len(outcomes), 0.0),
        own=tuple(timed["touch_s"].fill_null(math.nan).to_list()),
        pickups=pickups,
    )


def _arrivals(
    cases: pl.DataFrame, book: ClockBook, service_time: Duration, cuti: bool
) -> pl.DataFrame:
    """Each submission's instant on the service clock and its deadline's allowance."""
    clock = book.service
    at, allowance = [], []
    for submitted in cases["submitted_at"].to_list():
        due = deadline(clock.calendar, submitted, service_time, cuti=cuti)
        at.append(clock.at(submitted))
        allowance.append(clock.at(due) - clock.at(submitted))
    return cases.with_columns(
        pl.Series("at", at, pl.Float64), pl.Series("allowance_s", allowance, pl.Float64)
    )


def _stations(
    stages: Sequence[Sequence[Step]], slas: Mapping[str, float], load: Load
) -> tuple[tuple[Station, ...], ...]:
    """One station per step of the standard, with what the log says of it."""
    tasks = load.tasks.filter(pl.col("service") == OWN)
    stage_of = {step.code: i for i, stage in enumerate(stages) for step in stage}
    reach = _reach(tasks, stage_of)

    def station(step: Step, stage: int) -> Station:
        key = step_key(OWN, step.code)
        part = _part(step, tasks, reach.get(stage, 0), load.pickups.get(key, ()))
        return Station(step.code, step.unit, step.role, (part,), slas.get(step.code, 0.0))

    return tuple(tuple(station(step, i) for step in stage) for i, stage in enumerate(stages))


def fit_model(
    frame: pl.DataFrame,
    book: ClockBook,
    stages: Sequence[Sequence[Step]],
    officers: Mapping[Pool, int],
    service_time: Duration,
    *,
    cuti: bool = True,
    measure_from: datetime | None = None,
    slas: Mapping[str, float] | None = None,
    shared: Sequence[SharedService] = (),
) -> Fitted:
    """The model of the procedure `stages` (the standard's, conditions ignored) as the
    cases of `frame` ran it, beside the `shared` services' tasks at the same units and
    roles; cases submitted before `measure_from` only fill the queues. `slas` are the
    steps' own SLAs in working seconds."""
    slas = slas or {}
    pauses = measured_pauses(frame, book)
    keys = sorted({(step.unit, step.role) for stage in stages for step in stage})
    staff = {key: officers.get(key, 0) for key in keys}
    roles = {step.code: step.role for stage in stages for step in stage}
    own = pool_tasks(measured_instances(frame, book), OWN, roles, slas)
    load = shared_load(own, shared, staff, book)
    cases = _cases(frame, pauses, book, service_time, cuti, measure_from)
    model = ProcedureModel(
        stages=_stations(stages, slas, load),
        officers=staff,
        arrivals=tuple(
            Arrival(*row) for row in cases.select("at", "allowance_s", "measured").iter_rows()
        ),
        corrections=tuple(pauses["paused_s"].drop_nulls().to_list()),
        day_seconds=book.day_seconds,
        background=load.visits,
        own=load.own,
        pickups=load.pickups,
    )
    unobserved = tuple(p.code for s in model.stations() for p in s.parts if not p.work)
    return Fitted(model, cases, unobserved, tuple(k for k in keys if staff[k] < 1))


def _cases(
    frame: pl.DataFrame,
    pauses: pl.DataFrame,
    book: ClockBook,
    service_time: Duration,
    cuti: bool,
    measure_from: datetime | None,
) -> pl.DataFrame:
    """The cases: submitted when, the deadline's allowance, the lead time, measured or not."""
    leads = case_leads(frame, pauses, book).filter(pl.col("submitted_at").is_not_null())
    start = measure_from.astimezone(UTC) if measure_from else None
    cases = _arrivals(leads, book, service_time, cuti).with_columns(
        (pl.col("submitted_at") >= start if start else pl.lit(True)).alias("measured")
    )
    kept = cases.select("case_id", "submitted_at", "allowance_s", "lead_s", "measured", "at")
    return kept.sort("at")
