"""Service standards as code: the schema, the YAML loader's errors, stages, and applications."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from layan.catalogue.rules import (
    COMPONENTS,
    DEMO_DIR,
    Agency,
    Bilingual,
    Condition,
    Duration,
    FormField,
    ServiceStandard,
    StandardFileError,
    StandardFilesError,
    UploadedFile,
    check_catalogue,
    condition_holds,
    load_agencies,
    load_demo,
    load_standard,
    load_standards,
    normalise_email,
    normalise_phone,
    text_of,
    validate_application,
)
from layan.core.errors import ValidationFailedError

# A small valid standard; the line numbers in the tests below refer to this text.
MINIMAL = """\
code: contoh-layanan
name: {id: Layanan Contoh, en: Sample service}
agency: DPMPTSP
summary: Ringkasan
requirements:
  - code: ktp
    name: {id: KTP-el, en: e-ID card}
    legal_basis: Perpres 96/2018
    upload: {types: [pdf], max_kb: 100}
procedure:
  - code: verifikasi
    name: Verifikasi
    unit: DPMPTSP.FO
    role: front_desk
    sla: {days: 1}
  - code: kajian
    name: Kajian
    unit: DPMPTSP.BO
    role: processor
    sla: {days: 2}
mechanism: Daring melalui Layan
service_time: {days: 3}
fee: {amount: 0}
output: Surat izin
complaints: SP4N-LAPOR!
legal_basis:
  - PP 16/2021
facilities: Loket
competence: Terlatih
supervision: Kepala Dinas
staff_count: 2
guarantee: Maklumat
safety: Aman
evaluation: SKM
"""


def write(tmp_path: Path, text: str, name: str = "layanan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> StandardFileError:
    path = write(tmp_path, text)
    with pytest.raises(StandardFileError) as caught:
        load_standard(path)
    assert caught.value.path == str(path)
    assert str(caught.value) == f"{path}:{caught.value.line}: {caught.value.reason}"
    return caught.value


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line holding `fragment`."""
    found = [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(found) == 1, found
    return found[0]


# --- the demo catalogue ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    agencies, standards = load_demo()
    return agencies, {s.code: s for s in standards}


def test_the_demo_catalogue_loads_with_at_least_five_agencies_and_eight_services(demo):
    agencies, services = demo
    assert len(agencies) >= 5
    assert len(services) >= 8
    units = {ref for a in agencies for ref in a.unit_refs()}
    assert {
        "DISDUKCAPIL.LOKET", "DISDUKCAPIL.PENDAFTARAN", "DISDUKCAPIL.KABID",
        "DPMPTSP.FO", "DPMPTSP.BO", "DPMPTSP.KADIS",
        "PUPR.TPT", "PUPR.TATA-RUANG", "BAPENDA.RETRIBUSI",
        "POLRES.SKCK", "POLRES.KASAT", "DINKES.LOKET", "DINKES.SDMK",
    } <= units  # fmt: skip
    assert {
        "ktp-el-baru", "ktp-el-hilang", "kartu-keluarga", "akta-kelahiran",
        "pbg", "skck", "sip-nakes", "izin-reklame",
    } <= set(services)  # fmt: skip


def test_every_step_of_every_demo_service_belongs_to_a_unit_of_agencies_yaml(demo):
    agencies, services = demo
    units = {ref for a in agencies for ref in a.unit_refs()}
    codes = {a.code for a in agencies}
    for standard in services.values():
        assert standard.agency in codes, standard.code
        for step in standard.procedure:
            assert step.unit in units, (standard.code, step.code, step.unit)
    assert check_catalogue(list(services.values()), agencies) == []


def test_check_catalogue_names_a_step_whose_unit_is_not_known(demo):
    agencies, services = demo
    without_pupr = [a for a in agencies if a.code != "PUPR"]
    problems = check_catalogue(list(services.values()), without_pupr)
    assert [p for p in problems if p.startswith("pbg:")] == [
        "pbg: procedure[1].unit 'PUPR.TPT' is not known",
        "pbg: procedure[2].unit 'PUPR.TATA-RUANG' is not known",
        "pbg: procedure[3].unit 'PUPR.TPT' is not known",
    ]


def test_pbg_crosses_agencies_with_a_parallel_review_and_a_conditional_inspection(demo):
    pbg = demo[1]["pbg"]
    assert [s.unit for s in pbg.procedure] == [
        "DPMPTSP.FO", "PUPR.TPT", "PUPR.TATA-RUANG", "PUPR.TPT", "BAPENDA.RETRIBUSI",
        "DPMPTSP.KADIS",
    ]  # fmt: skip
    assert {s.agency for s in pbg.procedure} == {"DPMPTSP", "PUPR", "BAPENDA"}
    review = [[s.unit for s in stage] for stage in pbg.groups() if len(stage) > 1]
    assert review == [["PUPR.TPT", "PUPR.TATA-RUANG"]]
    inspection = pbg.procedure[3]
    assert inspection.condition == Condition(field="floor_area_m2", op="gt", value=500)


def test_the_demo_forms_use_every_field_type(demo):
    types = {f.type for s in demo[1].values() for f in s.form}
    assert types == {"text", "number", "date", "choice", "nik", "phone", "email", "file"}


def test_every_demo_service_fills_all_fourteen_components(demo):
    for standard in demo[1].values():
        table = standard.component_table()
        assert [n for n, _, _ in table] == list(range(1, 15))
        assert table[6][1].id == "Dasar hukum"
        for number, _, values in table:
            assert all(v not in (None, "", []) for v in values), (standard.code, number)
        assert all(r.legal_basis for r in standard.requirements)


def test_a_standard_survives_a_round_trip_through_json(demo):
    agencies, services = demo
    for standard in services.values():
        dumped = json.loads(json.dumps(standard.model_dump(mode="json")))
        assert ServiceStandard.model_validate(dumped) == standard
    for agency in agencies:
        assert Agency.model_validate(agency.model_dump(mode="json")) == agency


def test_demo_fees_follow_their_legal_basis(demo):
    services = demo[1]
    assert services["skck"].fee.amount == 30000
    assert services["skck"].fee.text.id == "Rp30.000"
    assert "PP 76/2020" in (services["skck"].fee.legal_basis or "")
    for code in ("ktp-el-baru", "ktp-el-hilang", "kartu-keluarga", "akta-kelahiran"):
        assert services[code].fee.is_free
        assert services[code].fee.legal_basis == "UU 24/2013 Pasal 79A"
    assert services["pbg"].fee.formula is not None
    assert not services["pbg"].fee.is_free


def test_demo_office_hours_are_clock_times(demo):
    agencies = {a.code: a for a in demo[0]}
    loket = agencies["DISDUKCAPIL"].units[0]
    assert loket.hours is not None
    assert (loket.hours.opens, loket.hours.closes) == ("07:30", "15:00")
    assert agencies["POLRES"].units[0].hours.workdays == [0, 1, 2, 3, 4, 5]
    assert agencies["DISDUKCAPIL"].zone == "Asia/Jakarta"


# --- files that are refused -----------------------------------------------------------------


def test_the_minimal_sample_is_valid(tmp_path):
    standard = load_standard(write(tmp_path, MINIMAL))
    assert standard.code == "contoh-layanan"
    assert standard.summary == Bilingual(id="Ringkasan", en="Ringkasan")
    assert standard.fee.text.en == "Free of charge"


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path):
    text = MINIMAL.replace("output: Surat izin", "output: [Surat izin")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "output: [Surat izin") + 1
    assert error.reason.startswith("invalid YAML: ")


