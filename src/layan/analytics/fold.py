"""Folding the event log into rollup counters: what each kind of event adds, and where.

Pure: events, the cases and open tasks they touch, and working clocks come in; counter
deltas and the changed cases and tasks come out. `analytics.rollups` reads and writes
them, so the rules of what counts as received, decided, on time, waiting or working live
here, testable without a database.

What counts (applications; months are the agency's local months):
- received: a `submit`, in the month submitted;
- decided: an `approve` or `reject` ending the case, in the month decided; on time when
  decided by the service time's deadline (which stops while the case waits on the
  applicant); its lead time is the working time from submission to decision minus the
  time it waited on the applicant, in the owning agency's working days;
- a step's waiting time runs from its scheduling to when an officer took it, its working
  time from then to its decision, both in the unit's working time;
- complaints: received at `submit`, resolved at their first `resolve` (on time unless
  that event says late), counted at the unit holding them then.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from layan.analytics import rules
from layan.surveys.rules import ELEMENT_KEYS

# Events of an application's case that are not the steps of its procedure.
CASE_ACTIVITIES = frozenset(
    {
        "submit",
        "draft saved",
        "return",
        "resubmit",
        "approve",
        "reject",
        "reassign",
        "sla breached",
        "escalate",
        "service time breached",
    }
)
STEP_LIFECYCLES = frozenset({"schedule", "start", "complete"})


class Clocks(Protocol):
    """Working time as the rollups need it; keys are agency or unit codes. Whether cuti
    bersama stops the clock is the service's to say, as it is for its deadlines."""

    def tz(self, agency: str) -> str: ...

    def cuti(self, service: str) -> bool: ...

    def working_seconds(
        self, key: str, start: datetime, end: datetime, cuti: bool = True
    ) -> float: ...

    def day_seconds(self, agency: str) -> float: ...


class LogEvent(NamedTuple):
    """One event as the fold reads it (a tuple: millions are made on a rebuild)."""

    id: int
    case_type: str
    case_id: str
    activity: str
    lifecycle: str
    timestamp: datetime
    unit: str | None
    agency: str
    payload: dict[str, Any]


@dataclass
class Case:
    case_type: str
    case_id: str
    agency: str
    service: str
    unit: str
    submitted_at: datetime
    paused_seconds: float = 0.0
    paused_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: str | None = None
    breached: bool = False


@dataclass
class Task:
    task_id: int
    case_id: str
    service: str
    agency: str
    unit: str
    step: str
    scheduled_at: datetime
    started_at: datetime | None = None
    paused_before: float = 0.0  # the case's time with its applicant when the task began


@dataclass(frozen=True)
class SurveyRow:
    id: int
    agency: str
    unit: str
    service: str
    answered_on: date
    scores: dict[str, int | None]


Counters = dict[tuple[str, ...], dict[str, float]]


def _counters() -> Counters:
    return defaultdict(lambda: defaultdict(float))


@dataclass
class Deltas:
    """What a batch adds to each rollup table, by the table's key."""

    service_months: Counters = field(default_factory=_counters)  # agency, service, month
    lead_times: Counters = field(default_factory=_counters)  # agency, service, month, bucket
    step_months: Counters = field(default_factory=_counters)  # agency, unit, service, step, month
    complaint_months: Counters = field(default_factory=_counters)  # agency, unit, month
    survey_months: Counters = field(default_factory=_counters)  # agency, unit, service, month


