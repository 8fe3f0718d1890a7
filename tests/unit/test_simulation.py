"""The procedure simulation agrees with queueing theory, and changes move it the right way.

Time here is in plain working seconds with a "day" of one second, so lead times in days
read as the seconds of queueing theory.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from layan.analytics.simulation import (
    Arrival,
    Part,
    ProcedureModel,
    Station,
    Visit,
    own_time,
    simulate,
)
from layan.analytics.simulation_changes import (
    AddOfficers,
    MergeSteps,
    ParallelSteps,
    RemoveStep,
    apply_changes,
)
from layan.analytics.simulation_results import edges_for, histogram, replicate, summarise
from layan.analytics.what_if import what_if
from layan.core.errors import ValidationFailedError


def poisson_arrivals(rate: float, count: int, seed: int = 11, allowance: float = 1e9) -> tuple:
    rng, moment, found = random.Random(seed), 0.0, []
    for _ in range(count):
        moment += rng.expovariate(rate)
        found.append(Arrival(moment, allowance))
    return tuple(found)


def exponential(mean: float, count: int = 20_000, seed: int = 5) -> tuple[float, ...]:
    rng = random.Random(seed)
    return tuple(rng.expovariate(1 / mean) for _ in range(count))


def station(code: str, work: tuple[float, ...], unit: str | None = None, **part) -> Station:
    return Station(code, unit or f"U.{code.upper()}", "processor", (Part(code, work, **part),))


def model(*stages: tuple[Station, ...], arrivals: tuple, officers: dict | None = None, **more):
    keys = {(s.unit, s.role) for stage in stages for s in stage}
    staff = dict.fromkeys(keys, 1) | (officers or {})
    return ProcedureModel(tuple(stages), staff, arrivals, more.get("corrections", ()), 1.0)


def mean_lead(m: ProcedureModel, seed: int = 1) -> float:
    leads = [c.lead_days for c in simulate(m, seed=seed)]
    return sum(leads) / len(leads)


def test_a_single_officer_queue_waits_as_queueing_theory_says() -> None:
    # M/M/1 with arrival rate 0.5 and service rate 1: time in system 1 / (1 - 0.5) = 2.
    m = model((station("a", exponential(1.0)),), arrivals=poisson_arrivals(0.5, 40_000))
    assert mean_lead(m) == pytest.approx(2.0, rel=0.05)


def test_a_constant_service_waits_as_pollaczek_khinchine_says() -> None:
    # M/D/1 at load 0.5: waiting 0.5 / (2 * (1 - 0.5)) = 0.5, plus the service of 1.
    m = model((station("a", (1.0,)),), arrivals=poisson_arrivals(0.5, 40_000))
    assert mean_lead(m) == pytest.approx(1.5, rel=0.05)


def erlang_c_time_in_system(rate: float, service: float, servers: int) -> float:
    load = rate * service
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    waiting_probability = top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)
    return waiting_probability * service / (servers - load) + service


def test_several_officers_share_one_queue_as_erlang_c_says() -> None:
    a = station("a", exponential(1.0))
    m = model((a,), arrivals=poisson_arrivals(1.5, 40_000), officers={(a.unit, a.role): 2})
    assert mean_lead(m) == pytest.approx(erlang_c_time_in_system(1.5, 1.0, 2), rel=0.06)


def test_adding_officers_shortens_the_wait() -> None:
    a = station("a", exponential(1.0))
    busy = model((a,), arrivals=poisson_arrivals(0.9, 20_000))
    helped = apply_changes(busy, [AddOfficers(a.unit, a.role, 1)])
    assert helped.officers[(a.unit, a.role)] == 2
    before, after = mean_lead(busy), mean_lead(helped)
    assert before == pytest.approx(10.0, rel=0.25)  # M/M/1 at load 0.9
    assert after == pytest.approx(erlang_c_time_in_system(0.9, 1.0, 2), rel=0.06)


def test_removing_a_step_shortens_the_lead_time() -> None:
    m = model(
        (station("a", exponential(1.0)),),
        (station("b", exponential(0.5)),),
        arrivals=poisson_arrivals(0.5, 10_000),
    )
    shorter = apply_changes(m, [RemoveStep("b")])
    assert [s.code for s in shorter.stations()] == ["a"]
    assert mean_lead(m) == pytest.approx(2.0 + 1 / (2 - 0.5), rel=0.08)  # two M/M/1 in a row
    assert mean_lead(shorter) == pytest.approx(2.0, rel=0.08)


def test_parallel_steps_take_as_long_as_the_longer_of_them() -> None:
    sparse = tuple(Arrival(100.0 * i, 1e9) for i in range(50))  # no one ever queues
    m = model((station("a", (1.0,)),), (station("b", (2.0,)),), arrivals=sparse)
    side_by_side = apply_changes(m, [ParallelSteps(("b", "a"))])
    assert [[s.code for s in stage] for stage in side_by_side.stages] == [["a", "b"]]
    assert {c.lead_days for c in simulate(m, seed=1)} == {3.0}
    assert {c.lead_days for c in simulate(side_by_side, seed=1)} == {2.0}


def test_merged_steps_are_done_by_one_officer_in_one_queue() -> None:
    m = model(
        (station("a", (1.0,)),),
        (station("b", (1.0,), unit="U.OTHER"),),
        arrivals=tuple(Arrival(1.5 * i, 1e9) for i in range(1000)),
    )
    merged = apply_changes(m, [MergeSteps(("b", "a"))])
    (only,) = merged.stations()
    assert (only.code, only.unit, [p.code for p in only.parts]) == ("a+b", "U.A", ["a", "b"])
    # Two officers in a row keep up (1 of work every 1.5); one doing 2 of work falls behind.
    assert mean_lead(m) == pytest.approx(2.0)
    assert mean_lead(merged) > 100


def test_the_applicants_correction_time_is_not_lead_time() -> None:
    sparse = tuple(Arrival(1000.0 * i, 1e9) for i in range(4000))
    m = model((station("a", (1.0,), returns=0.5),), arrivals=sparse, corrections=(50.0,))
    # Each pass takes 1; a pass returns with probability 1/2, so 2 passes on average.
    assert mean_lead(m) == pytest.approx(2.0, rel=0.05)


def test_a_rejection_ends_the_case_before_later_steps() -> None:
    sparse = tuple(Arrival(100.0 * i, 1e9) for i in range(20))
    m = model((station("a", (1.0,), rejects=1.0),), (station("b", (5.0,)),), arrivals=sparse)
    assert {c.lead_days for c in simulate(m, seed=3)} == {1.0}


def test_a_conditional_step_applies_as_often_as_it_did() -> None:
    sparse = tuple(Arrival(100.0 * i, 1e9) for i in range(4000))
    m = model((station("a", (1.0,), occurs=0.25),), (station("b", (1.0,)),), arrivals=sparse)
    assert mean_lead(m) == pytest.approx(1.25, rel=0.04)


def test_a_case_is_on_time_when_its_lead_is_within_its_deadline() -> None:
    arrivals = (Arrival(0.0, 2.0), Arrival(100.0, 0.5))
    m = model((station("a", (1.0,)),), arrivals=arrivals)
    assert [c.on_time for c in simulate(m, seed=1)] == [True, False]


def test_cases_that_only_fill_the_queues_are_not_measured() -> None:
    arrivals = (Arrival(0.0, 9.0, measured=False), Arrival(0.0, 9.0))
    m = model((station("a", (1.0,)),), arrivals=arrivals)
    assert [c.lead_days for c in simulate(m, seed=1)] == [2.0]  # waited behind the first


def test_the_nearest_deadline_goes_first_when_asked() -> None:
    # Three cases and another service's urgent task come at once; the first case is taken
    # at once, then the urgent task jumps the queue, as officers' queues in Layan do.
    a = Station("a", "U.A", "processor", (Part("a", (1.0,)),), sla=9.0)
    m = ProcedureModel(
        ((a,),),
        {("U.A", "processor"): 1},
        tuple(Arrival(0.0, 9.0) for _ in range(3)),
        (),
        1.0,
        background=(Visit(0.0, "U.A", "processor", 1.0, sla=0.5),),
    )
    assert [c.lead_days for c in simulate(m, seed=1)] == [1.0, 2.0, 3.0]
    assert [c.lead_days for c in simulate(m, seed=1, queue="deadline")] == [1.0, 3.0, 4.0]


def test_other_services_tasks_at_the_same_unit_share_its_officers() -> None:
    # M/M/1 at total load 0.5, half of it another service's: time in system still 2.
    a = station("a", exponential(1.0))
    others = tuple(
        Visit(arrival.at, a.unit, a.role, work)
        for arrival, work in zip(
            poisson_arrivals(0.25, 20_000, seed=12), exponential(1.0, 20_000, seed=9), strict=True
        )
    )
    alone = model((a,), arrivals=poisson_arrivals(0.25, 20_000))
    shared = replace(alone, background=others)
    assert mean_lead(alone) == pytest.approx(1 / (1 - 0.25), rel=0.06)
    assert mean_lead(shared) == pytest.approx(2.0, rel=0.08)


def test_an_officer_is_free_while_the_rest_of_a_task_passes() -> None:
    # The officer's own time is half of each task's work; the other half passes without
    # them: an M/M/1 queue on the halves (load 0.75), plus the whole work.
    work = exponential(1.0)
    a = Station("a", "U.A", "processor", (Part("a", work, own=tuple(w / 2 for w in work)),))
    m = model((a,), arrivals=poisson_arrivals(1.5, 40_000))
    assert mean_lead(m) == pytest.approx(0.75 / (2 - 1.5) + 1.0, rel=0.06)


def test_the_time_before_an_officer_looks_holds_no_officer() -> None:
    # Both wait 1 before anyone looks; the first is worked 1-2, the second (looked at
    # 1.5) waits for the officer until 2 and is done at 3.
    a = Station("a", "U.A", "processor", (Part("a", (1.0,), pickups=(1.0,)),))
    m = model((a,), arrivals=(Arrival(0.0, 9.0), Arrival(0.5, 9.0)))
    assert [c.lead_days for c in simulate(m, seed=1)] == [2.0, 2.5]


def test_a_fixed_seed_gives_the_same_answer_and_another_seed_another() -> None:
    m = model((station("a", exponential(1.0)),), arrivals=poisson_arrivals(0.5, 2000))
    first = [c.lead_days for c in simulate(m, seed=42)]
    assert first == [c.lead_days for c in simulate(m, seed=42)]
    assert first != [c.lead_days for c in simulate(m, seed=43)]


def test_replications_give_a_spread_and_a_shared_histogram() -> None:
    m = model((station("a", exponential(1.0)),), arrivals=poisson_arrivals(0.5, 2000))
    runs = replicate(m, replications=4, seed=7)
    edges = edges_for(*[[c.lead_days for c in run] for run in runs])
    found = summarise(runs, edges)
    assert (found.replications, found.cases) == (4, 2000)
    assert found.p50.low <= found.p50.mean <= found.p50.high
    assert found.p50.low < found.p50.high  # the replications differ
    assert sum(b.share for b in found.histogram) == pytest.approx(100.0)
    assert len(found.histogram) <= 20 and found.histogram[0].low == 0.0


def test_a_histogram_puts_each_lead_in_its_bin() -> None:
    bins = histogram([0.1, 0.4, 0.5, 2.6], (0.0, 0.5, 1.0))
    assert [b.share for b in bins] == [50.0, 50.0]  # 2.6 is beyond the last edge: last bin


def test_what_if_compares_on_the_same_draws() -> None:
    m = model(
        (station("a", exponential(1.0)),),
        (station("b", exponential(0.5)),),
        arrivals=poisson_arrivals(0.5, 3000),
    )
    unchanged = what_if(m, [], replications=3, seed=1)
    assert unchanged.current == unchanged.changed
    gain = what_if(m, [RemoveStep("b")], replications=3, seed=1)
    assert gain.changed.p50.mean < gain.current.p50.mean
    assert gain.current.histogram[0].high == gain.changed.histogram[0].high


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (RemoveStep("nope"), "changes[0].step"),
        (MergeSteps(("a", "a")), "changes[0].steps"),
        (ParallelSteps(("a", "nope")), "changes[0].steps"),
        (AddOfficers("U.NOPE", "processor", 1), "changes[0].unit"),
        (AddOfficers("U.A", "processor", 0), "changes[0].count"),
    ],
)
def test_a_change_that_cannot_be_made_names_its_field(change, field) -> None:  # type: ignore[no-untyped-def]
    m = model((station("a", (1.0,)),), (station("b", (1.0,)),), arrivals=())
    with pytest.raises(ValidationFailedError) as refused:
        apply_changes(m, [change])
    assert [e.field for e in refused.value.errors] == [field]


def test_a_step_removed_earlier_cannot_be_changed_later() -> None:
    m = model((station("a", (1.0,)),), (station("b", (1.0,)),), arrivals=())
    with pytest.raises(ValidationFailedError) as refused:
        apply_changes(m, [RemoveStep("b"), MergeSteps(("a", "b"))])
    assert refused.value.errors[0].field == "changes[1].steps"


def test_the_last_step_cannot_be_removed() -> None:
    m = model((station("a", (1.0,)),), arrivals=())
    with pytest.raises(ValidationFailedError):
        apply_changes(m, [RemoveStep("a")])


def test_an_own_time_not_shown_is_one_seen_on_another_task_never_more_than_its_work() -> None:
    rng = random.Random(1)
    assert own_time(rng, 0.3, (5.0,), 2.0) == 0.3  # shown
    assert own_time(rng, math.nan, (5.0,), 2.0) == 2.0  # seen, but more than the work
    assert own_time(rng, math.nan, (0.5,), 2.0) == 0.5
    assert own_time(rng, math.nan, (), 2.0) == 2.0  # never seen: all of it