def test_a_missing_component_is_refused_naming_the_component(tmp_path):
    text = MINIMAL.replace("legal_basis:\n  - PP 16/2021\n", "")
    error = refused(tmp_path, text)
    assert error.line == 1
    assert error.reason == "legal_basis: is required (component 7: Dasar hukum)"


def test_a_wrong_type_deep_in_the_procedure_is_reported_at_the_line_of_its_key(tmp_path):
    text = MINIMAL.replace("sla: {days: 2}", "sla:\n      days: dua")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "days: dua")
    assert error.reason.startswith("procedure[1].sla.days: Input should be a valid integer")


def test_an_unknown_key_is_refused_at_its_line(tmp_path):
    text = MINIMAL.replace("    role: processor\n", "    role: processor\n    deadline: 2\n")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "deadline: 2")
    assert error.reason == "procedure[1].deadline: unknown key (check the spelling)"


def test_a_unit_not_written_as_agency_dot_unit_is_refused_with_a_hint(tmp_path):
    text = MINIMAL.replace("unit: DPMPTSP.BO", "unit: dpmptsp-bo")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "unit: dpmptsp-bo")
    assert error.reason == (
        "procedure[1].unit: 'dpmptsp-bo' should name a unit as AGENCY.UNIT in capitals "
        "(e.g. DPMPTSP.FO)"
    )


def test_a_requirement_without_legal_basis_is_refused(tmp_path):
    text = MINIMAL.replace("    legal_basis: Perpres 96/2018\n", "")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "  - code: ktp")
    assert error.reason == "requirements[0].legal_basis: is required"


def test_a_requirement_with_a_blank_legal_basis_is_refused(tmp_path):
    text = MINIMAL.replace("legal_basis: Perpres 96/2018", "legal_basis: '  '")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "legal_basis: '  '")
    assert error.reason.startswith("requirements[0].legal_basis: String should have at least 1")


def test_steps_that_exceed_the_service_time_are_refused(tmp_path):
    text = MINIMAL.replace("service_time: {days: 3}", "service_time: {days: 2, hours: 7}")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "service_time:")
    assert error.reason == (
        "service_time: the procedure takes up to 3 working days (the longest step of each "
        "stage, added up) but the service time is 2 working days 7 working hours"
    )


