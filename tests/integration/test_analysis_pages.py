"""The staff's analysis pages, signed in through the real form, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from layan.analytics import analysis_simulation
from layan.analytics.imports import import_xes
from layan.core.db import Database
from layan.core.events import Actor
from tests.conftest import Clock
from tests.integration.test_analysis import family_card
from tests.pages import by_id, check_page, csrf, find_all, get_page, sign_in_page, text_of


def _cells(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [text_of(c) for c in row if c.tag.endswith(("td", "th"))]


def _row(document, table_id: str, step: str) -> list[str]:  # type: ignore[no-untyped-def]
    table = by_id(document, table_id)
    assert table is not None, table_id
    row = next(r for r in table.iter() if r.get("data-step") == step)
    return _cells(row)


def test_the_menu_leads_supervisors_to_the_analysis(client: TestClient) -> None:
    sign_in_page(client, "disdukcapil-kepala")
    page = get_page(client, "/petugas")
    assert "/petugas/analitik" in [a.get("href") for a in find_all(page, "a")]
    home = get_page(client, "/petugas/analitik")
    listed = [r.get("data-service") for r in find_all(home, "tr") if r.get("data-service")]
    assert "kartu-keluarga" in listed and "pbg" not in listed


def test_the_menu_does_not_offer_the_analysis_to_a_processor(client: TestClient) -> None:
    sign_in_page(client, "disdukcapil-pendaftaran")
    page = get_page(client, "/petugas")
    assert "/petugas/analitik" not in [a.get("href") for a in find_all(page, "a")]
    get_page(client, "/petugas/analitik", status=403)


def test_the_bottleneck_page_shows_waiting_and_working_per_step(
    client: TestClient, clock: Clock
) -> None:
    family_card(client, clock, seed=1, day=0)
    family_card(client, clock, seed=2, day=1)
    sign_in_page(client, "disdukcapil-kepala")
    page = get_page(client, "/petugas/analitik/kartu-keluarga")
    # No., step, n, waiting median, p90, mean, working median, p90, mean, total, % waiting
    counter = _row(page, "step-times", "verifikasi_berkas")
    assert counter[2:9] == ["2", "1,0", "1,0", "1,0", "0,5", "0,5", "0,5"]
    assert counter[9:] == ["3,0", "66,7"]
    assert text_of(by_id(page, "fig-cases")).endswith("2")
    assert "0,71" in text_of(by_id(page, "fig-p50"))  # 6 of 8.5 working hours
    assert len(find_all(by_id(page, "handoff-list"), "tr")) == 3  # the heading and two handoffs
    assert by_id(page, "variant-list") is not None and by_id(page, "dfg-arcs") is not None
    charts = [e for e in page.iter() if e.tag.endswith("}svg") and e.get("class") == "chart-svg"]
    assert len(charts) == 2  # median waiting and median working per step


def test_the_bottleneck_page_speaks_english_when_asked(client: TestClient, clock: Clock) -> None:
    family_card(client, clock, seed=1, day=0)
    sign_in_page(client, "disdukcapil-kepala")
    page = get_page(client, "/petugas/analitik/kartu-keluarga", headers={"Accept-Language": "en"})
    assert "Waiting and working, per step" in text_of(page)
    assert _row(page, "step-times", "perekaman_data")[3] == "2.0"


def test_a_partner_agency_sees_its_own_steps_only(client: TestClient) -> None:
    sign_in_page(client, "pupr-kepala")
    page = get_page(client, "/petugas/analitik/pbg")
    assert by_id(page, "partial") is not None
    assert by_id(page, "variant-list") is None and by_id(page, "fig-p50") is None


def test_another_agencys_service_is_refused(client: TestClient) -> None:
    sign_in_page(client, "dpmptsp-kepala")
    get_page(client, "/petugas/analitik/kartu-keluarga", status=403)
    get_page(client, "/petugas/analitik/kartu-keluarga/simulasi", status=403)
    get_page(client, "/petugas/analitik/tidak-ada", status=404)


def test_a_page_without_a_session_sends_the_officer_to_sign_in(client: TestClient) -> None:
    response = client.get("/petugas/analitik/kartu-keluarga", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/petugas/masuk")


def test_an_absurd_period_is_answered_naming_the_field(client: TestClient) -> None:
    sign_in_page(client, "disdukcapil-kepala")
    page = get_page(client, "/petugas/analitik/kartu-keluarga?dari=2026-13-01", status=422)
    assert "dari" in text_of(page)


def test_the_simulation_form_works_without_javascript(client: TestClient, clock: Clock) -> None:
    family_card(client, clock, seed=1, day=0)
    family_card(client, clock, seed=2, day=1)
    sign_in_page(client, "disdukcapil-admin")
    form = get_page(client, "/petugas/analitik/kartu-keluarga/simulasi")
    assert by_id(form, "backtest-none") is not None  # no cases in the first quarter
    assert by_id(form, "what-if") is None
    answer = client.post(
        "/petugas/analitik/kartu-keluarga/simulasi",
        data={
            "csrf_token": csrf(form),
            "remove": "perekaman_data",
            "officers:DISDUKCAPIL.LOKET:front_desk": "1",
            "replications": "3",
        },
    )
    assert answer.status_code == 200, answer.text[:500]
    page = check_page(answer.text)
    current, changed = _cells(by_id(page, "what-if-p50"))[1:]
    assert current.startswith("0,71") and changed.startswith("0,35")  # 6 and 3 of 8.5 hours
    stations = [li.get("data-station") for li in find_all(page, "li") if li.get("data-station")]
    assert stations == ["verifikasi_berkas", "tanda_tangan"]
    assert "2 petugas" in text_of(page)  # the counter's one officer and the one added
    assert by_id(page, "remove-perekaman_data").get("checked") is not None


def test_a_change_that_cannot_be_made_is_explained_on_the_form(client: TestClient) -> None:
    sign_in_page(client, "disdukcapil-admin")
    form = get_page(client, "/petugas/analitik/kartu-keluarga/simulasi")
    answer = client.post(
        "/petugas/analitik/kartu-keluarga/simulasi",
        data={"csrf_token": csrf(form), "merge": "tanda_tangan", "replications": "2"},
    )
    assert answer.status_code == 422
    page = check_page(answer.text)
    summary = by_id(page, "error-summary")
    assert summary is not None and "changes[0].steps" in text_of(summary)
    assert by_id(page, "merge-tanda_tangan").get("checked") is not None


def test_the_simulation_form_refuses_a_post_without_its_token(client: TestClient) -> None:
    sign_in_page(client, "disdukcapil-admin")
    answer = client.post(
        "/petugas/analitik/kartu-keluarga/simulasi", data={"remove": "tanda_tangan"}
    )
    assert answer.status_code == 403


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace>
    <string key="concept:name" value="k1"/>
    {events}
  </trace>
</log>
"""
EVENT = (
    '<event><string key="concept:name" value="{0}"/>'
    '<string key="lifecycle:transition" value="{1}"/>'
    '<date key="time:timestamp" value="2025-03-04T{2}:00+07:00"/>'
    '<string key="org:group" value="{3}"/></event>'
)


