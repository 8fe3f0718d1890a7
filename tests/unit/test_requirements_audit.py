"""The requirement audit as pure rules: citations, the same thing under other names, and
what government already holds."""

from __future__ import annotations

import pytest

from layan.catalogue.rules import ServiceStandard, load_demo
from layan.documents.requirements_audit import audit, cites_regulation, thing_of

_AGENCIES, STANDARDS = load_demo()


@pytest.mark.parametrize(
    "basis",
    [
        "Perpol 6/2023 tentang Penerbitan SKCK",
        "UU 25/2009 Pasal 18",
        "Peraturan Daerah Nomor 1 Tahun 2024",
        "Permendagri 102/2019",
    ],
)
def test_a_regulation_with_its_number_is_a_citation(basis: str) -> None:
    assert cites_regulation(basis)


@pytest.mark.parametrize("basis", ["SOP dinas", "kebijakan kepala dinas", "-", "UU tentang desa"])
def test_words_without_a_numbered_regulation_are_no_citation(basis: str) -> None:
    assert not cites_regulation(basis)


def test_the_same_document_is_recognised_under_the_names_standards_give_it() -> None:
    assert {
        thing_of(n)
        for n in ("KTP-el pemohon", "e-ID card KTP", "KTP-el kedua orang tua (ditunjukkan)")
    } == {"ktp-el"}
    assert thing_of("KK orang tua") == thing_of("Kartu Keluarga (KK)") == "kartu keluarga"
    assert thing_of("Surat izin lingkungan") == "surat izin lingkungan"


def _with_weak_basis() -> ServiceStandard:
    pbg = next(s for s in STANDARDS if s.code == "pbg")
    spec = pbg.model_dump(mode="json")
    spec["requirements"][1]["legal_basis"] = "SOP dinas"
    return ServiceStandard.model_validate(spec)


def test_the_demo_catalogue_audited() -> None:
    standards = [(s.agency, s) for s in STANDARDS if s.code != "pbg"] + [
        ("DPMPTSP", _with_weak_basis())
    ]
    found = audit(standards)
    assert [(r.service, r.code) for r in found.without_basis()] == [("pbg", "land_title")]
    candidates = {(r.service, r.code): r for r in found.candidates()}
    reklame = candidates[("izin-reklame", "ktp")]
    assert reklame.held_by == "DISDUKCAPIL"
    assert reklame.issuing_services == ("ktp-el-baru", "ktp-el-hilang")
    assert ("skck", "ktp") not in candidates  # already met once-only
    shared = found.shared("POLRES")
    assert {"pbg", "skck", "sip-nakes"} <= {r.service for r in shared["ktp-el"]}
    assert all(any(r.agency == "POLRES" for r in rows) for rows in shared.values())
