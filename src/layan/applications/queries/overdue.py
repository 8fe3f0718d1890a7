"""Overdue tasks by the officers who should act on them, for their daily digest: a task
past its deadline, open in a unit where the officer holds the step's role, or claimed by
the officer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from layan.accounts.models import Membership, Officer
from layan.applications.models import Application, Task
from layan.applications.rules import TaskStatus
from layan.core.db import UnitOfWork

MOST_LISTED = 20  # a digest names this many and counts the rest


@dataclass(frozen=True)
class OverdueTask:
    number: str
    step: str
    due_at: datetime


@dataclass(frozen=True)
class OfficerDigest:
    officer_id: int
    username: str
    email: str
    agency: str
    count: int
    tasks: tuple[OverdueTask, ...]  # the longest overdue first, at most MOST_LISTED


def overdue_by_officer(uow: UnitOfWork, now: datetime) -> list[OfficerDigest]:
    """Every active officer with an email and at least one overdue task."""
    late = and_(Task.due_at < now, Task.status.in_((TaskStatus.OPEN, TaskStatus.CLAIMED)))
    theirs = or_(
        and_(
            Task.status == TaskStatus.OPEN,
            Task.unit_id == Membership.unit_id,
            Task.role == Membership.role,
        ),
        Task.assignee_id == Officer.id,
    )
    stmt = (
        select(
            Officer.id,
            Officer.username,
            Officer.email,
            Task.agency_code,
            Application.tracking_number,
            Task.step_code,
            Task.due_at,
        )
        .join(Membership, Membership.officer_id == Officer.id)
        .join(Task, and_(late, theirs))
        .join(Application, Application.id == Task.application_id)
        .where(Officer.active.is_(True), Officer.email.is_not(None))
        .distinct()
        .order_by(Officer.id, Task.due_at)
    )
    found: dict[int, list[OverdueTask]] = defaultdict(list)
    heads: dict[int, tuple[str, str, str]] = {}
    for row in uow.session.execute(stmt):
        heads[row.id] = (row.username, row.email, row.agency_code)
        found[row.id].append(OverdueTask(row.tracking_number, row.step_code, row.due_at))
    digests = []
    for officer_id, tasks in found.items():
        unique = list(dict.fromkeys(tasks))
        username, email, agency = heads[officer_id]
        digests.append(
            OfficerDigest(
                officer_id,
                username,
                email,
                agency,
                len(unique),
                tuple(unique[:MOST_LISTED]),
            )
        )
    return digests