def test_eight_working_hours_count_as_one_working_day(tmp_path):
    text = MINIMAL.replace("sla: {days: 1}", "sla: {hours: 8}")
    assert load_standard(write(tmp_path, text)).service_time.working_hours == 24
    text = MINIMAL.replace("sla: {days: 1}", "sla: {hours: 9}")
    assert "takes up to 3 working days 1 working hour" in refused(tmp_path, text).reason


def test_parallel_steps_count_once_with_their_longest_step(tmp_path):
    parallel = MINIMAL.replace(
        "    sla: {days: 2}\n",
        "    sla: {days: 2}\n    parallel_group: kajian\n"
        "  - {code: kajian_b, name: B, unit: PUPR.TPT, role: processor, sla: {days: 2},"
        " parallel_group: kajian}\n",
    )
    standard = load_standard(write(tmp_path, parallel))
    assert [[s.code for s in stage] for stage in standard.groups()] == [
        ["verifikasi"],
        ["kajian", "kajian_b"],
    ]
    sequential = parallel.replace(" parallel_group: kajian}", "}").replace(
        "    parallel_group: kajian\n", ""
    )
    assert "takes up to 5 working days" in refused(tmp_path, sequential).reason


def test_a_parallel_group_interrupted_by_another_step_is_refused(tmp_path):
    text = MINIMAL.replace("    sla: {days: 1}\n", "    sla: {days: 1}\n    parallel_group: g\n")
    text = text.replace(
        "    sla: {days: 2}\n",
        "    sla: {days: 2}\n  - {code: lagi, name: Lagi, unit: DPMPTSP.FO, role: processor,"
        " sla: {hours: 1}, parallel_group: g}\n",
    )
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "code: lagi")
    assert (
        error.reason
        == "procedure[2].parallel_group: steps of parallel group 'g' must be consecutive"
    )


def test_a_parallel_group_of_one_step_is_refused_as_a_likely_typo(tmp_path):
    text = MINIMAL.replace("    sla: {days: 2}\n", "    sla: {days: 2}\n    parallel_group: g\n")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "parallel_group: g")
    assert error.reason == "procedure[1].parallel_group: parallel group 'g' has only one step"


def test_codes_shared_by_a_requirement_and_a_form_field_are_refused(tmp_path):
    text = (
        MINIMAL
        + "form:\n  - {code: nama, label: Nama, type: text}\n"
        + "  - {code: ktp, label: KTP, type: file}\n"
    )
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "code: ktp, label")
    assert error.reason == (
        "form[1].code: code 'ktp' is used twice among requirements and form fields"
    )


def test_two_steps_with_one_code_are_refused(tmp_path):
    text = MINIMAL.replace("  - code: kajian\n", "  - code: verifikasi\n")
    error = refused(tmp_path, text)
    second = [i for i, line in enumerate(text.splitlines(), 1) if line == "  - code: verifikasi"][1]
    assert error.line == second
    assert error.reason == "procedure[1].code: step code 'verifikasi' is used twice"


def test_a_condition_may_only_name_a_form_field(tmp_path):
    text = MINIMAL.replace(
        "    sla: {days: 2}\n",
        "    sla: {days: 2}\n    condition: {field: luas, op: gt, value: 500}\n",
    )
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "condition: {field: luas")
    assert error.reason == (
        "procedure[1].condition.field: condition names 'luas', which is not a form data "
        "field of this service"
    )
    with_form = text + "form:\n  - {code: luas, label: Luas, type: number}\n"
    assert load_standard(write(tmp_path, with_form)).procedure[1].condition.value == 500


def test_a_condition_on_a_choice_must_use_one_of_its_values(tmp_path):
    text = MINIMAL + (
        "form:\n"
        "  - code: jenis\n"
        "    label: Jenis\n"
        "    type: choice\n"
        "    choices: [{value: a, label: A}, {value: b, label: B}]\n"
        "  - {code: rincian, label: Rincian, type: text,"
        " condition: {field: jenis, op: eq, value: c}}\n"
    )
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "code: rincian")
    assert error.reason == "form[1].condition.value: 'c' is not a choice of 'jenis' (a, b)"


def test_a_form_condition_must_name_a_field_declared_before_it(tmp_path):
    text = MINIMAL + (
        "form:\n"
        "  - {code: rincian, label: Rincian, type: text, condition: {field: luas, op: present}}\n"
        "  - {code: luas, label: Luas, type: number}\n"
    )
    error = refused(tmp_path, text)
    assert error.reason == (
        "form[0].condition.field: condition names 'luas', which is not a form data field "
        "declared before it"
    )


def test_a_choice_field_without_choices_is_refused(tmp_path):
    text = MINIMAL + "form:\n  - {code: jenis, label: Jenis, type: choice}\n"
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "code: jenis")
    assert error.reason == "form[0].choices: a choice field lists its choices"


