"""The officers' side of applications: claim and decide tasks, and the SLA sweep."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from layan.accounts import queries as account_queries
from layan.applications import procedure, rules
from layan.applications.models import Application, Task
from layan.applications.rules import Decision, Status, TaskStatus
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import Actor, text_digest
from layan.documents.issue import Issuer, IssueRequest, draw_pdfs, issue_output

_NOT_YOURS = Text("Tugas ini bukan milik Anda", "This task is not yours")


def _reason_digest(reason: str | None) -> str | None:
    """A decision's reason as its event carries it: by digest only, None for no reason."""
    return None if reason is None else text_digest(reason)


def officer_actor(principal: Principal, task: Task) -> Actor:
    """The officer as the event log names them, acting for the task's unit."""
    grant = principal.grant_in(task.unit_id)
    return Actor(
        resource=principal.resource,
        role=grant.role if grant else "officer",
        unit=task.unit_code,
        agency=task.agency_code,
    )


def _task_for_work(uow: UnitOfWork, principal: Principal, task_id: int) -> Task:
    """A task the principal may work, locked for the change; 403/404/409 otherwise."""
    stmt = select(Task).where(Task.id == task_id)
    task = uow.session.execute(stmt.with_for_update()).scalar_one_or_none()
    if task is None:
        raise NotFoundError(Text("Tugas tidak ditemukan", "Task not found"), "task.not_found")
    if task.unit_id not in principal.unit_ids:
        raise PermissionDeniedError(_NOT_YOURS, "task.not_yours")
    if not principal.holds(task.role, task.unit_id):
        raise PermissionDeniedError(
            Text(
                "Anda tidak memegang peran yang diperlukan untuk langkah ini di unit ini",
                "You do not hold the role this step needs in this unit",
            ),
            "task.role",
        )
    if task.status not in TaskStatus.ACTIVE:
        raise InvalidStateError(
            Text("Tugas ini sudah tidak terbuka", "This task is no longer open"), "task.not_open"
        )
    if task.assignee_id not in (None, principal.officer_id):
        raise PermissionDeniedError(
            Text(
                "Tugas ini sedang dikerjakan petugas lain", "Another officer has claimed this task"
            ),
            "task.claimed",
        )
    return task


def _claim(uow: UnitOfWork, principal: Principal, task: Task) -> None:
    task.status, task.assignee_id, task.claimed_at = (
        TaskStatus.CLAIMED,
        principal.officer_id,
        uow.now(),
    )
    procedure.log(
        uow, task.application, task.step_code, "start", officer_actor(principal, task), task=task.id
    )


def claim_task(db: Database, principal: Principal, task_id: int) -> None:
    """Take an open task from the unit's queue so no one else works it at the same time."""
    with db.unit_of_work() as uow:
        task = _task_for_work(uow, principal, task_id)
        if task.assignee_id is None:
            _claim(uow, principal, task)
            uow.commit()


@dataclass(frozen=True)
class DecisionResult:
    application_status: str
    next_tasks: list[int]
    outputs: list[str] = field(default_factory=list)  # documents issued by this decision


def _issue(
    uow: UnitOfWork,
    issuer: Issuer,
    app: Application,
    published: catalogue.PublishedStandard,
    principal: Principal,
    task: Task,
    actor: Actor,
) -> str:
    """The output of an approved application, or the refusal letter of a rejected one."""
    request = IssueRequest(
        kind="output" if app.status == Status.APPROVED else "refusal",
        application_id=app.id,
        tracking_number=app.tracking_number,
        agency=task.agency_code,
        standard=published.standard,
        applicant_nik=app.applicant_nik,
        applicant_name=app.applicant_name,
        applicant_email=app.applicant_email,
        data=app.data,
        submitted_at=app.submitted_at,
        decided_at=app.decided_at or uow.now(),
        signer_name=principal.name,
        signer_unit=task.unit_code,
        reason=task.reason if app.status == Status.REJECTED else None,
        legal_basis=task.legal_basis if app.status == Status.REJECTED else None,
    )
    return issue_output(uow, issuer, request, actor)


