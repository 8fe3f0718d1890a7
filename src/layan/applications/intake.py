"""The citizen's side of an application: submit it, and resubmit it after a return.

A submission is checked whole first; then the once-only requirements are met (issued
documents named, registry records looked up); then everything is written in one
transaction, or, when a registry left a requirement waiting, kept as a draft.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from layan.applications import once_only, procedure, rules
from layan.applications.filing import (
    Applicant,
    Filing,
    IncomingFile,
    Receipt,
    clean_issued,
    file_application,
    receipt_of,
    save_draft,
    store_blobs,
    store_files,
    validate,
)
from layan.applications.models import Application, ApplicationDraft
from layan.applications.queries import application_by_pin, pin_guard
from layan.applications.rules import Status
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import InvalidStateError, Text, ValidationFailedError
from layan.documents.once_only import evidence_of
from layan.documents.registries import Registries

__all__ = [
    "Applicant",
    "IncomingFile",
    "Receipt",
    "check_application",
    "resubmit_application",
    "submit_application",
]


def check_application(
    published: catalogue.PublishedStandard,
    *,
    applicant: Applicant,
    data: dict[str, object],
    files: dict[str, IncomingFile],
    issued: dict[str, str] | None = None,
) -> tuple[Applicant, dict[str, object]]:
    """Everything submission would check against an already-loaded standard, storing
    nothing: for a check-your-answers page."""
    return validate(published, applicant, data, files, clean_issued(issued))


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
    issued: dict[str, str] | None = None,
    registries: Registries | None = None,
) -> Receipt:
    """Accept an application whole (data, documents, first tasks, events) or not at all.

    `issued` names, per once-only requirement, the id of a document this platform issued
    to the applicant; registry requirements not uploaded are looked up by the NIK through
    `registries` (the platform's own documents when none is configured). If a registry
    finds nothing or cannot be reached, the application is kept as a draft (status
    "draft", no deadline yet) that the applicant completes later.

    A retry with the same Idempotency-Key returns the first receipt, so a citizen whose
    connection dropped never files twice. A caller that has already loaded the published
    standard of `service_code` passes it as `published` so it is not read again.
    """
    if idempotency_key and (earlier := _replay(db, idempotency_key, service_code, secret)):
        return earlier
    named = clean_issued(issued)
    hinted = published is None
    if published is None:
        # The process's copy of the catalogue, checked again inside the writing transaction.
        published = catalogue.standard_hint(db, service_code)
    for _attempt in range(3):
        if published is None:
            with db.unit_of_work(readonly=True) as uow:
                published = catalogue.get_standard(uow, service_code)
        try:
            checked, cleaned = validate(published, applicant, data, files, named)
        except ValidationFailedError:
            if not hinted:
                raise
            # Refused by the copy this process kept: refuse only by the current standard.
            hinted, published = False, None
            continue
        resolved = once_only.resolve(
            db,
            registries or Registries(),
            published,
            nik=checked.nik,
            cleaned=cleaned,
            issued=named,
            uploaded=set(files),
        )
        filing = Filing(
            rules.new_tracking_number(),
            idempotency_key,
            published,
            checked,
            cleaned,
            files,
            named,
            resolved,
            store_blobs(blobs, files),
        )
        try:
            with db.unit_of_work() as uow:
                current = catalogue.get_standard(uow, service_code)
                if not _same(current, published):
                    # The standard changed since it was read: check against the new one.
                    published = current
                    continue
                app = None
                if resolved.pending:
                    save_draft(uow, blobs, filing)
                else:
                    app = file_application(uow, blobs, filing)
                uow.commit()
                return receipt_of(filing, secret, app)
        except IntegrityError:
            # Two requests with one key raced; the other one won and its receipt stands.
            if idempotency_key and (earlier := _replay(db, idempotency_key, service_code, secret)):
                return earlier
            raise
    raise RuntimeError(f"the standard of {service_code} kept changing during a submission")


def _same(a: catalogue.PublishedStandard, b: catalogue.PublishedStandard) -> bool:
    return (a.version_id, a.agency) == (b.version_id, b.agency)


_KEY_TAKEN = InvalidStateError(
    Text(
        "Idempotency-Key ini sudah dipakai untuk permohonan lain",
        "This Idempotency-Key was already used for another application",
    ),
    "idempotency.conflict",
)


def _replay(db: Database, key: str, service_code: str, secret: str) -> Receipt | None:
    """The first receipt of a retried submission: its application, or its draft."""
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.idempotency_key == key)
        ).scalar_one_or_none()
        if app is not None:
            if app.service_code != service_code:
                raise _KEY_TAKEN
            pin = rules.tracking_pin(secret, app.tracking_number)
            return Receipt(app.tracking_number, pin, app.status, app.due_at, replayed=True)
        draft = uow.session.execute(
            select(ApplicationDraft).where(ApplicationDraft.idempotency_key == key)
        ).scalar_one_or_none()
        if draft is None:
            return None
        if draft.service_code != service_code:
            raise _KEY_TAKEN
        pending = tuple(once_only.Pending(**p) for p in draft.pending)
        pin = rules.tracking_pin(secret, draft.tracking_number)
        return Receipt(draft.tracking_number, pin, "draft", None, replayed=True, pending=pending)


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
        met = frozenset(e.requirement for e in evidence_of(uow, app.id))
        try:
            cleaned = standards.validate_application(published.standard, merged, described, met)
        except ValidationFailedError as exc:
            exc.text = Text("Perbaikan belum dapat diterima", "The correction cannot be accepted")
            raise
        app.data = cleaned
        store_files(uow, blobs, app, files)
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