def test_a_duplicate_yaml_key_is_refused_at_its_second_line(tmp_path):
    text = MINIMAL.replace("output: Surat izin\n", "output: Surat izin\noutput: Izin\n")
    error = refused(tmp_path, text)
    assert error.line == line_of(text, "output: Izin")
    assert error.reason == f"duplicate key 'output' (first at line {line_of(text, 'Surat izin')})"


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    assert refused(tmp_path, "- just\n- a list\n").reason.startswith("the file must hold a mapping")
    assert refused(tmp_path, "").line == 1


def test_every_problem_of_a_file_is_kept_in_line_order(tmp_path):
    text = MINIMAL.replace("staff_count: 2", "staff_count: 0").replace(
        "role: processor", "role: boss"
    )
    error = refused(tmp_path, text)
    assert [line for line, _ in error.problems] == [
        line_of(text, "role: boss"),
        line_of(text, "staff_count: 0"),
    ]
    assert error.problems[1][1] == "staff_count: Input should be greater than 0"


def test_load_standards_collects_the_errors_of_every_file(tmp_path):
    write(tmp_path, MINIMAL, "a.yaml")
    write(tmp_path, MINIMAL.replace("code: contoh-layanan", "code: Bad Code"), "b.yml")
    write(tmp_path, MINIMAL.replace("staff_count: 2", "staff_count: banyak"), "c.yaml")
    write(tmp_path, "summary: x\n  indented: y\n", "d.yaml")
    write(tmp_path, "ignored", "notes.txt")
    with pytest.raises(StandardFilesError) as caught:
        load_standards(tmp_path)
    places = [(Path(e.path).name, e.line) for e in caught.value.errors]
    assert places == [
        ("b.yml", 1),
        ("c.yaml", line_of(MINIMAL, "staff_count")),
        ("d.yaml", 2),
    ]
    assert "3 problems in the catalogue files:" in str(caught.value)


def test_load_standards_refuses_two_files_with_one_code(tmp_path):
    write(tmp_path, MINIMAL, "a.yaml")
    write(tmp_path, MINIMAL, "b.yaml")
    with pytest.raises(StandardFilesError) as caught:
        load_standards(tmp_path)
    [error] = caught.value.errors
    assert (Path(error.path).name, error.line) == ("b.yaml", 1)
    assert error.reason == f"code: 'contoh-layanan' is already defined in {tmp_path / 'a.yaml'}"


def test_load_standards_reads_files_in_name_order(tmp_path):
    write(tmp_path, MINIMAL.replace("contoh-layanan", "zeta"), "z.yaml")
    write(tmp_path, MINIMAL.replace("contoh-layanan", "alfa"), "a.yml")
    assert [s.code for s in load_standards(tmp_path)] == ["alfa", "zeta"]


def test_load_agencies_reports_the_line_of_a_bad_unit(tmp_path):
    text = (
        "agencies:\n"
        "  - code: DINAS\n"
        "    name: Dinas Contoh\n"
        "    units:\n"
        "      - code: LOKET\n"
        "        name: Loket\n"
        "        hours: {opens: '16:00', closes: '08:00'}\n"
    )
    with pytest.raises(StandardFileError) as caught:
        load_agencies(write(tmp_path, text, "agencies.yaml"))
    assert caught.value.line == 7
    assert caught.value.reason == (
        "agencies[0].units[0].hours.closes: closes 08:00 must be after opens 16:00"
    )


def test_unquoted_office_hours_are_read_as_clock_times(tmp_path):
    text = (
        "agencies:\n  - {code: A, name: A, units: [{code: U, name: U, hours: {closes: 16:00}}]}\n"
    )
    [agency] = load_agencies(write(tmp_path, text))
    assert agency.units[0].hours.closes == "16:00"


# --- conditions and stages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "data", "expected"),
    [
        ("eq", "a", {"f": "a"}, True),
        ("eq", "a", {"f": "b"}, False),
        ("eq", 5, {"f": "5"}, True),
        ("eq", "a", {}, False),
        ("ne", "a", {"f": "b"}, True),
        ("ne", "a", {"f": "a"}, False),
        ("ne", "a", {}, True),
        ("gt", 500, {"f": 501}, True),
        ("gt", 500, {"f": 500}, False),
        ("gt", 500, {"f": "600,5"}, True),
        ("gt", 500, {"f": "banyak"}, False),
        ("gt", 500, {}, False),
        ("ge", 500, {"f": 500}, True),
        ("ge", 500, {"f": 499.9}, False),
        ("lt", 3, {"f": 2}, True),
        ("lt", 3, {"f": 3}, False),
        ("le", 3, {"f": 3}, True),
        ("le", 3, {"f": 4}, False),
        ("le", "2025-01-01", {"f": "2024-12-31"}, True),
        ("in", ["a", "b"], {"f": "b"}, True),
        ("in", ["a", "b"], {"f": "c"}, False),
        ("in", ["a", "b"], {}, False),
        ("not_in", ["a", "b"], {"f": "c"}, True),
        ("not_in", ["a", "b"], {"f": "a"}, False),
        ("not_in", ["a", "b"], {}, True),
        ("present", None, {"f": "x"}, True),
        ("present", None, {"f": "  "}, False),
        ("present", None, {}, False),
        ("absent", None, {}, True),
        ("absent", None, {"f": None}, True),
        ("absent", None, {"f": 0}, False),
    ],
)
def test_condition_holds_for_each_operator(op, value, data, expected):
    assert condition_holds(Condition(field="f", op=op, value=value), data) is expected


