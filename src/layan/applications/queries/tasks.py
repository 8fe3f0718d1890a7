"""One task for an officer, with its whole application and its documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from layan.accounts import queries as accounts
from layan.applications import rules
from layan.applications.models import Application, Document, Task
from layan.applications.queries._shared import _Clocks, _visible
from layan.applications.queries.views import ApplicationView, application_for_officer
from layan.applications.rules import TaskStatus
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.documents.once_only import EvidenceRef, evidence_of


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
    evidence: list[EvidenceRef] = field(default_factory=list)  # requirements met once-only


def _ref(d: Document, tracking_number: str, labels: dict[str, Any]) -> DocumentRef:
    return DocumentRef(
        d.id,
        d.slot,
        labels.get(d.slot, d.slot),
        d.filename,
        d.content_type,
        d.size,
        d.uploaded_at,
        rules.document_kind(d.filename, d.content_type),
        d.digest,
        tracking_number,
    )


def _documents(app: Application, labels: dict[str, Any]) -> list[DocumentRef]:
    return [_ref(d, app.tracking_number, labels) for d in app.documents]


def task_for_officer(uow: UnitOfWork, principal: Principal, task_id: int) -> TaskDetail:
    """A task and its application, for an officer who may read the application."""
    not_found = NotFoundError(Text("Tugas tidak ditemukan", "Task not found"), "task.not_found")
    task = uow.session.get(Task, task_id)
    if task is None:
        raise not_found
    app = task.application
    try:
        # Selects the application only if the officer may see it.
        view = application_for_officer(uow, principal, app.tracking_number)
    except NotFoundError:
        raise not_found from None
    clocks = _Clocks(uow)
    published = clocks.standard(app.standard_version_id)
    labels = rules.labels(published.standard)
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
        active and rules.is_overdue(task.status, task.due_at, task.decided_at, uow.now()),
        text,
        can_decide=active and holds and task.assignee_id in (None, principal.officer_id),
        can_claim=active and holds and task.assignee_id is None,
        service_name=published.standard.name,
        application=view,
        documents=_documents(app, labels),
        labels=labels,
        evidence=evidence_of(uow, app.id),
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
    return _ref(found, found.application.tracking_number, {})


def evidence_for_officer(
    uow: UnitOfWork, principal: Principal, task_id: int, evidence_id: int
) -> tuple[TaskDetail, EvidenceRef]:
    """An issued document that met a requirement of the task's application, for an officer
    who may read that application; NotFound otherwise."""
    detail = task_for_officer(uow, principal, task_id)
    found = next((e for e in detail.evidence if e.id == evidence_id and e.output_id), None)
    if found is None:
        raise NotFoundError(
            Text("Dokumen tidak ditemukan", "Document not found"), "output.not_found"
        )
    return detail, found
