"""Issuing outputs and refusal letters: the signed record, its number, its PDF.

`issue_output` runs inside the transaction that approves or rejects the application, so
the decision and its document stand or fall together: the record is numbered, signed
with the agency's active key and written with its `output issued` event. The PDF is drawn
from the stored sheet right after that transaction (outside the database's write lock),
and again on demand whenever its file is missing, always the same document.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.catalogue.rules import FormField, ServiceStandard
from layan.core.blobs import BlobStore
from layan.core.codes import format_code, new_code
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import Actor, record_event, text_digest
from layan.documents import pdf, rules
from layan.documents.keys import KeyFolder, active_key
from layan.documents.models import DocumentCounter, IssuedOutput

log = logging.getLogger("layan.documents")
ISSUED = "output issued"


@dataclass
class Issuer:
    """What issuing needs beyond the database: the key folder, the file store, the address
    printed for verification."""

    keys: KeyFolder
    blobs: BlobStore
    site: str

    def verify_url(self, output_id: str) -> str:
        return f"{self.site}/v/{output_id}"


@dataclass(frozen=True)
class IssueRequest:
    """A decided application, as the document issued on it needs it."""

    kind: str  # "output" (approved) or "refusal" (rejected)
    application_id: int
    tracking_number: str
    agency: str  # the agency of the official who decided: it issues and signs
    standard: ServiceStandard
    applicant_nik: str
    applicant_name: str
    applicant_email: str
    data: dict[str, Any]
    submitted_at: datetime
    decided_at: datetime
    signer_name: str
    signer_unit: str  # AGENCY.UNIT the deciding official acted for
    reason: str | None = None
    legal_basis: str | None = None


def _next_number(uow: UnitOfWork, agency: str, year: int) -> int:
    """The agency's next sequence number of the year, under a row lock where there is one."""
    stmt = select(DocumentCounter).where(
        DocumentCounter.agency_code == agency, DocumentCounter.year == year
    )
    counter = uow.session.execute(stmt.with_for_update()).scalar_one_or_none()
    if counter is None:
        counter = DocumentCounter(agency_code=agency, year=year, last=0)
        uow.session.add(counter)
    counter.last += 1
    return counter.last


def _fresh_id(uow: UnitOfWork) -> str:
    while True:
        candidate = new_code()
        if uow.session.get(IssuedOutput, candidate) is None:
            return candidate


def long_date(day: date) -> str:
    """A date as an Indonesian letter writes it: "4 Desember 2026"."""
    return format_date(day, "d MMMM y", locale="id_ID")


def _shown(f: FormField, value: Any) -> str:
    if f.type == "date" and isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    if f.type == "choice":
        chosen = next((c for c in f.choices if c.value == value), None)
        return chosen.label.id if chosen else str(value)
    return str(value)


def _fields(request: IssueRequest) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The signed values of the template's fields, and the rows printed for them."""
    doc = request.standard.output_document
    form = {f.code: f for f in request.standard.form}
    signed: dict[str, str] = {}
    rows: list[tuple[str, str]] = []
    for code in doc.fields if doc else []:
        value = request.data.get(code)
        if value is None or code not in form:
            continue  # a conditional field the application did not need
        signed[code] = str(value)
        rows.append((form[code].label.id, _shown(form[code], value)))
    return signed, rows


def _signer_title(uow: UnitOfWork, request: IssueRequest) -> str:
    doc = request.standard.output_document
    if doc and doc.signer_title and request.kind == "output":
        return doc.signer_title.id
    return catalogue.get_unit(uow, request.signer_unit).name


def _verify_lines(issuer: Issuer, output_id: str, kid: str, agency: str) -> list[str]:
    url = issuer.verify_url(output_id)
    return [
        f"ID dokumen: {format_code(output_id)}",
        f"Periksa keaslian: pindai kode QR ini atau buka {url}",
        f"To verify: scan this QR code or open {url}",
        f"Kunci tanda tangan {agency}: {kid}",
    ]


