"""The citizen's side of an application: submit it, and resubmit it after a return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from layan.applications import procedure, rules
from layan.applications.models import Application, Document
from layan.applications.queries import application_by_pin, pin_guard
from layan.applications.rules import Status
from layan.catalogue import forms
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.core.blobs import BlobStore
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    Text,
    ValidationFailedError,
)
from layan.core.identity import InvalidNikError, parse_nik


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived with a submission."""

    filename: str
    content_type: str
    content: bytes

    def described(self) -> standards.UploadedFile:
        return standards.UploadedFile(
            self.filename, self.content_type, len(self.content), self.content[:16]
        )


@dataclass(frozen=True)
class Applicant:
    nik: str
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class Receipt:
    """What the applicant keeps: the tracking number and the PIN that opens it."""

    tracking_number: str
    pin: str
    status: str
    due_at: datetime
    replayed: bool = False


def _check_applicant(applicant: Applicant) -> tuple[Applicant, list[FieldError]]:
    errors: list[FieldError] = []
    nik = applicant.nik
    try:
        nik = parse_nik(applicant.nik).value
    except InvalidNikError as exc:
        errors.append(FieldError("applicant.nik", f"nik.{exc.code}", exc.text))
    name = " ".join(applicant.name.split())
    if not name or len(name) > 200 or any(ord(c) < 32 for c in applicant.name):
        errors.append(
            FieldError(
                "applicant.name",
                "name.invalid",
                Text(
                    "Nama wajib diisi (paling banyak 200 karakter)",
                    "Name is required (at most 200 characters)",
                ),
            )
        )
    phone = forms.normalise_phone(applicant.phone)
    if phone is None:
        errors.append(
            FieldError(
                "applicant.phone",
                "phone.invalid",
                Text(
                    "Nomor HP tidak sah (contoh: 081234567890)",
                    "Invalid phone number (e.g. 081234567890)",
                ),
            )
        )
    email = forms.normalise_email(applicant.email)
    if email is None:
        errors.append(
            FieldError(
                "applicant.email",
                "email.invalid",
                Text("Alamat email tidak sah", "Invalid email address"),
            )
        )
    return Applicant(nik, name, phone or "", email or ""), errors


def _validate(
    published: catalogue.PublishedStandard,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
) -> tuple[Applicant, dict[str, object]]:
    """Every problem with the applicant, the form and the documents, all at once."""
    applicant, errors = _check_applicant(applicant)
    cleaned: dict[str, object] = {}
    try:
        cleaned = standards.validate_application(
            published.standard, data, {k: f.described() for k, f in files.items()}
        )
    except ValidationFailedError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationFailedError(
            Text(
                "Permohonan belum dapat diterima: periksa isian yang ditandai",
                "The application cannot be accepted yet: check the marked fields",
            ),
            "invalid",
            errors,
        )
    return applicant, cleaned


def check_application(
    published: catalogue.PublishedStandard,
    *,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
) -> tuple[Applicant, dict[str, object]]:
    """Everything submission would check against an already-loaded standard, storing
    nothing: for a check-your-answers page."""
    return _validate(published, applicant, data, files)


def _checked(
    db: Database,
    service_code: str,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
    published: catalogue.PublishedStandard | None = None,
) -> tuple[catalogue.PublishedStandard, Applicant, dict[str, object]]:
    if published is None:
        # Read in a reading transaction so the write lock is held only for the writes.
        with db.unit_of_work(readonly=True) as uow:
            published = catalogue.get_standard(uow, service_code)
    return (published, *_validate(published, applicant, data, files))


def _store_files(
    uow: UnitOfWork, blobs: BlobStore, app: Application, files: dict[str, IncomingFile]
) -> None:
    for slot, incoming in files.items():
        digest = blobs.put(incoming.content)
        app.documents.append(
            Document(
                slot=slot,
                digest=digest,
                filename=incoming.filename[:255],
                content_type=incoming.content_type[:100],
                size=len(incoming.content),
                uploaded_at=uow.now(),
            )
        )


def submit_application(
    db: Database,
    *,
    service_code: str,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
    blobs: BlobStore,
    secret: str,
    idempotency_key: str | None = None,
    published: catalogue.PublishedStandard | None = None,
) -> Receipt:
    """Accept an application whole (data, documents, first tasks, events) or not at all.

    A retry with the same Idempotency-Key returns the first receipt, so a citizen whose
    connection dropped never files twice. A caller that has already loaded the published
    standard of `service_code` passes it as `published` so it is not read again.
    """
    if idempotency_key and (earlier := _replay(db, idempotency_key, service_code, secret)):
        return earlier
    try:
        return _submit(
            db.unit_of_work(),
            service_code,
            applicant,
            data,
            files,
            blobs,
            secret,
            idempotency_key,
            published,
        )
    except IntegrityError:
        # Two requests with one key raced; the other one won and its receipt stands.
        if idempotency_key and (earlier := _replay(db, idempotency_key, service_code, secret)):
            return earlier
        raise


