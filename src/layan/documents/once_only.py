"""Once-only: requirements met from what government already holds, never asked again.

An `issued_document` requirement is met by a document this platform issued to the
applicant: its id is checked against the record (issued to the applicant's NIK, by one of
the services the requirement names, signature holding under a published key, not
revoked, not expired). A `registry` requirement is met by a record the registry holds
for the applicant's NIK, looked up through the registry's connector; each lookup that
reached the registry is written to the access log of the application, with the legal
basis the registry recorded for such lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.catalogue.rules import Requirement
from layan.core.access_log import Reader, record_read
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, Text
from layan.documents import rules
from layan.documents.keys import find_key
from layan.documents.models import OnceOnlyEvidence
from layan.documents.queries import find_output
from layan.documents.registries import Registries, RegistryUnreachable

ISSUED, REGISTRY = "issued_document", "registry"
# The access log names a person; a lookup is made by the platform for the agency.
LOOKUP_READER = "Layan (pemeriksaan persyaratan)"


@dataclass(frozen=True)
class Evidence:
    """What met one requirement without an upload."""

    requirement: str
    source: str  # ISSUED or REGISTRY
    provider: str  # the agency that holds the document or the record
    reference: str  # the output's id, or the registry's reference
    registry: str | None = None


def _refused(req: Requirement, code: str, id_: str, en: str) -> FieldError:
    name = req.name
    return FieldError(req.code, code, Text(f"{name.id}: {id_}", f"{name.en}: {en}"))


def check_issued(
    uow: UnitOfWork, req: Requirement, output_id: str, nik: str, today: date
) -> Evidence | FieldError:
    """The issued document named for `req`, if it meets it; else why not (on the field)."""
    row = find_output(uow, output_id)
    if row is None or row.erased_at is not None or row.kind != "output":
        return _refused(
            req,
            "issued.not_found",
            "tidak ada dokumen terbit dengan ID ini; periksa ID di bawah kode QR",
            "there is no issued document with this ID; check the ID under the QR code",
        )
    if row.service_code not in req.services:
        return _refused(
            req,
            "issued.other_service",
            "dokumen ini bukan dokumen yang diminta persyaratan ini",
            "this document is not the one this requirement asks for",
        )
    if row.subject_nik_sha256 != rules.nik_digest(nik):
        return _refused(
            req,
            "issued.not_yours",
            "dokumen ini tidak diterbitkan untuk NIK pemohon",
            "this document was not issued to the applicant's NIK",
        )
    key = find_key(uow, row.kid)
    if (
        key is None
        or key.agency != row.agency_code
        or not rules.signature_holds(row.jws, key.public)
    ):
        return _refused(
            req,
            "issued.invalid",
            "tanda tangan dokumen ini tidak sah",
            "this document's signature does not hold",
        )
    if row.revoked_at is not None:
        return _refused(
            req, "issued.revoked", "dokumen ini telah dicabut", "this document was revoked"
        )
    if row.valid_until is not None and row.valid_until < today:
        return _refused(
            req,
            "issued.expired",
            "masa berlaku dokumen ini sudah habis",
            "this document has expired",
        )
    return Evidence(req.code, ISSUED, row.agency_code, row.id)


@dataclass(frozen=True)
class Looked:
    """One registry lookup: the evidence found, or the problem that keeps it waiting."""

    requirement: str
    registry: str
    provider: str
    legal_basis: str
    answered: bool  # the registry answered (found or not): the lookup is logged
    evidence: Evidence | None = None
    problem: str | None = None  # "not_found" or "unavailable"


def look_up(
    db: Database,
    registries: Registries,
    req: Requirement,
    nik: str,
    *,
    requester: str,
    purpose: str,
) -> Looked:
    """Ask the requirement's registry for the NIK's record (network, outside any transaction)."""
    with db.unit_of_work(readonly=True) as uow:
        kept = catalogue.find_registry(uow, req.registry or "")
    if kept is None:
        return Looked(req.code, req.registry or "", "", "", False, problem="unavailable")
    connector = registries.connector(db, kept)
    base = {"requirement": req.code, "registry": kept.registry.code, "provider": kept.agency}
    basis = kept.registry.legal_basis
    try:
        answer = connector.lookup(nik, requester=requester, purpose=purpose)
    except RegistryUnreachable:
        return Looked(**base, legal_basis=basis, answered=False, problem="unavailable")
    if not answer.found:
        return Looked(**base, legal_basis=basis, answered=True, problem="not_found")
    evidence = Evidence(
        req.code, REGISTRY, kept.agency, answer.reference or kept.registry.code, kept.registry.code
    )
    return Looked(**base, legal_basis=basis, answered=True, evidence=evidence)


def log_lookups(uow: UnitOfWork, tracking_number: str, agency: str, lookups: list[Looked]) -> None:
    """Write every answered lookup to the application's access log, inside the caller's
    transaction: who asked (the platform, for `agency`), what and on which legal basis."""
    reader = Reader(0, LOOKUP_READER, "registry_lookup", None, agency)
    for looked in lookups:
        if looked.answered:
            record_read(
                uow,
                case_type="application",
                case_id=tracking_number,
                reader=reader,
                what=f"registry:{looked.registry}",
                why=f"{looked.requirement}: {looked.legal_basis}",
            )


def record_evidence(
    uow: UnitOfWork, application_id: int, agency: str, service_code: str, found: list[Evidence]
) -> None:
    """Keep what met each requirement, with the application, inside its transaction."""
    for evidence in found:
        uow.session.add(
            OnceOnlyEvidence(
                application_id=application_id,
                agency_code=agency,
                service_code=service_code,
                requirement=evidence.requirement,
                source=evidence.source,
                provider=evidence.provider,
                reference=evidence.reference,
                registry_code=evidence.registry,
                checked_at=uow.now(),
            )
        )


@dataclass(frozen=True)
class EvidenceRef:
    """What met a requirement, as the officers of the case see it."""

    id: int
    requirement: str
    source: str
    provider: str
    reference: str
    registry: str | None
    checked_at: datetime
    output_id: str | None  # for an issued document: the output to open
    revoked: bool  # an issued document revoked since


def evidence_of(uow: UnitOfWork, application_id: int) -> list[EvidenceRef]:
    rows = uow.session.execute(
        select(OnceOnlyEvidence)
        .where(OnceOnlyEvidence.application_id == application_id)
        .order_by(OnceOnlyEvidence.id)
    ).scalars()
    found = []
    for row in rows:
        output = find_output(uow, row.reference) if row.source == ISSUED else None
        found.append(
            EvidenceRef(
                row.id,
                row.requirement,
                row.source,
                row.provider,
                row.reference,
                row.registry_code,
                row.checked_at,
                output.id if output is not None else None,
                bool(output is not None and output.revoked_at is not None),
            )
        )
    return found
