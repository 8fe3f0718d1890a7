"""Reads of issued documents: an application's outputs, and verification for anyone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.codes import normalise_code
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.documents import rules
from layan.documents.keys import find_key
from layan.documents.models import IssuedOutput, OnceOnlyEvidence

OUTPUT_NOT_FOUND = NotFoundError(
    Text("Dokumen tidak ditemukan", "Document not found"), "output.not_found"
)


@dataclass(frozen=True)
class OutputRef:
    """An issued document as its holder and the officers of its case see it."""

    id: str
    kind: str
    number: str
    service_code: str
    agency: str
    issued_at: datetime
    valid_until: date | None
    revoked_at: datetime | None
    jws: str


def output_ref(row: IssuedOutput) -> OutputRef:
    return OutputRef(
        row.id,
        row.kind,
        row.number,
        row.service_code,
        row.agency_code,
        row.issued_at,
        row.valid_until,
        row.revoked_at,
        row.jws,
    )


def outputs_of_application(uow: UnitOfWork, application_id: int) -> list[OutputRef]:
    """The documents issued on one application, oldest first (erased ones left out)."""
    rows = uow.session.execute(
        select(IssuedOutput)
        .where(IssuedOutput.application_id == application_id, IssuedOutput.erased_at.is_(None))
        .order_by(IssuedOutput.issued_at, IssuedOutput.id)
    ).scalars()
    return [output_ref(r) for r in rows]


def find_output(uow: UnitOfWork, output_id: str) -> IssuedOutput | None:
    """The stored output of a (typed) id, or None."""
    canonical = normalise_code(output_id)
    return uow.session.get(IssuedOutput, canonical) if canonical else None


def get_output(uow: UnitOfWork, output_id: str) -> IssuedOutput:
    row = find_output(uow, output_id)
    if row is None or row.erased_at is not None:
        raise OUTPUT_NOT_FOUND
    return row


# --- the issuing agencies' officers ------------------------------------------------


@dataclass(frozen=True)
class AgencyOutput:
    """A document in its issuing agency's list, with the subject masked."""

    id: str
    kind: str
    number: str
    service_code: str
    agency: str
    tracking_number: str
    subject: str
    issued_at: datetime
    valid_until: date | None
    revoked_at: datetime | None
    revocation_reason: str | None


def _agency_output(row: IssuedOutput) -> AgencyOutput:
    return AgencyOutput(
        row.id,
        row.kind,
        row.number,
        row.service_code,
        row.agency_code,
        row.tracking_number,
        rules.mask_name(row.subject_name),
        row.issued_at,
        row.valid_until,
        row.revoked_at,
        row.revocation_reason,
    )


def _readable(principal: Principal):  # type: ignore[no-untyped-def]
    """Officers see the documents their agencies issued; auditors and platform admins all."""
    if principal.reads_everything:
        return True
    return IssuedOutput.agency_code.in_(principal.agencies)


def list_agency_outputs(
    uow: UnitOfWork, principal: Principal, *, search: str = "", limit: int = 50
) -> list[AgencyOutput]:
    """The documents the officer's agencies issued, newest first; `search` finds one by its
    number, its id or its application's tracking number."""
    stmt = select(IssuedOutput).where(_readable(principal), IssuedOutput.erased_at.is_(None))
    term = search.strip()
    if term:
        code = normalise_code(term)
        stmt = stmt.where(
            (IssuedOutput.number == term)
            | (IssuedOutput.id == (code or ""))
            | (IssuedOutput.tracking_number == (code or ""))
        )
    rows = uow.session.execute(
        stmt.order_by(IssuedOutput.issued_at.desc(), IssuedOutput.id).limit(limit)
    ).scalars()
    return [_agency_output(r) for r in rows]


