"""One application as a page shows it: by its number, with its PIN, or whole for an officer."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from layan.applications import rules
from layan.applications.models import Application, Task
from layan.applications.queries._shared import _visible
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import case_timeline
from layan.core.throttle import TRACKING_PIN, guarding, throttle_for
from layan.documents.queries import OutputRef, outputs_of_application


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
    outputs: list[OutputRef] = field(default_factory=list)  # issued documents, with personal


def _view(
    uow: UnitOfWork, app: Any, *, personal: bool, tasks: Sequence[Any] | None = None
) -> ApplicationView:
    """The view of `app`: an `Application`, or for the public view a row of `_PUBLIC`
    with its `tasks` read beside it."""
    standard = catalogue.standard_text(uow, app.standard_version_id)
    names = {s.code: s.name.id for s in standard.procedure}
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
            overdue=rules.is_overdue(t.status, t.due_at, t.decided_at, now),
            reason=t.reason if personal else None,
        )
        for t in (app.tasks if tasks is None else tasks)
    ]
    timeline = [
        TimelineEntry(*e) for e in case_timeline(uow.session, "application", app.tracking_number)
    ]
    view = ApplicationView(
        app.tracking_number,
        app.service_code,
        standard.name.id,
        app.agency_code,
        app.status,
        app.submitted_at,
        app.due_at,
        steps,
        timeline,
    )
    if personal:
        view.outputs = outputs_of_application(uow, app.id)
        view.personal = {
            "nik": app.applicant_nik,
            "name": app.applicant_name,
            "phone": app.applicant_phone,
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


def pin_guard(db: Database, number: str) -> AbstractContextManager[None]:
    """Hold this around every unit of work that opens an application with its PIN.

    Wrong PINs are counted per tracking number in the database, so every server process
    shares the count (`layan.core.throttle`): ten within 15 minutes lock that number for
    15 minutes (429), so a PIN cannot be guessed by trying them all. A locked number is
    refused before the unit of work begins; a wrong PIN is counted after it ended (the
    count is written in its own unit of work, which must not wait on the caller's).
    """
    key = rules.normalise_tracking_number(number) or number
    return guarding(throttle_for(db, TRACKING_PIN), key, (NotFoundError,))


def application_by_pin(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> Application:
    """The application a tracking number and its PIN open; NotFound for any mismatch.

    With a PIN, the caller holds `pin_guard` around its unit of work, so wrong PINs are
    counted.
    """
    number = rules.normalise_tracking_number(tracking_number)
    app = None
    if number:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one_or_none()
    if app is None or (pin is not None and not rules.pin_matches(secret, number or "", pin)):
        raise _no_match()
    return app


def _no_match() -> NotFoundError:
    return NotFoundError(
        Text("Nomor permohonan atau PIN tidak cocok", "Tracking number or PIN does not match"),
        "application.not_found",
    )


def track_application(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> ApplicationView:
    """Status, steps and timeline for anyone with the number; everything with the PIN."""
    if pin is not None:
        return _view(uow, application_by_pin(uow, tracking_number, pin, secret), personal=True)
    # The public view, the most frequent read of all: only the columns it shows.
    number = rules.normalise_tracking_number(tracking_number)
    found = None
    connection = uow.session.connection()
    if number:
        found = connection.execute(_PUBLIC_BY_NUMBER, {"number": number}).first()
    if found is None:
        raise _no_match()
    tasks = connection.execute(_STEPS_OF, {"application": found.id}).all()
    return _view(uow, found, personal=False, tasks=tasks)


_PUBLIC = (
    Application.id,
    Application.tracking_number,
    Application.standard_version_id,
    Application.service_code,
    Application.agency_code,
    Application.status,
    Application.submitted_at,
    Application.due_at,
)
_STEP = (
    Task.id,
    Task.step_code,
    Task.unit_code,
    Task.agency_code,
    Task.status,
    Task.created_at,
    Task.due_at,
    Task.decided_at,
    Task.outcome,
)
# Built once, run as plain statements: the most frequent read of all.
_PUBLIC_BY_NUMBER = select(*_PUBLIC).where(Application.tracking_number == bindparam("number"))
_STEPS_OF = select(*_STEP).where(Task.application_id == bindparam("application")).order_by(Task.id)


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
