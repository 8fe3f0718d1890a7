"""The supervisor's view of their units: workload, breaches and escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from layan.accounts import queries as accounts
from layan.applications.models import Application, Task
from layan.applications.queries._shared import _Clocks
from layan.applications.rules import TaskStatus, is_overdue
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import PermissionDeniedError, Text


@dataclass(frozen=True)
class SupervisedTask:
    """An active task of a supervised unit, with the officers it may be given to."""

    id: int
    tracking_number: str
    service_code: str
    step_name: Any
    role: str
    status: str
    assignee_id: int | None
    assignee: str | None
    due_at: datetime
    overdue: bool
    time_left: Text
    breached_at: datetime | None
    escalated_to_me: bool
    candidates: list[tuple[int, str]]


@dataclass(frozen=True)
class OfficerLoad:
    """How much one officer of the unit carries now."""

    id: int
    name: str
    username: str
    roles: tuple[str, ...]
    claimed: int
    overdue: int


@dataclass(frozen=True)
class UnitOverview:
    unit: str
    unit_name: str
    officers: list[OfficerLoad]
    unclaimed: int
    unclaimed_overdue: int
    tasks: list[SupervisedTask]
    breaches: list[SupervisedTask]


def supervised_units(uow: UnitOfWork, principal: Principal) -> list[UnitOverview]:
    """Workload, breaches and escalations of every unit the principal supervises.

    PermissionDenied for an officer who supervises no unit.
    """
    grants = [g for g in principal.grants if g.role == "supervisor" and g.unit_id and g.unit]
    if not grants:
        raise PermissionDeniedError(
            Text("Halaman ini hanya untuk supervisor unit", "This page is for unit supervisors"),
            "supervisor.required",
        )
    now = uow.now()
    clocks = _Clocks(uow)
    overviews = []
    for grant in sorted(grants, key=lambda g: g.unit or ""):
        assert grant.unit_id is not None and grant.unit is not None
        unit = clocks.unit(grant.unit)
        staff = accounts.officers_in_unit(uow, grant.unit_id)
        names = {o.id: o.name for o in staff}
        tasks = list(
            uow.session.execute(
                select(Task)
                .options(
                    selectinload(Task.application).load_only(
                        Application.tracking_number,
                        Application.service_code,
                        Application.standard_version_id,
                    )
                )
                .where(Task.unit_id == grant.unit_id, Task.status.in_(TaskStatus.ACTIVE))
                .order_by(Task.due_at, Task.id)
                .limit(500)
            ).scalars()
        )
        extra = {t.assignee_id for t in tasks if t.assignee_id and t.assignee_id not in names}
        names.update(accounts.officer_names(uow, extra))
        rows = []
        for t in tasks:
            version = t.application.standard_version_id
            _, text = clocks.time_left(t.unit_code, version, t.due_at)
            rows.append(
                SupervisedTask(
                    t.id,
                    t.application.tracking_number,
                    t.application.service_code,
                    clocks.step_name(version, t.step_code),
                    t.role,
                    t.status,
                    t.assignee_id,
                    names.get(t.assignee_id) if t.assignee_id else None,
                    t.due_at,
                    is_overdue(t.status, t.due_at, t.decided_at, now),
                    text,
                    t.breached_at,
                    t.escalated_to == principal.officer_id,
                    [
                        (o.id, o.name)
                        for o in staff
                        if o.active and t.role in o.roles and o.id != t.assignee_id
                    ],
                )
            )
        loads = [
            OfficerLoad(
                o.id,
                o.name,
                o.username,
                o.roles,
                sum(1 for r in rows if r.assignee_id == o.id),
                sum(1 for r in rows if r.assignee_id == o.id and r.overdue),
            )
            for o in staff
        ]
        unclaimed = [r for r in rows if r.assignee_id is None]
        overviews.append(
            UnitOverview(
                grant.unit,
                unit.name,
                loads,
                len(unclaimed),
                sum(1 for r in unclaimed if r.overdue),
                rows,
                [r for r in rows if r.breached_at is not None or r.escalated_to_me],
            )
        )
    return overviews
