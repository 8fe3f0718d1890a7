"""How a complaint is shown to each audience, shared by the public and officers' reads.

Privacy is decided here, once: an anonymous reporter is shown to no officer; a public
reporter is named in public only by first name and initial.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from layan.accounts import queries as accounts
from layan.complaints import rules
from layan.complaints.categories import BY_CODE
from layan.complaints.models import Complaint
from layan.complaints.queries.views import (
    AttachmentView,
    ComplaintView,
    UpdateView,
    current_deadline,
    headline,
)
from layan.core.db import UnitOfWork
from layan.core.errors import Text
from layan.core.identity import mask_nik


def _deadlines(c: Complaint) -> dict[str, datetime | None]:
    return {
        "verification": c.verify_due_at,
        "follow_up": c.follow_up_due_at,
        "resolution": c.resolution_due_at,
        "appeal": c.appeal_due_at,
        "reporter": c.reporter_due_at,
    }


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
