"""Finding a complaint by its tracking number, and opening it with the reporter's PIN."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select

from layan.complaints import rules
from layan.complaints.models import Complaint
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.throttle import COMPLAINT_PIN, guarding, throttle_for


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
