"""What officers read: one complaint of their agency, their queue, files, unit choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from layan.catalogue import queries as catalogue
from layan.complaints import checks, rules
from layan.complaints.categories import BY_CODE
from layan.complaints.models import Complaint, ComplaintAttachment
from layan.complaints.queries._shared import _view
from layan.complaints.queries.public import similar_complaints
from layan.complaints.queries.tracking import not_found
from layan.complaints.queries.views import ComplaintView, current_deadline, headline
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import case_events


def _visible(principal: Principal):  # type: ignore[no-untyped-def]
    """Officers see their agencies' complaints and those escalated to them."""
    if principal.reads_everything:
        return True
    return Complaint.agency_code.in_(principal.agencies) | (
        Complaint.escalated_to == principal.officer_id
    )


def visible_to(uow: UnitOfWork, principal: Principal, number: str) -> bool:
    """Whether the officer may still read the complaint (it may have left their agency)."""
    canonical = rules.normalise_tracking_number(number) or ""
    found = uow.session.execute(
        select(Complaint.id).where(Complaint.tracking_number == canonical, _visible(principal))
    ).first()
    return found is not None


def officer_complaint(uow: UnitOfWork, principal: Principal, number: str) -> ComplaintView:
    """The whole complaint for an officer of its agency (never an anonymous reporter)."""
    canonical = rules.normalise_tracking_number(number) or ""
    complaint = uow.session.execute(
        select(Complaint)
        .options(selectinload(Complaint.updates), selectinload(Complaint.attachments))
        .where(Complaint.tracking_number == canonical, _visible(principal))
    ).scalar_one_or_none()
    if complaint is None:
        raise not_found()
    view = _view(uow, complaint, "officer")
    view.flags = list(complaint.flags or [])
    view.similar = similar_complaints(
        uow,
        complaint.category,
        checks.Location(complaint.lat, complaint.lon, complaint.address),
        public_only=False,
        agency=None if principal.reads_everything else complaint.agency_code,
        exclude=complaint.id,
    )
    view.actions = tuple(
        a
        for a in rules.allowed_actions(complaint.status)
        if rules.may_act(principal, a, complaint.agency_code, complaint.unit_id)
    )
    view.escalated_to_me = complaint.escalated_to == principal.officer_id
    view.breaches = {
        "verification": complaint.verify_breached_at,
        "follow_up": complaint.follow_up_breached_at,
        "resolution": complaint.resolution_breached_at,
        "appeal": complaint.appeal_breached_at,
    }
    view.timeline = [
        {"at": e.timestamp, "activity": e.activity, "agency": e.agency, "unit": e.unit}
        for e in case_events(uow.session, "complaint", complaint.tracking_number)
    ]
    return view


@dataclass(frozen=True)
class QueueRow:
    """A complaint in an officer's queue, with the deadline the agency must meet next."""

    tracking_number: str
    title: str
    category: str
    category_name: Text
    kind: str
    status: str
    privacy: str
    agency: str
    unit: str
    submitted_at: datetime
    stage: str | None
    due_at: datetime | None
    overdue: bool
    escalated_to_me: bool
    actions: tuple[str, ...]


def complaint_queue(
    uow: UnitOfWork, principal: Principal, *, unit: str = "", status: str = ""
) -> list[QueueRow]:
    """Open complaints the officer can act on, the nearest deadline first.

    A complaint handler sees every open complaint of their agencies; an officer of a unit
    those disposed to the unit; a supervisor, also those escalated to them.
    """
    handled = rules.handled_agencies(principal)
    scope = [Complaint.escalated_to == principal.officer_id]
    if handled:
        scope.append(Complaint.agency_code.in_(handled))
    if principal.unit_ids:
        scope.append(Complaint.unit_id.in_(principal.unit_ids))
    stmt = select(Complaint).where(Complaint.status.in_(rules.OPEN_STATUSES), or_(*scope))
    if unit:
        stmt = stmt.where(Complaint.unit_code == unit)
    if status:
        stmt = stmt.where(Complaint.status == status)
    now = uow.now()
    rows = []
    for c in uow.session.execute(stmt.order_by(Complaint.submitted_at).limit(500)).scalars():
        actions = tuple(
            a
            for a in rules.allowed_actions(c.status)
            if rules.may_act(principal, a, c.agency_code, c.unit_id)
        )
        if not actions and c.escalated_to != principal.officer_id:
            continue
        pending = current_deadline(c)
        category_ = BY_CODE.get(c.category)
        rows.append(
            QueueRow(
                c.tracking_number,
                headline(c),
                c.category,
                category_.name if category_ else Text(c.category, c.category),
                c.kind,
                c.status,
                c.privacy,
                c.agency_code,
                c.unit_code,
                c.submitted_at,
                pending[0] if pending else None,
                pending[1] if pending else None,
                bool(pending and pending[1] < now),
                c.escalated_to == principal.officer_id,
                actions,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (r.due_at or far, r.submitted_at))


@dataclass(frozen=True)
class AttachmentRef:
    id: int
    digest: str
    filename: str
    content_type: str
    tracking_number: str = ""


def attachment_for_officer(
    uow: UnitOfWork, principal: Principal, attachment_id: int
) -> AttachmentRef:
    """A file of a complaint the officer may read; NotFound for anyone else."""
    found = uow.session.execute(
        select(ComplaintAttachment)
        .join(Complaint, Complaint.id == ComplaintAttachment.complaint_id)
        .where(ComplaintAttachment.id == attachment_id, _visible(principal))
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(Text("Berkas tidak ditemukan", "File not found"), "file.not_found")
    return AttachmentRef(
        found.id,
        found.digest,
        found.filename,
        found.content_type,
        found.complaint.tracking_number,
    )


@dataclass(frozen=True)
class UnitChoice:
    agency: str
    code: str  # AGENCY.UNIT
    name: str


def unit_choices(uow: UnitOfWork) -> list[UnitChoice]:
    """Every unit of every agency, for disposing and forwarding forms."""
    return [
        UnitChoice(agency.code, unit.full_code, unit.name)
        for agency in catalogue.list_agencies(uow)
        for unit in agency.units
    ]
