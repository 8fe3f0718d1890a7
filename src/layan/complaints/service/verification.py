"""Verifying a complaint: accept it with its tier, ask the reporter for more, or archive it."""

from __future__ import annotations

from layan.applications.rules import seconds_left
from layan.catalogue import queries as catalogue
from layan.complaints import checks, procedure, rules
from layan.complaints.rules import Action
from layan.complaints.service._shared import MAX_REASON, _dispose, _refuse
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.events import text_digest


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
            reason_sha256=text_digest(text) if text is not None else None,
        )
        uow.commit()
        return complaint.status
