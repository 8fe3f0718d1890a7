"""What the public and the reporter read: one complaint, the public list, similar reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from layan.complaints import checks, rules
from layan.complaints.categories import BY_CODE, Category
from layan.complaints.models import Complaint
from layan.complaints.queries._shared import _reporter, _updates, _view
from layan.complaints.queries.tracking import find_by_number, get_by_pin, not_found
from layan.complaints.queries.views import ComplaintView, SimilarComplaint, UpdateView, headline
from layan.complaints.rules import Privacy
from layan.core.db import UnitOfWork
from layan.core.errors import Text

PUBLIC_PAGE = 50
MAX_PAGE = 200


def public_complaint(uow: UnitOfWork, number: str) -> ComplaintView:
    """A complaint as anyone sees it; NotFound for a confidential one, as for no complaint."""
    complaint = find_by_number(uow, number)
    if complaint is None or not rules.is_public(complaint.privacy):
        raise not_found()
    return _view(uow, complaint, "public")


def public_complaints(uow: UnitOfWork, numbers: list[str]) -> dict[str, ComplaintView]:
    """The public complaints among `numbers` (typed in any form), keyed by the number asked.

    One read for them all, updates included; confidential and unknown numbers are left out,
    as `public_complaint` refuses them.
    """
    canonical = {n: rules.normalise_tracking_number(n) for n in numbers}
    wanted = {c for c in canonical.values() if c is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(Complaint)
        .where(Complaint.tracking_number.in_(wanted), Complaint.privacy != Privacy.CONFIDENTIAL)
        .options(selectinload(Complaint.updates))
    ).scalars()
    views = {c.tracking_number: _view(uow, c, "public") for c in rows if rules.is_public(c.privacy)}
    return {n: views[c] for n, c in canonical.items() if c is not None and c in views}


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


def list_categories() -> tuple[Category, ...]:
    """Every category, in the order the form offers them."""
    return rules.CATEGORIES
