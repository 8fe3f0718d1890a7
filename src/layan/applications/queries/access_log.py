"""The access log: why an officer read an application, and who has seen the applicant's data."""

from __future__ import annotations

from sqlalchemy import select

from layan.applications.models import Application
from layan.applications.queries.views import application_by_pin
from layan.core.access import Principal
from layan.core.access_log import AccessEntry, Read, reader_for, shown_to_citizen
from layan.core.db import UnitOfWork

# A read an officer just made, ready for the access log ('application' or
# 'document:<slot>'; 'task <id>', 'supervision', 'audit', ...).
OfficerRead = Read


def officer_read(
    uow: UnitOfWork,
    principal: Principal,
    tracking_number: str,
    what: str,
    *,
    task_id: int | None = None,
) -> OfficerRead:
    """Who read the application and why: the task they work on, supervision or audit."""
    app = uow.session.execute(
        select(Application).where(Application.tracking_number == tracking_number)
    ).scalar_one()
    task = next((t for t in app.tasks if t.id == task_id), None)
    if task is None:
        # The officer's own task of this case if they hold one, the newest first.
        task = next((t for t in reversed(app.tasks) if principal.holds(t.role, t.unit_id)), None)
    agencies = {app.agency_code, *(t.agency_code for t in app.tasks)}
    supervised = [
        t
        for t in app.tasks
        if any(g.role == "supervisor" and g.unit_id == t.unit_id for g in principal.grants)
    ]
    if task is not None:
        why, unit_id = f"task {task.id}", task.unit_id
    elif principal.is_auditor:
        why, unit_id = "audit", None
    elif principal.reads_everything:
        why, unit_id = "platform administration", None
    elif supervised:
        why, unit_id = "supervision", supervised[-1].unit_id
    else:
        why, unit_id = "agency oversight", None
    return OfficerRead(
        app.tracking_number, what, why, reader_for(principal, unit_id=unit_id, agencies=agencies)
    )


def access_log_for_applicant(
    uow: UnitOfWork, tracking_number: str, pin: str, secret: str
) -> list[AccessEntry]:
    """Every officer's read of the application and its documents; NotFound without the PIN."""
    app = application_by_pin(uow, tracking_number, pin, secret)
    return shown_to_citizen(uow.session, "application", app.tracking_number)
