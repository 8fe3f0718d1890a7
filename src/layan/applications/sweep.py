"""The SLA sweep: tasks and applications past their deadline, marked late and escalated.

Run by the worker every minute. It reads only what is late, through the partial indexes
on (status, due) of rows not yet marked (`ix_tasks_late`, `ix_applications_late`), so a
sweep costs what is late now, not what is open; and it marks a batch with one statement
per table, the batch's events appended to each ledger once at the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update

from layan.accounts import service as accounts
from layan.applications import procedure
from layan.applications.models import Application, Task
from layan.applications.rules import Status, TaskStatus
from layan.core.db import Database, UnitOfWork
from layan.core.events import SYSTEM, Actor

BATCH = 2000
TASKS = Task.__table__
APPLICATIONS = Application.__table__


def sweep_deadlines(db: Database, batch: int = BATCH) -> int:
    """Mark up to `batch` late tasks and `batch` late applications; the number marked.

    Each late task is escalated to its unit's first supervisor. Safe to run from several
    workers: rows are locked as they are read and other workers skip them rather than
    wait (PostgreSQL), or the one writer runs alone (SQLite), so each breach is marked
    once.
    """
    with db.unit_of_work() as uow:
        marked = _late_tasks(uow, batch) + _late_applications(uow, batch)
        uow.commit()
    return marked


def _late_tasks(uow: UnitOfWork, batch: int) -> int:
    now = uow.now()
    rows: list[Any] = []
    # One status at a time, so each read walks the index in deadline order and stops at
    # the batch: a read over both statuses at once would sort every late task first.
    for status in sorted(TaskStatus.ACTIVE):
        late = (
            select(
                Task.id,
                Task.unit_id,
                Task.unit_code,
                Task.agency_code,
                Task.step_code,
                Application.tracking_number,
            )
            .join(Application, Application.id == Task.application_id)
            .where(Task.status == status, Task.due_at < now, Task.breached_at.is_(None))
            .order_by(Task.due_at)
            .limit(batch - len(rows))
            .with_for_update(of=Task, skip_locked=True)
        )
        rows += uow.session.execute(late).all()
        if len(rows) >= batch:
            break
    if not rows:
        return 0
    supervisor: dict[int, int | None] = {}
    marks = []
    for row in rows:
        if row.unit_id not in supervisor:
            found = accounts.supervisors_of(uow, row.unit_id)
            supervisor[row.unit_id] = found[0] if found else None
        to = supervisor[row.unit_id]
        marks.append({"task": row.id, "to": to})
        system = Actor(SYSTEM.resource, SYSTEM.role, row.unit_code, row.agency_code)
        number, unit = row.tracking_number, row.unit_code
        procedure.log_case(
            uow, number, "sla breached", "complete", system, unit=unit, task=row.id,
            step=row.step_code,
        )  # fmt: skip
        procedure.log_case(
            uow, number, "escalate", "complete", system, unit=unit, task=row.id, to=to
        )
    uow.session.connection().execute(
        update(TASKS)
        .where(TASKS.c.id == bindparam("task"))
        .values(breached_at=now, escalated_to=bindparam("to")),
        marks,
    )
    return len(rows)


def _late_applications(uow: UnitOfWork, batch: int) -> int:
    now = uow.now()
    late = (
        select(Application.id, Application.tracking_number, Application.agency_code)
        .where(
            Application.status == Status.IN_PROCESS,
            Application.due_at < now,
            Application.breached_at.is_(None),
        )
        .order_by(Application.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = uow.session.execute(late).all()
    for row in rows:
        system = Actor(SYSTEM.resource, SYSTEM.role, agency=row.agency_code)
        procedure.log_case(uow, row.tracking_number, "service time breached", "complete", system)
    if rows:
        uow.session.connection().execute(
            update(APPLICATIONS)
            .where(APPLICATIONS.c.id == bindparam("app"))
            .values(breached_at=now),
            [{"app": row.id} for row in rows],
        )
    return len(rows)