def test_no_condition_always_holds():
    assert condition_holds(None, {}) is True


@given(st.integers(-10_000, 10_000), st.integers(-10_000, 10_000))
def test_ordering_conditions_agree_with_python(actual, bound):
    for op, expected in (
        ("gt", actual > bound),
        ("ge", actual >= bound),
        ("lt", actual < bound),
        ("le", actual <= bound),
    ):
        cond = Condition(field="n", op=op, value=bound)
        assert condition_holds(cond, {"n": actual}) is expected
        assert condition_holds(cond, {"n": str(actual)}) is expected


@pytest.mark.parametrize(
    ("op", "value"),
    [("in", "a"), ("in", []), ("eq", None), ("gt", [1]), ("present", 1), ("oops", 1)],
)
def test_a_condition_value_must_fit_its_operator(op, value):
    with pytest.raises(ValidationError):
        Condition(field="f", op=op, value=value)


def test_a_duration_needs_some_time_and_counts_a_day_as_eight_hours():
    assert Duration(days=2, hours=3).working_hours == 19
    assert Duration(hours=1).text.id == "1 jam kerja"
    assert Duration(days=1, hours=4).text.en == "1 working day 4 working hours"
    with pytest.raises(ValidationError, match="at least one working day or working hour"):
        Duration()


def test_stages_group_parallel_steps_and_drop_steps_whose_condition_fails(demo):
    pbg = demo[1]["pbg"]
    big = [[s.code for s in stage] for stage in pbg.stages({"floor_area_m2": 750})]
    assert big == [
        ["verifikasi_berkas"],
        ["konsultasi_teknis", "kesesuaian_ruang"],
        ["inspeksi_lapangan"],
        ["penetapan_retribusi"],
        ["penerbitan_pbg"],
    ]
    small = [[s.code for s in stage] for stage in pbg.stages({"floor_area_m2": 120})]
    assert small == [big[0], big[1], big[3], big[4]]


def test_a_conditional_step_inside_a_parallel_group_leaves_the_rest_of_its_stage(tmp_path):
    text = MINIMAL.replace("    sla: {days: 2}\n", "    sla: {days: 2}\n    parallel_group: g\n")
    text = text.replace(
        "mechanism:",
        "  - {code: uji, name: Uji, unit: PUPR.TPT, role: processor, sla: {days: 1},"
        " parallel_group: g, condition: {field: luas, op: gt, value: 10}}\n"
        "  - {code: lapangan, name: Lapangan, unit: PUPR.TPT, role: processor, sla: {hours: 4},"
        " condition: {field: luas, op: gt, value: 100}}\nmechanism:",
    )
    text = text.replace("service_time: {days: 3}", "service_time: {days: 4}")
    text += "form:\n  - {code: luas, label: Luas, type: number}\n"
    standard = load_standard(write(tmp_path, text))

    def codes(data):
        return [[s.code for s in stage] for stage in standard.stages(data)]

    assert codes({"luas": 500}) == [["verifikasi"], ["kajian", "uji"], ["lapangan"]]
    assert codes({"luas": 50}) == [["verifikasi"], ["kajian", "uji"]]
    assert codes({}) == [["verifikasi"], ["kajian"]]


def test_document_slots_list_uploaded_requirements_then_file_fields(demo):
    pbg = demo[1]["pbg"]
    slots = pbg.document_slots()
    assert [s.code for s in slots] == [
        "ktp", "land_title", "land_use_agreement", "kkpr", "architecture_plan",
        "structure_plan", "utilities_plan", "site_photo",
    ]  # fmt: skip
    assert slots[-1].source == "form"
    assert slots[-1].upload.types == ["jpg", "jpeg", "png"]
    applying = pbg.document_slots({"land_status": "milik_sendiri", "floors": 1})
    assert "land_use_agreement" not in [s.code for s in applying]
    assert "structure_plan" not in [s.code for s in applying]
    skck = demo[1]["skck"]
    assert "fingerprints" not in [s.code for s in skck.document_slots()]  # shown, not uploaded


def test_component_table_lists_the_fourteen_components_in_order(demo):
    table = demo[1]["skck"].component_table()
    assert [name.id for _, name, _ in table][:4] == [
        "Persyaratan",
        "Sistem, mekanisme, dan prosedur",
        "Jangka waktu penyelesaian",
        "Biaya/tarif",
    ]
    assert table[10][2] == (4,)  # jumlah pelaksana
    assert len(COMPONENTS) == 14


