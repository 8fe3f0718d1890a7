"""How applications ended, for the satisfaction survey: one case's outcome, and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from layan.applications import rules
from layan.applications.models import Application, Task
from layan.applications.queries.views import application_by_pin
from layan.core.db import UnitOfWork


@dataclass(frozen=True)
class CaseOutcome:
    """How an application stands at its end: who served it, and whether it has ended."""

    tracking_number: str
    service_code: str
    agency_code: str
    status: str
    final: bool
    decided_at: datetime | None
    unit: str | None  # the unit of the last decided task: the one that ended the case


def case_outcome(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> CaseOutcome:
    """The outcome of an application; with a PIN, NotFound unless it matches (as tracking)."""
    app = application_by_pin(uow, tracking_number, pin, secret)
    decided = [t for t in app.tasks if t.decided_at is not None]
    last = max(decided, key=lambda t: (t.decided_at, t.id)) if decided else None
    unit = last.unit_code if last else (app.tasks[0].unit_code if app.tasks else None)
    return CaseOutcome(
        app.tracking_number,
        app.service_code,
        app.agency_code,
        app.status,
        app.status in rules.Status.FINAL,
        app.decided_at,
        unit,
    )


def finished_count(
    uow: UnitOfWork,
    *,
    agency: str | None = None,
    service: str | None = None,
    unit: str | None = None,
    start: datetime,
    end: datetime,
) -> int:
    """Applications that reached a final status (approved or rejected) in [start, end).

    Filtered by the application's agency, its service, or the unit of its last decided
    task (the unit that ended it, as the survey attributes the answers), whichever are
    given. This is the number of people served that the survey's sample size is for.
    """
    stmt = select(func.count(Application.id)).where(
        Application.status.in_(rules.Status.FINAL),
        Application.decided_at >= start,
        Application.decided_at < end,
    )
    if agency is not None:
        stmt = stmt.where(Application.agency_code == agency)
    if service is not None:
        stmt = stmt.where(Application.service_code == service)
    if unit is not None:
        ranked = (
            select(
                Task.application_id,
                Task.unit_code,
                func.row_number()
                .over(
                    partition_by=Task.application_id,
                    order_by=(Task.decided_at.desc(), Task.id.desc()),
                )
                .label("rank"),
            )
            .join(Application, Application.id == Task.application_id)
            .where(
                Task.decided_at.is_not(None),
                Application.status.in_(rules.Status.FINAL),
                Application.decided_at >= start,
                Application.decided_at < end,
            )
            .subquery()
        )
        stmt = stmt.join(ranked, ranked.c.application_id == Application.id).where(
            ranked.c.rank == 1, ranked.c.unit_code == unit
        )
    return int(uow.session.execute(stmt).scalar_one())
