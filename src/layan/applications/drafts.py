"""Completing a draft: the registry lookups again, or uploads instead, then the application.

A draft is an application a registry left waiting. Its applicant sends it again with the
tracking number and PIN, adding uploads (or issued documents' ids) for what was missing;
it becomes the application of the same number, received now, or stays a draft saying
what still waits.
"""

from __future__ import annotations

from sqlalchemy import select

from layan.applications import once_only
from layan.applications.filing import (
    Applicant,
    Filing,
    IncomingFile,
    Receipt,
    clean_issued,
    file_application,
    receipt_of,
    save_draft,
    validate,
)
from layan.applications.models import ApplicationDraft
from layan.applications.queries import pin_guard
from layan.applications.queries.drafts import draft_by_pin
from layan.catalogue import queries as catalogue
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import NotFoundError, Text
from layan.documents.registries import Registries


def complete_draft(
    db: Database,
    *,
    tracking_number: str,
    pin: str,
    files: dict[str, IncomingFile],
    blobs: BlobStore,
    secret: str,
    issued: dict[str, str] | None = None,
    registries: Registries | None = None,
) -> Receipt:
    """Send a draft again: what it holds, with `files` and `issued` added; wrong PINs are
    counted like any tracking PIN."""
    with pin_guard(db, tracking_number), db.unit_of_work(readonly=True) as uow:
        draft = draft_by_pin(uow, tracking_number, pin, secret)
        published = catalogue.get_standard_version(uow, draft.standard_version_id)
        kept = {
            slot: IncomingFile(name, content_type, blobs.get(digest))
            for slot, (name, content_type, digest) in draft.files.items()
        }
        applicant = Applicant(
            draft.applicant_nik, draft.applicant_name, draft.applicant_phone, draft.applicant_email
        )
        number, key, data, draft_id = (
            draft.tracking_number,
            draft.idempotency_key,
            draft.data,
            draft.id,
        )
        named = {**draft.issued, **clean_issued(issued)}
    given = {**kept, **files}
    applicant, cleaned = validate(published, applicant, data, given, named)
    resolved = once_only.resolve(
        db,
        registries or Registries(),
        published,
        nik=applicant.nik,
        cleaned=cleaned,
        issued=named,
        uploaded=set(given),
    )
    filing = Filing(number, key, published, applicant, cleaned, given, named, resolved)
    with db.unit_of_work() as uow:
        row = uow.session.execute(
            select(ApplicationDraft).where(ApplicationDraft.id == draft_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:  # completed by another request meanwhile
            raise NotFoundError(
                Text("Draf ini sudah dikirim", "This draft was already sent"), "draft.gone"
            )
        app = None
        if resolved.pending:
            save_draft(uow, blobs, filing, row)
        else:
            uow.session.delete(row)
            uow.session.flush()
            app = file_application(uow, blobs, filing)
        uow.commit()
    return receipt_of(filing, secret, app)