def test_field_options_must_fit_the_field_type():
    with pytest.raises(ValidationError, match="'max_length' does not apply"):
        FormField(code="x", label="X", type="number", max_length=10)
    with pytest.raises(ValidationError, match="min 5 is above max 1"):
        FormField(code="x", label="X", type="number", min=5, max=1)
    with pytest.raises(ValidationError, match="extra"):
        FormField(code="x", label="X", type="text", maxlength=10)


# --- applications -------------------------------------------------------------------------

NIK = "3201011708900001"  # Jawa Barat, 17-08-1990, male
PDF = b"%PDF-1.7\n"
PNG = b"\x89PNG\r\n\x1a\n"
JPG = b"\xff\xd8\xff\xe0"


def upload(name: str, head: bytes, size: int = 1000) -> UploadedFile:
    return UploadedFile(
        filename=name, content_type="application/octet-stream", size=size, head=head
    )


def skck_data(**changes):
    data = {
        "full_name": "Siti Aminah",
        "birth_place": "Suka Maju",
        "birth_date": "1990-08-17",
        "purpose": "melamar_kerja",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def skck_uploads(**changes):
    files = {
        "village_letter": upload("pengantar.pdf", PDF),
        "ktp": upload("ktp.jpg", JPG),
        "kk": upload("kk.pdf", PDF),
        "birth_or_diploma": upload("ijazah.pdf", PDF),
        "photo": upload("foto.png", PNG),
    }
    files.update(changes)
    return {k: v for k, v in files.items() if v is not None}


def with_nik_field(standard: ServiceStandard) -> ServiceStandard:
    """The standard with one more form field, `nik`, of type NIK."""
    field = FormField(code="nik", label=Bilingual(id="NIK", en="NIK"), type="nik")
    return standard.model_copy(update={"form": [*standard.form, field]})


def sip_data(**changes):
    data = {
        "full_name": "dr. Rina",
        "profession": "dokter",
        "str_number": "STR-123",
        "employment": "non_asn",
        "facility_name": "Klinik Sehat",
        "facility_address": "Jl. Sehat 2",
        "facility_phone": "081234567890",
        "facility_email": "rina@example.id",
        "practice_slot": 1,
    }
    data.update(changes)
    return data


def sip_uploads():
    return {
        "ktp": upload("ktp.pdf", PDF),
        "str_certificate": upload("str.pdf", PDF),
        "facility_letter": upload("surat.pdf", PDF),
        "photo": upload("foto.jpg", JPG),
    }


def problems(standard: ServiceStandard, data: dict, uploads: dict) -> dict[str, str]:
    with pytest.raises(ValidationFailedError) as caught:
        validate_application(standard, data, uploads)
    assert caught.value.code == "application.invalid"
    found = {e.field: e.code for e in caught.value.errors}
    assert len(found) == len(caught.value.errors)
    return found


def test_a_complete_application_returns_cleaned_data(demo):
    pbg = demo[1]["pbg"]
    data = {
        "designer_name": "  Budi Santoso ",
        "designer_phone": "+62 812-3456-7890",
        "designer_email": "Budi@Example.CO.ID",
        "building_function": "hunian",
        "floor_area_m2": "620,5",
        "floors": 3,
        "site_address": "Jl. Merdeka No. 1\r\nDesa Sukamaju",
        "land_status": "milik_sendiri",
        "construction_start": "17/08/2026",
    }
    files = {
        code: upload(f"{code}.pdf", PDF)
        for code in ("ktp", "land_title", "kkpr", "architecture_plan", "structure_plan")
    }
    files |= {"utilities_plan": upload("mep.PDF", PDF), "site_photo": upload("lokasi.jpeg", JPG)}
    assert validate_application(pbg, data, files) == {
        "designer_name": "Budi Santoso",
        "designer_phone": "+6281234567890",
        "designer_email": "budi@example.co.id",
        "building_function": "hunian",
        "floor_area_m2": 620.5,
        "floors": 3,
        "site_address": "Jl. Merdeka No. 1\nDesa Sukamaju",
        "land_status": "milik_sendiri",
        "construction_start": "2026-08-17",
    }


def test_every_problem_of_an_application_is_reported_at_once(demo):
    pbg = demo[1]["pbg"]
    data = {
        "designer_phone": "12345",
        "designer_email": "budi@",
        "building_function": "pabrik",
        "floor_area_m2": "0",
        "floors": "2.5",
        "site_address": "x" * 301,
        "land_status": "pihak_lain",
        "construction_start": "31-02-2026",
        "color": "merah",
    }
    files = {
        "ktp": upload("ktp.pdf", PNG),
        "land_title": upload("sertifikat.pdf", PDF, size=5120 * 1024 + 1),
        "site_photo": upload("foto.png", PDF),
        "extra": upload("x.pdf", PDF),
    }
    assert problems(pbg, data, files) == {
        "data.color": "field.unknown",
        "data.designer_name": "field.required",
        "data.designer_phone": "phone.invalid",
        "data.designer_email": "email.invalid",
        "data.building_function": "field.choice",
        "data.floor_area_m2": "number.min",
        "data.floors": "number.integer",
        "data.site_address": "text.too_long",
        "data.construction_start": "date.invalid",
        "extra": "document.unknown",
        "ktp": "document.type",
        "land_title": "document.too_large",
        "land_use_agreement": "document.required",
        "kkpr": "document.required",
        "architecture_plan": "document.required",
        "utilities_plan": "document.required",
        "site_photo": "document.type",
    }


def test_each_message_names_the_field_in_both_languages(demo):
    with pytest.raises(ValidationFailedError) as caught:
        validate_application(demo[1]["pbg"], {"floor_area_m2": "-3"}, {})
    texts = {e.field: e.text for e in caught.value.errors}
    assert texts["data.designer_name"].id == "Nama penyedia jasa perencana wajib diisi"
    assert texts["data.designer_name"].en == "Design consultant's name is required"
    assert texts["data.floor_area_m2"].id == "Luas total lantai bangunan (m²) paling sedikit 1"
    assert texts["data.floor_area_m2"].en == "Total floor area (m²) must be at least 1"
    assert texts["ktp"].en == "Applicant's e-ID card must be uploaded"


def test_a_conditional_field_is_required_only_when_its_condition_holds(demo):
    skck = demo[1]["skck"]
    assert problems(skck, skck_data(purpose="lainnya"), skck_uploads()) == {
        "data.purpose_detail": "field.required"
    }
    cleaned = validate_application(
        skck, skck_data(purpose="lainnya", purpose_detail="Beasiswa"), skck_uploads()
    )
    assert cleaned["purpose_detail"] == "Beasiswa"
    dropped = validate_application(skck, skck_data(purpose_detail="Beasiswa"), skck_uploads())
    assert "purpose_detail" not in dropped


def test_a_conditional_document_is_required_only_when_its_condition_holds(demo):
    skck = demo[1]["skck"]
    assert validate_application(skck, skck_data(), skck_uploads())["purpose"] == "melamar_kerja"
    assert problems(skck, skck_data(purpose="luar_negeri"), skck_uploads()) == {
        "passport": "document.required"
    }
    passport = skck_uploads(passport=upload("paspor.pdf", PDF))
    assert validate_application(skck, skck_data(purpose="luar_negeri"), passport)


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("320101170890000", "nik.format"),
        ("32010117089000AB", "nik.format"),
        ("9901011708900001", "nik.province"),
        ("3201013508900001", "nik.day"),
        ("3201011713900001", "nik.month"),
        ("3201013102900001", "nik.date"),
        ("3201011708900000", "nik.serial"),
    ],
)
def test_an_invalid_nik_is_refused_with_the_reason(demo, nik, code):
    skck = with_nik_field(demo[1]["skck"])
    with pytest.raises(ValidationFailedError) as caught:
        validate_application(skck, skck_data(nik=nik), skck_uploads())
    [error] = caught.value.errors
    assert (error.field, error.code) == ("data.nik", code)
    assert error.text.id.startswith("NIK: ")
    assert error.text.en.startswith("NIK: ")


