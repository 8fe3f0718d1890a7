"""Reads of applications for the API and pages: tracking, full view, officers' queues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from layan.accounts import queries as accounts
from layan.applications import rules
from layan.applications.models import Application, Document, Task
from layan.applications.rules import TaskStatus
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.access_log import AccessEntry, Reader, reader_for, shown_to_citizen
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, PermissionDeniedError, Text
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


# --- the officers' workspace pages ---------------------------------------------------


class _Clocks:
    """Calendars and standards looked up once per read, however many tasks share them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._units: dict[str, Any] = {}
        self._standards: dict[int, catalogue.PublishedStandard] = {}

    def unit(self, code: str) -> Any:
        if code not in self._units:
            self._units[code] = catalogue.get_unit(self.uow, code)
        return self._units[code]

    def standard(self, version_id: int) -> catalogue.PublishedStandard:
        if version_id not in self._standards:
            self._standards[version_id] = catalogue.get_standard_version(self.uow, version_id)
        return self._standards[version_id]

    def time_left(self, unit_code: str, version_id: int, due: datetime) -> tuple[float, Text]:
        """Working seconds to `due` in the unit's calendar, and the same as words."""
        calendar = catalogue.calendar_for_unit(self.uow, self.unit(unit_code))
        cuti = self.standard(version_id).standard.cuti_bersama_stops_clock
        now = self.uow.now()
        seconds = rules.seconds_left(calendar, now, due, cuti=cuti)
        return seconds, rules.working_time_left(
            seconds, self.hours_per_day(unit_code), overdue=due < now
        )

    def hours_per_day(self, unit_code: str) -> float:
        unit = self.unit(unit_code)
        opens, closes = time.fromisoformat(unit.opens), time.fromisoformat(unit.closes)
        return (closes.hour * 60 + closes.minute - opens.hour * 60 - opens.minute) / 60

    def step_name(self, version_id: int, step: str) -> Any:
        found = next(
            (s for s in self.standard(version_id).standard.procedure if s.code == step), None
        )
        return found.name if found else step


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
    uow: UnitOfWork, principal: Principal, *, service: str = "", status: str = ""
) -> QueuePage:
    """The officer's queue (`list_queue`) with the working time left, filtered."""
    items = list_queue(uow, principal)
    tasks = {
        t.id: t
        for t in uow.session.execute(
            select(Task)
            .options(selectinload(Task.application).load_only(Application.standard_version_id))
            .where(Task.id.in_([i.id for i in items]))
        ).scalars()
    }
    clocks = _Clocks(uow)
    names = accounts.officer_names(uow, {i.assignee_id for i in items if i.assignee_id})
    services: dict[str, Any] = {}
    rows = []
    for item in items:
        task = tasks[item.id]
        version = task.application.standard_version_id
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


@dataclass(frozen=True)
class DocumentRef:
    """A document of an application with what a page needs to show it inline."""

    id: int
    slot: str
    label: Any
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    kind: str  # image, pdf or other
    digest: str
    tracking_number: str = ""


@dataclass(frozen=True)
class TaskDetail:
    """One task with its whole application, for the officer's task page."""

    id: int
    step: str
    step_name: Any
    unit: str
    agency: str
    role: str
    status: str
    assignee: str | None
    claimed_by_me: bool
    due_at: datetime
    overdue: bool
    time_left: Text
    can_decide: bool
    can_claim: bool
    service_name: Any
    application: ApplicationView
    documents: list[DocumentRef]
    labels: dict[str, Any]


def _documents(app: Application, labels: dict[str, Any]) -> list[DocumentRef]:
    return [
        DocumentRef(
            d.id,
            d.slot,
            labels.get(d.slot, d.slot),
            d.filename,
            d.content_type,
            d.size,
            d.uploaded_at,
            rules.document_kind(d.filename, d.content_type),
            d.digest,
            app.tracking_number,
        )
        for d in app.documents
    ]


def task_for_officer(uow: UnitOfWork, principal: Principal, task_id: int) -> TaskDetail:
    """A task and its application, for an officer who may read the application."""
    task = uow.session.get(Task, task_id)
    visible = task is not None and (
        uow.session.execute(
            select(Application.id).where(Application.id == task.application_id, _visible(principal))
        ).first()
    )
    if task is None or not visible:
        raise NotFoundError(Text("Tugas tidak ditemukan", "Task not found"), "task.not_found")
    app = task.application
    view = application_for_officer(uow, principal, app.tracking_number)
    clocks = _Clocks(uow)
    published = clocks.standard(app.standard_version_id)
    labels: dict[str, Any] = {f.code: f.label for f in published.standard.form}
    labels.update({s.code: s.label for s in published.standard.document_slots()})
    active = task.status in TaskStatus.ACTIVE
    if task.seconds_left is not None:
        seconds = task.seconds_left
        text = rules.working_time_left(
            seconds, clocks.hours_per_day(task.unit_code), overdue=seconds < 0
        )
    else:
        seconds, text = clocks.time_left(task.unit_code, app.standard_version_id, task.due_at)
    holds = principal.holds(task.role, task.unit_id)
    names = accounts.officer_names(uow, {task.assignee_id} if task.assignee_id else set())
    return TaskDetail(
        task.id,
        task.step_code,
        clocks.step_name(app.standard_version_id, task.step_code),
        task.unit_code,
        task.agency_code,
        task.role,
        task.status,
        names.get(task.assignee_id) if task.assignee_id else None,
        task.assignee_id == principal.officer_id,
        task.due_at,
        active and task.due_at < uow.now(),
        text,
        can_decide=active and holds and task.assignee_id in (None, principal.officer_id),
        can_claim=active and holds and task.assignee_id is None,
        service_name=published.standard.name,
        application=view,
        documents=_documents(app, labels),
        labels=labels,
    )


def document_for_officer(uow: UnitOfWork, principal: Principal, document_id: int) -> DocumentRef:
    """A document of an application the officer may read; NotFound for anyone else."""
    found = uow.session.execute(
        select(Document)
        .join(Application, Application.id == Document.application_id)
        .where(Document.id == document_id, _visible(principal))
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            Text("Dokumen tidak ditemukan", "Document not found"), "document.not_found"
        )
    return next(d for d in _documents(found.application, {}) if d.id == document_id)


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
                    t.due_at < now,
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


# --- how applications ended, for the satisfaction survey ------------------------------


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


# --- the access log: who has seen the applicant's data --------------------------------


@dataclass(frozen=True)
class OfficerRead:
    """A read an officer just made, ready for the access log."""

    tracking_number: str
    what: str  # 'application' or 'document:<slot>'
    why: str  # 'task <id>', 'supervision', 'audit', ...
    reader: Reader


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
