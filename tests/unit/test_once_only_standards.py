"""Service standards as code, for once-only requirements and the printed output."""

from __future__ import annotations

from pathlib import Path

import pytest

from layan.catalogue.rules import load_agencies, load_standard
from tests.unit.test_catalogue_rules import MINIMAL, refused, write


def _with(requirement: str = "", extra: str = "") -> str:
    text = MINIMAL
    if requirement:
        text = text.replace(
            "    upload: {types: [pdf], max_kb: 100}\n",
            "    upload: {types: [pdf], max_kb: 100}\n" + requirement,
            1,
        )
    return text + extra


def test_an_issued_document_requirement_names_the_services_whose_output_meets_it(
    tmp_path: Path,
) -> None:
    standard = load_standard(
        write(tmp_path, _with("    kind: issued_document\n    services: [ktp-el-baru]\n"))
    )
    (req,) = standard.requirements
    assert req.once_only and req.services == ["ktp-el-baru"]
    error = refused(tmp_path, _with("    kind: issued_document\n"))
    assert "names the services" in str(error) and error.line == 6


@pytest.mark.parametrize(
    ("requirement", "reason"),
    [
        ("    kind: registry\n", "names its registry"),
        ("    services: [ktp-el-baru]\n", "only to kind issued_document"),
        ("    registry: kependudukan\n", "only to kind registry"),
        ("    kind: issued_document\n    services: [KTP]\n", "should be a service code"),
        ("    kind: from_a_friend\n", "kind"),
    ],
)
def test_a_once_only_requirement_that_does_not_fit_its_kind_is_refused(
    tmp_path: Path, requirement: str, reason: str
) -> None:
    assert reason in str(refused(tmp_path, _with(requirement)))


OUTPUT = """\
form:
  - {code: full_name, label: Nama, type: text}
output_document:
  title: Surat Izin Contoh
  classification: "503"
  fields: [full_name]
  statement: "diberikan izin atas nama {full_name} ({applicant_name})."
  valid_for: {months: 6}
"""


def test_an_output_document_prints_form_fields_by_placeholder(tmp_path: Path) -> None:
    standard = load_standard(write(tmp_path, _with(extra=OUTPUT)))
    doc = standard.output_document
    assert doc is not None and doc.fields == ["full_name"] and doc.valid_for.months == 6


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("fields: [full_name]", "fields: [nama]"), "'nama' is not a form data field"),
        (("{full_name} ({applicant_name})", "{full_name} {nik}"), "placeholder {nik}"),
        (('classification: "503"', "classification: surat"), "classification"),
        (("valid_for: {months: 6}", "valid_for: {}"), "at least one year"),
    ],
)
def test_an_output_document_that_names_what_the_form_lacks_is_refused(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    assert reason in str(refused(tmp_path, _with(extra=OUTPUT.replace(*change))))


AGENCY = """\
agencies:
  - code: DISDUKCAPIL
    name: Disdukcapil
    letterhead: {government: Pemerintah Kabupaten Contoh, city: Contoh}
    registries:
      - code: kependudukan
        name: Data kependudukan
        legal_basis: Permendagri 102/2019
        services: [ktp-el-baru]
    units:
      - code: LOKET
        name: Loket
"""


def test_an_agency_keeps_its_letterhead_and_registries(tmp_path: Path) -> None:
    (agency,) = load_agencies(write(tmp_path, AGENCY, "agencies.yaml"))
    assert agency.letterhead is not None and agency.letterhead.city == "Contoh"
    assert agency.registries[0].legal_basis == "Permendagri 102/2019"


def test_two_registries_with_one_code_are_refused(tmp_path: Path) -> None:
    doubled = AGENCY + AGENCY.split("agencies:\n")[1].replace("DISDUKCAPIL", "LAIN")
    with pytest.raises(Exception, match="registry code 'kependudukan' is used twice"):
        load_agencies(write(tmp_path, doubled, "agencies.yaml"))
