"""Moving an application along its procedure: opening stages, pausing and resuming clocks.

Shared by the citizen's side (submission, resubmission) and the officers' side
(decisions, the SLA sweep), always inside the caller's transaction.

An event's payload is hash-chained and can never be erased, so it holds no free text a
person wrote: a decision's reason goes into it only as its SHA-256
(`layan.core.events.text_digest`); the text itself lives on the task, where the
retention purge can erase it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from layan.applications import rules
from layan.applications.models import Application, Task
from layan.applications.rules import Status, TaskStatus
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.db import UnitOfWork
from layan.core.events import CITIZEN, Actor, record_event


def citizen_actor(agency: str) -> Actor:
    return Actor(resource=CITIZEN, role="applicant", agency=agency)


def log(
    uow: UnitOfWork,
    app: Application,
    activity: str,
    lifecycle: str,
    actor: Actor,
    *,
    ledger: str | None = None,
    unit: str | None = None,
    **payload: object,
) -> None:
    """Append an event of this application's case to the acting agency's ledger."""
    log_case(
        uow,
        app.tracking_number,
        activity,
        lifecycle,
        actor,
        ledger=ledger or actor.agency or app.agency_code,
        unit=unit,
        **payload,
    )


def log_case(
    uow: UnitOfWork,
    tracking_number: str,
    activity: str,
    lifecycle: str,
    actor: Actor,
    *,
    ledger: str | None = None,
    unit: str | None = None,
    **payload: object,
) -> None:
    """Append an event of the application case `tracking_number` (a draft has no row yet)."""
    record_event(
        uow.session,
        ledger=ledger or actor.agency or "PLATFORM",
        case_type="application",
        case_id=tracking_number,
        activity=activity,
        lifecycle=lifecycle,
        actor=actor,
        at=uow.now(),
        unit=unit,
        payload=dict(payload),
    )


@dataclass(frozen=True)
class PlannedTask:
    """A task of a stage about to open: its row's values and whose queue it joins."""

    row: dict[str, Any]
    unit: str
    assigned_agency: str


def plan_stage(
    uow: UnitOfWork, published: PublishedStandard, data: dict[str, Any], stage: int
) -> list[PlannedTask] | None:
    """The tasks stage `stage` opens, due by each unit's calendar; None past the last."""
    stages = published.standard.stages(data)
    if stage >= len(stages):
        return None
    cuti = published.standard.cuti_bersama_stops_clock
    now = uow.now()
    planned = []
    for step in stages[stage]:
        unit = catalogue.unit_info(uow, step.unit)
        calendar = catalogue.calendar_for_unit(uow, unit)
        row = {
            "step_code": step.code,
            "stage": stage,
            "unit_id": unit.id,
            "unit_code": step.unit,
            "agency_code": unit.agency.code,
            "role": step.role,
            "status": TaskStatus.OPEN,
            "created_at": now,
            "due_at": rules.deadline(calendar, now, step.sla, cuti=cuti),
        }
        planned.append(PlannedTask(row, step.unit, unit.agency.code))
    return planned


def log_scheduled(
    uow: UnitOfWork, tracking_number: str, task: PlannedTask, task_id: int, actor: Actor
) -> None:
    """The "schedule" event of a task just made."""
    log_case(
        uow,
        tracking_number,
        task.row["step_code"],
        "schedule",
        actor,
        unit=task.unit,
        task=task_id,
        due_at=task.row["due_at"].isoformat(),
        assigned_agency=task.assigned_agency,
    )


def open_stage(
    uow: UnitOfWork, app: Application, published: PublishedStandard, stage: int, actor: Actor
) -> bool:
    """Create the tasks of stage `stage`; False when the procedure has no more stages."""
    planned = plan_stage(uow, published, app.data, stage)
    if planned is None:
        return False
    app.stage = stage
    tasks = [Task(application=app, **p.row) for p in planned]
    uow.session.add_all(tasks)
    uow.session.flush()
    for p, task in zip(planned, tasks, strict=True):
        log_scheduled(uow, app.tracking_number, p, task.id, actor)
    return True


def pause_clocks(uow: UnitOfWork, app: Application, published: PublishedStandard) -> None:
    """Stop the application's clock and its open tasks' clocks, keeping the time left."""
    now = uow.now()
    cuti = published.standard.cuti_bersama_stops_clock
    agency_calendar = catalogue.calendar_for_agency(uow, app.agency_code)
    app.seconds_left = rules.seconds_left(agency_calendar, now, app.due_at, cuti=cuti)
    app.returned_at = now
    for task in app.tasks:
        if task.status in TaskStatus.ACTIVE | {TaskStatus.RETURNED} and task.seconds_left is None:
            unit = catalogue.unit_info(uow, task.unit_code)
            calendar = catalogue.calendar_for_unit(uow, unit)
            task.seconds_left = rules.seconds_left(calendar, now, task.due_at, cuti=cuti)
            if task.status in TaskStatus.ACTIVE:
                task.status = TaskStatus.PAUSED


def resume_clocks(
    uow: UnitOfWork, app: Application, published: PublishedStandard, actor: Actor
) -> None:
    """Start the clocks again: the returned step reopens with the time it had left."""
    now = uow.now()
    cuti = published.standard.cuti_bersama_stops_clock
    agency_calendar = catalogue.calendar_for_agency(uow, app.agency_code)
    app.due_at = rules.resumed_deadline(agency_calendar, now, app.seconds_left or 0, cuti=cuti)
    app.seconds_left, app.returned_at, app.status = None, None, Status.IN_PROCESS
    for task in list(app.tasks):
        if task.status not in (TaskStatus.PAUSED, TaskStatus.RETURNED) or task.stage != app.stage:
            continue
        unit = catalogue.unit_info(uow, task.unit_code)
        due = rules.resumed_deadline(
            catalogue.calendar_for_unit(uow, unit), now, task.seconds_left or 0, cuti=cuti
        )
        if task.status == TaskStatus.PAUSED:
            task.status = TaskStatus.CLAIMED if task.assignee_id else TaskStatus.OPEN
            task.due_at, task.seconds_left = due, None
            continue
        task.seconds_left = None
        again = Task(
            application=app,
            step_code=task.step_code,
            stage=task.stage,
            unit_id=task.unit_id,
            unit_code=task.unit_code,
            agency_code=task.agency_code,
            role=task.role,
            status=TaskStatus.OPEN,
            created_at=now,
            due_at=due,
        )
        uow.session.add(again)
        uow.session.flush()
        log(
            uow,
            app,
            task.step_code,
            "schedule",
            actor,
            unit=task.unit_code,
            task=again.id,
            due_at=due.isoformat(),
            assigned_agency=task.agency_code,
            reopened_from=task.id,
        )


def stage_done(app: Application) -> bool:
    """Every task of the current stage is approved (none open, paused or returned)."""
    # Tasks are ordered by id: the order they were made.
    return rules.stage_done((t.step_code, t.status) for t in app.tasks if t.stage == app.stage)


def close_application(
    uow: UnitOfWork, app: Application, status: str, actor: Actor, ledger: str, when: datetime
) -> None:
    """Approve or reject the whole application and cancel what is still open."""
    app.status, app.decided_at = status, when
    for task in app.tasks:
        if task.status in TaskStatus.ACTIVE | {TaskStatus.PAUSED}:
            task.status = TaskStatus.CANCELLED
    log(
        uow,
        app,
        "approve" if status == Status.APPROVED else "reject",
        "complete",
        actor,
        ledger=ledger,
        outcome=status,
        due_at=app.due_at.isoformat(),
        late=when > app.due_at,
    )