def test_a_woman_s_nik_is_accepted_and_normalised(demo):
    skck = with_nik_field(demo[1]["skck"])
    cleaned = validate_application(skck, skck_data(nik=" 3201015708900001 "), skck_uploads())
    assert cleaned["nik"] == "3201015708900001"


def test_a_document_type_is_checked_by_content_not_by_name(demo):
    skck = demo[1]["skck"]
    found = problems(skck, skck_data(), skck_uploads(village_letter=upload("surat.pdf", PNG)))
    assert found == {"village_letter": "document.type"}
    found = problems(skck, skck_data(), skck_uploads(photo=upload("foto.jpg", PDF)))
    assert found == {"photo": "document.type"}  # a PDF is not allowed for the photo
    found = problems(skck, skck_data(), skck_uploads(kk=upload("kk.pdf", b"MZ\x90\x00")))
    assert found == {"kk": "document.type"}
    found = problems(skck, skck_data(), skck_uploads(kk=upload("kk.exe", PDF)))
    assert found == {"kk": "document.type"}
    unnamed = skck_uploads(
        kk=upload("scan", PDF),
        ktp=upload("ktp.jpeg", JPG),
        village_letter=upload("17.08.2025", PDF),
    )
    assert validate_application(skck, skck_data(), unnamed)["full_name"] == "Siti Aminah"


