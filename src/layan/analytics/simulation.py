"""What a procedure change would gain: a discrete-event simulation of a service (simpy).

The model (`ProcedureModel`) is the procedure as stages of stations: a station is one
queue, served first come first served by the officers of its unit who hold its role; the
stations of a stage run side by side, and a case moves on when all of them are done.
A station does one step of the standard, or several after a merge (one officer does
both, one queue). What each step takes is drawn from what officers actually took
(`analytics.simulation_fit` fits the model from the event log): whether it applies to a
case (conditional steps), its working time, and whether it approves, returns the case to
the applicant (who then takes a correction time drawn from the log, which does not
count as lead time, and the step is done again) or rejects it (the case ends).

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Station:
    """One queue: the officers of `unit` holding `role` do its parts, one case at a time."""

    code: str
    unit: str
    role: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Arrival:
    """A submission: when (working seconds on the service's clock) and how much working
    time its legal deadline gave; cases not `measured` only fill the queues."""

    at: float
    allowance: float
    measured: bool = True


@dataclass(frozen=True)
class ProcedureModel:
    stages: tuple[tuple[Station, ...], ...]
    officers: Mapping[tuple[str, str], int]  # (unit, role) -> officers serving
    arrivals: tuple[Arrival, ...]
    corrections: tuple[float, ...]  # working seconds applicants took to resubmit
    day_seconds: float

    def stations(self) -> Iterator[Station]:
        for stage in self.stages:
            yield from stage


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
        self.pools = {
            key: kind(self.env, capacity=max(count, 1)) for key, count in model.officers.items()
        }
        self.results: list[CaseResult] = []

    def run(self) -> list[CaseResult]:
        if not self.model.arrivals:
            return []
        origin = min(a.at for a in self.model.arrivals)
        for arrival in self.model.arrivals:
            self.env.process(self._case(arrival, arrival.at - origin))
        self.env.run()
        return self.results

    def _case(self, arrival: Arrival, delay: float) -> Iterator[simpy.Event]:
        yield self.env.timeout(delay)
        began, paused = self.env.now, 0.0
        priority = arrival.at + arrival.allowance if self.queue == "deadline" else 0.0
        for stage in self.model.stages:
            outcomes = yield from self._stage(stage, priority)
            paused += sum(p for p, _ in outcomes)
            if any(rejected for _, rejected in outcomes):
                break
        if arrival.measured:
            lead = max(self.env.now - began - paused, 0.0)
            self.results.append(
                CaseResult(lead / self.model.day_seconds, lead <= arrival.allowance + 1e-6)
            )

    def _stage(
        self, stage: tuple[Station, ...], priority: float
    ) -> Iterator[simpy.Event | tuple[float, bool]]:
        """Visit the stage's stations that apply, side by side; their outcomes."""
        due = [(s, parts) for s in stage if (parts := self._occurring(s))]
        if len(due) == 1:  # one station: walk it in this process, without a fork and join
            outcome = yield from self._visit(*due[0], priority)
            return [outcome]
        visits = [self.env.process(self._visit(s, parts, priority)) for s, parts in due]
        done = yield self.env.all_of(visits)
        return [done[v] for v in visits]

    def _occurring(self, station: Station) -> tuple[Part, ...]:
        return tuple(p for p in station.parts if self.rng.random() < p.occurs)

    def _visit(
        self, station: Station, parts: tuple[Part, ...], priority: float
    ) -> Iterator[simpy.Event]:
        """Queue for an officer, be worked, and come back after each return; the working
        time the applicant took, and whether the application was rejected."""
        pool = self.pools[(station.unit, station.role)]
        paused = 0.0
        for _ in range(MAX_PASSES):
            with self._request(pool, priority) as turn:
                yield turn
                yield self.env.timeout(sum(self._work(p) for p in parts))
            outcome = self._outcome(parts)
            if outcome != "return":
                return paused, outcome == "reject"
            if self.model.corrections:
                correction = self.rng.choice(self.model.corrections)
                paused += correction
                yield self.env.timeout(correction)
        return paused, False

    def _request(self, pool: simpy.Resource, priority: float) -> simpy.events.Event:
        """A turn in the queue: by arrival (FIFO), or the earliest legal deadline first."""
        if isinstance(pool, simpy.PriorityResource):
            return pool.request(priority=priority)
        return pool.request()

    def _work(self, part: Part) -> float:
        return self.rng.choice(part.work) if part.work else 0.0

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
