"""The history of applications, played out in time order by the procedure's real rules.

Each unit's officers serve their role's queue first come, first served, only in the
unit's working hours (on its working clock); deadlines are set by `applications.rules`
on the real calendars, breaches are marked when a deadline passes with the work open (as
the sweep does), returns stop the clock until the applicant sends a fix. Everything that
happens is told to a `Sink` in the order it happened, with the actor, ledger and payload
the live services would record.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from layan.applications import rules
from layan.applications.rules import Status, TaskStatus
from layan.catalogue.queries import PublishedStandard
from layan.catalogue.standard import Step
from layan.core.calendar import WorkingCalendar
from layan.core.events import CITIZEN, SYSTEM, Actor, text_digest
from layan.core.worktime import WorkingClock
from layan.demo_history import behaviour

SWEEP = timedelta(minutes=1)  # how soon after a deadline the sweep marks it


@dataclass
class Unit:
    code: str
    id: int
    agency: str
    calendar: WorkingCalendar
    clock: WorkingClock
    supervisor: int | None
    officers: dict[str, list[int]]  # role -> officer ids
    free: dict[str, list[tuple[float, int]]] = field(default_factory=dict)  # heaps
    waiting: dict[str, deque[Task]] = field(default_factory=dict)


@dataclass
class Task:
    id: int
    case: Case
    step: Step
    stage: int
    unit: Unit
    created_at: datetime
    due_at: datetime
    status: str = TaskStatus.OPEN
    assignee: int | None = None
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: str | None = None
    reason: str | None = None
    legal_basis: str | None = None
    breached_at: datetime | None = None
    escalated_to: int | None = None
    seconds_left: float | None = None


@dataclass
class Case:
    id: int
    number: str
    published: PublishedStandard
    applicant: Any
    data: dict[str, Any]
    slots: list[str]
    stages: list[list[Step]]
    submitted_at: datetime
    due_at: datetime
    status: str = Status.IN_PROCESS
    stage: int = 0
    tasks: list[Task] = field(default_factory=list)
    seconds_left: float | None = None
    returned_at: datetime | None = None
    decided_at: datetime | None = None
    breached_at: datetime | None = None
    tz: str = "Asia/Jakarta"  # the owning agency's zone, for local dates

    @property
    def agency(self) -> str:
        return self.published.agency

    @property
    def cuti(self) -> bool:
        return self.published.standard.cuti_bersama_stops_clock


class Sink(Protocol):
    def event(self, **fields: Any) -> None: ...

    def ended(self, case: Case) -> None: ...  # decided: its rows may be written

    def survey(self, case: Case, at: datetime, scores: dict[str, int]) -> None: ...

    def complaint(self, case: Case, at: datetime) -> None: ...


class Engine:
    """Plays arrivals forward until `now`; what is still open then stays open."""

    def __init__(
        self,
        rng: random.Random,
        sink: Sink,
        units: dict[str, Unit],
        agency_calendar: Callable[[str], WorkingCalendar],
        ids: Callable[[str], int],
    ) -> None:
        self.rng, self.sink, self.units = rng, sink, units
        self.agency_calendar, self.ids = agency_calendar, ids
        self.open: dict[str, Case] = {}
        self._heap: list[tuple[datetime, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0

    def at(self, moment: datetime, action: Callable[..., None], *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (moment, self._seq, action, args))

    def run(self, until: datetime) -> None:
        while self._heap and self._heap[0][0] <= until:
            moment, _, action, args = heapq.heappop(self._heap)
            action(moment, *args)

    # --- applications ---------------------------------------------------------------

    def submit(self, now: datetime, case: Case) -> None:
        self.open[case.number] = case
        citizen = Actor(CITIZEN, "applicant", agency=case.agency)
        self._log(
            case,
            "submit",
            "complete",
            citizen,
            now,
            service=case.published.standard.code,
            version=case.published.version,
            due_at=case.due_at.isoformat(),
            documents=sorted(case.slots),
            once_only=[],
        )
        self.at(case.due_at + SWEEP, self._late, case, case.due_at)
        self._open_stage(now, case, 0, citizen)

    def _open_stage(self, now: datetime, case: Case, stage: int, actor: Actor) -> bool:
        if stage >= len(case.stages):
            return False
        case.stage = stage
        for step in case.stages[stage]:
            unit = self.units[step.unit]
            due = rules.deadline(unit.calendar, now, step.sla, cuti=case.cuti)
            self._schedule(now, Task(self.ids("task"), case, step, stage, unit, now, due), actor)
        return True

    def _schedule(self, now: datetime, task: Task, actor: Actor, **extra: Any) -> None:
        task.case.tasks.append(task)
        self._log(
            task.case,
            task.step.code,
            "schedule",
            actor,
            now,
            unit=task.unit.code,
            task=task.id,
            due_at=task.due_at.isoformat(),
            assigned_agency=task.unit.agency,
            **extra,
        )
        self.at(task.due_at + SWEEP, self._breach, task, task.due_at)
        clock = task.unit.clock
        ready = min(clock.at(now) + behaviour.pickup(self.rng, task.step), clock.total)
        self.at(max(now, clock.instant_from(ready)), self._enqueue, task)

    # --- each unit's queue, in its working time ---------------------------------------

    def _enqueue(self, now: datetime, task: Task) -> None:
        if task.status != TaskStatus.OPEN:
            return  # the case ended before an officer looked at the queue
        unit, role = task.unit, task.step.role
        free = unit.free.setdefault(role, [(0.0, o) for o in unit.officers[role]])
        working = unit.clock.at(now)
        if free and free[0][0] <= working:
            _, officer = heapq.heappop(free)
            self.at(unit.clock.instant_from(working), self._start, task, officer)
        else:
            unit.waiting.setdefault(role, deque()).append(task)

    def _start(self, now: datetime, task: Task, officer: int) -> None:
        unit = task.unit
        if task.status != TaskStatus.OPEN:  # cancelled while it waited
            self._free(now, unit, task.step.role, officer, unit.clock.at(now))
            return
        task.status, task.assignee, task.claimed_at = TaskStatus.CLAIMED, officer, now
        self._log(
            task.case, task.step.code, "start", self._officer(task, officer), now, task=task.id
        )
        spent = behaviour.step_time(self.rng, task.step)
        begun = unit.clock.at(now)
        released = min(begun + spent.touch, unit.clock.total)
        done = min(released + spent.hold, unit.clock.total)
        self.at(unit.clock.instant(released), self._free, unit, task.step.role, officer, released)
        self.at(unit.clock.instant(done), self._decide, task, officer)

    def _free(self, now: datetime, unit: Unit, role: str, officer: int, working: float) -> None:
        waiting = unit.waiting.get(role)
        while waiting:
            task = waiting.popleft()
            if task.status == TaskStatus.OPEN:
                self.at(max(now, unit.clock.instant_from(working)), self._start, task, officer)
                return
        heapq.heappush(unit.free[role], (working, officer))

    # --- decisions ----------------------------------------------------------------

    def _decide(self, now: datetime, task: Task, officer: int) -> None:
        if task.status != TaskStatus.CLAIMED:
            return  # the case ended (refused elsewhere) while this step was worked
        case, actor = task.case, self._officer(task, officer)
        alone = not any(t is not task and t.status in TaskStatus.ACTIVE for t in case.tasks)
        outcome = behaviour.outcome(self.rng, task.step, may_return=alone)
        reason = self.rng.choice(behaviour.REASONS) if outcome == "return" else None
        basis = None
        if outcome == "reject":
            reason, basis = behaviour.REFUSAL
        task.outcome, task.reason, task.legal_basis, task.decided_at = outcome, reason, basis, now
        self._log(
            case,
            task.step.code,
            "complete",
            actor,
            now,
            task=task.id,
            outcome=outcome,
            reason_sha256=text_digest(reason) if reason else None,
            legal_basis=basis,
            late=now > task.due_at,
        )
        if outcome == "approve":
            task.status = TaskStatus.APPROVED
            if rules.stage_done(
                (t.step.code, t.status) for t in case.tasks if t.stage == case.stage
            ):
                if not self._open_stage(now, case, case.stage + 1, actor):
                    self._close(now, case, Status.APPROVED, actor)
        elif outcome == "return":
            task.status = TaskStatus.RETURNED
            self._return(now, case, task, actor, reason or "")
        else:
            task.status = TaskStatus.REJECTED
            self._close(now, case, Status.REJECTED, actor)

    def _return(self, now: datetime, case: Case, task: Task, actor: Actor, reason: str) -> None:
        calendar = self.agency_calendar(case.agency)
        case.seconds_left = rules.seconds_left(calendar, now, case.due_at, cuti=case.cuti)
        task.seconds_left = rules.seconds_left(task.unit.calendar, now, task.due_at, cuti=case.cuti)
        case.status, case.returned_at = Status.RETURNED, now
        self._log(
            case, "return", "suspend", actor, now, task=task.id, reason_sha256=text_digest(reason)
        )
        delay = behaviour.applicant_delay(self.rng)
        if delay is not None:
            self.at(now + timedelta(seconds=delay), self._resubmit, case, task)

    def _resubmit(self, now: datetime, case: Case, returned: Task) -> None:
        citizen = Actor(CITIZEN, "applicant", agency=case.agency)
        self._log(case, "resubmit", "resume", citizen, now, documents=case.slots[:1], fields=[])
        calendar = self.agency_calendar(case.agency)
        case.due_at = rules.resumed_deadline(calendar, now, case.seconds_left or 0, cuti=case.cuti)
        case.seconds_left, case.returned_at, case.status = None, None, Status.IN_PROCESS
        self.at(case.due_at + SWEEP, self._late, case, case.due_at)
        due = rules.resumed_deadline(
            returned.unit.calendar, now, returned.seconds_left or 0, cuti=case.cuti
        )
        returned.seconds_left = None
        again = Task(self.ids("task"), case, returned.step, returned.stage, returned.unit, now, due)
        self._schedule(now, again, citizen, reopened_from=returned.id)

    def _close(self, now: datetime, case: Case, status: str, actor: Actor) -> None:
        case.status, case.decided_at = status, now
        for task in case.tasks:
            if task.status in TaskStatus.ACTIVE:
                task.status = TaskStatus.CANCELLED
        late = now > case.due_at
        self._log(
            case,
            "approve" if status == Status.APPROVED else "reject",
            "complete",
            actor,
            now,
            ledger=actor.agency,
            outcome=status,
            due_at=case.due_at.isoformat(),
            late=late,
        )
        del self.open[case.number]
        self.sink.ended(case)
        refused = status == Status.REJECTED
        if self.rng.random() < behaviour.ANSWERS_SURVEY:
            answered = now + timedelta(hours=self.rng.uniform(0.1, 72))
            self.at(
                answered, self._survey, case, behaviour.scores(self.rng, late=late, refused=refused)
            )
        if behaviour.complains(self.rng, late=late or case.breached_at is not None):
            self.at(now + timedelta(hours=self.rng.uniform(1, 120)), self._complaint, case)

    def _survey(self, now: datetime, case: Case, scores: dict[str, int]) -> None:
        self.sink.survey(case, now, scores)

    def _complaint(self, now: datetime, case: Case) -> None:
        self.sink.complaint(case, now)

    # --- the sweep ----------------------------------------------------------------

    def _breach(self, now: datetime, task: Task, due: datetime) -> None:
        if task.status not in TaskStatus.ACTIVE or task.due_at != due or task.breached_at:
            return
        task.breached_at, task.escalated_to = now, task.unit.supervisor
        system = Actor(SYSTEM.resource, SYSTEM.role, task.unit.code, task.unit.agency)
        self._log(
            task.case,
            "sla breached",
            "complete",
            system,
            now,
            unit=task.unit.code,
            task=task.id,
            step=task.step.code,
        )
        self._log(
            task.case,
            "escalate",
            "complete",
            system,
            now,
            unit=task.unit.code,
            task=task.id,
            to=task.escalated_to,
        )

    def _late(self, now: datetime, case: Case, due: datetime) -> None:
        if case.status != Status.IN_PROCESS or case.due_at != due or case.breached_at:
            return
        case.breached_at = now
        system = Actor(SYSTEM.resource, SYSTEM.role, agency=case.agency)
        self._log(case, "service time breached", "complete", system, now)

    # --- the log ------------------------------------------------------------------

    def _officer(self, task: Task, officer: int) -> Actor:
        return Actor(f"officer:{officer}", task.step.role, task.unit.code, task.unit.agency)

    def _log(
        self,
        case: Case,
        activity: str,
        lifecycle: str,
        actor: Actor,
        now: datetime,
        *,
        ledger: str | None = None,
        unit: str | None = None,
        **payload: Any,
    ) -> None:
        """As `applications.procedure.log`: the acting agency's ledger (the owner's for the
        applicant), the case's events, no personal data."""
        self.sink.event(
            ledger=ledger or actor.agency or case.agency,
            case_type="application",
            case_id=case.number,
            activity=activity,
            lifecycle=lifecycle,
            actor=actor,
            at=now,
            unit=unit,
            payload=payload,
        )