def test_a_document_may_be_as_large_as_its_limit_and_no_larger(demo):
    skck = demo[1]["skck"]
    at_limit = skck_uploads(photo=upload("foto.png", PNG, size=1024 * 1024))
    assert validate_application(skck, skck_data(), at_limit)
    over = skck_uploads(photo=upload("foto.png", PNG, size=1024 * 1024 + 1))
    with pytest.raises(ValidationFailedError) as caught:
        validate_application(skck, skck_data(), over)
    [error] = caught.value.errors
    assert (error.field, error.code) == ("photo", "document.too_large")
    assert error.text.id == "Pas foto berwarna 4x6 latar merah: berkas melebihi 1024 KB"
    empty = skck_uploads(photo=upload("foto.png", PNG, size=0))
    assert problems(skck, skck_data(), empty) == {"photo": "document.empty"}


@pytest.mark.parametrize(
    ("phone", "cleaned"),
    [
        ("081234567890", "081234567890"),
        ("0812-3456-789", "08123456789"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(022) 4231234", "0224231234"),
        ("0274 512345", "0274512345"),
    ],
)
def test_indonesian_phone_numbers_are_normalised(demo, phone, cleaned):
    sip = demo[1]["sip-nakes"]
    cleaned_data = validate_application(sip, sip_data(facility_phone=phone), sip_uploads())
    assert cleaned_data["facility_phone"] == cleaned


@pytest.mark.parametrize(
    "phone", ["0812345", "08123456789012345", "+1 202 555 0100", "0812abc45678", "1234567890"]
)
def test_a_phone_number_that_is_not_indonesian_is_refused(demo, phone):
    sip = demo[1]["sip-nakes"]
    found = problems(sip, sip_data(facility_phone=phone), sip_uploads())
    assert found == {"data.facility_phone": "phone.invalid"}


@pytest.mark.parametrize("email", ["budi", "budi@desa", "budi @desa.id", "a@b@c.id", 42])
def test_a_bad_email_is_refused(demo, email):
    sip = demo[1]["sip-nakes"]
    found = problems(sip, sip_data(facility_email=email), sip_uploads())
    assert found == {"data.facility_email": "email.invalid"}


@pytest.mark.parametrize("name", ["Siti\x00Aminah", "Siti\x1b[31m", "Siti\u202eAminah"])
def test_text_with_control_characters_is_refused(demo, name):
    skck = demo[1]["skck"]
    found = problems(skck, skck_data(full_name=name), skck_uploads())
    assert found == {"data.full_name": "text.control_chars"}


@pytest.mark.parametrize(
    ("value", "code"),
    [("tiga", "field.type"), (True, "field.type"), ("nan", "field.type"), (0, "number.min"),
     (4, "number.max"), ("1.5", "number.integer")],
)  # fmt: skip
def test_a_number_outside_its_rules_is_refused(demo, value, code):
    sip = demo[1]["sip-nakes"]
    data, files = sip_data(practice_slot=value), sip_uploads()
    assert problems(sip, data, files) == {"data.practice_slot": code}
    data["practice_slot"] = "2"
    assert validate_application(sip, data, files)["practice_slot"] == 2


@given(st.integers(1, 100_000))
def test_any_floor_area_within_bounds_comes_back_as_the_same_number(area):
    field = FormField(code="luas", label="Luas", type="number", min=1, max=100_000)
    standard = ServiceStandard.model_validate(
        {**_minimal_dict(), "form": [field.model_dump(exclude_unset=True)]}
    )
    assert validate_application(standard, {"luas": str(area)}, _minimal_files()) == {"luas": area}


def _minimal_dict() -> dict:
    return yaml.safe_load(MINIMAL)


def _minimal_files() -> dict:
    return {"ktp": upload("ktp.pdf", PDF, size=100 * 1024)}


def test_demo_directory_ships_with_the_package():
    assert (DEMO_DIR / "agencies.yaml").is_file()
    assert len(list((DEMO_DIR / "services").glob("*.yaml"))) >= 8


def test_a_document_kept_from_an_earlier_submission_counts_without_a_new_check(demo):
    skck = demo[1]["skck"]
    kept = UploadedFile("kk.kept", "application/octet-stream", 0, b"", kept=True)
    assert (
        validate_application(skck, skck_data(), skck_uploads(kk=kept))["full_name"] == "Siti Aminah"
    )
    not_kept = UploadedFile("kk.kept", "application/octet-stream", 0, b"")
    assert problems(skck, skck_data(), skck_uploads(kk=not_kept)) == {"kk": "document.empty"}


def test_the_phone_and_email_normalisers_are_shared_with_the_applicant_check():
    assert normalise_phone(" 0812 3456 7890 ") == "081234567890"
    assert normalise_phone("0812") is None
    assert normalise_phone(None) is None
    assert normalise_email(" Warga@Contoh.ID ") == "warga@contoh.id"
    assert normalise_email("warga@") is None


def test_text_of_reads_a_bilingual_value_or_a_plain_string():
    assert text_of(Bilingual(id="Loket", en="Counter")) == "Loket"
    assert text_of(Bilingual(id="Loket", en="Counter"), "en") == "Counter"
    assert text_of("Loket") == "Loket"
