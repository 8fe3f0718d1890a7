"""Revoking an issued document: by an official with authority in the issuing agency."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import Actor, record_event, text_digest
from layan.documents.models import IssuedOutput
from layan.documents.queries import OUTPUT_NOT_FOUND, find_output

REVOKED = "output revoked"
MAX_REASON = 500
# Who may revoke: the officials who decide (pejabat berwenang) in the issuing agency.
AUTHORITY = "approver"


def may_revoke(principal: Principal, agency: str) -> bool:
    return any(g.role == AUTHORITY and g.agency == agency for g in principal.grants)


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text or len(text) > MAX_REASON or any(unicodedata.category(c) == "Cc" for c in text):
        raise ValidationFailedError(
            Text("Pencabutan belum lengkap", "The revocation is incomplete"),
            "invalid",
            [
                FieldError(
                    "reason",
                    "reason.required",
                    Text(
                        f"Alasan pencabutan wajib diisi (paling banyak {MAX_REASON} karakter); "
                        "alasan ini ditampilkan kepada siapa pun yang memeriksa dokumen",
                        f"A reason for the revocation is required (at most {MAX_REASON} "
                        "characters); it is shown to anyone who checks the document",
                    ),
                )
            ],
        )
    return text


def revoke_output(db: Database, principal: Principal, output_id: str, reason: str | None) -> None:
    """Revoke a document: every verification says so from now on, with the reason.

    The reason is public (verification shows it), so it should name no one; the event
    carries only its SHA-256.
    """
    text = _clean_reason(reason)
    with db.unit_of_work() as uow:
        found = find_output(uow, output_id)
        if found is None or found.erased_at is not None:
            raise OUTPUT_NOT_FOUND
        row = uow.session.execute(
            select(IssuedOutput).where(IssuedOutput.id == found.id).with_for_update()
        ).scalar_one()
        if not may_revoke(principal, row.agency_code):
            raise PermissionDeniedError(
                Text(
                    "Hanya pejabat berwenang (approver) instansi penerbit yang dapat mencabut "
                    "dokumen ini",
                    "Only an official with authority (approver) of the issuing agency can "
                    "revoke this document",
                ),
                "output.revoke_forbidden",
            )
        if row.revoked_at is not None:
            raise InvalidStateError(
                Text("Dokumen ini sudah dicabut", "This document was already revoked"),
                "output.revoked",
            )
        row.revoked_at, row.revocation_reason, row.revoked_by = (
            uow.now(),
            text,
            principal.officer_id,
        )
        grant = next(
            g for g in principal.grants if g.role == AUTHORITY and g.agency == row.agency_code
        )
        record_event(
            uow.session,
            ledger=row.agency_code,
            case_type="application",
            case_id=row.tracking_number,
            activity=REVOKED,
            lifecycle="complete",
            actor=Actor(principal.resource, AUTHORITY, grant.unit, row.agency_code),
            at=uow.now(),
            payload={"output": row.id, "number": row.number, "reason_sha256": text_digest(text)},
        )
        uow.commit()
