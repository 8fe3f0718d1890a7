"""The published satisfaction report and its follow-up actions, through the ASGI client.

Answers come in as a paper CSV through the API, as an agency admin imports them; every
page fetched is parsed and checked (tests/pages.py).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.core.db import Database
from layan.core.events import Event, verify_chain
from layan.surveys.models import SurveyAction, SurveyResponse
from tests.factories import PASSWORD, officer_for, sign_in, standard, submit
from tests.pages import NS, by_id, check_page, csrf, find_all, get_page, text_of

KEYS = (
    "requirements",
    "procedure",
    "time",
    "fee",
    "product",
    "competence",
    "behaviour",
    "complaints",
    "facilities",
)
HEADER = ("unit", "service", "date", *KEYS, "suggestion")
ADMIN = "polres-admin"
# Three respondents of POLRES.SKCK in May: 36 + 27 + 28 = 91 points over 27 answers,
# an IKM of 84.26 (band B); two left a suggestion, the third scored complaints 1.
MAY = [
    ("POLRES.SKCK", "skck", "2026-05-04", *[4] * 9, "Ruang tunggu perlu kipas angin"),
    ("POLRES.SKCK", "skck", "2026-05-12", *[3] * 9, ""),
    (
        "POLRES.SKCK",
        "skck",
        "2026-05-29",
        4,
        4,
        3,
        3,
        2,
        4,
        4,
        1,
        3,
        '"Antrean lama, <tolong> & cepat"',
    ),
]
APRIL = [("POLRES.SKCK", "skck", "2026-04-30", *[1] * 9, "")]
MAY_REPORT = "/ikm?unit=POLRES.SKCK&tahun=2026&periode=month&ke=5"


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _import(client: TestClient, rows: list[tuple[Any, ...]]) -> None:
    response = client.post(
        "/api/v1/surveys/import",
        headers=sign_in(client, ADMIN),
        files={"file": ("skm.csv", _csv(rows), "text/csv")},
    )
    assert response.status_code == 201, response.text


def _text(page: Element, element_id: str) -> str:
    return text_of(by_id(page, element_id))


def _rows(page: Element, table_id: str) -> list[list[str]]:
    table = by_id(page, table_id)
    assert table is not None, table_id
    body = table.find(f"{NS}tbody")
    return [[text_of(cell) for cell in row] for row in find_all(body, "tr")]  # type: ignore[arg-type]


def _sign_in_page(client: TestClient, username: str) -> None:
    """Sign in through the officers' form, as a browser would."""
    form = get_page(client, "/petugas/masuk")
    response = client.post(
        "/petugas/masuk",
        data={
            "csrf_token": csrf(form),
            "username": username,
            "password": PASSWORD,
            "next": "/petugas",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def _href(page: Element, text: str, within: str | None = None) -> str:
    root = by_id(page, within) if within else page
    assert root is not None
    links = [a.get("href") or "" for a in find_all(root, "a") if text in text_of(a)]
    assert links, f"no link {text!r}"
    return links[0]


def _response_id(db: Database, suggestion: str) -> int:
    with db.unit_of_work(readonly=True) as uow:
        stmt = select(SurveyResponse.id).where(SurveyResponse.suggestion.contains(suggestion))
        return int(uow.session.execute(stmt).scalar_one())


def _actions(db: Database) -> list[SurveyAction]:
    with db.unit_of_work(readonly=True) as uow:
        rows = uow.session.execute(select(SurveyAction).order_by(SurveyAction.id)).scalars()
        return list(rows)


def _action_events(db: Database) -> list[tuple[str, str, str, str]]:
    with db.unit_of_work(readonly=True) as uow:
        events = uow.session.execute(
            select(Event).where(Event.case_type == "survey_action").order_by(Event.id)
        ).scalars()
        return [(e.ledger, e.case_id, e.activity, e.role) for e in events]


def _form_values(page: Element, action: str) -> dict[str, str]:
    """The fields a form would post as it stands (inputs, selected options, textareas)."""
    form = next(f for f in find_all(page, "form") if f.get("action") == action)
    values = {i.get("name") or "": i.get("value") or "" for i in find_all(form, "input")}
    for select_ in find_all(form, "select"):
        chosen = [o for o in find_all(select_, "option") if o.get("selected") is not None]
        values[select_.get("name") or ""] = (chosen or find_all(select_, "option"))[0].get(
            "value"
        ) or ""
    for area in find_all(form, "textarea"):
        values[area.get("name") or ""] = area.text or ""
    return values


# --- the public report -----------------------------------------------------------------


def test_the_report_shows_the_exact_index_band_and_responses_of_an_imported_csv(
    client: TestClient,
) -> None:
    _import(client, MAY + APRIL)
    page = get_page(client, MAY_REPORT)
    assert _text(page, "ikm-value") == "84,26"
    assert (_text(page, "ikm-mutu"), _text(page, "ikm-kinerja")) == ("B", "Baik")
    assert _text(page, "ikm-responses") == "3"
    assert "Mei 2026 (1 Mei 2026 s.d. 31 Mei 2026)" in _text(page, "ikm-period")
    elements = {row[1]: row[2:] for row in _rows(page, "ikm-elements")}
    assert elements["Penanganan Pengaduan, Saran dan Masukan"] == ["2,67", "0,296", "3"]
    assert elements["Persyaratan"] == ["3,67", "0,407", "3"]
    assert len(elements) == 9
    weakest = [text_of(li) for li in find_all(by_id(page, "ikm-weakest"), "li")]  # type: ignore[arg-type]
    assert [w.split(":")[0] for w in weakest] == [
        "Penanganan Pengaduan, Saran dan Masukan",
        "Produk Spesifikasi Jenis Pelayanan",
        "Waktu Penyelesaian",
    ]
    trend = {row[0]: row[1:4] for row in _rows(page, "ikm-trend")}
    assert len(trend) == 12
    assert trend["Mei 2026"] == ["84,26", "B", "3"]
    assert trend["April 2026"] == ["25,00", "D", "1"]
    assert trend["Maret 2026"] == ["–", "–", "0"]
    # Paper answers only: nobody served through Layan, so the sample cannot be judged.
    assert "tidak dapat dinilai" in _text(page, "ikm-sample")


def test_the_trend_chart_is_inline_svg_with_bars_in_proportion_and_a_text_alternative(
    client: TestClient,
) -> None:
    _import(client, MAY + APRIL)
    page = get_page(client, MAY_REPORT)
    svg = page.find(".//{http://www.w3.org/2000/svg}svg")
    assert svg is not None and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "ikm-chart-title ikm-chart-desc"
    bars = svg.findall(".//{http://www.w3.org/2000/svg}rect")
    heights = sorted(float(bar.get("height") or 0) for bar in bars)
    assert len(heights) == 2  # April and May; no bar where nobody answered
    assert heights[1] / heights[0] == pytest.approx(84.26 / 25, rel=0.01)
    desc = svg.find("{http://www.w3.org/2000/svg}desc")
    assert desc is not None and "Mei: 84,26" in (desc.text or "")
    assert not [s for s in find_all(page, "script") if "cdn" in (s.get("src") or "")]


def test_the_public_report_lists_suggestion_texts_without_their_sources(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    page = get_page(client, MAY_REPORT)
    listed = [text_of(li) for li in find_all(by_id(page, "ikm-suggestions"), "li")]  # type: ignore[arg-type]
    assert listed == ["Antrean lama, <tolong> & cepat", "Ruang tunggu perlu kipas angin"]
    response_id = _response_id(db, "kipas")
    assert f"#{response_id}" not in text_of(page)
    assert by_id(page, "officer-suggestions") is None


def test_the_report_reads_in_english_with_a_decimal_point(client: TestClient) -> None:
    _import(client, MAY)
    switch = by_id(get_page(client, MAY_REPORT), "ikm-lang")
    assert switch is not None
    page = get_page(client, switch.get("href") or "")  # remembered, back on the same report
    assert _text(page, "ikm-value") == "84.26"
    assert _text(page, "ikm-kinerja") == "Good"
    assert "May 2026 (1 May 2026 to 31 May 2026)" in _text(page, "ikm-period")
    back = by_id(page, "ikm-lang")
    assert back is not None and text_of(back) == "Bahasa Indonesia"
    assert parse_qs(urlsplit(back.get("href") or "").query)["ke"] == ["5"]


def test_a_period_without_responses_says_so_instead_of_an_index(client: TestClient) -> None:
    _import(client, MAY)
    page = get_page(client, "/ikm?unit=POLRES.SKCK&tahun=2026&periode=quarter&ke=1")
    assert by_id(page, "ikm-value") is None and by_id(page, "ikm-elements") is None
    assert "Belum ada responden pada periode ini" in _text(page, "ikm-empty")
    trend = {row[0]: row[1:] for row in _rows(page, "ikm-trend")}
    assert trend["Triwulan II 2026"][:3] == ["84,26", "B", "3"]
    assert trend["Triwulan IV 2026"] == ["–", "–", "0", "belum dimulai"]
    future = get_page(client, "/ikm?unit=POLRES.SKCK&tahun=2026&periode=quarter&ke=4")
    assert "belum dimulai" in _text(future, "ikm-empty")
    empty_csv = client.get("/ikm.csv?unit=POLRES.SKCK&tahun=2026&periode=quarter&ke=1")
    rows = list(csv.reader(io.StringIO(empty_csv.content.decode("utf-8-sig"))))
    assert {r[0]: r[2] for r in rows}["ikm"] == ""
    empty_pdf = client.get("/ikm.pdf?unit=POLRES.SKCK&tahun=2026&periode=quarter&ke=1")
    assert empty_pdf.status_code == 200 and empty_pdf.content.startswith(b"%PDF")


def test_the_legacy_toggle_weighs_each_element_0_111(client: TestClient) -> None:
    _import(client, MAY)
    page = get_page(client, MAY_REPORT)
    toggle = by_id(page, "ikm-legacy-toggle")
    assert toggle is not None and "legacy=1" in (toggle.get("href") or "")
    legacy = get_page(client, toggle.get("href") or "")
    # 91/3 points x 0.111 x 25 = 84.175, rounded half up; exact weighing gives 84.26.
    assert _text(legacy, "ikm-value") == "84,18"
    assert "0,111" in _text(legacy, "ikm-legacy")
    back = by_id(legacy, "ikm-legacy-toggle")
    assert back is not None and "legacy" not in (back.get("href") or "")
    assert _text(get_page(client, back.get("href") or ""), "ikm-value") == "84,26"


def test_the_sample_is_judged_against_the_people_served_and_a_tiny_one_is_flagged(
    client: TestClient,
) -> None:
    for seed in (1, 2):
        _rejected(client, seed)
    _import(client, [("POLRES.SKCK", "skck", "2026-06-01", *[4] * 9, "")])
    page = get_page(client, "/ikm?service=skck&tahun=2026&periode=quarter&ke=2")
    assert (_text(page, "ikm-responses"), _text(page, "ikm-served")) == ("1", "2")
    assert _text(page, "ikm-sample-required") == "2"
    sample = _text(page, "ikm-sample")
    assert "Sampel belum terpenuhi" in sample and "jangan dipakai untuk memeringkat" in sample


def _rejected(client: TestClient, seed: int) -> None:
    """An SKCK application rejected at its first step: one person served."""
    number = submit(client, "skck", seed=seed).json()["tracking_number"]
    step = standard("skck").procedure[0]
    task = next(
        s
        for s in client.get(f"/api/v1/applications/{number}").json()["steps"]
        if s["step"] == step.code
    )
    response = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision",
        headers=sign_in(client, officer_for(step.unit, step.role)),
        json={
            "outcome": "reject",
            "reason": "Berkas tidak lengkap",
            "legal_basis": "Perpol 6/2023",
        },
    )
    assert response.status_code == 200, response.text


def test_wrong_report_parameters_get_a_clear_error_page(client: TestClient) -> None:
    for url, status in (
        ("/ikm?unit=POLRES.SKCK&periode=week", 422),
        ("/ikm?unit=POLRES.SKCK&periode=quarter&ke=5", 422),
        ("/ikm?unit=POLRES.SKCK&tahun=99999", 422),
        ("/ikm?unit=POLRES.TIDAKADA", 404),
        ("/ikm?unit=POLRES.SKCK&agency=POLRES", 422),
        ("/ikm.csv", 422),
        ("/ikm.pdf?agency=TIDAKADA", 404),
    ):
        get_page(client, url, status=status)


# --- downloads -------------------------------------------------------------------------


def test_the_csv_download_has_a_bom_the_header_one_row_per_element_and_the_summary(
    client: TestClient,
) -> None:
    _import(client, MAY)
    response = client.get("/ikm.csv?unit=POLRES.SKCK&tahun=2026&periode=month&ke=5")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="ikm-polres-skck-2026-05.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["key", "name", "nrr", "weighted_nrr", "answered"]
    assert [row[0] for row in rows[1:10]] == list(KEYS)
    assert rows[8] == [
        "complaints",
        "Penanganan Pengaduan, Saran dan Masukan",
        "2.67",
        "0.296",
        "3",
    ]
    summary = {row[0]: row[2] for row in rows[10:]}
    assert (summary["ikm"], summary["mutu"], summary["kinerja"]) == ("84.26", "B", "Baik")
    assert (summary["responses"], summary["served"], summary["sample_size"]) == ("3", "0", "0")
    assert (summary["period_from"], summary["period_to"]) == ("2026-05-01", "2026-05-31")
    assert summary["trend.2026-05"] == "84.26"
    legacy = client.get("/ikm.csv?unit=POLRES.SKCK&tahun=2026&periode=month&ke=5&legacy=1")
    legacy_rows = list(csv.reader(io.StringIO(legacy.content.decode("utf-8-sig"))))
    assert {r[0]: r[2] for r in legacy_rows}["ikm"] == "84.18"


def test_the_pdf_download_is_a_non_trivial_pdf_attachment(client: TestClient) -> None:
    _import(client, MAY + APRIL)
    response = client.get("/ikm.pdf?unit=POLRES.SKCK&tahun=2026&periode=month&ke=5")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="ikm-polres-skck-2026-05.pdf"'
    )
    assert response.content.startswith(b"%PDF") and response.content.rstrip().endswith(b"%%EOF")
    assert len(response.content) > 2500
    assert int(re.findall(rb"/Count (\d+)", response.content)[0]) in (1, 2)


# --- the overview ----------------------------------------------------------------------


def test_the_index_lists_each_agency_unit_and_service_with_its_index_and_responses(
    client: TestClient,
) -> None:
    _import(client, MAY + APRIL + [("POLRES.KASAT", "skck", "2026-05-20", *[4] * 9, "")])
    page = get_page(client, "/ikm")
    assert "2026" in text_of(page.find(f".//{NS}h1"))
    section = next(
        s for s in find_all(page, "section") if s.get("aria-labelledby") == "agency-POLRES"
    )
    table = find_all(section, "table")[0]
    body = table.find(f"{NS}tbody")
    lines = {
        text_of(r.find(f"{NS}th")): [text_of(td) for td in find_all(r, "td")]
        for r in find_all(body, "tr")  # type: ignore[arg-type]
        if find_all(r, "td")
    }
    # SKCK: May's 91 points and April's 9 over 36 answers = 69.44 (C), 4 responses.
    assert lines["Unit Pelayanan SKCK Satuan Intelkam"][:3] == ["69,44", "C", "4"]
    assert lines["Kepala Satuan Intelkam (penandatanganan)"][:3] == ["100,00", "A", "1"]
    # The agency and its one service: 136 points over 45 answers = 75.56 (C), 5 responses.
    assert lines["Seluruh instansi"][:3] == ["75,56", "C", "5"]
    service_name = next(k for k in lines if "SKCK" in k and "Unit" not in k)
    assert lines[service_name][:3] == ["75,56", "C", "5"]
    link = _href(section, "Unit Pelayanan SKCK")
    assert parse_qs(urlsplit(link).query) == {
        "unit": ["POLRES.SKCK"],
        "tahun": ["2026"],
        "periode": ["quarter"],
    }
    assert _text(get_page(client, link), "ikm-value") == "69,44"
    other = next(
        s for s in find_all(page, "section") if s.get("aria-labelledby") == "agency-DPMPTSP"
    )
    assert "belum ada responden" in text_of(other)


# --- follow-up actions -----------------------------------------------------------------


def _officer_report(client: TestClient) -> Element:
    return get_page(client, MAY_REPORT.replace("/ikm", "/petugas/ikm"))


def _create_from(client: TestClient, link: str, **changes: str) -> Any:
    form = get_page(client, link)
    values = {**_form_values(form, "/petugas/ikm/tindak-lanjut"), **changes}
    return client.post("/petugas/ikm/tindak-lanjut", data=values, follow_redirects=False), form


def test_an_admin_turns_a_suggestion_into_an_action_closes_it_and_citizens_see_it(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    response_id = _response_id(db, "kipas")
    _sign_in_page(client, ADMIN)
    officer = _officer_report(client)
    row = by_id(officer, f"suggestion-{response_id}")
    assert row is not None and "Ruang tunggu perlu kipas angin" in text_of(row)
    assert f"#{response_id}" in text_of(row)
    link = _href(row, "Buat tindak lanjut")
    assert parse_qs(urlsplit(link).query)["ref"] == [str(response_id)]

    created, form = _create_from(client, link, due_on="2026-07-15")
    assert "Ruang tunggu perlu kipas angin" in _text(form, "action-source")
    assert created.status_code == 303, created.text[:500]
    assert created.headers["location"].startswith("/petugas/ikm?unit=POLRES.SKCK")
    assert "pesan=dibuat" in created.headers["location"]
    (action,) = _actions(db)
    assert (action.source, action.source_ref, action.status) == (
        "suggestion",
        str(response_id),
        "open",
    )
    assert (action.agency_code, action.unit_code, action.service_code) == (
        "POLRES",
        "POLRES.SKCK",
        "skck",
    )
    assert action.owner_unit == "POLRES.SKCK" and str(action.due_on) == "2026-07-15"
    assert action.title.startswith("Tindak lanjut saran: Ruang tunggu")
    after = get_page(client, created.headers["location"])
    assert by_id(after, "action-created") is not None
    assert "Dalam proses" in text_of(by_id(after, f"suggestion-{response_id}"))

    public = get_page(client, MAY_REPORT)
    assert _rows(public, "ikm-actions") == [[action.title, "Dalam proses", "15 Juli 2026", "–"]]

    listing = get_page(client, "/petugas/ikm/tindak-lanjut?instansi=POLRES")
    assert by_id(listing, f"action-{action.id}") is not None
    close_url = f"/petugas/ikm/tindak-lanjut/{action.id}/selesai"
    refused = client.post(close_url, data={"csrf_token": csrf(listing), "note": "  "})
    assert refused.status_code == 422
    assert "Wajib diisi" in text_of(by_id(check_page(refused.text), "error-summary"))
    assert _actions(db)[0].status == "open"
    closed = client.post(
        close_url,
        data={"csrf_token": csrf(listing), "note": "Dua kipas angin dipasang"},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert by_id(get_page(client, closed.headers["location"]), "action-closed") is not None
    done = _actions(db)[0]
    assert (done.status, done.note, done.closed_by) == (
        "done",
        "Dua kipas angin dipasang",
        done.created_by,
    )
    public = get_page(client, MAY_REPORT)
    assert _rows(public, "ikm-actions") == [
        [action.title, "Selesai", "15 Juli 2026", "2 Juni 2026"]
    ]
    again = client.post(close_url, data={"csrf_token": csrf(listing), "note": "lagi"})
    assert again.status_code == 409

    assert _action_events(db) == [
        ("POLRES", str(action.id), "follow-up action created", "agency_admin"),
        ("POLRES", str(action.id), "follow-up action closed", "agency_admin"),
    ]
    with db.unit_of_work(readonly=True) as uow:
        _, problems = verify_chain(uow.session)
    assert problems == []


def test_a_supervisor_turns_a_weak_element_and_a_low_score_into_actions(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    _sign_in_page(client, "polres-kepala")
    officer = _officer_report(client)
    weakest = by_id(officer, "ikm-weakest")
    assert weakest is not None
    created, _ = _create_from(client, _href(weakest, "Buat tindak lanjut"))
    assert created.status_code == 303, created.text[:500]
    low_id = _response_id(db, "Antrean")
    low_row = by_id(officer, f"low-{low_id}")
    assert low_row is not None and "Penanganan Pengaduan, Saran dan Masukan" in text_of(low_row)
    created, _ = _create_from(client, _href(low_row, "Buat tindak lanjut"))
    assert created.status_code == 303, created.text[:500]
    element, low = _actions(db)
    assert (element.source, element.source_ref, element.unit_code) == (
        "element",
        "complaints",
        "POLRES.SKCK",
    )
    assert element.title == "Perbaikan unsur Penanganan Pengaduan, Saran dan Masukan"
    assert (low.source, low.source_ref) == ("low_score", str(low_id))
    assert [e[2:] for e in _action_events(db)] == [
        ("follow-up action created", "supervisor"),
        ("follow-up action created", "supervisor"),
    ]
    listing = get_page(client, "/petugas/ikm/tindak-lanjut?instansi=POLRES")
    assert [r[0].split(" ")[0] for r in _rows(listing, "actions")] == ["Perbaikan", "Tindak"]


def test_a_wrong_action_is_shown_with_every_problem_and_nothing_is_stored(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    _sign_in_page(client, ADMIN)
    link = _href(by_id(_officer_report(client), "ikm-weakest"), "Buat tindak lanjut")  # type: ignore[arg-type]
    refused, _ = _create_from(
        client, link, title=" ", due_on="2026-05-01", owner_unit="DPMPTSP.FO", source_ref="speed"
    )
    assert refused.status_code == 422
    page = check_page(refused.text)
    targets = {a.get("href") for a in find_all(by_id(page, "error-summary"), "a")}  # type: ignore[arg-type]
    assert targets == {"#action-title", "#action-due_on", "#action-owner_unit"}
    assert "Tenggat tidak boleh di masa lalu" in text_of(page)
    assert _actions(db) == [] and _action_events(db) == []


def test_officers_who_are_not_admins_or_supervisors_of_the_agency_are_refused(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    _sign_in_page(client, ADMIN)
    link = _href(by_id(_officer_report(client), "ikm-weakest"), "Buat tindak lanjut")  # type: ignore[arg-type]
    form = get_page(client, link)
    values = _form_values(form, "/petugas/ikm/tindak-lanjut")
    created = client.post("/petugas/ikm/tindak-lanjut", data=values, follow_redirects=False)
    assert created.status_code == 303
    (action,) = _actions(db)

    for username in ("disdukcapil-admin", officer_for("POLRES.SKCK", "front_desk")):
        _sign_in_page(client, username)
        get_page(client, MAY_REPORT.replace("/ikm", "/petugas/ikm"), status=403)
        get_page(client, link, status=403)
        get_page(client, "/petugas/ikm/tindak-lanjut?instansi=POLRES", status=403)
        token = {"csrf_token": values["csrf_token"]}
        created = client.post("/petugas/ikm/tindak-lanjut", data={**values, **token})
        assert created.status_code == 403, username
        closed = client.post(
            f"/petugas/ikm/tindak-lanjut/{action.id}/selesai", data={**token, "note": "selesai"}
        )
        assert closed.status_code == 403, username
    assert len(_actions(db)) == 1 and _actions(db)[0].status == "open"
    assert len(_action_events(db)) == 1


def test_the_auditor_reads_the_officer_report_but_gets_no_buttons(
    client: TestClient, db: Database
) -> None:
    _import(client, MAY)
    _sign_in_page(client, "auditor")
    officer = _officer_report(client)
    assert by_id(officer, "officer-suggestions") is not None
    assert "Buat tindak lanjut" not in text_of(officer)


def test_a_form_posted_without_its_csrf_token_is_refused(client: TestClient, db: Database) -> None:
    _import(client, MAY)
    _sign_in_page(client, ADMIN)
    link = _href(by_id(_officer_report(client), "ikm-weakest"), "Buat tindak lanjut")  # type: ignore[arg-type]
    values = _form_values(get_page(client, link), "/petugas/ikm/tindak-lanjut")
    for token in ({}, {"csrf_token": "x" * 40}):
        data = {k: v for k, v in values.items() if k != "csrf_token"} | token
        refused = client.post("/petugas/ikm/tindak-lanjut", data=data, follow_redirects=False)
        assert refused.status_code == 403
    assert _actions(db) == []
    created = client.post("/petugas/ikm/tindak-lanjut", data=values, follow_redirects=False)
    assert created.status_code == 303
    (action,) = _actions(db)
    refused = client.post(f"/petugas/ikm/tindak-lanjut/{action.id}/selesai", data={"note": "Sudah"})
    assert refused.status_code == 403
    assert _actions(db)[0].status == "open"


def test_signed_out_visitors_are_sent_to_sign_in_for_the_officer_pages(client: TestClient) -> None:
    for url in ("/petugas/ikm", "/petugas/ikm/tindak-lanjut"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/petugas/masuk")