class Fold:
    """Applies events to counters, given the cases and open tasks they refer to.

    `cases` and `tasks` hold what was loaded for this batch and are updated in place;
    `changed` and `closed_tasks` say what to write back.
    """

    def __init__(
        self, clocks: Clocks, cases: dict[tuple[str, str], Case], tasks: dict[int, Task]
    ) -> None:
        self.clocks, self.cases, self.tasks = clocks, cases, tasks
        self.deltas = Deltas()
        self.changed: set[tuple[str, str]] = set()
        self.changed_tasks: set[int] = set()
        self.closed_tasks: set[int] = set()
        self.ended_cases: set[str] = set()  # decided: whatever of theirs is open is cancelled
        self._by_case: dict[str, set[int]] = {}
        for task in tasks.values():
            self._by_case.setdefault(task.case_id, set()).add(task.task_id)

    def apply(self, event: LogEvent) -> None:
        if event.case_type == "application":
            self._application(event)
        elif event.case_type == "complaint":
            self._complaint(event)

    # --- applications -------------------------------------------------------------

    def _application(self, e: LogEvent) -> None:
        if e.activity == "submit":
            self._received(e)
            return
        case = self.cases.get(("application", e.case_id))
        if case is None:
            return  # a case submitted before the log was read (or a draft): nothing to add to
        if e.activity not in CASE_ACTIVITIES and e.lifecycle in STEP_LIFECYCLES:
            self._step(e, case)
        elif e.activity == "return":
            case.paused_at = e.timestamp
            self._touch(case)
            self._service_month(case, e.timestamp)["returned"] += 1
        elif e.activity == "resubmit" and case.paused_at is not None:
            case.paused_seconds += self._working(case, case.agency, case.paused_at, e.timestamp)
            case.paused_at = None
            self._touch(case)
        elif e.activity == "reassign":
            self._taken(self.tasks.get(e.payload.get("task")), e.timestamp)  # type: ignore[arg-type]
        elif e.activity in ("approve", "reject") and case.decided_at is None:
            self._decided(e, case)
        elif e.activity == "service time breached":
            case.breached = True
            self._touch(case)
            self._service_month(case, e.timestamp)["breached"] += 1
        elif e.activity == "sla breached":
            unit = e.unit or ""
            agency = unit.partition(".")[0]
            month = rules.month_of(e.timestamp, self.clocks.tz(agency))
            key = (agency, unit, case.service, str(e.payload.get("step", "")), month)
            self.deltas.step_months[key]["breached"] += 1

    def _received(self, e: LogEvent) -> None:
        case = Case(
            "application",
            e.case_id,
            e.agency,
            str(e.payload.get("service", "")),
            e.unit or "",
            e.timestamp,
        )
        self.cases[("application", e.case_id)] = case
        self._touch(case)
        self._service_month(case, e.timestamp)["received"] += 1

    def _decided(self, e: LogEvent, case: Case) -> None:
        case.decided_at, case.outcome = e.timestamp, e.activity
        self._touch(case)
        late = bool(e.payload["late"]) if "late" in e.payload else case.breached
        month = self._service_month(case, e.timestamp)
        month["decided"] += 1
        month["approved"] += e.activity == "approve"
        month["on_time"] += not late
        self._service_month(case, case.submitted_at)["cohort_decided"] += 1
        working = self._working(case, case.agency, case.submitted_at, e.timestamp)
        lead = max(working - case.paused_seconds, 0.0) / self.clocks.day_seconds(case.agency)
        bucket = rules.bucket_of(lead)
        key = (case.agency, case.service, self._month(case, e), str(bucket))
        self.deltas.lead_times[key]["count"] += 1
        # A decision cancels the steps still open: they leave the open tasks uncounted.
        self.ended_cases.add(case.case_id)
        for task_id in self._by_case.pop(case.case_id, set()):
            self.tasks.pop(task_id, None)
            self.changed_tasks.discard(task_id)
            self.closed_tasks.add(task_id)

    def _step(self, e: LogEvent, case: Case) -> None:
        task_id = e.payload.get("task")
        if not isinstance(task_id, int):
            return
        if e.lifecycle == "schedule":
            self._scheduled(e, case, task_id)
            return
        task = self.tasks.get(task_id)
        if task is None:
            return
        if e.lifecycle == "start":
            self._taken(task, e.timestamp)
            return
        started = task.started_at or e.timestamp  # decided without taking it first
        waited = self._working(case, task.unit, task.scheduled_at, started)
        worked = self._working(case, task.unit, started, e.timestamp)
        # Time the case spent with its applicant meanwhile counts as neither: it comes
        # off the waiting first (a paused step is rarely being worked on).
        held = max(self._paused(case, e.timestamp) - task.paused_before, 0.0)
        waited, worked = max(waited - held, 0.0), max(worked - max(held - waited, 0.0), 0.0)
        counters = self._step_month(task, case, e)
        counters["completed"] += 1
        counters["returned"] += e.payload.get("outcome") == "return"
        counters["late"] += bool(e.payload.get("late"))
        counters["waited"] += 1
        counters["wait_seconds"] += waited
        counters["worked"] += 1
        counters["work_seconds"] += worked
        del self.tasks[task_id]
        self._by_case.get(task.case_id, set()).discard(task_id)
        self.changed_tasks.discard(task_id)
        self.closed_tasks.add(task_id)

    def _scheduled(self, e: LogEvent, case: Case, task_id: int) -> None:
        unit = e.unit or ""
        agency = str(e.payload.get("assigned_agency") or unit.partition(".")[0])
        task = Task(task_id, case.case_id, case.service, agency, unit, e.activity, e.timestamp)
        task.paused_before = self._paused(case, e.timestamp)
        self.tasks[task_id] = task
        self._by_case.setdefault(case.case_id, set()).add(task_id)
        self.changed_tasks.add(task_id)
        self.closed_tasks.discard(task_id)
        self._step_month(task, case, e)["scheduled"] += 1

    def _taken(self, task: Task | None, moment: datetime) -> None:
        """An officer took the task (claimed it, or a supervisor gave it to one)."""
        if task is not None and task.started_at is None:
            task.started_at = moment
            self.changed_tasks.add(task.task_id)

    def _working(self, case: Case, key: str, start: datetime, end: datetime) -> float:
        return self.clocks.working_seconds(key, start, end, self.clocks.cuti(case.service))

    def _paused(self, case: Case, moment: datetime) -> float:
        """The case's working time with its applicant up to `moment`."""
        open_pause = (
            self._working(case, case.agency, case.paused_at, moment) if case.paused_at else 0
        )
        return case.paused_seconds + open_pause

    # --- complaints ---------------------------------------------------------------

    def _complaint(self, e: LogEvent) -> None:
        key = ("complaint", e.case_id)
        if e.activity == "submit":
            case = Case(
                "complaint",
                e.case_id,
                e.agency,
                str(e.payload.get("category", "")),
                e.unit or "",
                e.timestamp,
            )
            self.cases[key] = case
            self._touch(case)
            self._complaint_month(case, e)["received"] += 1
            return
        case = self.cases.get(key)
        if case is None:
            return
        if e.activity == "dispose" and isinstance(e.payload.get("to_unit"), str):
            case.unit = e.payload["to_unit"]
            case.agency = case.unit.partition(".")[0]
            self._touch(case)
        elif e.activity == "resolve" and case.decided_at is None:
            case.decided_at, case.outcome = e.timestamp, "resolved"
            self._touch(case)
            counters = self._complaint_month(case, e)
            counters["resolved"] += 1
            counters["resolved_on_time"] += not e.payload.get("late")
        elif e.activity.endswith(" breached"):
            self._complaint_month(case, e)["breached"] += 1

    # --- surveys ------------------------------------------------------------------

    def apply_survey(self, row: SurveyRow) -> None:
        given = {k: v for k, v in row.scores.items() if k in ELEMENT_KEYS and v is not None}
        if not given:
            return
        month = rules.month_of_date(row.answered_on)
        counters = self.deltas.survey_months[(row.agency, row.unit, row.service, month)]
        counters["responses"] += 1
        for element, score in given.items():
            counters[f"{element}_sum"] += score
            counters[f"{element}_n"] += 1

    # --- where the counts go --------------------------------------------------------

    def _touch(self, case: Case) -> None:
        self.changed.add((case.case_type, case.case_id))

    def _month(self, case: Case, e: LogEvent) -> str:
        return rules.month_of(e.timestamp, self.clocks.tz(case.agency))

    def _service_month(self, case: Case, moment: datetime) -> dict[str, float]:
        month = rules.month_of(moment, self.clocks.tz(case.agency))
        return self.deltas.service_months[(case.agency, case.service, month)]

    def _step_month(self, task: Task, case: Case, e: LogEvent) -> dict[str, float]:
        month = rules.month_of(e.timestamp, self.clocks.tz(task.agency))
        return self.deltas.step_months[(task.agency, task.unit, case.service, task.step, month)]

    def _complaint_month(self, case: Case, e: LogEvent) -> dict[str, float]:
        month = rules.month_of(e.timestamp, self.clocks.tz(case.agency))
        return self.deltas.complaint_months[(case.agency, case.unit, month)]