def _sheet(
    uow: UnitOfWork, issuer: Issuer, request: IssueRequest, record: rules.Record, jws: str, kid: str
) -> pdf.Sheet:
    head = catalogue.agency_head(uow, request.agency)
    letterhead = pdf.Letterhead(
        head.letterhead.government if head.letterhead else "",
        head.name,
        head.letterhead.address if head.letterhead else "",
        head.letterhead.contact if head.letterhead else "",
    )
    local_day = record.issued_at.astimezone(ZoneInfo(head.tz)).date()
    city = head.letterhead.city if head.letterhead and head.letterhead.city else ""
    place = f"{city}, {long_date(local_day)}" if city else long_date(local_day)
    signer_title = _signer_title(uow, request)
    standard = request.standard
    subject = [("Nama pemohon", request.applicant_name), ("NIK pemohon", request.applicant_nik)]
    common = {
        "letterhead": letterhead,
        "number": f"Nomor: {record.number}",
        "place_and_date": place,
        "signer_title": signer_title,
        "signer_name": request.signer_name,
        "jws": jws,
        "verify_lines": _verify_lines(issuer, record.id, kid, request.agency),
    }
    if request.kind == "refusal":
        submitted = long_date(request.submitted_at.astimezone(ZoneInfo(head.tz)).date())
        return pdf.Sheet(
            title=f"Surat Penolakan Permohonan {standard.name.id}".upper(),
            intro=(
                f"Menanggapi permohonan {standard.name.id} nomor "
                f"{format_code(request.tracking_number)} tanggal {submitted} dari:"
            ),
            rows=subject,
            statement=(
                "dengan ini kami sampaikan bahwa permohonan tersebut tidak dapat disetujui, "
                f"dengan alasan: {request.reason or '-'}"
            ),
            legal_basis=[request.legal_basis] if request.legal_basis else [],
            legal_basis_heading="Dasar penolakan",
            footnote=(
                "Apabila Saudara keberatan atas keputusan ini, Saudara dapat menyampaikan "
                f"pengaduan melalui {standard.complaints.id}"
            ),
            **common,
        )
    signed, rows = _fields(request)
    doc = standard.output_document
    values = {"applicant_name": request.applicant_name}
    values.update({code: value for code, (_, value) in zip(signed, rows, strict=True)})
    statement = (
        rules.fill(doc.statement.id, values) if doc else f"telah diterbitkan {standard.output.id}."
    )
    return pdf.Sheet(
        title=(doc.title.id if doc else standard.output.id).upper(),
        intro=f"Yang bertanda tangan di bawah ini, {signer_title} {head.name}, menerangkan bahwa:",
        rows=subject + rows,
        statement=statement,
        legal_basis=list(standard.legal_basis),
        validity=(
            f"Berlaku sampai dengan {long_date(record.valid_until)}" if record.valid_until else None
        ),
        **common,
    )


def _record(request: IssueRequest, output_id: str, number: str, issued_day: date) -> rules.Record:
    """The signed fields; a validity counts from the day of issue in the agency's zone."""
    doc = request.standard.output_document
    valid_until = None
    if request.kind == "output" and doc and doc.valid_for:
        period = doc.valid_for
        valid_until = rules.add_period(
            issued_day, years=period.years, months=period.months, days=period.days
        )
    return rules.Record(
        id=output_id,
        kind=request.kind,
        agency=request.agency,
        service_code=request.standard.code,
        number=number,
        issued_at=request.decided_at,
        subject_nik_sha256=rules.nik_digest(request.applicant_nik),
        subject_name=request.applicant_name,
        application=request.tracking_number,
        signer=request.signer_name,
        fields=_fields(request)[0] if request.kind == "output" else {},
        valid_until=valid_until,
        legal_basis=request.legal_basis if request.kind == "refusal" else None,
        reason_sha256=text_digest(request.reason)
        if request.kind == "refusal" and request.reason
        else None,
    )


