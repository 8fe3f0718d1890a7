"""Filing an application: checking what the applicant gave, and writing it whole.

Shared by a first submission (`intake`) and by a draft completed later (`drafts`): the
same checks, and the same one transaction that stores the application, its documents,
its once-only evidence, the access log of its registry lookups, its events and its first
tasks, or a draft of it when a registry left a requirement waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert

from layan.applications import once_only, procedure, rules
from layan.applications.models import Application, ApplicationDraft, Document, Task
from layan.applications.once_only import Pending, Resolved
from layan.applications.rules import Status
from layan.catalogue import forms
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.core.blobs import BlobStore
from layan.core.codes import normalise_code
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.identity import InvalidNikError, parse_nik
from layan.documents import once_only as evidence_log

DRAFT = "draft"


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
    channels: tuple[str, ...] | None = None  # for messages (None: email)
    language: str = "id"  # of the messages: the language they applied in


@dataclass(frozen=True)
class Receipt:
    """What the applicant keeps: the tracking number and the PIN that opens it.

    A draft (`status` "draft") has no deadline yet: `pending` says what it waits on.
    """

    tracking_number: str
    pin: str
    status: str
    due_at: datetime | None
    replayed: bool = False
    pending: tuple[Pending, ...] = ()


# --- checking -------------------------------------------------------------------------


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
    channels, wrong = rules.check_channels(applicant.channels)
    errors += wrong
    language = "en" if applicant.language == "en" else "id"
    return Applicant(nik, name, phone or "", email or "", channels, language), errors


def clean_issued(issued: dict[str, str] | None) -> dict[str, str]:
    """The issued documents named per requirement, as canonical ids where they read as
    one (typed in groups, in any case); blanks dropped."""
    named = {}
    for code, value in (issued or {}).items():
        typed = str(value).strip()[:40]
        if typed:
            named[str(code)[:63]] = normalise_code(typed) or typed
    return named


def validate(
    published: catalogue.PublishedStandard,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
    issued: dict[str, str],
) -> tuple[Applicant, dict[str, object]]:
    """Every problem with the applicant, the form and the documents, all at once.

    A document that once-only will meet (an issued document named, a registry record to
    look up) is not asked to be uploaded.
    """
    standard = published.standard
    applicant, errors = _check_applicant(applicant)
    uploaded = set(files)
    cleaned: dict[str, object] = {}
    try:
        cleaned = standards.validate_application(
            standard,
            data,
            {k: f.described() for k, f in files.items()},
            once_only.satisfied(standard, issued, uploaded),
        )
    except ValidationFailedError as exc:
        errors.extend(once_only.upload_or_id(exc.errors, standard))
    errors.extend(once_only.missing(standard, cleaned, issued, uploaded))
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


# --- writing --------------------------------------------------------------------------


def store_files(
    uow: UnitOfWork, blobs: BlobStore, app: Application, files: dict[str, IncomingFile]
) -> None:
    rows = document_rows(files, store_blobs(blobs, files), uow.now())
    app.documents.extend(Document(**row) for row in rows)


def document_rows(
    files: dict[str, IncomingFile], digests: dict[str, str], now: datetime
) -> list[dict[str, object]]:
    """The document rows of files already stored (`digests` by slot)."""
    return [
        {
            "slot": slot,
            "digest": digests[slot],
            "filename": incoming.filename[:255],
            "content_type": incoming.content_type[:100],
            "size": len(incoming.content),
            "uploaded_at": now,
        }
        for slot, incoming in files.items()
    ]


@dataclass(frozen=True)
class Filing:
    """One application (or draft) about to be written: everything checked already."""

    tracking_number: str
    idempotency_key: str | None
    published: catalogue.PublishedStandard
    applicant: Applicant
    data: dict[str, object]
    files: dict[str, IncomingFile]
    issued: dict[str, str]
    resolved: Resolved
    # The files' digests when they were stored before the transaction began (`store_blobs`).
    stored: dict[str, str] = field(default_factory=dict)


def store_blobs(blobs: BlobStore, files: dict[str, IncomingFile]) -> dict[str, str]:
    """The files written to the blob store before the transaction that refers to them, so
    the database's write lock is not held while they are: their digests by slot."""
    return {slot: blobs.put(f.content) for slot, f in files.items()}


@dataclass(frozen=True)
class Filed:
    """An application just written."""

    id: int
    tracking_number: str
    status: str
    due_at: datetime


APPLICATIONS = Application.__table__
DOCUMENTS = Document.__table__
TASKS = Task.__table__
# Built once: statements are cached by SQLAlchemy, but building one costs each time.
_NEW_APPLICATION = insert(APPLICATIONS).returning(APPLICATIONS.c.id)
_NEW_DOCUMENTS = insert(DOCUMENTS)
_NEW_TASKS = insert(TASKS).returning(TASKS.c.id, sort_by_parameter_order=True)


