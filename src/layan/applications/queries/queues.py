"""Officers' lists: the applications they may see, their queue of tasks, the next task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, union_all

from layan.accounts import queries as accounts
from layan.applications.models import Application, Task
from layan.applications.queries._shared import _Clocks, _visible
from layan.applications.rules import TaskStatus, is_overdue
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import Text
from layan.core.identity import mask_nik


def list_applications(
    uow: UnitOfWork, principal: Principal, *, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Applications the officer may see, newest first, personal data masked."""
    stmt = select(Application).where(_visible(principal)).order_by(Application.submitted_at.desc())
    if status:
        stmt = stmt.where(Application.status == status)
    rows = uow.session.execute(stmt.limit(min(limit, 200))).scalars()
    return [
        {
            "tracking_number": a.tracking_number,
            "service_code": a.service_code,
            "agency": a.agency_code,
            "status": a.status,
            "applicant": mask_nik(a.applicant_nik),
            "submitted_at": a.submitted_at,
            "due_at": a.due_at,
        }
        for a in rows
    ]


@dataclass(frozen=True)
class QueueItem:
    id: int
    tracking_number: str
    service_code: str
    step: str
    unit: str
    status: str
    assignee_id: int | None
    due_at: datetime
    overdue: bool


QUEUE_LIMIT = 500  # the most a queue read returns at once


@dataclass(frozen=True)
class QueueCursor:
    """Where a page of a queue ended: the last task's deadline and id (keyset paging)."""

    due_at: datetime
    task_id: int

    def __str__(self) -> str:
        return f"{self.due_at.isoformat()}~{self.task_id}"

    @classmethod
    def parse(cls, text: str) -> QueueCursor | None:
        when, _, task_id = text.partition("~")
        try:
            due_at = datetime.fromisoformat(when)
            return cls(due_at, int(task_id)) if due_at.tzinfo else None
        except ValueError:
            return None


def _queue_tasks(
    uow: UnitOfWork,
    principal: Principal,
    task_id: int | None = None,
    *,
    limit: int = QUEUE_LIMIT,
    after: QueueCursor | None = None,
) -> list[Any]:
    """The open tasks of `list_queue`, each with the application fields a queue needs
    (rows of `_QUEUED`).

    Read as a merge of index ranges: for each unit (and role) the officer works in and
    each open status, the earliest `limit` tasks by the queue index (unit, status, due),
    so the first page costs the same with a thousand open tasks or a million.
    """
    supervised = {g.unit_id for g in principal.grants if g.role == "supervisor" and g.unit_id}
    ranges: list[tuple[int, str | None]] = [
        (g.unit_id, g.role)
        for g in principal.grants
        if g.unit_id is not None and g.unit_id not in supervised
    ]
    ranges += [(unit_id, None) for unit_id in sorted(supervised)]
    if not ranges:
        return []
    branches = []
    for unit_id, role in sorted(set(ranges), key=lambda r: (r[0], r[1] or "")):
        for status in sorted(TaskStatus.ACTIVE):
            where = [Task.unit_id == unit_id, Task.status == status]
            if role is not None:
                where.append(Task.role == role)
            if task_id is not None:
                where.append(Task.id == task_id)
            if after is not None:
                where += [
                    Task.due_at >= after.due_at,
                    or_(Task.due_at > after.due_at, Task.id > after.task_id),
                ]
            ranked = select(Task.id, Task.due_at).where(*where).order_by(Task.due_at, Task.id)
            branches.append(ranked.limit(limit).subquery().select())
    merged = union_all(*branches).subquery()
    ids = uow.session.execute(
        select(merged.c.id).order_by(merged.c.due_at, merged.c.id).limit(limit)
    ).scalars()
    wanted = list(dict.fromkeys(ids))  # a task in two of the officer's ranges counts once
    if not wanted:
        return []
    stmt = (
        select(*_QUEUED)
        .join(Application, Application.id == Task.application_id)
        .where(Task.id.in_(wanted))
        .order_by(Task.due_at, Task.id)
    )
    return list(uow.session.execute(stmt))


