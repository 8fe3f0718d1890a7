"""Drafts as their applicant tracks them: what they wait on, and, with the PIN, what they hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from layan.applications import rules
from layan.applications.models import Application, ApplicationDraft
from layan.applications.queries.views import ApplicationView, track_application
from layan.applications.rules import Pending
from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text


@dataclass
class DraftView:
    """A draft: no deadline runs and no officer sees it until it is complete."""

    tracking_number: str
    service_code: str
    service_name: str
    agency: str
    status: str
    created_at: datetime
    attempted_at: datetime
    attempts: int
    pending: list[dict[str, str]]
    personal: dict[str, Any] | None = None
    documents: list[dict[str, str]] = field(default_factory=list)


def find_draft(uow: UnitOfWork, tracking_number: str) -> ApplicationDraft | None:
    number = rules.normalise_tracking_number(tracking_number)
    if number is None:
        return None
    return uow.session.execute(
        select(ApplicationDraft).where(ApplicationDraft.tracking_number == number)
    ).scalar_one_or_none()


def draft_by_pin(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> ApplicationDraft:
    """The draft a tracking number (and, when given, its PIN) opens; NotFound otherwise."""
    draft = find_draft(uow, tracking_number)
    if draft is None or (
        pin is not None and not rules.pin_matches(secret, draft.tracking_number, pin)
    ):
        raise NotFoundError(
            Text("Nomor permohonan atau PIN tidak cocok", "Tracking number or PIN does not match"),
            "application.not_found",
        )
    return draft


def draft_view(uow: UnitOfWork, draft: ApplicationDraft, *, personal: bool) -> DraftView:
    published = catalogue.get_standard_version(uow, draft.standard_version_id)
    standard = published.standard
    pending = []
    for item in draft.pending:
        text = Pending(**item).text(standard)
        pending.append({**item, "message_id": text.id, "message_en": text.en})
    view = DraftView(
        draft.tracking_number,
        draft.service_code,
        standard.name.id,
        draft.agency_code,
        "draft",
        draft.created_at,
        draft.attempted_at,
        draft.attempts,
        pending,
    )
    if personal:
        view.personal = {
            "nik": draft.applicant_nik,
            "name": draft.applicant_name,
            "phone": draft.applicant_phone,
            "email": draft.applicant_email,
            "data": draft.data,
            "issued_documents": draft.issued,
        }
        view.documents = [{"slot": slot, "filename": meta[0]} for slot, meta in draft.files.items()]
    return view


def track_draft(uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str) -> DraftView:
    """What waits, for anyone with the number; everything it holds with the PIN."""
    draft = draft_by_pin(uow, tracking_number, pin, secret)
    return draft_view(uow, draft, personal=pin is not None)


def track_case(
    uow: UnitOfWork, tracking_number: str, pin: str | None, secret: str
) -> ApplicationView | DraftView:
    """An application by its number, or the draft kept under that number."""
    try:
        return track_application(uow, tracking_number, pin, secret)
    except NotFoundError:
        if find_draft(uow, tracking_number) is None:
            raise
    return track_draft(uow, tracking_number, pin, secret)


def service_of(uow: UnitOfWork, tracking_number: str) -> str:
    """The service code of an application or draft by its (canonical) number."""
    draft = find_draft(uow, tracking_number)
    if draft is not None:
        return draft.service_code
    return str(
        uow.session.execute(
            select(Application.service_code).where(Application.tracking_number == tracking_number)
        ).scalar_one()
    )
