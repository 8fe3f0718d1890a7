"""The unit's work: disposition to a unit, its follow-up, the resolution with proof, and
the supervisor's decision on an appeal.
"""

from __future__ import annotations

from collections.abc import Mapping

from layan.complaints import checks, procedure, rules
from layan.complaints.procedure import IncomingFile, described
from layan.complaints.rules import Action, Status
from layan.complaints.service._shared import MAX_REASON, _dispose
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.core.events import text_digest


def dispose_to_unit(db: Database, principal: Principal, tracking_number: str, unit: str) -> str:
    """Give a verified complaint to the unit of the agency that will act on it (disposisi)."""
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.DISPOSE)
        _dispose(uow, principal, complaint, unit)
        uow.commit()
        return complaint.status


def post_follow_up(db: Database, principal: Principal, tracking_number: str, text: str) -> str:
    """The unit says publicly what it is doing about the complaint (tindak lanjut)."""
    body = checks.require_text("text", text, max_len=checks.MAX_TEXT, min_len=10)
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.FOLLOW_UP)
        actor = procedure.officer_actor(principal, complaint, Action.FOLLOW_UP)
        procedure.move(uow, complaint, Action.FOLLOW_UP)
        first = complaint.followed_up_at is None
        complaint.followed_up_at = complaint.followed_up_at or uow.now()
        procedure.add_update(
            uow, complaint, "follow_up", actor, text=body, officer_id=principal.officer_id
        )
        due = complaint.follow_up_due_at
        procedure.log(
            uow,
            complaint,
            "follow up",
            "start" if first else "resume",
            actor,
            late=bool(first and due and uow.now() > due),
        )
        uow.commit()
        return complaint.status


def resolve_complaint(
    db: Database,
    principal: Principal,
    tracking_number: str,
    *,
    proof: str,
    files: Mapping[str, IncomingFile] | None = None,
    blobs: BlobStore | None = None,
) -> str:
    """Resolved, with proof (what was done; photos or documents): the reporter now responds.

    "Replied" is not "resolved": the proof is required, and the complaint closes only when
    the reporter accepts it or lets the response time pass.
    """
    files = files or {}
    text, problem = checks.check_text("proof", proof, max_len=checks.MAX_TEXT, min_len=10)
    kinds, errors = checks.check_attachments(described(files))
    errors = ([problem] if problem else []) + errors
    if errors:
        raise ValidationFailedError(checks.INVALID, "invalid", errors)
    if files and blobs is None:
        raise ValueError("files need a blob store")
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.RESOLVE)
        actor = procedure.officer_actor(principal, complaint, Action.RESOLVE)
        during_appeal = complaint.status == Status.APPEALED
        procedure.move(uow, complaint, Action.RESOLVE)
        now = uow.now()
        complaint.resolved_at = now
        complaint.followed_up_at = complaint.followed_up_at or now
        complaint.reporter_due_at = procedure.due(uow, complaint, "response")
        update = procedure.add_update(
            uow, complaint, "resolution", actor, text=text, officer_id=principal.officer_id
        )
        if files:
            procedure.store_files(
                uow,
                blobs,
                complaint,
                files,
                kinds,
                author="agency",
                update=update,  # type: ignore[arg-type]
            )
        due = complaint.resolution_due_at
        procedure.log(
            uow,
            complaint,
            "resolve",
            "complete",
            actor,
            late=bool(due and now > due),
            proof_files=len(files),
            during_appeal=during_appeal,
            response_due_at=complaint.reporter_due_at.isoformat(),
        )
        uow.commit()
        return complaint.status


def decide_appeal(
    db: Database, principal: Principal, tracking_number: str, *, outcome: str, reason: str
) -> str:
    """The unit's supervisor settles an appeal: uphold the resolution, or reopen it.

    Reopening sends the complaint back to the unit with new follow-up and resolution
    deadlines from today.
    """
    text = checks.require_text("reason", reason, max_len=MAX_REASON, min_len=10)
    action = outcome if outcome in rules.SUPERVISOR_ACTIONS else Action.REOPEN
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, action)
        rules.check_appeal_outcome(outcome, has_resolution=complaint.resolved_at is not None)
        actor = procedure.officer_actor(principal, complaint, action)
        procedure.move(uow, complaint, action)
        if action == Action.REOPEN:
            procedure.start_work(uow, complaint)
        procedure.add_update(
            uow,
            complaint,
            "appeal_upheld" if action == Action.UPHOLD else "appeal_reopened",
            actor,
            text=text,
            officer_id=principal.officer_id,
        )
        due = complaint.appeal_due_at
        procedure.log(
            uow,
            complaint,
            action,
            "complete",
            actor,
            kind=complaint.appeal_kind,
            late=bool(due and uow.now() > due),
            reason_sha256=text_digest(text),
            resolution_due_at=(
                complaint.resolution_due_at.isoformat()
                if action == Action.REOPEN and complaint.resolution_due_at
                else None
            ),
        )
        uow.commit()
        return complaint.status