# What a queue shows of a task and its application, read as plain rows.
_QUEUED = (
    Task.id,
    Task.step_code,
    Task.unit_id,
    Task.unit_code,
    Task.role,
    Task.status,
    Task.assignee_id,
    Task.due_at,
    Task.decided_at,
    Application.tracking_number,
    Application.service_code,
    Application.standard_version_id,
)


def _item(t: Any, now: datetime) -> QueueItem:
    return QueueItem(
        t.id,
        t.tracking_number,
        t.service_code,
        t.step_code,
        t.unit_code,
        t.status,
        t.assignee_id,
        t.due_at,
        is_overdue(t.status, t.due_at, t.decided_at, now),
    )


def list_queue(
    uow: UnitOfWork,
    principal: Principal,
    *,
    limit: int = QUEUE_LIMIT,
    after: QueueCursor | None = None,
) -> list[QueueItem]:
    """Open tasks the officer can act on, most urgent (earliest deadline) first: `limit`
    of them, from just after `after` when given.

    An officer sees the tasks of their units that need a role they hold; a supervisor
    sees every task of the units they supervise.
    """
    now = uow.now()
    return [_item(t, now) for t in _queue_tasks(uow, principal, limit=limit, after=after)]


@dataclass(frozen=True)
class QueueRow:
    """A queue item as the officer's queue page shows it."""

    item: QueueItem
    service_name: Any
    step_name: Any
    role: str
    seconds_left: float
    time_left: Text
    can_claim: bool
    can_decide: bool
    claimed_by_me: bool
    assignee: str | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    services: list[tuple[str, Any]]  # every service in the queue before filtering: (code, name)
    total: int


QUEUE_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED)


def officer_queue(
    uow: UnitOfWork,
    principal: Principal,
    *,
    service: str = "",
    status: str = "",
    task_id: int | None = None,
) -> QueuePage:
    """The officer's queue (`list_queue`) with the working time left, filtered.

    With `task_id`, only that task (if it is in the queue): one row, e.g. after a claim.
    """
    now = uow.now()
    tasks = _queue_tasks(uow, principal, task_id)
    items = [_item(t, now) for t in tasks]
    clocks = _Clocks(uow)
    names = accounts.officer_names(uow, {i.assignee_id for i in items if i.assignee_id})
    services: dict[str, Any] = {}
    rows = []
    for task, item in zip(tasks, items, strict=True):
        version = task.standard_version_id
        services.setdefault(item.service_code, clocks.standard(version).standard.name)
        if (service and item.service_code != service) or (status and item.status != status):
            continue
        seconds, text = clocks.time_left(item.unit, version, item.due_at)
        holds = principal.holds(task.role, task.unit_id)
        rows.append(
            QueueRow(
                item,
                clocks.standard(version).standard.name,
                clocks.step_name(version, item.step),
                task.role,
                seconds,
                text,
                can_claim=holds and item.assignee_id is None,
                can_decide=holds and item.assignee_id in (None, principal.officer_id),
                claimed_by_me=item.assignee_id == principal.officer_id,
                assignee=names.get(item.assignee_id) if item.assignee_id else None,
            )
        )
    return QueuePage(rows, sorted(services.items()), len(items))


def next_task_for(uow: UnitOfWork, principal: Principal) -> int | None:
    """The most urgent open task the officer can decide now (theirs or unclaimed), if any."""
    mine = [
        and_(Task.unit_id == g.unit_id, Task.role == g.role)
        for g in principal.grants
        if g.unit_id is not None
    ]
    if not mine:
        return None
    return uow.session.execute(
        select(Task.id)
        .where(
            or_(*mine),
            Task.status.in_(TaskStatus.ACTIVE),
            or_(Task.assignee_id.is_(None), Task.assignee_id == principal.officer_id),
        )
        .order_by(Task.due_at, Task.id)
        .limit(1)
    ).scalar_one_or_none()
