"""What a service shares its officers with, and how much of a task is its officer's own
time, read from small logs whose answers are known by hand (government hours, WIB)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from layan.analytics.measures import measured_instances
from layan.analytics.simulation_load import (
    OWN,
    SharedService,
    pool_tasks,
    shared_load,
    step_key,
    with_queue_ahead,
    with_touch,
)
from tests.unit.test_bottlenecks import BOOK, at, event, log

HOUR = 3600.0
POOL = ("B.TEKNIS", "processor")


def task(case: str, code: str, number: int, times: tuple, officer: str | None) -> list[tuple]:
    """A step at B.TEKNIS: scheduled, taken and decided, by `officer`."""
    scheduled, started, completed = times
    rows = [
        event(case, code, "schedule", scheduled, "B.TEKNIS", number),
        event(case, code, "start", started, "B.TEKNIS", number),
        event(case, code, "complete", completed, "B.TEKNIS", number, "approve"),
    ]
    return [(*r[:4], officer, *r[5:]) for r in rows]


def tasks_of(frame: pl.DataFrame, service: str = OWN) -> pl.DataFrame:
    return pool_tasks(measured_instances(frame, BOOK), service, {"teknis": "processor"}, {})


def test_an_officer_who_took_the_next_waiting_task_was_busy_until_then() -> None:
    frame = log(
        task("c1", "teknis", 1, (at(6, 2, 8), at(6, 2, 8), at(6, 2, 11)), "officer:1"),
        task("c2", "teknis", 2, (at(6, 2, 7, 30), at(6, 2, 9), at(6, 2, 10)), "officer:1"),
        task("c3", "teknis", 3, (at(6, 2, 13), at(6, 2, 14), at(6, 2, 15)), "officer:1"),
    )
    found = with_touch(tasks_of(frame)).sort("case_id")
    touch = dict(zip(found["case_id"], found["touch_s"], strict=True))
    # c1 was on hold from 09:00, when c2 (waiting since 07:30) was taken: 1 hour its officer's.
    assert touch["c1"] == HOUR
    # c2 was taken while nothing else waited, and the next came later: not shown.
    assert touch["c2"] is None and touch["c3"] is None


def test_a_task_that_found_an_empty_queue_and_a_free_officer_waited_only_for_a_look() -> None:
    frame = log(
        task("c1", "teknis", 1, (at(6, 2, 8), at(6, 2, 8, 30), at(6, 2, 12)), "officer:1"),
        task("c2", "teknis", 2, (at(6, 2, 9), at(6, 2, 12), at(6, 2, 13)), "officer:1"),
        task("c3", "teknis", 3, (at(6, 2, 10), at(6, 2, 13), at(6, 2, 14)), "officer:1"),
    )
    found = with_queue_ahead(with_touch(tasks_of(frame))).sort("case_id")
    assert found["ahead"].to_list() == [0, 0, 1]  # c3 came while c2 still waited
    # c2's own time shows (c3 waited when it was taken): 1 hour; c1's does not, so it is
    # taken as the step's median, and held its officer from 08:30 to 09:30, when c2 came.
    assert found["busy_s"].to_list() == [HOUR, HOUR, 3600.0]
    assert found["busy"].to_list() == [0, 1, 0]
    load = shared_load(tasks_of(frame), [], {POOL: 1}, BOOK)
    assert load.pickups == {step_key(OWN, "teknis"): (0.5 * HOUR,)}  # c1's half hour only
    assert load.own == {step_key(OWN, "teknis"): (HOUR,)}


def test_with_two_officers_a_task_behind_a_busy_one_found_a_free_officer() -> None:
    frame = log(
        task("c1", "teknis", 1, (at(6, 2, 8), at(6, 2, 8, 30), at(6, 2, 12)), "officer:1"),
        task("c2", "teknis", 2, (at(6, 2, 9), at(6, 2, 10), at(6, 2, 13)), "officer:2"),
    )
    load = shared_load(tasks_of(frame), [], {POOL: 2}, BOOK)
    assert sorted(load.pickups[step_key(OWN, "teknis")]) == [0.5 * HOUR, HOUR]


def test_other_services_tasks_at_the_same_unit_and_role_come_as_they_came() -> None:
    other = log(
        task("o1", "kajian", 7, (at(6, 2, 9), at(6, 2, 10), at(6, 2, 12)), "officer:1"),
        event("o1", "cetak", "schedule", at(6, 2, 12), "A.LOKET", 8),  # another pool
    )
    shared = SharedService("izin", other, {"kajian": "processor", "cetak": "front_desk"}, {})
    own = log(task("c1", "teknis", 1, (at(6, 2, 8), at(6, 2, 8), at(6, 2, 9)), "officer:1"))
    load = shared_load(tasks_of(own), [shared], {POOL: 1}, BOOK)
    (visit,) = load.visits
    assert (visit.unit, visit.role, visit.step) == (
        "B.TEKNIS",
        "processor",
        step_key("izin", "kajian"),
    )
    assert visit.work == 2 * HOUR and math.isnan(visit.own)
    assert visit.at == pytest.approx(BOOK.service.at(at(6, 2, 9)))
