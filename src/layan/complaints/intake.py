"""The reporter's side of complaints: submit, give what was asked, respond, edit, redact.

Everything a reporter sends is checked before anything is stored, files included; the
reporter's later actions are proved by the tracking number and its PIN, and each is an
event in the ledger of the agency now responsible, carrying no personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from layan.applications import queries as applications
from layan.applications.rules import resumed_deadline
from layan.catalogue import queries as catalogue
from layan.complaints import checks, procedure, queries, rules
from layan.complaints.checks import NewComplaint, Reporter
from layan.complaints.models import Complaint
from layan.complaints.procedure import IncomingFile, described
from layan.complaints.rules import Action
from layan.core.blobs import BlobStore
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError

__all__ = ["IncomingFile", "NewComplaint", "Reporter"]


@dataclass(frozen=True)
class ComplaintReceipt:
    """What the reporter keeps: the number, the PIN that opens it, and similar reports."""

    tracking_number: str
    pin: str
    status: str
    verify_due_at: datetime
    similar: list[queries.SimilarComplaint]
    replayed: bool = False


def submit_complaint(
    db: Database,
    complaint: NewComplaint,
    files: Mapping[str, IncomingFile],
    *,
    blobs: BlobStore,
    secret: str,
    idempotency_key: str | None = None,
) -> ComplaintReceipt:
    """Accept a complaint whole (text, place, files, first deadline, event) or not at all.

    It goes to the unit its category routes to; that agency's handlers must verify it
    within VERIFICATION_DAYS working days. A retry with the same Idempotency-Key returns
    the first receipt.
    """
    if idempotency_key and (earlier := _replay(db, idempotency_key, secret)):
        return earlier
    cleaned, kinds = checks.check_complaint(complaint, described(files))
    try:
        return _submit(db.unit_of_work(), cleaned, kinds, files, blobs, secret, idempotency_key)
    except IntegrityError:
        # Two requests with one key raced; the other one won and its receipt stands.
        if idempotency_key and (earlier := _replay(db, idempotency_key, secret)):
            return earlier
        raise


def _linked_application(uow: UnitOfWork, number: str, secret: str) -> list[dict[str, str]]:
    """Flags about the application a complaint names; 422 when there is no such application."""
    try:
        outcome = applications.case_outcome(uow, number, None, secret)
    except NotFoundError:
        raise ValidationFailedError(
            checks.REFUSED,
            "invalid",
            [
                FieldError(
                    "application_number",
                    "application.not_found",
                    Text("Nomor permohonan tidak ditemukan", "No application has this number"),
                )
            ],
        ) from None
    if rules.filed_late(outcome.decided_at, uow.now()):
        return [
            {
                "code": "filed_late",
                "id": "Diajukan lebih dari 30 hari setelah layanan selesai (UU 25/2009 Pasal 42)",
                "en": "Filed more than 30 days after the service ended (Law 25/2009 art. 42)",
            }
        ]
    return []


def _submit(
    uow: UnitOfWork,
    new: NewComplaint,
    kinds: dict[str, str],
    files: Mapping[str, IncomingFile],
    blobs: BlobStore,
    secret: str,
    idempotency_key: str | None,
) -> ComplaintReceipt:
    with uow:
        flags = []
        if new.application_number:
            flags = _linked_application(uow, new.application_number, secret)
        unit = catalogue.get_unit(uow, rules.route(new.category))
        now = uow.now()
        where, who = new.location, new.reporter
        complaint = Complaint(
            tracking_number=rules.new_tracking_number(),
            idempotency_key=idempotency_key,
            kind=new.kind,
            category=new.category,
            channel=new.channel,
            agency_code=unit.agency.code,
            unit_id=unit.id,
            unit_code=unit.full_code,
            status=rules.Status.SUBMITTED,
            privacy=new.privacy,
            title=new.title,
            description=new.description,
            lat=where.lat,
            lon=where.lon,
            address=where.address,
            address_key=checks.normalise_address(where.address) or None,
            application_number=new.application_number,
            reporter_name=who.name,
            reporter_phone=who.phone,
            reporter_email=who.email,
            reporter_nik=who.nik,
            flags=flags,
            submitted_at=now,
            updated_at=now,
            verify_due_at=rules.deadline(
                catalogue.calendar_for_agency(uow, unit.agency.code), now, "verification"
            ),
            reporter_appeals=0,
        )
        uow.session.add(complaint)
        uow.session.flush()
        procedure.store_files(uow, blobs, complaint, files, kinds, author="reporter")
        similar = queries.similar_complaints(
            uow, new.category, where, public_only=True, exclude=complaint.id
        )
        procedure.log(
            uow,
            complaint,
            "submit",
            "complete",
            procedure.reporter_actor(complaint),
            kind=new.kind,
            category=new.category,
            channel=new.channel,
            privacy=new.privacy,
            attachments=len(files),
            located=where.has_point or bool(where.address),
            linked_application=bool(new.application_number),
            verify_due_at=complaint.verify_due_at.isoformat(),
        )
        uow.commit()
        return ComplaintReceipt(
            complaint.tracking_number,
            rules.complaint_pin(secret, complaint.tracking_number),
            complaint.status,
            complaint.verify_due_at,
            similar,
        )


def _replay(db: Database, key: str, secret: str) -> ComplaintReceipt | None:
    with db.unit_of_work(readonly=True) as uow:
        found = uow.session.execute(
            select(Complaint).where(Complaint.idempotency_key == key)
        ).scalar_one_or_none()
        if found is None:
            return None
        return ComplaintReceipt(
            found.tracking_number,
            rules.complaint_pin(secret, found.tracking_number),
            found.status,
            found.verify_due_at,
            [],
            replayed=True,
        )


def add_information(
    db: Database,
    *,
    tracking_number: str,
    pin: str,
    secret: str,
    text: str,
    files: Mapping[str, IncomingFile],
    blobs: BlobStore,
) -> str:
    """The reporter gives what the verifier asked; the verification clock runs again."""
    answer, problem = checks.check_text("text", text, max_len=checks.MAX_TEXT)
    kinds, errors = checks.check_attachments(described(files))
    errors = ([problem] if problem else []) + errors
    if errors:
        raise ValidationFailedError(checks.INVALID, "invalid", errors)
    with procedure.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        complaint = procedure.get_by_pin(uow, tracking_number, pin, secret, lock=True)
        procedure.move(uow, complaint, Action.ADD_INFO)
        calendar = catalogue.calendar_for_agency(uow, complaint.agency_code)
        complaint.verify_due_at = resumed_deadline(
            calendar, uow.now(), complaint.seconds_left or 0, cuti=True
        )
        complaint.seconds_left = complaint.reporter_due_at = None
        actor = procedure.reporter_actor(complaint)
        update = procedure.add_update(
            uow, complaint, "information", actor, text=answer, public=False
        )
        procedure.store_files(uow, blobs, complaint, files, kinds, author="reporter", update=update)
        procedure.log(
            uow,
            complaint,
            "add information",
            "resume",
            actor,
            attachments=len(files),
            verify_due_at=complaint.verify_due_at.isoformat(),
        )
        uow.commit()
        return complaint.status


def respond_to_resolution(
    db: Database,
    *,
    tracking_number: str,
    pin: str,
    secret: str,
    rating: object,
    comment: str | None = None,
) -> str:
    """The reporter rates the resolution (1-5): a good rating closes it, a poor one appeals.

    A poor rating opens an appeal to the unit's supervisor once; after that it closes the
    complaint, and the reporter may take it to the Ombudsman.
    """
    score = rules.check_rating(rating)
    remark, problem = checks.check_text("comment", comment, max_len=2000, required=False)
    if problem:
        raise ValidationFailedError(checks.INVALID, "invalid", [problem])
    with procedure.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        complaint = procedure.get_by_pin(uow, tracking_number, pin, secret, lock=True)
        action = rules.response_action(score, complaint.reporter_appeals)
        procedure.move(uow, complaint, action)
        actor = procedure.reporter_actor(complaint)
        complaint.rating, complaint.responded_at = score, uow.now()
        complaint.reporter_due_at = None
        procedure.add_update(
            uow, complaint, "response", actor, text=remark, public=False, rating=score
        )
        if action == Action.APPEAL:
            complaint.reporter_appeals += 1
            procedure.open_appeal(uow, complaint, "rating", actor)
        else:
            exhausted = score <= rules.POOR_RATING
            procedure.log(
                uow,
                complaint,
                "accept",
                "complete",
                actor,
                rating=score,
                appeal_exhausted=exhausted,
            )
        uow.commit()
        return complaint.status


def update_reporter(
    db: Database,
    *,
    tracking_number: str,
    pin: str,
    secret: str,
    reporter: Reporter | None = None,
    privacy: str | None = None,
) -> None:
    """The reporter corrects their details or changes the privacy (e.g. to anonymous)."""
    cleaned, errors = checks.check_reporter(reporter) if reporter else (None, [])
    if errors:
        raise ValidationFailedError(checks.INVALID, "invalid", errors)
    with procedure.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        complaint = procedure.get_by_pin(uow, tracking_number, pin, secret, lock=True)
        changed: list[str] = []
        if cleaned is not None:
            for name in ("name", "phone", "email", "nik"):
                value = getattr(cleaned, name)
                if getattr(complaint, f"reporter_{name}") != value:
                    setattr(complaint, f"reporter_{name}", value)
                    changed.append(name)
        if privacy is not None and privacy != complaint.privacy:
            complaint.privacy = rules.check_privacy_change(
                complaint.privacy, privacy, by_reporter=True
            )
            changed.append("privacy")
        if not changed:
            return
        complaint.updated_at = uow.now()
        actor = procedure.reporter_actor(complaint)
        procedure.log(
            uow,
            complaint,
            "reporter edited",
            "complete",
            actor,
            fields=changed,
            privacy=complaint.privacy if "privacy" in changed else None,
        )
        uow.commit()


def redact_reporter(db: Database, *, tracking_number: str, pin: str, secret: str) -> None:
    """Erase the reporter's identity and everything they wrote after the complaint itself.

    The complaint's own text and files stay, as the agency needs them to act.
    """
    with procedure.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        complaint = procedure.get_by_pin(uow, tracking_number, pin, secret, lock=True)
        fields = [
            name
            for name in ("name", "phone", "email", "nik")
            if getattr(complaint, f"reporter_{name}") is not None
        ]
        written = [u for u in complaint.updates if u.author == "reporter" and u.text]
        if not fields and not written:
            return  # nothing left to erase
        complaint.reporter_name = complaint.reporter_phone = None
        complaint.reporter_email = complaint.reporter_nik = None
        for update in written:
            update.text = None
        complaint.redacted_at = complaint.updated_at = uow.now()
        procedure.log(
            uow,
            complaint,
            "reporter redacted",
            "complete",
            procedure.reporter_actor(complaint),
            fields=fields,
            texts=len(written),
        )
        uow.commit()
