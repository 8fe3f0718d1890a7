"""Once-only requirements of one submission: what the applicant need not upload.

An `issued_document` requirement is met by the id of a document this platform issued to
the applicant (given in `issued`); a `registry` requirement with no upload is looked up
in its registry by the applicant's NIK. A lookup that found nothing, or a registry that
did not answer, keeps the application as a draft (`applications/drafts.py`) instead of
refusing it: nothing the applicant gave is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layan.applications.rules import Pending
from layan.catalogue import queries as catalogue
from layan.catalogue.rules import Requirement, ServiceStandard, condition_holds
from layan.core.db import Database
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.documents.once_only import (
    ISSUED,
    REGISTRY,
    Evidence,
    Looked,
    check_issued,
    look_up,
)
from layan.documents.registries import Registries


@dataclass
class Resolved:
    """What once-only found for one submission."""

    evidence: list[Evidence] = field(default_factory=list)
    lookups: list[Looked] = field(default_factory=list)

    @property
    def pending(self) -> list[Pending]:
        return [Pending(x.requirement, x.registry, x.problem) for x in self.lookups if x.problem]


def satisfied(
    standard: ServiceStandard, issued: dict[str, str], uploaded: set[str]
) -> frozenset[str]:
    """The document slots once-only will meet, so the form does not ask to upload them."""
    met = set()
    for req in standard.requirements:
        if req.kind == ISSUED and req.code in issued:
            met.add(req.code)
        elif req.kind == REGISTRY and req.code not in uploaded:
            met.add(req.code)
    return frozenset(met)


def missing(
    standard: ServiceStandard, cleaned: dict, issued: dict[str, str], uploaded: set[str]
) -> list[FieldError]:
    """Problems with what was named for once-only: an id for a requirement that takes none,
    or an issued document required with neither its id nor (where allowed) an upload."""
    by_code = {r.code: r for r in standard.requirements}
    errors = [
        FieldError(
            code,
            "issued.unknown",
            Text(
                f"Persyaratan '{code}' tidak dipenuhi dengan dokumen terbit",
                f"The requirement '{code}' is not met by an issued document",
            ),
        )
        for code in issued
        if code not in by_code or by_code[code].kind != ISSUED
    ]
    for req in standard.requirements:
        applies = condition_holds(req.condition, cleaned) and not req.optional
        if req.kind == ISSUED and applies and req.upload is None and req.code not in issued:
            errors.append(_needs_id(req))
    return errors


def _needs_id(req: Requirement) -> FieldError:
    return FieldError(
        req.code,
        "issued.required",
        Text(
            f"{req.name.id}: isi ID dokumen terbit Anda (tercetak di bawah kode QR)",
            f"{req.name.en}: give the ID of your issued document (printed under the QR code)",
        ),
    )


def upload_or_id(errors: list[FieldError], standard: ServiceStandard) -> list[FieldError]:
    """An issued-document requirement left empty says both ways to meet it."""
    issued = {r.code: r for r in standard.requirements if r.kind == ISSUED}
    out = []
    for e in errors:
        req = issued.get(e.field)
        if req is not None and e.code == "document.required":
            e = FieldError(
                e.field,
                "issued.or_upload",
                Text(
                    f"{req.name.id}: isi ID dokumen terbit Anda atau unggah salinannya",
                    f"{req.name.en}: give the ID of your issued document or upload a copy",
                ),
            )
        out.append(e)
    return out


def resolve(
    db: Database,
    registries: Registries,
    published: catalogue.PublishedStandard,
    *,
    nik: str,
    cleaned: dict,
    issued: dict[str, str],
    uploaded: set[str],
) -> Resolved:
    """Check the issued documents named (422 naming the field when one does not meet its
    requirement) and look up the registry records the applicant did not upload."""
    standard = published.standard
    applicable = [
        r for r in standard.requirements if r.once_only and condition_holds(r.condition, cleaned)
    ]
    resolved = Resolved()
    errors: list[FieldError] = []
    named = [r for r in applicable if r.kind == ISSUED and r.code in issued]
    if named:  # most submissions name none: no transaction for them
        with db.unit_of_work(readonly=True) as uow:
            today = uow.now().date()
            for req in named:
                result = check_issued(uow, req, issued[req.code], nik, today)
                if isinstance(result, FieldError):
                    errors.append(result)
                else:
                    resolved.evidence.append(result)
    if errors:
        raise ValidationFailedError(
            Text(
                "Dokumen terbit yang disebut belum dapat dipakai",
                "An issued document named cannot be used",
            ),
            "invalid",
            errors,
        )
    for req in applicable:
        if req.kind == REGISTRY and req.code not in uploaded:
            looked = look_up(
                db, registries, req, nik, requester=published.agency, purpose=standard.code
            )
            resolved.lookups.append(looked)
            if looked.evidence is not None:
                resolved.evidence.append(looked.evidence)
    return resolved