def _submit(
    uow: UnitOfWork,
    service_code: str,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
    blobs: BlobStore,
    secret: str,
    idempotency_key: str | None,
    published: catalogue.PublishedStandard | None = None,
) -> Receipt:
    published, applicant, cleaned = _checked(
        uow.db, service_code, applicant, data, files, published
    )
    with uow:
        now = uow.now()
        standard = published.standard
        agency_calendar = catalogue.calendar_for_agency(uow, published.agency)
        app = Application(
            tracking_number=rules.new_tracking_number(),
            idempotency_key=idempotency_key,
            standard_version_id=published.version_id,
            service_code=standard.code,
            agency_code=published.agency,
            status=Status.IN_PROCESS,
            stage=0,
            applicant_nik=applicant.nik,
            applicant_name=applicant.name,
            applicant_phone=applicant.phone,
            applicant_email=applicant.email,
            data=cleaned,
            flags=rules.identity_flags(applicant.nik, cleaned),
            submitted_at=now,
            due_at=rules.deadline(
                agency_calendar, now, standard.service_time, cuti=standard.cuti_bersama_stops_clock
            ),
        )
        uow.session.add(app)
        _store_files(uow, blobs, app, files)
        uow.session.flush()
        actor = procedure.citizen_actor(published.agency)
        procedure.log(
            uow,
            app,
            "submit",
            "complete",
            actor,
            service=standard.code,
            version=published.version,
            documents=sorted(files),
        )
        procedure.open_stage(uow, app, published, 0, actor)
        uow.commit()
        return Receipt(
            app.tracking_number,
            rules.tracking_pin(secret, app.tracking_number),
            app.status,
            app.due_at,
        )


def _replay(db: Database, key: str, service_code: str, secret: str) -> Receipt | None:
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.idempotency_key == key)
        ).scalar_one_or_none()
        if app is None:
            return None
        if app.service_code != service_code:
            raise InvalidStateError(
                Text(
                    "Idempotency-Key ini sudah dipakai untuk permohonan lain",
                    "This Idempotency-Key was already used for another application",
                ),
                "idempotency.conflict",
            )
        return Receipt(
            app.tracking_number,
            rules.tracking_pin(secret, app.tracking_number),
            app.status,
            app.due_at,
            replayed=True,
        )


def resubmit_application(
    db: Database,
    *,
    tracking_number: str,
    pin: str,
    data: dict[str, object] | None,
    files: dict[str, IncomingFile],
    blobs: BlobStore,
    secret: str,
) -> Receipt:
    """The applicant fixes a returned application; the stopped clocks run again.

    Wrong PINs count towards the tracking number's lock (`pin_guard`), 404 then 429.
    """
    with pin_guard(db, tracking_number), db.unit_of_work() as uow:
        app = application_by_pin(uow, tracking_number, pin, secret)
        if app.status != Status.RETURNED:
            raise InvalidStateError(
                Text(
                    "Permohonan ini tidak sedang dikembalikan untuk diperbaiki",
                    "This application is not waiting for a correction",
                ),
                "application.not_returned",
            )
        published = catalogue.get_standard_version(uow, app.standard_version_id)
        merged = {**app.data, **(data or {})}
        # Documents given before still count (checked again as they are); new ones replace them.
        kept = {
            d.slot: standards.UploadedFile(d.filename, d.content_type, d.size, blobs.head(d.digest))
            for d in app.documents
        }
        described = {**kept, **{k: f.described() for k, f in files.items()}}
        try:
            cleaned = standards.validate_application(published.standard, merged, described)
        except ValidationFailedError as exc:
            exc.text = Text("Perbaikan belum dapat diterima", "The correction cannot be accepted")
            raise
        app.data = cleaned
        _store_files(uow, blobs, app, files)
        actor = procedure.citizen_actor(app.agency_code)
        procedure.log(
            uow,
            app,
            "resubmit",
            "resume",
            actor,
            documents=sorted(files),
            fields=sorted((data or {}).keys()),
        )
        procedure.resume_clocks(uow, app, published, actor)
        uow.commit()
        return Receipt(app.tracking_number, pin, app.status, app.due_at)
