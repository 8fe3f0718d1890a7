"""Personal data protection for complaints (UU 27/2022): who has read a complaint.

- Every officer's read of a whole complaint or of one of its attachments is logged in
  its own small write unit of work right after the read succeeded (`log_read`); a
  refused read is never logged. Reads by the reporter with their PIN are not logged.
- The reporter sees the log with their PIN (`access_log_for_reporter`). An anonymous
  complaint is logged the same way: the log names the officers, never the reporter.
- The event log holds no free text an officer or reporter wrote: a reason or a name
  typed into a form goes into the event only as its SHA-256 (`core.events.text_digest`), the
  text itself stays on the complaint's update, where it can be erased.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from layan.complaints import queries, rules
from layan.complaints.models import Complaint
from layan.core import access_log
from layan.core.access import Grant, Principal
from layan.core.access_log import AccessEntry, Read, Reader, reader_for, shown_to_citizen
from layan.core.db import Database, UnitOfWork
from layan.core.errors import Text

CASE_TYPE = "complaint"

# What was read and why, in the reporter's words; the reasons shared with applications
# (audit, supervision, platform administration, agency oversight) have their own texts.
WHAT_NAMES: dict[str, Text] = {
    "complaint": Text("Seluruh pengaduan", "The whole complaint"),
    "attachment": Text("Lampiran", "Attachment"),
}
WHY_NAMES: dict[str, Text] = {
    "complaint handling": Text("Penanganan pengaduan", "Handling the complaint"),
    "unit work": Text("Tindak lanjut oleh unit", "Follow-up by the unit"),
}
LEAD = Text(
    "Setiap kali petugas membuka pengaduan Anda atau salah satu lampirannya, kami mencatat "
    "siapa, kapan, dan untuk apa. Pengaduan anonim juga dicatat; identitas Anda tetap "
    "tersembunyi dari petugas.",
    "Every time an officer opens your complaint or one of its attachments, we record who, "
    "when and why. Anonymous complaints are recorded too; your identity stays hidden from "
    "the officers.",
)


def _purpose(principal: Principal, complaint: Complaint) -> tuple[str, Grant | None]:
    """Why the officer reads the complaint, and the role they read it in."""
    if principal.is_auditor:
        return "audit", None
    if principal.reads_everything:
        return "platform administration", None
    supervises = next(
        (g for g in principal.grants if g.role == "supervisor" and g.unit_id == complaint.unit_id),
        None,
    )
    if supervises or complaint.escalated_to == principal.officer_id:
        return "supervision", supervises
    handles = rules.handler_grant(principal, complaint.agency_code)
    if handles:
        return "complaint handling", handles
    in_unit = principal.grant_in(complaint.unit_id)
    if in_unit:
        return "unit work", in_unit
    return "agency oversight", None


def officer_read(uow: UnitOfWork, principal: Principal, tracking_number: str, what: str) -> Read:
    """Who read the complaint and why: handling it, working it in the unit, supervision, audit."""
    complaint = queries.find_by_number(uow, tracking_number)
    if complaint is None:
        raise queries.not_found()
    why, grant = _purpose(principal, complaint)
    if grant is not None:
        reader = Reader(principal.officer_id, principal.name, grant.role, grant.unit, grant.agency)
    else:
        reader = reader_for(principal, agencies={complaint.agency_code})
    return Read(complaint.tracking_number, what, why, reader)


def log_read(db: Database, read: Read) -> None:
    """Log one officer's read that just succeeded, in its own write unit of work."""
    access_log.log_read(db, CASE_TYPE, read)


def reads_of_complaint(session: Session, tracking_number: str) -> list[AccessEntry]:
    """Every officer's read of a complaint the caller has already opened, oldest first."""
    return shown_to_citizen(session, CASE_TYPE, tracking_number)


def access_log_for_reporter(
    uow: UnitOfWork, tracking_number: str, pin: str, secret: str
) -> list[AccessEntry]:
    """Every officer's read of the complaint and its attachments; NotFound without the PIN.

    The caller holds `queries.pin_guard` around its unit of work, so wrong PINs are counted.
    """
    complaint = queries.get_by_pin(uow, tracking_number, pin, secret)
    return reads_of_complaint(uow.session, complaint.tracking_number)