def issue_output(uow: UnitOfWork, issuer: Issuer, request: IssueRequest, actor: Actor) -> str:
    """Number, sign and record the document of a decided application, inside the
    caller's transaction; its id. The PDF is drawn after commit (`draw_pdfs`)."""
    kid = active_key(uow, issuer.keys, request.agency, actor)
    local = request.decided_at.astimezone(ZoneInfo(catalogue.agency_tz(uow, request.agency)))
    doc = request.standard.output_document
    classification = doc.classification if doc else "000"
    seq = _next_number(uow, request.agency, local.year)
    number = rules.document_number(classification, seq, request.agency, local.date())
    output_id = _fresh_id(uow)
    record = _record(request, output_id, number, local.date())
    jws = rules.sign(record.payload(), issuer.keys.private(kid), kid)
    sheet = _sheet(uow, issuer, request, record, jws, kid)
    uow.session.add(
        IssuedOutput(
            id=output_id,
            kind=request.kind,
            number=number,
            agency_code=request.agency,
            service_code=request.standard.code,
            application_id=request.application_id,
            tracking_number=request.tracking_number,
            subject_nik_sha256=record.subject_nik_sha256,
            subject_name=request.applicant_name,
            contact_sha256=rules.contact_digest(request.applicant_email),
            kid=kid,
            jws=jws,
            sheet=sheet_json(sheet),
            issued_at=request.decided_at,
            valid_until=record.valid_until,
        )
    )
    record_event(
        uow.session,
        ledger=request.agency,
        case_type="application",
        case_id=request.tracking_number,
        activity=ISSUED,
        lifecycle="complete",
        actor=actor,
        at=uow.now(),
        payload={
            "output": output_id,
            "kind": request.kind,
            "number": number,
            "kid": kid,
            "jws_sha256": text_digest(jws),
        },
    )
    return output_id


def sheet_json(sheet: pdf.Sheet) -> dict[str, Any]:
    return asdict(sheet)


def sheet_of(data: dict[str, Any]) -> pdf.Sheet:
    fields = dict(data)
    fields["letterhead"] = pdf.Letterhead(**fields["letterhead"])
    fields["rows"] = [tuple(r) for r in fields["rows"]]
    return pdf.Sheet(**fields)


# --- the PDF ------------------------------------------------------------------------------


def _draw(issuer: Issuer, row: IssuedOutput) -> tuple[bytes, bool]:
    """The PDF of a stored output: drawn from its sheet, PAdES-signed when the agency
    has a certificate."""
    # Imported here: the signing library is large, and most processes never sign a PDF.
    from layan.documents import pades

    content = pdf.render(sheet_of(row.sheet))
    certificate = pades.find_certificate(issuer.keys.certificate_dir(row.agency_code))
    if certificate is None:
        return content, False
    return pades.sign_pdf(content, certificate, reason=f"{row.kind} {row.number}"), True


def draw_pdfs(db: Database, issuer: Issuer, output_ids: list[str]) -> None:
    """Draw and store the PDFs of outputs just issued; one that fails is drawn on demand."""
    for output_id in output_ids:
        try:
            pdf_bytes(db, issuer, output_id)
        except Exception:  # the record is safe; the download draws it again
            log.exception("could not draw the PDF of output %s", output_id)


def pdf_bytes(db: Database, issuer: Issuer, output_id: str) -> bytes:
    """The output's PDF: the stored file, or drawn now from its sheet and stored."""
    with db.unit_of_work(readonly=True) as uow:
        row = uow.session.get(IssuedOutput, output_id)
        if row is None or row.erased_at is not None:
            raise NotFoundError(
                Text("Dokumen tidak ditemukan", "Document not found"), "output.not_found"
            )
        if row.pdf_digest and issuer.blobs.exists(row.pdf_digest):
            return issuer.blobs.get(row.pdf_digest)
    content, signed = _draw(issuer, row)
    digest = issuer.blobs.put(content)
    with db.unit_of_work() as uow:
        stored = uow.session.get(IssuedOutput, output_id)
        if stored is not None and stored.pdf_digest != digest:
            stored.pdf_digest, stored.pades = digest, signed
            uow.commit()
    return content


# --- retention ------------------------------------------------------------------------------

ERASED = "(dihapus)"


def erase_refusals(uow: UnitOfWork, application_ids: list[int]) -> list[str]:
    """Erase the refusal letters of applications whose personal data is purged, inside the
    caller's transaction; the PDF files to delete once it committed.

    A refusal letter holds the officer's reason and the applicant's name, and nothing
    depends on it once the case's retention passed. Issued outputs are kept: they are the
    holder's documents, and stay verifiable while valid.
    """
    if not application_ids:
        return []
    rows = uow.session.execute(
        select(IssuedOutput).where(
            IssuedOutput.application_id.in_(application_ids),
            IssuedOutput.kind == "refusal",
            IssuedOutput.erased_at.is_(None),
        )
    ).scalars()
    files = []
    for row in rows:
        if row.pdf_digest:
            files.append(row.pdf_digest)
        row.erased_at, row.subject_name, row.sheet, row.jws = uow.now(), ERASED, {}, ""
        row.pdf_digest, row.contact_sha256 = None, None
    return files
