"""What a procedure change would gain: a discrete-event simulation of a service (simpy).

The model (`ProcedureModel`) is the procedure as stages of stations: a station is one
queue, served first come first served (or nearest deadline first) by the officers of its
unit who hold its role; the stations of a stage run side by side, and a case moves on
when all of them are done. A station does one step of the standard, or several after a
merge (one officer does both, one queue). What each step takes is drawn from what
officers actually took (`analytics.simulation_fit` fits the model from the event log):
whether it applies to a case (conditional steps), its working time, and whether it
approves, returns the case to the applicant (who then takes a correction time drawn from
the log, which does not count as lead time, and the step is done again) or rejects it
(the case ends).

Officers are shared: the tasks other services brought to the same unit and role
(`background`) take their turns with the same officers, when they actually came. And a
task does not hold its officer all its working time: it may wait on a site visit or a
committee while the officer takes the next, and it waits a while before an officer looks
at the queue even when one is free. So a task's working time is split into the
officer's own time (`own`) and the rest, and a pickup time comes before its turn
(`analytics.simulation_load` reads both from the log).

Time is working time on the clock of the agency that owns the service: officers work
only in opening hours, and a case's lead time in working days is what the dashboard
counts. A case is on time when its lead time is within its legal deadline (the service
time counted from its submission, as the deadline was set). Pure: no database, no web;
a seed makes a run repeatable.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import simpy

MAX_PASSES = 10  # a step returned this often is let through, so no case loops forever
Queue = Literal["fifo", "deadline"]


@dataclass(frozen=True)
class Part:
    """One step of the standard as the log knows it."""

    code: str
    work: tuple[float, ...]  # working seconds officers took on it (start to decision)
    occurs: float = 1.0  # share of the cases reaching it that it applied to
    returns: float = 0.0  # share of its decisions that returned the case to the applicant
    rejects: float = 0.0  # share of its decisions that rejected the application
    # Of each `work`, the officer's own time where the log shows it (NaN where not).
    own: tuple[float, ...] = ()
    pickups: tuple[float, ...] = ()  # working seconds before an officer looks, queue aside

    @cached_property
    def known_own(self) -> tuple[float, ...]:
        return tuple(o for o in self.own if not math.isnan(o))

    def draw(self, rng: random.Random) -> tuple[float, float]:
        """One pass, drawn from one observed task: the officer's own time (its own where
        known) and the whole working time."""
        if not self.work:
            return 0.0, 0.0
        i = rng.randrange(len(self.work))
        known = self.own[i] if self.own else math.nan
        return own_time(rng, known, self.known_own, self.work[i]), self.work[i]


def own_time(rng: random.Random, known: float, seen: Sequence[float], work: float) -> float:
    """The officer's own time on a task of `work`: `known` when the log showed it, else one
    seen on another task of the step (never more than the work), else all of it."""
    if not math.isnan(known):
        return known
    return min(rng.choice(seen), work) if seen else work


@dataclass(frozen=True)
class Station:
    """One queue: the officers of `unit` holding `role` do its parts, one case at a time."""

    code: str
    unit: str
    role: str
    parts: tuple[Part, ...]
    sla: float = 0.0  # working seconds its own deadline gives (for the deadline-first queue)


@dataclass(frozen=True)
class Visit:
    """A task of another service at a shared unit and role: when it came (working seconds
    on the service's clock), what it took, and its own deadline."""

    at: float
    unit: str
    role: str
    work: float
    sla: float = 0.0
    own: float = math.nan  # the officer's own time, where the log shows it
    step: str = ""  # whose own and pickup times it draws (`ProcedureModel.own`, `.pickups`)


@dataclass(frozen=True)
class Arrival:
    """A submission: when (working seconds on the service's clock) and how much working
    time its legal deadline gave; cases not `measured` only fill the queues."""

    at: float
    allowance: float
    measured: bool = True


Pool = tuple[str, str]  # (unit, role)


@dataclass(frozen=True)
class ProcedureModel:
    stages: tuple[tuple[Station, ...], ...]
    officers: Mapping[Pool, int]  # officers serving each unit and role
    arrivals: tuple[Arrival, ...]
    corrections: tuple[float, ...]  # working seconds applicants took to resubmit
    day_seconds: float
    background: tuple[Visit, ...] = ()  # other services' tasks at the same units and roles
    # The officers' own times and the pickup times of the background's steps, by `Visit.step`.
    own: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    pickups: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def stations(self) -> Iterator[Station]:
        for stage in self.stages:
            yield from stage

    def capacity(self, pool: Pool) -> int:
        """Officers serving the pool (one at least: someone did the work)."""
        return max(self.officers.get(pool, 0), 1)


@dataclass(frozen=True)
class CaseResult:
    lead_days: float
    on_time: bool


class _Run:
    """One replication: the stations' queues, and every case walking the procedure."""

    def __init__(self, model: ProcedureModel, rng: random.Random, queue: Queue) -> None:
        self.model, self.rng, self.queue = model, rng, queue
        self.env = simpy.Environment()
        kind = simpy.PriorityResource if queue == "deadline" else simpy.Resource
        keys = {*model.officers, *((v.unit, v.role) for v in model.background)}
        self.pools = {key: kind(self.env, capacity=model.capacity(key)) for key in keys}
        self.results: list[CaseResult] = []

    def run(self) -> list[CaseResult]:
        if not self.model.arrivals:
            return []
        origin = min(a.at for a in (*self.model.arrivals, *self.model.background))
        for arrival in self.model.arrivals:
            self.env.process(self._case(arrival, arrival.at - origin))
        for visit in self.model.background:
            self.env.process(self._other(visit, visit.at - origin))
        self.env.run()
        return self.results

    def _other(self, visit: Visit, delay: float) -> Iterator[simpy.Event]:
        """Another service's task taking its turn with the same officers."""
        yield self.env.timeout(delay)
        pool = self.pools[(visit.unit, visit.role)]
        touch = own_time(self.rng, visit.own, self.model.own.get(visit.step, ()), visit.work)
        pickup = self._pick(self.model.pickups.get(visit.step, ()))
        yield from self._serve(pool, visit.sla, (touch, visit.work), pickup)

    def _serve(
        self, pool: simpy.Resource, sla: float, times: tuple[float, float], pickup: float
    ) -> Iterator[simpy.Event]:
        """A task at a unit: until an officer looks (no officer busy with it), its turn in
        the queue, the officer's own time on it, then the rest of its working time while
        the officer is free for the next (a site visit, a committee)."""
        touch, work = times
        due = self.env.now + sla
        if pickup > 0:
            yield self.env.timeout(pickup)
        with self._request(pool, due) as turn:
            yield turn
            yield self.env.timeout(touch)
        if work > touch:
            yield self.env.timeout(work - touch)

    def _pick(self, samples: Sequence[float]) -> float:
        return self.rng.choice(samples) if samples else 0.0

    def _case(self, arrival: Arrival, delay: float) -> Iterator[simpy.Event]:
        yield self.env.timeout(delay)
        began, paused = self.env.now, 0.0
        for stage in self.model.stages:
            outcomes = yield from self._stage(stage)
            paused += sum(p for p, _ in outcomes)
            if any(rejected for _, rejected in outcomes):
                break
        if arrival.measured:
            lead = max(self.env.now - began - paused, 0.0)
            self.results.append(
                CaseResult(lead / self.model.day_seconds, lead <= arrival.allowance + 1e-6)
            )

    def _stage(self, stage: tuple[Station, ...]) -> Iterator[simpy.Event | tuple[float, bool]]:
        """Visit the stage's stations that apply, side by side; their outcomes."""
        due = [(s, parts) for s in stage if (parts := self._occurring(s))]
        if len(due) == 1:  # one station: walk it in this process, without a fork and join
            outcome = yield from self._visit(*due[0])
            return [outcome]
        visits = [self.env.process(self._visit(s, parts)) for s, parts in due]
        done = yield self.env.all_of(visits)
        return [done[v] for v in visits]

    def _occurring(self, station: Station) -> tuple[Part, ...]:
        return tuple(p for p in station.parts if self.rng.random() < p.occurs)

    def _visit(self, station: Station, parts: tuple[Part, ...]) -> Iterator[simpy.Event]:
        """Queue for an officer, be worked, and come back after each return; the working
        time the applicant took, and whether the application was rejected."""
        pool = self.pools[(station.unit, station.role)]
        paused = 0.0
        for _ in range(MAX_PASSES):
            drawn = [p.draw(self.rng) for p in parts]
            times = (sum(t for t, _ in drawn), sum(w for _, w in drawn))
            yield from self._serve(pool, station.sla, times, self._pick(parts[0].pickups))
            outcome = self._outcome(parts)
            if outcome != "return":
                return paused, outcome == "reject"
            if self.model.corrections:
                correction = self.rng.choice(self.model.corrections)
                paused += correction
                yield self.env.timeout(correction)
        return paused, False

    def _request(self, pool: simpy.Resource, due: float) -> simpy.events.Event:
        """A turn in the queue: by arrival (FIFO), or the nearest deadline first (the task's
        own: when it came plus its SLA, as officers' queues in Layan are ordered)."""
        if isinstance(pool, simpy.PriorityResource):
            return pool.request(priority=due)
        return pool.request()

    def _outcome(self, parts: tuple[Part, ...]) -> str:
        outcome = "approve"
        for part in parts:
            draw = self.rng.random()
            if draw < part.rejects:
                return "reject"
            if draw < part.rejects + part.returns:
                outcome = "return"
        return outcome


def simulate(model: ProcedureModel, *, seed: int, queue: Queue = "fifo") -> list[CaseResult]:
    """One replication: every measured case's lead time and whether it was on time."""
    return _Run(model, random.Random(seed), queue).run()


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile, linear between the two nearest observations (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