def _imported_log(db: Database, agency: str, folder: Path) -> int:
    """A small log as an agency's older system recorded it (no tasks, no outcomes),
    imported as the agency's admin would: registered at 08:00, the check taken at 10:00
    and done at 13:00 on a Tuesday."""
    events = [
        ("Pendaftaran", "complete", "08:00", "Loket"),
        ("Pemeriksaan", "start", "10:00", "Teknis"),
        ("Pemeriksaan", "complete", "13:00", "Teknis"),
    ]
    path = folder / "sistem-lama.xes"
    path.write_text(XES.format(events="".join(EVENT.format(*e) for e in events)))
    admin = Actor(resource="officer:test", role="agency_admin", agency=agency)
    return import_xes(db, path, agency=agency, actor=admin).id


def test_an_imported_log_is_listed_for_its_agency_only(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    log_id = _imported_log(db, "DISDUKCAPIL", tmp_path)
    sign_in_page(client, "disdukcapil-admin")
    home = get_page(client, "/petugas/analitik")
    assert f"/petugas/analitik/impor/{log_id}" in [a.get("href") for a in find_all(home, "a")]
    client.cookies.clear()
    sign_in_page(client, "dpmptsp-admin")
    home = get_page(client, "/petugas/analitik")
    assert f"/petugas/analitik/impor/{log_id}" not in [a.get("href") for a in find_all(home, "a")]
    get_page(client, f"/petugas/analitik/impor/{log_id}", status=404)  # as if it did not exist
    get_page(client, "/petugas/analitik/impor/999999", status=404)


def test_an_imported_logs_bottlenecks_are_shown_to_its_agency(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    log_id = _imported_log(db, "DISDUKCAPIL", tmp_path)
    sign_in_page(client, "disdukcapil-admin")
    page = get_page(client, f"/petugas/analitik/impor/{log_id}")
    assert text_of(by_id(page, "fig-cases")).endswith("1")
    assert "Pemeriksaan" in text_of(page) and "Teknis" in text_of(page)


def test_a_quarter_too_large_to_backtest_leaves_the_form_open(
    client: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.advance(days=-70)  # the cases fall in the last full quarter
    family_card(client, clock, seed=1, day=0)
    clock.advance(days=70)
    monkeypatch.setattr(analysis_simulation, "MAX_CASE_RUNS", 0)
    sign_in_page(client, "disdukcapil-admin")
    form = get_page(client, "/petugas/analitik/kartu-keluarga/simulasi")
    assert "terlalu besar" in text_of(by_id(form, "backtest-none"))