def decide_task(
    db: Database, principal: Principal, task_id: int, decision: Decision, issuer: Issuer
) -> DecisionResult:
    """Approve, return (clock stops) or reject (with legal basis) one step of an application.

    The reason is kept on the task; its events carry only the reason's SHA-256. The
    decision that ends the application issues its document (the output, or the refusal
    letter) in the same transaction; its PDF is drawn once that transaction committed.
    """
    decision = rules.check_decision(decision)
    with db.unit_of_work() as uow:
        task = _task_for_work(uow, principal, task_id)
        if task.assignee_id is None:
            _claim(uow, principal, task)
        app = task.application
        published = catalogue.get_standard_version(uow, app.standard_version_id)
        actor = officer_actor(principal, task)
        now = uow.now()
        task.outcome, task.reason, task.legal_basis = (
            decision.outcome,
            decision.reason,
            decision.legal_basis,
        )
        task.decided_at, task.decided_by = now, principal.officer_id
        procedure.log(
            uow,
            app,
            task.step_code,
            "complete",
            actor,
            task=task.id,
            outcome=decision.outcome,
            # The reason may name a person: the event commits to it by digest only.
            reason_sha256=_reason_digest(decision.reason),
            legal_basis=decision.legal_basis,
            late=now > task.due_at,
        )
        before = {t.id for t in app.tasks}
        if decision.outcome == "approve":
            task.status = TaskStatus.APPROVED
            _advance(uow, app, published, actor)
        elif decision.outcome == "return":
            task.status = TaskStatus.RETURNED
            procedure.pause_clocks(uow, app, published)
            app.status = Status.RETURNED
            procedure.log(
                uow,
                app,
                "return",
                "suspend",
                actor,
                task=task.id,
                reason_sha256=_reason_digest(decision.reason),
            )
        else:
            task.status = TaskStatus.REJECTED
            procedure.close_application(uow, app, Status.REJECTED, actor, actor.agency or "", now)
        issued = []
        if app.status in Status.FINAL:
            issued.append(_issue(uow, issuer, app, published, principal, task, actor))
        uow.commit()
        result = DecisionResult(app.status, [t.id for t in app.tasks if t.id not in before], issued)
    draw_pdfs(db, issuer, issued)
    return result


def _advance(
    uow: UnitOfWork, app: Application, published: catalogue.PublishedStandard, actor: Actor
) -> None:
    if not procedure.stage_done(app):
        return
    if not procedure.open_stage(uow, app, published, app.stage + 1, actor):
        procedure.close_application(uow, app, Status.APPROVED, actor, actor.agency or "", uow.now())


def reassign_task(db: Database, principal: Principal, task_id: int, officer_id: int) -> None:
    """A supervisor gives an open task to another officer of the unit holding its role."""
    with db.unit_of_work() as uow:
        stmt = select(Task).where(Task.id == task_id)
        task = uow.session.execute(stmt.with_for_update()).scalar_one_or_none()
        if task is None or task.unit_id not in principal.unit_ids:
            raise NotFoundError(Text("Tugas tidak ditemukan", "Task not found"), "task.not_found")
        if not principal.holds("supervisor", task.unit_id):
            raise PermissionDeniedError(
                Text(
                    "Hanya supervisor unit ini yang dapat mengalihkan tugas",
                    "Only a supervisor of this unit can reassign a task",
                ),
                "task.reassign",
            )
        if task.status not in TaskStatus.ACTIVE:
            raise InvalidStateError(
                Text("Tugas ini sudah tidak terbuka", "This task is no longer open"),
                "task.not_open",
            )
        if not account_queries.holds_role(uow, officer_id, task.unit_id, task.role):
            raise ValidationFailedError(
                Text("Tugas tidak dapat dialihkan", "The task cannot be reassigned"),
                "invalid",
                [
                    FieldError(
                        "officer_id",
                        "officer.role",
                        Text(
                            "Petugas ini tidak memegang peran langkah ini di unit ini",
                            "This officer does not hold this step's role in this unit",
                        ),
                    )
                ],
            )
        if task.assignee_id == officer_id:
            return
        previous = task.assignee_id
        task.status, task.assignee_id, task.claimed_at = (
            TaskStatus.CLAIMED,
            officer_id,
            uow.now(),
        )
        actor = Actor(principal.resource, "supervisor", task.unit_code, task.agency_code)
        procedure.log(
            uow,
            task.application,
            "reassign",
            "assign",
            actor,
            unit=task.unit_code,
            task=task.id,
            step=task.step_code,
            previous=previous,
            to=officer_id,
        )
        uow.commit()
