"""The officers' side of complaints: verify, ask, forward, archive, dispose, follow up,
resolve, settle appeals; and the sweep that marks missed deadlines and escalates them.

Each use case checks who may act (`rules.may_act`) and what the status allows
(`rules.next_status`) before it changes anything, and writes its events in the same
transaction, in the ledger of the agency that acted. Reasons officers write are kept on
the complaint's updates; the events carry only their SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, true

from layan.applications.rules import seconds_left
from layan.catalogue import queries as catalogue
from layan.complaints import checks, procedure, rules
from layan.complaints.models import Complaint
from layan.complaints.procedure import IncomingFile, described
from layan.complaints.rules import Action, Status
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError

MAX_REASON = 2000


def _refuse(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(checks.INVALID, "invalid", [FieldError(field, code, text)])


def _unit(uow: UnitOfWork, field: str, code: object) -> Any:
    """A unit by its AGENCY.UNIT code, or 422 naming `field`."""
    try:
        return catalogue.get_unit(uow, str(code or ""))
    except NotFoundError:
        raise _refuse(field, "unit.unknown", Text("Unit tidak dikenal", "Unknown unit")) from None


# --- verification -----------------------------------------------------------------------


def verify_complaint(
    db: Database,
    principal: Principal,
    tracking_number: str,
    *,
    tier: str | None = None,
    privacy: str | None = None,
    dispose_to: str | None = None,
) -> str:
    """Accept a complaint: its tier sets the resolution deadline, the follow-up's runs too.

    The tier defaults to the category's; the verifier may make a public report more
    private, and may dispose it to a unit in the same step.
    """
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.VERIFY)
        chosen = rules.check_tier(tier or rules.find_category(complaint.category).tier)  # type: ignore[union-attr]
        if privacy:
            complaint.privacy = rules.check_privacy_change(
                complaint.privacy, privacy, by_reporter=False
            )
        procedure.move(uow, complaint, Action.VERIFY)
        complaint.tier, complaint.verified_at = chosen, uow.now()
        procedure.start_work(uow, complaint)
        actor = procedure.officer_actor(principal, complaint, Action.VERIFY)
        procedure.add_update(uow, complaint, "verified", actor, officer_id=principal.officer_id)
        procedure.log(
            uow,
            complaint,
            "verify",
            "complete",
            actor,
            tier=chosen,
            privacy=privacy,
            late=uow.now() > complaint.verify_due_at,
            follow_up_due_at=complaint.follow_up_due_at.isoformat(),  # type: ignore[union-attr]
            resolution_due_at=complaint.resolution_due_at.isoformat(),  # type: ignore[union-attr]
        )
        if dispose_to:
            _dispose(uow, principal, complaint, dispose_to)
        uow.commit()
        return complaint.status


def ask_for_information(
    db: Database, principal: Principal, tracking_number: str, question: str
) -> str:
    """Ask the reporter for more: the verification clock stops until they answer."""
    text = checks.require_text("question", question, max_len=MAX_REASON)
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.ASK_MORE)
        calendar = catalogue.calendar_for_agency(uow, complaint.agency_code)
        complaint.seconds_left = seconds_left(
            calendar, uow.now(), complaint.verify_due_at, cuti=True
        )
        procedure.move(uow, complaint, Action.ASK_MORE)
        complaint.reporter_due_at = procedure.due(uow, complaint, "info")
        actor = procedure.officer_actor(principal, complaint, Action.ASK_MORE)
        procedure.add_update(
            uow, complaint, "question", actor, text=text, officer_id=principal.officer_id
        )
        procedure.log(
            uow,
            complaint,
            "ask for information",
            "suspend",
            actor,
            reply_due_at=complaint.reporter_due_at.isoformat(),
        )
        uow.commit()
        return complaint.status


def forward_complaint(
    db: Database,
    principal: Principal,
    tracking_number: str,
    *,
    reason: str,
    to_unit: str | None = None,
    category: str | None = None,
    to_external: str | None = None,
) -> str:
    """Not our authority: send the complaint where it belongs, saying who decided and where.

    Within Layan it goes to a unit of another agency (given, or the one `category` routes
    to), whose handlers verify it anew within VERIFICATION_DAYS; to a body outside Layan
    (the Ombudsman, the police, the DPRD) it is closed here with that body's name.
    """
    text = checks.require_text("reason", reason, max_len=MAX_REASON)
    if to_external:
        body = checks.require_text("to_external", to_external, max_len=200)
        return _forward_out(db, principal, tracking_number, text, body)
    if category is not None and rules.find_category(category) is None:
        raise _refuse("category", "unknown", Text("Kategori tidak dikenal", "Unknown category"))
    target = to_unit or (rules.route(category) if category else None)
    if not target:
        raise _refuse(
            "to_unit",
            "required",
            Text(
                "Sebutkan unit tujuan, kategori, atau lembaga di luar Layan",
                "Name the receiving unit, a category, or a body outside Layan",
            ),
        )
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.FORWARD)
        unit = _unit(uow, "to_unit", target)
        if unit.agency.code == complaint.agency_code:
            raise _refuse(
                "to_unit",
                "unit.same_agency",
                Text(
                    "Unit ini di instansi Anda sendiri: gunakan disposisi",
                    "This unit is in your own agency: dispose the complaint instead",
                ),
            )
        actor = procedure.officer_actor(principal, complaint, Action.FORWARD)
        procedure.add_update(
            uow,
            complaint,
            "forwarded",
            actor,
            text=text,
            officer_id=principal.officer_id,
            target=unit.full_code,
        )
        procedure.move(uow, complaint, Action.FORWARD)
        _hand_over(uow, complaint, unit, category)
        procedure.log(
            uow,
            complaint,
            "forward",
            "complete",
            actor,
            from_agency=actor.agency,
            to_agency=complaint.agency_code,
            to_unit=complaint.unit_code,
            category=complaint.category,
            verify_due_at=complaint.verify_due_at.isoformat(),
            reason_sha256=procedure.digest(text),
        )
        uow.commit()
        return complaint.status


def _hand_over(uow: UnitOfWork, complaint: Complaint, unit: Any, category: str | None) -> None:
    """The receiving agency starts afresh: new verification deadline, nothing inherited."""
    complaint.forwarded_from = complaint.agency_code
    complaint.agency_code = unit.agency.code
    complaint.unit_id, complaint.unit_code = unit.id, unit.full_code
    complaint.category = category or complaint.category
    complaint.tier = complaint.verified_at = complaint.disposed_at = None
    complaint.follow_up_due_at = complaint.resolution_due_at = None
    complaint.seconds_left = complaint.reporter_due_at = None
    complaint.verify_breached_at = complaint.escalated_to = complaint.escalated_at = None
    complaint.verify_due_at = procedure.due(uow, complaint, "verification")


def _forward_out(
    db: Database, principal: Principal, tracking_number: str, reason: str, body: str
) -> str:
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.FORWARD_OUT)
        actor = procedure.officer_actor(principal, complaint, Action.FORWARD_OUT)
        procedure.move(uow, complaint, Action.FORWARD_OUT)
        procedure.add_update(
            uow,
            complaint,
            "forwarded",
            actor,
            text=reason,
            officer_id=principal.officer_id,
            target=body,
        )
        # The body's name is typed in words: like the reason, only its digest is logged.
        procedure.log(
            uow,
            complaint,
            "forward outside",
            "complete",
            actor,
            to_sha256=procedure.digest(body),
            reason_sha256=procedure.digest(reason),
        )
        uow.commit()
        return complaint.status


def archive_complaint(
    db: Database,
    principal: Principal,
    tracking_number: str,
    *,
    reason_code: str,
    reason: str,
    duplicate_of: str | None = None,
) -> str:
    """Close a complaint without action, with a reason the reporter reads.

    `reason_code` is one of ARCHIVE_REASONS, or "duplicate" with the number of the
    complaint it repeats (which then carries on).
    """
    errors = []
    text, problem = checks.check_text("reason", reason, max_len=MAX_REASON, min_len=10)
    errors += [problem] if problem else []
    if reason_code != "duplicate" and reason_code not in rules.ARCHIVE_REASONS:
        errors.append(
            FieldError(
                "reason_code", "unknown", Text("Alasan arsip tidak dikenal", "Unknown reason")
            )
        )
    if errors:
        raise ValidationFailedError(checks.INVALID, "invalid", errors)
    action = Action.MARK_DUPLICATE if reason_code == "duplicate" else Action.ARCHIVE
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, action)
        original = None
        if action == Action.MARK_DUPLICATE:
            original = procedure.find_by_number(uow, duplicate_of or "")
            if original is None or original.id == complaint.id:
                raise _refuse(
                    "duplicate_of",
                    "complaint.not_found",
                    Text(
                        "Sebutkan nomor pengaduan aslinya", "Give the original complaint's number"
                    ),
                )
        procedure.move(uow, complaint, action)
        complaint.archive_reason = reason_code
        complaint.duplicate_of = original.tracking_number if original else None
        actor = procedure.officer_actor(principal, complaint, action)
        procedure.add_update(
            uow,
            complaint,
            "duplicate" if original else "archived",
            actor,
            text=text,
            officer_id=principal.officer_id,
            target=complaint.duplicate_of,
        )
        procedure.log(
            uow,
            complaint,
            "mark duplicate" if original else "archive",
            "complete",
            actor,
            reason=reason_code,
            duplicate_of=complaint.duplicate_of,
            reason_sha256=procedure.digest(text),
        )
        uow.commit()
        return complaint.status


# --- the unit's work --------------------------------------------------------------------


def dispose_to_unit(db: Database, principal: Principal, tracking_number: str, unit: str) -> str:
    """Give a verified complaint to the unit of the agency that will act on it (disposisi)."""
    with db.unit_of_work() as uow:
        complaint = procedure.for_action(uow, principal, tracking_number, Action.DISPOSE)
        _dispose(uow, principal, complaint, unit)
        uow.commit()
        return complaint.status


def _dispose(uow: UnitOfWork, principal: Principal, complaint: Complaint, code: str) -> None:
    unit = _unit(uow, "unit", code)
    if unit.agency.code != complaint.agency_code:
        raise _refuse(
            "unit",
            "unit.other_agency",
            Text(
                "Disposisi hanya ke unit instansi ini; untuk instansi lain, teruskan",
                "Dispose only to this agency's units; forward it to another agency",
            ),
        )
    actor = procedure.officer_actor(principal, complaint, Action.DISPOSE)
    procedure.move(uow, complaint, Action.DISPOSE)
    complaint.unit_id, complaint.unit_code = unit.id, unit.full_code
    complaint.disposed_at = uow.now()
    procedure.add_update(
        uow,
        complaint,
        "disposed",
        actor,
        officer_id=principal.officer_id,
        target=complaint.unit_code,
    )
    procedure.log(uow, complaint, "dispose", "assign", actor, to_unit=complaint.unit_code)


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
            reason_sha256=procedure.digest(text),
            resolution_due_at=(
                complaint.resolution_due_at.isoformat()
                if action == Action.REOPEN and complaint.resolution_due_at
                else None
            ),
        )
        uow.commit()
        return complaint.status


# --- the sweep --------------------------------------------------------------------------


def _late(uow: UnitOfWork, batch: int, *conditions: object) -> list[Complaint]:
    stmt = select(Complaint).where(*conditions).order_by(Complaint.id).limit(batch)  # type: ignore[arg-type]
    return list(uow.session.execute(stmt.with_for_update(skip_locked=True)).scalars())


def sweep_complaint_deadlines(db: Database, batch: int = 500) -> int:
    """Mark every missed deadline once and act on it; the number of deadlines handled.

    A missed verification is escalated to the unit's supervisor; a missed follow-up or
    resolution also opens an appeal with its own deadline; a missed appeal is marked for
    the record. When the reporter lets their time pass, a question unanswered archives
    the complaint and a resolution not responded to closes it. Safe to run from several
    workers: locked rows are skipped, and each mark is made once.
    """
    with db.unit_of_work() as uow:
        now = uow.now()
        marked = 0
        for c in _late(
            uow,
            batch,
            Complaint.status == Status.SUBMITTED,
            Complaint.verify_due_at < now,
            Complaint.verify_breached_at.is_(None),
        ):
            c.verify_breached_at = now
            procedure.escalate(uow, c, "verification")
            marked += 1
        marked += _sweep_work(uow, now, batch)
        for c in _late(
            uow,
            batch,
            Complaint.status == Status.APPEALED,
            Complaint.appeal_due_at < now,
            Complaint.appeal_breached_at.is_(None),
        ):
            c.appeal_breached_at = now
            procedure.log(uow, c, "appeal breached", "complete", procedure.system_actor(c))
            marked += 1
        marked += _sweep_reporter(uow, now, batch)
        uow.commit()
    return marked


def _sweep_work(uow: UnitOfWork, now: datetime, batch: int) -> int:
    """Missed follow-ups and resolutions: escalate, and open an appeal if none is open."""
    marked = 0
    working = (Status.VERIFIED, Status.IN_PROGRESS, Status.FOLLOWED_UP, Status.APPEALED)
    stages = (
        (
            "follow_up",
            Complaint.follow_up_due_at,
            Complaint.follow_up_breached_at,
            Complaint.followed_up_at.is_(None),
        ),
        ("resolution", Complaint.resolution_due_at, Complaint.resolution_breached_at, true()),
    )
    for stage, due, breached, pending in stages:
        for c in _late(
            uow, batch, Complaint.status.in_(working), due < now, breached.is_(None), pending
        ):
            setattr(c, breached.key, now)
            procedure.escalate(uow, c, stage)
            if c.status != Status.APPEALED:
                procedure.move(uow, c, Action.DEADLINE_MISSED)
                procedure.open_appeal(uow, c, "deadline", procedure.system_actor(c))
            marked += 1
    return marked


def _sweep_reporter(uow: UnitOfWork, now: datetime, batch: int) -> int:
    """The reporter's time ran out: no reply archives, no response closes."""
    marked = 0
    for status, action, activity in (
        (Status.NEEDS_INFO, Action.NO_REPLY, "archive without reply"),
        (Status.RESOLVED, Action.NO_RESPONSE, "close without response"),
    ):
        for c in _late(uow, batch, Complaint.status == status, Complaint.reporter_due_at < now):
            procedure.move(uow, c, action)
            c.reporter_due_at = None
            if action == Action.NO_REPLY:
                c.archive_reason = "no_reply"
            procedure.log(uow, c, activity, "complete", procedure.system_actor(c))
            marked += 1
    return marked
