"""The public dashboard reads what really happened: applications submitted, worked, returned
and decided through the API, folded into the rollups, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from layan import worker
from layan.analytics import rollups
from layan.analytics.models import CaseFacts, OpenTask, StepMonth
from layan.analytics.rollup_rows import ROLLUP_TABLES
from layan.core.db import Database
from tests.conftest import Clock
from tests.factories import officer_for, sign_in, standard, submit, work_through
from tests.pages import by_id, check_page, find_all, get_page, text_of

KK = "kartu-keluarga"  # three steps (1 h, 4 h, 2 h) in one working day


def _submit(client: TestClient, seed: int) -> tuple[str, str]:
    receipt = submit(client, KK, seed=seed).json()
    return receipt["tracking_number"], receipt["pin"]


def _first_task(client: TestClient, number: str) -> dict[str, Any]:
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    return next(s for s in steps if s["status"] in ("open", "claimed"))


def _decide_first(client: TestClient, number: str, outcome: str, **body: str) -> None:
    task = _first_task(client, number)
    role = next(s.role for s in standard(KK).procedure if s.code == task["step"])
    response = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision",
        headers=sign_in(client, officer_for(task["unit"], role)),
        json={"outcome": outcome, **body},
    )
    assert response.status_code == 200, response.text


def three_cases(client: TestClient, clock: Clock) -> None:
    """Tuesday 2 June 2026, 08:00 WIB: three family cards are applied for.

    A is decided at 09:00 (0.12 working day: bucket 0.2). B is returned at 08:30 and
    fixed on Wednesday at 08:00 (8 working hours with the applicant), then decided at
    10:00: 2.5 working hours (0.3). C is rejected on Thursday at 09:00, after its service
    time ran out: 18 working hours (2.2), late.
    """
    a, b, c = (_submit(client, seed) for seed in (1, 2, 3))
    clock.advance(minutes=30)
    _decide_first(client, b[0], "return", reason="Akta nikah tidak terbaca")
    clock.advance(minutes=30)
    work_through(client, a[0], KK)
    clock.advance(hours=23)  # Wednesday 08:00
    resubmitted = client.post(
        f"/api/v1/applications/{b[0]}/resubmission",
        headers={"X-Tracking-Pin": b[1]},
        json={"data": {}},
    )
    assert resubmitted.status_code == 200, resubmitted.text
    clock.advance(hours=2)
    work_through(client, b[0], KK)
    clock.advance(hours=23)  # Thursday 09:00
    _decide_first(
        client, c[0], "reject", reason="Bukan warga", legal_basis="Perpres 96/2018 Pasal 4"
    )


def test_the_dashboard_counts_decisions_on_time_and_lead_times_in_working_days(
    client: TestClient, clock: Clock, db: Database
) -> None:
    three_cases(client, clock)
    assert rollups.refresh_rollups(db).events > 0
    found = client.get(f"/api/v1/dashboard?service={KK}&from=2026-06&to=2026-06").json()
    assert found["received"] == 3 and found["completed"] == 3
    assert found["on_time_pct"] == 66.7  # C was late
    assert found["lead_time_wd"] == {"p50": 0.3, "p90": 2.2}
    assert found["backlog"] == 0
    (june,) = found["months"]
    assert june["month"] == "2026-06" and june["received"] == 3
    agency = client.get("/api/v1/dashboard?agency=DISDUKCAPIL&from=2026-06&to=2026-06").json()
    assert agency["received"] == 3 and agency["kpis"]["completion_rate"] == 100.0


def test_an_application_still_open_is_backlog_and_not_yet_decided(
    client: TestClient, clock: Clock, db: Database
) -> None:
    _submit(client, 1)
    clock.advance(days=35)  # July
    rollups.refresh_rollups(db)
    found = client.get(f"/api/v1/dashboard?service={KK}&from=2026-06&to=2026-07").json()
    assert [m["backlog"] for m in found["months"]] == [1, 1]
    assert found["completed"] == 0 and found["on_time_pct"] is None
    assert found["lead_time_wd"] == {"p50": None, "p90": None}


def test_steps_record_their_waiting_and_where_the_deadline_passed(
    client: TestClient, clock: Clock, db: Database
) -> None:
    number, _pin = _submit(client, 1)
    clock.advance(hours=3)  # the first step's hour is long gone
    worker.sweep(db)
    work_through(client, number, KK)
    worker.fold(db)
    with db.unit_of_work(readonly=True) as uow:
        row = uow.session.execute(
            select(StepMonth).where(StepMonth.step == "verifikasi_berkas")
        ).scalar_one()
    assert row.breached == 1 and row.late == 1 and row.completed == 1
    assert row.wait_seconds == 3 * 3600  # queued from 08:00 to 11:00, all working time


def test_rebuilding_from_the_log_gives_the_rollups_the_worker_kept(
    client: TestClient, clock: Clock, db: Database
) -> None:
    three_cases(client, clock)
    clock.advance(hours=30)
    worker.sweep(db)  # breaches too
    rollups.refresh_rollups(db)
    kept = rollup_snapshot(db)
    assert kept["rollup_service_months"] and kept["rollup_step_months"]
    assert rollups.rebuild_rollups(db) > 0
    assert rollup_snapshot(db) == kept
    assert rollups.refresh_rollups(db).events == 0  # nothing is counted twice


def rollup_snapshot(db: Database) -> dict[str, list[str]]:
    """Every rollup table and the cases and open tasks they remember, row by row."""
    tables = [t.__tablename__ for t in (*ROLLUP_TABLES, CaseFacts, OpenTask)]
    found = {}
    with db.unit_of_work(readonly=True) as uow:
        for table in tables:
            rows = uow.session.execute(text(f"SELECT * FROM {table}")).all()
            found[table] = sorted(json.dumps(list(r), default=str) for r in rows)
    return found


def test_the_pages_show_each_figure_with_its_n_and_never_rank(
    client: TestClient, clock: Clock, db: Database
) -> None:
    three_cases(client, clock)
    rollups.refresh_rollups(db)
    platform = get_page(client, "/kinerja?dari=2026-06&sampai=2026-06")
    rows = [r for r in by_id(platform, "scope-rows").iter() if r.tag.endswith("tr")][1:]
    names = [text_of(find_all(row, "th")[0]) for row in rows]
    assert len(names) == 6 and names == sorted(names)  # by name, never by a figure
    page = get_page(client, f"/kinerja/DISDUKCAPIL/{KK}?dari=2026-06&sampai=2026-06")
    on_time = by_id(page, "fig-on-time")
    assert "66,7" in text_of(on_time) and "n = 3" in text_of(on_time)
    assert "small-sample" in (on_time.get("class") or "")  # 3 decisions mean little
    assert "Verifikasi" in text_of(by_id(page, "step-rows"))
    assert by_id(page, "chart-on-time-title") is not None
    english = get_page(client, "/kinerja/DISDUKCAPIL", headers={"Accept-Language": "en"})
    assert "Half decided within" in text_of(english)


def test_open_data_gives_every_counter_per_agency_service_and_month(
    client: TestClient, clock: Clock, db: Database
) -> None:
    three_cases(client, clock)
    rollups.refresh_rollups(db)
    response = client.get("/kinerja/data.csv?agency=DISDUKCAPIL&from=2026-06&to=2026-06")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["service"] == KK and row["received"] == "3" and row["on_time_pct"] == "66.7"
    assert row["lead_time_p90_wd"] == "2.2" and row["ikm"] == ""
    data = client.get("/kinerja/data.json?service=" + KK + "&from=2026-06&to=2026-06").json()
    assert data["rows"][0]["completed"] == 3 and data["columns"][0] == "agency"


def test_a_wrong_period_or_scope_is_named_in_the_callers_language(client: TestClient) -> None:
    wrong = client.get("/api/v1/dashboard?from=2026-13", headers={"Accept-Language": "en"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["fields"][0]["field"] == "from"
    assert client.get("/api/v1/dashboard?agency=NOPE").status_code == 404
    mixed = client.get("/api/v1/dashboard?agency=POLRES&service=pbg")
    assert mixed.status_code == 422 and mixed.json()["error"]["fields"][0]["field"] == "service"
    page = client.get("/kinerja?dari=2026-02-30")
    assert page.status_code == 422 and "dari" in page.text
    check_page(page.text)


def test_the_default_period_ends_in_this_month_where_the_reader_is_served(
    client: TestClient, clock: Clock
) -> None:
    clock.now = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)  # 1 June, 03:00 WIB
    found = client.get("/api/v1/dashboard").json()
    assert (found["from"], found["to"]) == ("2025-07", "2026-06")
    agency = client.get("/api/v1/dashboard?agency=DISDUKCAPIL").json()
    assert agency["to"] == "2026-06"


def test_figures_kept_between_reads_move_as_soon_as_the_rollups_do(
    client: TestClient, db: Database
) -> None:
    url = f"/api/v1/dashboard?service={KK}&from=2026-06&to=2026-06"
    _submit(client, 1)
    rollups.refresh_rollups(db)
    assert client.get(url).json()["received"] == 1
    assert client.get(url).json()["received"] == 1  # read again: kept
    _submit(client, 2)
    assert client.get(url).json()["received"] == 1  # not yet folded: what the rollups say
    rollups.refresh_rollups(db)
    assert client.get(url).json()["received"] == 2
