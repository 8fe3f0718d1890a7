"""Reads of applications for the API and pages: tracking, full view, officers' queues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from layan.applications import rules
from layan.applications.models import Application, Task
from layan.applications.rules import TaskStatus
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import case_events
from layan.core.identity import mask_nik, mask_phone


@dataclass(frozen=True)
class StepView:
    task_id: int
    step: str
    name: str
    unit: str
    agency: str
    status: str
    created_at: datetime
    due_at: datetime
    decided_at: datetime | None
    outcome: str | None
    overdue: bool
    reason: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    activity: str
    lifecycle: str
    agency: str
    unit: str | None


@dataclass
class ApplicationView:
    """An application as its tracking page shows it; personal data only when opened."""

    tracking_number: str
    service_code: str
    service_name: str
    agency: str
    status: str
    submitted_at: datetime
    due_at: datetime
    steps: list[StepView]
    timeline: list[TimelineEntry]
    personal: dict[str, Any] | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)


def _view(
    uow: UnitOfWork, app: Application, *, personal: bool, mask: bool = False
) -> ApplicationView:
    published = catalogue.get_standard_version(uow, app.standard_version_id)
    names = {s.code: s.name.id for s in published.standard.procedure}
    now = uow.now()
    steps = [
        StepView(
            t.id,
            t.step_code,
            names.get(t.step_code, t.step_code),
            t.unit_code,
            t.agency_code,
            t.status,
            t.created_at,
            t.due_at,
            t.decided_at,
            t.outcome,
            overdue=(t.decided_at or now) > t.due_at and t.status != TaskStatus.CANCELLED,
            reason=t.reason if personal else None,
        )
        for t in app.tasks
    ]
    timeline = [
        TimelineEntry(e.timestamp, e.activity, e.lifecycle, e.agency, e.unit)
        for e in case_events(uow.session, "application", app.tracking_number)
    ]
    view = ApplicationView(
        app.tracking_number,
        app.service_code,
        published.standard.name.id,
        app.agency_code,
        app.status,
        app.submitted_at,
        app.due_at,
        steps,
        timeline,
    )
    if personal:
        view.personal = {
            "nik": mask_nik(app.applicant_nik) if mask else app.applicant_nik,
            "name": app.applicant_name,
            "phone": mask_phone(app.applicant_phone) if mask else app.applicant_phone,
            "email": app.applicant_email,
            "data": app.data,
            "flags": app.flags,
        }
        view.documents = [
            {
                "slot": d.slot,
                "filename": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.digest,
                "uploaded_at": d.uploaded_at,
            }
            for d in app.documents
        ]
    return view


def application_by_pin(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> Application:
    """The application a tracking number and its PIN open; NotFound for any mismatch."""
    number = rules.normalise_tracking_number(tracking_number)
    app = None
    if number:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one_or_none()
    if app is None or (pin is not None and not rules.pin_matches(secret, number or "", pin)):
        raise NotFoundError(
            Text("Nomor permohonan atau PIN tidak cocok", "Tracking number or PIN does not match"),
            "application.not_found",
        )
    return app


def track_application(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> ApplicationView:
    """Status, steps and timeline for anyone with the number; everything with the PIN."""
    app = application_by_pin(uow, tracking_number, pin, secret)
    return _view(uow, app, personal=pin is not None)


def _visible(principal: Principal):  # type: ignore[no-untyped-def]
    """Officers see applications of their agencies, or with a step in one of them."""
    if principal.reads_everything:
        return True
    agencies = principal.agencies
    return Application.agency_code.in_(agencies) | exists().where(
        Task.application_id == Application.id, Task.agency_code.in_(agencies)
    )


def application_for_officer(
    uow: UnitOfWork, principal: Principal, tracking_number: str
) -> ApplicationView:
    """The whole application for an officer whose agency takes part in it."""
    app = uow.session.execute(
        select(Application).where(
            Application.tracking_number == tracking_number.upper(), _visible(principal)
        )
    ).scalar_one_or_none()
    if app is None:
        raise NotFoundError(
            Text("Permohonan tidak ditemukan", "Application not found"), "application.not_found"
        )
    return _view(uow, app, personal=True)


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


def list_queue(uow: UnitOfWork, principal: Principal) -> list[QueueItem]:
    """Open tasks the officer can act on, most urgent (earliest deadline) first.

    An officer sees the tasks of their units that need a role they hold; a supervisor
    sees every task of the units they supervise.
    """
    now = uow.now()
    supervised = {g.unit_id for g in principal.grants if g.role == "supervisor" and g.unit_id}
    mine = [
        and_(Task.unit_id == g.unit_id, Task.role == g.role)
        for g in principal.grants
        if g.unit_id is not None and g.unit_id not in supervised
    ]
    if supervised:
        mine.append(Task.unit_id.in_(supervised))
    if not mine:
        return []
    stmt = (
        select(Task)
        .options(
            selectinload(Task.application).load_only(
                Application.tracking_number, Application.service_code
            )
        )
        .where(or_(*mine), Task.status.in_(TaskStatus.ACTIVE))
        .order_by(Task.due_at, Task.id)
        .limit(500)
    )
    return [
        QueueItem(
            t.id,
            t.application.tracking_number,
            t.application.service_code,
            t.step_code,
            t.unit_code,
            t.status,
            t.assignee_id,
            t.due_at,
            t.due_at < now,
        )
        for t in uow.session.execute(stmt).scalars()
    ]