def output_for_officer(uow: UnitOfWork, principal: Principal, output_id: str) -> IssuedOutput:
    """A document of one of the officer's agencies; NotFound for anyone else."""
    row = find_output(uow, output_id)
    if row is None or row.erased_at is not None:
        raise OUTPUT_NOT_FOUND
    if not principal.reads_everything and row.agency_code not in principal.agencies:
        raise OUTPUT_NOT_FOUND
    return row


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What anyone checking a document learns: whether it holds, and whose it is (masked)."""

    valid: bool
    signature_valid: bool
    revoked: bool
    revocation_reason: str | None
    revoked_at: datetime | None
    expired: bool
    id: str
    kind: str
    number: str
    agency: str
    agency_name: str
    service_code: str
    service_name: dict[str, str] | None
    issued_at: str
    valid_until: str | None
    subject: dict[str, str]
    kid: str
    key_status: str | None
    known: bool  # the document is on this platform's record (not only a valid signature)
    issued: datetime | None = None  # `issued_at` read as a moment, for pages

    def json(self) -> dict[str, Any]:
        """The verification as the API answers it."""
        body = asdict(self)
        body.pop("issued")
        body["revoked_at"] = (
            self.revoked_at.isoformat().replace("+00:00", "Z") if self.revoked_at else None
        )
        return body


def _service_name(uow: UnitOfWork, code: str) -> dict[str, str] | None:
    try:
        name = catalogue.get_standard(uow, code).standard.name
    except NotFoundError:
        return None
    return {"id": name.id, "en": name.en}


def _agency_name(uow: UnitOfWork, code: str) -> str:
    agency = catalogue.find_agency(uow, code)
    return agency.name if agency else code


def _check(uow: UnitOfWork, jws: str, row: IssuedOutput | None) -> Verification:
    unverified = rules.read(jws)
    payload = unverified.payload
    key = find_key(uow, unverified.kid)
    signature = key is not None and rules.signature_holds(jws, key.public)
    # The key must be one of the agency's own: a key of another agency proves nothing.
    signature = signature and key is not None and key.agency == payload.get("agency")
    valid_until = payload.get("valid_until")
    until = date.fromisoformat(valid_until) if isinstance(valid_until, str) else None
    revoked = row is not None and row.revoked_at is not None
    verdict = rules.verdict(
        signature_valid=signature,
        key_status=key.status if key else None,
        revoked=revoked,
        valid_until=until,
        today=uow.now().date(),
    )
    agency = str(payload.get("agency", ""))
    return Verification(
        valid=verdict.valid,
        signature_valid=verdict.signature_valid,
        revoked=revoked,
        revocation_reason=row.revocation_reason if row is not None and revoked else None,
        revoked_at=row.revoked_at if row is not None else None,
        expired=verdict.expired,
        id=str(payload.get("id", "")),
        kind=str(payload.get("kind", "")),
        number=str(payload.get("number", "")),
        agency=agency,
        agency_name=_agency_name(uow, agency),
        service_code=str(payload.get("service_code", "")),
        service_name=_service_name(uow, str(payload.get("service_code", ""))),
        issued_at=str(payload.get("issued_at", "")),
        valid_until=valid_until if isinstance(valid_until, str) else None,
        subject={
            "name": rules.mask_name(str(payload.get("subject_name", ""))),
            "nik_sha256": str(payload.get("subject_nik_sha256", "")),
        },
        kid=unverified.kid,
        key_status=key.status if key else None,
        known=row is not None and row.jws == jws,
        issued=_moment(payload.get("issued_at")),
    )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def verify_output(uow: UnitOfWork, output_id: str) -> Verification:
    """Verify a document on record by its id: its stored signature checked again now,
    its revocation and validity as they stand."""
    row = get_output(uow, output_id)
    return _check(uow, row.jws, row)


def verify_jws(uow: UnitOfWork, jws: str) -> Verification:
    """Verify a JWS as scanned from a document's QR code; a changed byte fails."""
    try:
        unverified = rules.read(jws)
    except rules.InvalidJwsError as exc:
        raise ValidationFailedError(
            Text("Kode dokumen tidak dapat dibaca", "The document code cannot be read"),
            "invalid",
            [
                FieldError(
                    "jws",
                    "jws.invalid",
                    Text(
                        f"jws: bukan kode dokumen Layan ({exc.reason})",
                        f"jws: not a Layan document code ({exc.reason})",
                    ),
                )
            ],
        ) from None
    row = find_output(uow, unverified.payload["id"])
    return _check(uow, jws.strip(), row)


# --- the requirement audit ---------------------------------------------------------------


@dataclass(frozen=True)
class MonthOfOnceOnly:
    """Uploads once-only removed in one month: requirements met from government records."""

    month: str  # "2026-06"
    issued_documents: int
    registry_lookups: int

    @property
    def total(self) -> int:
        return self.issued_documents + self.registry_lookups


def once_only_by_month(
    uow: UnitOfWork, agency: str, since: datetime, tz: str
) -> list[MonthOfOnceOnly]:
    """Per month (in the agency's zone) since `since`, the uploads its services did not ask
    for because a requirement was met once-only; newest month first."""
    rows = uow.session.execute(
        select(OnceOnlyEvidence.checked_at, OnceOnlyEvidence.source).where(
            OnceOnlyEvidence.agency_code == agency, OnceOnlyEvidence.checked_at >= since
        )
    ).all()
    zone = ZoneInfo(tz)
    counts: dict[str, list[int]] = {}
    for at, source in rows:
        month = at.astimezone(zone).strftime("%Y-%m")
        pair = counts.setdefault(month, [0, 0])
        pair[0 if source == "issued_document" else 1] += 1
    return [MonthOfOnceOnly(m, *counts[m]) for m in sorted(counts, reverse=True)]
