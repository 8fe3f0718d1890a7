"""Reads of complaints: the public list and page, the reporter's view, officers' queue and page.

Privacy is decided here, once, for every face that shows a complaint: a confidential
complaint is never public; an anonymous reporter is shown to no officer; a public
reporter is named in public only by first name and initial.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from layan.accounts import queries as accounts
from layan.catalogue import queries as catalogue
from layan.complaints import checks, rules
from layan.complaints.categories import BY_CODE, Category
from layan.complaints.models import Complaint, ComplaintAttachment
from layan.complaints.rules import Privacy
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import case_events
from layan.core.identity import mask_nik
from layan.core.throttle import COMPLAINT_PIN, guarding, throttle_for

PUBLIC_PAGE = 50
MAX_PAGE = 200


def not_found() -> NotFoundError:
    """The same answer for a complaint that does not exist and one the caller may not see."""
    return NotFoundError(
        Text("Pengaduan tidak ditemukan", "Complaint not found"), "complaint.not_found"
    )


def find_by_number(uow: UnitOfWork, number: str, *, lock: bool = False) -> Complaint | None:
    """The complaint with this tracking number (typed in any form), locked if asked."""
    canonical = rules.normalise_tracking_number(number)
    if canonical is None:
        return None
    stmt = select(Complaint).where(Complaint.tracking_number == canonical)
    if lock:
        stmt = stmt.with_for_update()
    return uow.session.execute(stmt).scalar_one_or_none()


def pin_guard(db: Database, number: str) -> AbstractContextManager[None]:
    """Hold this around every unit of work that opens a complaint with its PIN.

    Wrong PINs are counted per complaint number in the database, so every server process
    shares the count (`layan.core.throttle`): ten within 15 minutes lock that number for
    15 minutes (429), so a PIN cannot be guessed by trying them all. A locked number is
    refused before the unit of work begins; a wrong PIN is counted after it ended (the
    count is written in its own unit of work, which must not wait on the caller's).
    """
    key = rules.normalise_tracking_number(number) or number
    return guarding(throttle_for(db, COMPLAINT_PIN), key, (NotFoundError,))


def get_by_pin(
    uow: UnitOfWork, number: str, pin: str, secret: str, *, lock: bool = False
) -> Complaint:
    """The complaint a tracking number and its PIN open; NotFound for any mismatch.

    The caller holds `pin_guard` around its unit of work, so wrong PINs are counted.
    """
    complaint = find_by_number(uow, number, lock=lock)
    if complaint is None or not rules.pin_matches(secret, complaint.tracking_number, pin):
        raise NotFoundError(
            Text("Nomor pengaduan atau PIN tidak cocok", "Tracking number or PIN does not match"),
            "complaint.not_found",
        )
    return complaint


@dataclass(frozen=True)
class ComplaintOutcome:
    """How a complaint ended, for the satisfaction survey asked after it closes."""

    tracking_number: str
    agency_code: str
    unit_code: str
    closed: bool


def complaint_outcome(uow: UnitOfWork, number: str, pin: str, secret: str) -> ComplaintOutcome:
    """The outcome of the reporter's own complaint; NotFound unless number and PIN match.

    The caller holds `pin_guard` around its unit of work.
    """
    complaint = get_by_pin(uow, number, pin, secret)
    return ComplaintOutcome(
        complaint.tracking_number,
        complaint.agency_code,
        complaint.unit_code,
        complaint.status == rules.Status.CLOSED,
    )


@dataclass(frozen=True)
class UpdateView:
    at: datetime
    kind: str
    text: str | None
    author: str  # agency, reporter or system
    agency: str | None
    unit: str | None
    role: str | None
    target: str | None
    rating: int | None
    officer: str | None = None  # the officer's name, for officers only


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    author: str
    uploaded_at: datetime


@dataclass(frozen=True)
class SimilarComplaint:
    tracking_number: str
    title: str
    status: str
    submitted_at: datetime
    distance_m: int | None


@dataclass
class ComplaintView:
    """A complaint as one audience may see it: the public, its reporter, or an officer."""

    tracking_number: str
    kind: str
    category: str
    category_name: Text
    status: str
    state: str  # open or closed
    privacy: str
    title: str
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    agency: str
    unit: str
    tier: str | None
    submitted_at: datetime
    updated_at: datetime
    deadlines: dict[str, datetime | None]
    current_deadline: tuple[str, datetime] | None
    rating: int | None
    forwarded_from: str | None
    duplicate_of: str | None
    archive_reason: str | None
    reporter: dict[str, Any] | None
    updates: list[UpdateView]
    overdue: bool = False  # the current deadline has passed
    attachments: list[AttachmentView] = field(default_factory=list)
    application_number: str | None = None
    flags: list[dict[str, str]] = field(default_factory=list)
    similar: list[SimilarComplaint] = field(default_factory=list)
    actions: tuple[str, ...] = ()
    escalated_to_me: bool = False
    breaches: dict[str, datetime | None] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)


def headline(complaint: Complaint) -> str:
    """The title, or the start of the description when the reporter gave none."""
    if complaint.title:
        return complaint.title
    text = " ".join(complaint.description.split())
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


def _deadlines(c: Complaint) -> dict[str, datetime | None]:
    return {
        "verification": c.verify_due_at,
        "follow_up": c.follow_up_due_at,
        "resolution": c.resolution_due_at,
        "appeal": c.appeal_due_at,
        "reporter": c.reporter_due_at,
    }


def current_deadline(c: Complaint) -> tuple[str, datetime] | None:
    return rules.current_deadline(
        c.status,
        verify=c.verify_due_at,
        follow_up=c.follow_up_due_at,
        followed_up=c.followed_up_at is not None,
        resolution=c.resolution_due_at,
        appeal=c.appeal_due_at,
    )


def _updates(c: Complaint, audience: str, names: dict[int, str]) -> list[UpdateView]:
    shown = [u for u in c.updates if audience != "public" or u.public]
    return [
        UpdateView(
            u.at,
            u.kind,
            u.text,
            u.author,
            u.agency_code,
            u.unit_code,
            u.role,
            u.target,
            u.rating,
            names.get(u.officer_id) if u.officer_id and audience == "officer" else None,
        )
        for u in shown
    ]


def _reporter(c: Complaint, audience: str) -> dict[str, Any] | None:
    if audience == "reporter":
        return {
            "name": c.reporter_name,
            "phone": c.reporter_phone,
            "email": c.reporter_email,
            "nik": c.reporter_nik,
            "redacted_at": c.redacted_at,
        }
    if audience == "officer" and rules.reporter_shown_to_agency(c.privacy):
        return {
            "name": c.reporter_name,
            "phone": c.reporter_phone,
            "email": c.reporter_email,
            "nik": mask_nik(c.reporter_nik) if c.reporter_nik else None,
        }
    if audience == "public" and rules.reporter_shown_to_public(c.privacy):
        name = rules.public_name(c.reporter_name)
        return {"name": name} if name else None
    return None


def _view(uow: UnitOfWork, c: Complaint, audience: str) -> ComplaintView:
    names = {}
    if audience == "officer":
        ids = {u.officer_id for u in c.updates if u.officer_id}
        names = accounts.officer_names(uow, ids)
    category = BY_CODE.get(c.category)
    view = ComplaintView(
        c.tracking_number,
        c.kind,
        c.category,
        category.name if category else Text(c.category, c.category),
        c.status,
        rules.open_or_closed(c.status),
        c.privacy,
        headline(c),
        c.description,
        c.lat,
        c.lon,
        c.address,
        c.agency_code,
        c.unit_code,
        c.tier,
        c.submitted_at,
        c.updated_at,
        _deadlines(c),
        current_deadline(c),
        c.rating,
        c.forwarded_from,
        c.duplicate_of,
        c.archive_reason,
        _reporter(c, audience),
        _updates(c, audience, names),
    )
    view.overdue = bool(view.current_deadline and view.current_deadline[1] < uow.now())
    if audience != "public":
        view.attachments = [
            AttachmentView(a.id, a.filename, a.content_type, a.size, a.author, a.uploaded_at)
            for a in c.attachments
        ]
        # A linked application names its applicant: hidden with an anonymous reporter.
        if audience == "reporter" or rules.reporter_shown_to_agency(c.privacy):
            view.application_number = c.application_number
    return view


# --- the public and the reporter ----------------------------------------------------------


def public_complaint(uow: UnitOfWork, number: str) -> ComplaintView:
    """A complaint as anyone sees it; NotFound for a confidential one, as for no complaint."""
    complaint = find_by_number(uow, number)
    if complaint is None or not rules.is_public(complaint.privacy):
        raise not_found()
    return _view(uow, complaint, "public")


def reporter_complaint(uow: UnitOfWork, number: str, pin: str, secret: str) -> ComplaintView:
    """Everything about a complaint, for the reporter who holds its PIN (see `pin_guard`)."""
    return _view(uow, get_by_pin(uow, number, pin, secret), "reporter")


@dataclass(frozen=True)
class ComplaintSummary:
    """One complaint in the public list: what, where, where it stands, and the answers."""

    tracking_number: str
    kind: str
    category: str
    category_name: Text
    status: str
    state: str
    title: str
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    agency: str
    unit: str
    submitted_at: datetime
    updated_at: datetime
    reporter: str | None
    answers: list[UpdateView]


@dataclass(frozen=True)
class PublicPage:
    items: list[ComplaintSummary]
    total: int
    limit: int
    offset: int


def list_public_complaints(
    uow: UnitOfWork,
    *,
    category: str | None = None,
    state: str | None = None,
    status: str | None = None,
    agency: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = PUBLIC_PAGE,
    offset: int = 0,
) -> PublicPage:
    """Non-confidential complaints, newest first, with their public answers."""
    stmt = select(Complaint).where(Complaint.privacy != Privacy.CONFIDENTIAL)
    if category:
        stmt = stmt.where(Complaint.category == category)
    if state in ("open", "closed"):
        chosen = rules.OPEN_STATUSES if state == "open" else rules.CLOSED_STATUSES
        stmt = stmt.where(Complaint.status.in_(chosen))
    if status:
        stmt = stmt.where(Complaint.status == status)
    if agency:
        stmt = stmt.where(Complaint.agency_code == agency)
    if since:
        stmt = stmt.where(Complaint.submitted_at >= since)
    if until:
        stmt = stmt.where(Complaint.submitted_at < until)
    total = uow.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    limit = max(1, min(limit, MAX_PAGE))
    rows = uow.session.execute(
        stmt.options(selectinload(Complaint.updates))
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(limit)
        .offset(max(0, offset))
    ).scalars()
    items = []
    for c in rows:
        category_ = BY_CODE.get(c.category)
        answers = [u for u in _updates(c, "public", {}) if u.author == "agency" and u.text]
        reporter = _reporter(c, "public")
        items.append(
            ComplaintSummary(
                c.tracking_number,
                c.kind,
                c.category,
                category_.name if category_ else Text(c.category, c.category),
                c.status,
                rules.open_or_closed(c.status),
                headline(c),
                c.description,
                c.lat,
                c.lon,
                c.address,
                c.agency_code,
                c.unit_code,
                c.submitted_at,
                c.updated_at,
                reporter["name"] if reporter else None,
                answers,
            )
        )
    return PublicPage(items, int(total), limit, max(0, offset))


def similar_complaints(
    uow: UnitOfWork,
    category: str,
    location: checks.Location,
    *,
    public_only: bool = True,
    agency: str | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[SimilarComplaint]:
    """Open complaints of the same category within DUPLICATE_RADIUS_M or at the same address.

    Confidential ones are left out, except those of `agency` for its own officers (or
    all of them when `public_only` is false and no agency is given). The point is first
    narrowed by a box the (lat, lon) index can use; the distance is then measured exactly.
    """
    near = []
    if location.has_point:
        south, north, west, east = checks.around(location.lat, location.lon)  # type: ignore[arg-type]
        near.append(Complaint.lat.between(south, north) & Complaint.lon.between(west, east))
    key = checks.normalise_address(location.address)
    if key:
        near.append(Complaint.address_key == key)
    if not near:
        return []
    stmt = select(Complaint).where(
        Complaint.category == category,
        Complaint.status.in_(rules.OPEN_STATUSES),
        or_(*near),
    )
    if public_only or agency:
        # Confidential complaints only to officers of the agency that holds them.
        stmt = stmt.where(
            (Complaint.privacy != Privacy.CONFIDENTIAL) | (Complaint.agency_code == (agency or ""))
        )
    if exclude is not None:
        stmt = stmt.where(Complaint.id != exclude)
    found = []
    for c in uow.session.execute(stmt.order_by(Complaint.submitted_at.desc()).limit(50)).scalars():
        other = checks.Location(c.lat, c.lon, c.address)
        if not checks.same_place(location, other):
            continue
        distance = None
        if location.has_point and other.has_point:
            distance = round(checks.distance_m(location.lat, location.lon, c.lat, c.lon))  # type: ignore[arg-type]
        found.append(
            SimilarComplaint(c.tracking_number, headline(c), c.status, c.submitted_at, distance)
        )
    return found[:limit]


# --- officers -----------------------------------------------------------------------------


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
    handled = {g.agency for g in principal.grants if g.role == "complaint_handler" and g.agency}
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


def list_categories() -> tuple[Category, ...]:
    """Every category, in the order the form offers them."""
    return rules.CATEGORIES


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
