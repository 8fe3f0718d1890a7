"""Who is told of a complaint's events: the reporter's addresses (an anonymous reporter
who left none is told nothing). Read by the outbox for a batch of events at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from layan.complaints.models import Complaint
from layan.core.db import UnitOfWork

CHUNK = 500


@dataclass(frozen=True)
class ReporterContact:
    number: str
    agency: str
    email: str | None
    phone: str | None
    due_at: datetime  # the answer's deadline as it stands


def complaint_contacts(uow: UnitOfWork, numbers: Iterable[str]) -> dict[str, ReporterContact]:
    wanted = sorted(set(numbers))
    found: dict[str, ReporterContact] = {}
    columns = (
        Complaint.tracking_number,
        Complaint.agency_code,
        Complaint.reporter_email,
        Complaint.reporter_phone,
        Complaint.resolution_due_at,
        Complaint.verify_due_at,
        Complaint.redacted_at,
    )
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in uow.session.execute(
            select(*columns).where(Complaint.tracking_number.in_(chunk))
        ):
            erased = row.redacted_at is not None
            found[row.tracking_number] = ReporterContact(
                row.tracking_number,
                row.agency_code,
                None if erased else row.reporter_email or None,
                None if erased else row.reporter_phone or None,
                row.resolution_due_at or row.verify_due_at,
            )
    return found
