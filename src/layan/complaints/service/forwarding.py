"""Forwarding a complaint that is not the agency's to handle: to another agency in Layan,
where it is verified anew, or to a body outside Layan, where it closes here.
"""

from __future__ import annotations

from typing import Any

from layan.complaints import checks, procedure, rules
from layan.complaints.models import Complaint
from layan.complaints.rules import Action
from layan.complaints.service._shared import MAX_REASON, _refuse, _unit
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import Text
from layan.core.events import text_digest


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
            reason_sha256=text_digest(text),
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
            to_sha256=text_digest(body),
            reason_sha256=text_digest(reason),
        )
        uow.commit()
        return complaint.status