def file_application(uow: UnitOfWork, blobs: BlobStore, filing: Filing) -> Filed:
    """The application written whole inside the caller's transaction (not committed).

    The hot path of intake, so it writes with plain statements: the application, its
    documents in one statement, its first tasks in one more; its events are appended to
    the ledger once, at the commit (`layan.core.events`).
    """
    now = uow.now()
    published, applicant = filing.published, filing.applicant
    standard = published.standard
    agency_calendar = catalogue.calendar_for_agency(uow, published.agency)
    due_at = rules.deadline(
        agency_calendar, now, standard.service_time, cuti=standard.cuti_bersama_stops_clock
    )
    planned = procedure.plan_stage(uow, published, filing.data, 0) or []
    connection = uow.session.connection()
    app_id = connection.execute(
        _NEW_APPLICATION,
        {
            "tracking_number": filing.tracking_number,
            "idempotency_key": filing.idempotency_key,
            "standard_version_id": published.version_id,
            "service_code": standard.code,
            "agency_code": published.agency,
            "status": Status.IN_PROCESS,
            "stage": 0,
            "applicant_nik": applicant.nik,
            "applicant_name": applicant.name,
            "applicant_phone": applicant.phone,
            "applicant_email": applicant.email,
            "channels": None if applicant.channels is None else list(applicant.channels),
            "language": applicant.language,
            "data": filing.data,
            "flags": rules.identity_flags(applicant.nik, filing.data),
            "submitted_at": now,
            "due_at": due_at,
        },
    ).scalar_one()
    if filing.files:
        digests = filing.stored or store_blobs(blobs, filing.files)
        rows = document_rows(filing.files, digests, now)
        connection.execute(_NEW_DOCUMENTS, [{"application_id": app_id, **r} for r in rows])
    task_ids: list[int] = []
    if planned:
        rows = [{"application_id": app_id, **p.row} for p in planned]
        made = connection.execute(_NEW_TASKS, rows)
        task_ids = list(made.scalars())
    evidence = filing.resolved.evidence
    evidence_log.record_evidence(uow, app_id, published.agency, standard.code, evidence)
    evidence_log.log_lookups(uow, filing.tracking_number, published.agency, filing.resolved.lookups)
    actor = procedure.citizen_actor(published.agency)
    procedure.log_case(
        uow,
        filing.tracking_number,
        "submit",
        "complete",
        actor,
        service=standard.code,
        version=published.version,
        due_at=due_at.isoformat(),
        documents=sorted(filing.files),
        once_only=sorted(e.requirement for e in evidence),
    )
    for p, task_id in zip(planned, task_ids, strict=True):
        procedure.log_scheduled(uow, filing.tracking_number, p, task_id, actor)
    return Filed(app_id, filing.tracking_number, Status.IN_PROCESS, due_at)


def save_draft(
    uow: UnitOfWork, blobs: BlobStore, filing: Filing, draft: ApplicationDraft | None = None
) -> ApplicationDraft:
    """The application kept as a draft (new, or `draft` updated) while a registry left a
    requirement waiting; the files are stored now, so nothing given is lost."""
    now = uow.now()
    stored = filing.stored or store_blobs(blobs, filing.files)
    files = {
        slot: [f.filename[:255], f.content_type[:100], stored[slot]]
        for slot, f in filing.files.items()
    }
    pending = [p.__dict__ for p in filing.resolved.pending]
    published, applicant = filing.published, filing.applicant
    if draft is None:
        draft = ApplicationDraft(
            tracking_number=filing.tracking_number,
            idempotency_key=filing.idempotency_key,
            standard_version_id=published.version_id,
            service_code=published.standard.code,
            agency_code=published.agency,
            created_at=now,
            attempts=0,
        )
        uow.session.add(draft)
    draft.applicant_nik, draft.applicant_name = applicant.nik, applicant.name
    draft.applicant_phone, draft.applicant_email = applicant.phone, applicant.email
    draft.data, draft.files, draft.issued, draft.pending = (
        filing.data,
        files,
        filing.issued,
        pending,
    )
    draft.attempted_at, draft.attempts = now, (draft.attempts or 0) + 1
    evidence_log.log_lookups(uow, filing.tracking_number, published.agency, filing.resolved.lookups)
    procedure.log_case(
        uow,
        filing.tracking_number,
        "draft saved",
        "suspend",
        procedure.citizen_actor(published.agency),
        service=published.standard.code,
        pending=[{"requirement": p["requirement"], "problem": p["problem"]} for p in pending],
    )
    return draft


def receipt_of(filing: Filing, secret: str, app: Filed | None) -> Receipt:
    pin = rules.tracking_pin(secret, filing.tracking_number)
    if app is None:
        return Receipt(
            filing.tracking_number, pin, DRAFT, None, pending=tuple(filing.resolved.pending)
        )
    return Receipt(app.tracking_number, pin, app.status, app.due_at)
