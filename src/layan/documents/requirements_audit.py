"""The requirement audit, pure: which requirements could be cut, merged or met once-only.

"Memangkas regulasi yang menghambat pelayanan": for every requirement of every published
standard it says whether its legal basis cites a regulation, which other services ask for
the same thing, and whether government already holds it (an agency issues it): such a
requirement is a once-only candidate, and where a service on this platform issues it, the
audit names that service so the standard can say `kind: issued_document`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from layan.catalogue.rules import ServiceStandard

# A citation names a kind of regulation and its number (and usually its year).
_REGULATION = re.compile(
    r"\b(UU|Undang-Undang|PP|Perpres|Keppres|Inpres|Permen\w*|Kepmen\w*|Perpol|Perkap|Perda|"
    r"Pergub|Perbup|Perwal|Perka\w*|Peraturan|Keputusan|Instruksi|SE|Surat Edaran)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+\s*(/|Tahun|th\.?)\s*\d{4}|Nomor\s+\d+", re.IGNORECASE)

# What people call the same document in different standards, by one name.
_SAME_THING = (
    ("ktp-el", ("ktp-el", "ktp", "e-ktp", "kartu tanda penduduk")),
    ("kartu keluarga", ("kartu keluarga", "kk")),
    ("akta kelahiran", ("akta kelahiran", "akte kelahiran", "kutipan akta kelahiran")),
    ("akta perkawinan", ("buku nikah", "akta perkawinan")),
    ("akta kematian", ("akta kematian",)),
    ("pas foto", ("pas foto", "foto berwarna")),
    ("nib", ("nib", "nomor induk berusaha")),
    ("npwp", ("npwp",)),
    ("surat pengantar desa", ("surat pengantar", "pengantar dari kelurahan", "pengantar desa")),
    ("sertifikat tanah", ("sertifikat", "hak atas tanah")),
    ("str", ("str", "surat tanda registrasi")),
)
_DROP = re.compile(r"\([^)]*\)|\b(pemohon|asli|fotokopi|salinan|lama|orang tua|kedua|yang)\b")


def cites_regulation(basis: str) -> bool:
    """Whether a legal basis names a regulation by kind and number."""
    return bool(_REGULATION.search(basis)) and bool(_NUMBER.search(basis))


def thing_of(name: str) -> str:
    """The document a requirement asks for, by one name across standards."""
    text = " ".join(name.lower().replace("/", " ").split())
    for thing, words in _SAME_THING:
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) for w in words):
            return thing
    return " ".join(_DROP.sub(" ", text).split())


@dataclass(frozen=True)
class AuditedRequirement:
    """One requirement of one service, with what the audit found."""

    agency: str
    service: str
    service_name: str
    code: str
    name: str
    kind: str
    legal_basis: str
    cites_regulation: bool
    thing: str
    asked_by: tuple[str, ...]  # other services asking for the same thing
    held_by: str | None  # the agency that issues it (government already holds it)
    once_only: bool  # met from what government holds already
    candidate: bool  # government holds it, but the applicant is still asked for it
    issuing_services: tuple[str, ...] = ()  # services on this platform whose output it is


@dataclass
class Audit:
    requirements: list[AuditedRequirement] = field(default_factory=list)

    def of_agency(self, agency: str | None) -> list[AuditedRequirement]:
        return [r for r in self.requirements if agency is None or r.agency == agency]

    def without_basis(self, agency: str | None = None) -> list[AuditedRequirement]:
        return [r for r in self.of_agency(agency) if not r.cites_regulation]

    def candidates(self, agency: str | None = None) -> list[AuditedRequirement]:
        return [r for r in self.of_agency(agency) if r.candidate]

    def shared(self, agency: str | None = None) -> dict[str, list[AuditedRequirement]]:
        """The things several services ask for (those that involve `agency`), by thing."""
        groups: dict[str, list[AuditedRequirement]] = defaultdict(list)
        for r in self.requirements:
            groups[r.thing].append(r)
        return {
            thing: rows
            for thing, rows in sorted(groups.items())
            if len({r.service for r in rows}) > 1
            and (agency is None or any(r.agency == agency for r in rows))
        }


def audit(standards: list[tuple[str, ServiceStandard]]) -> Audit:
    """Audit every requirement of the published standards, given as (agency, standard)."""
    by_thing: dict[str, set[str]] = defaultdict(set)
    outputs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for agency, standard in standards:
        outputs[(agency, thing_of(standard.output.id))].append(standard.code)
        for req in standard.requirements:
            by_thing[thing_of(req.name.id)].add(standard.code)
    found = Audit()
    for agency, standard in standards:
        for req in standard.requirements:
            thing = thing_of(req.name.id)
            issuing = (
                tuple(sorted(outputs.get((req.issued_by or "", thing), [])))
                if req.issued_by
                else ()
            )
            found.requirements.append(
                AuditedRequirement(
                    agency=agency,
                    service=standard.code,
                    service_name=standard.name.id,
                    code=req.code,
                    name=req.name.id,
                    kind=req.kind,
                    legal_basis=req.legal_basis,
                    cites_regulation=cites_regulation(req.legal_basis),
                    thing=thing,
                    asked_by=tuple(sorted(by_thing[thing] - {standard.code})),
                    held_by=req.issued_by,
                    once_only=req.once_only,
                    candidate=bool(req.issued_by) and not req.once_only,
                    issuing_services=issuing,
                )
            )
    return found
