"""A generated history: the real rules' cases, a chain that verifies, rollups kept as it
is written, and a database that goes on working afterwards, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from layan import demo_history, worker
from layan.analytics import rollups
from layan.analytics.fold import CASE_ACTIVITIES
from layan.applications.models import Application, Task
from layan.audit import verify_audit_chain
from layan.cli import app
from layan.complaints.models import Complaint
from layan.core import partitions
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import Event
from layan.surveys.models import SurveyResponse
from tests.conftest import SECRET, Clock
from tests.factories import submit
from tests.integration.test_dashboard import rollup_snapshot, three_cases
from tests.integration.test_event_partitions import where_events_are

COUNT = 600


@pytest.fixture
def history(db: Database, clock: Clock, tmp_path: Path) -> demo_history.Summary:
    clock.advance(days=180)  # late November 2026: half a year before "now" is history
    return demo_history.load_history(db, BlobStore(tmp_path / "blobs"), COUNT, seed=3)


def _scalar(db: Database, stmt):  # type: ignore[no-untyped-def]
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(stmt).scalar_one()


def test_the_history_holds_every_kind_of_case_and_its_chain_verifies(
    db: Database, history: demo_history.Summary
) -> None:
    assert history.applications == COUNT
    assert history.last - history.first > timedelta(days=300)
    with db.unit_of_work(readonly=True) as uow:
        statuses = Counter(uow.session.execute(select(Application.status)).scalars())
        tasks = Counter(uow.session.execute(select(Task.status)).scalars())
        breaches = uow.session.execute(
            select(func.count()).where(Event.activity == "sla breached")
        ).scalar_one()
    assert sum(statuses.values()) == COUNT
    assert statuses["approved"] > statuses["rejected"] > 0 and statuses["returned"] > 0
    assert tasks["open"] + tasks["claimed"] > 0  # today's queues are not empty
    assert tasks["returned"] > 0 and breaches > 0
    assert _scalar(db, select(func.count(SurveyResponse.id))) > COUNT // 5
    assert _scalar(db, select(func.count(Complaint.id))) > 0
    checked, problems = verify_audit_chain(db)
    assert problems == [] and checked == _scalar(db, select(func.count(Event.id)))
    if not db.is_sqlite:  # written straight into the log's months
        placed = where_events_are(db)
        assert len(placed) >= 10 and partitions.DEFAULT not in placed


def test_the_rollups_written_with_the_history_are_those_a_rebuild_gives(
    client: TestClient, db: Database, history: demo_history.Summary
) -> None:
    # The app (made first: it records the agencies' new signing keys) then the history.
    assert rollups.refresh_rollups(db).events == 0  # already folded as it was written

    kept = rollup_snapshot(db)
    rollups.rebuild_rollups(db)
    assert rollup_snapshot(db) == kept
    assert kept["rollup_complaint_months"] and kept["rollup_survey_months"]
    year = client.get("/api/v1/dashboard?from=2025-11&to=2026-11").json()
    assert year["received"] == COUNT and 0 < year["completed"] <= COUNT
    assert 50 < year["on_time_pct"] < 100 and year["ikm_n"] > 0


def test_the_database_goes_on_working_after_a_history(
    db: Database, history: demo_history.Summary, client: TestClient, tmp_path: Path
) -> None:
    receipt = submit(client, "kartu-keluarga")
    assert receipt.status_code == 201, receipt.text
    assert verify_audit_chain(db)[1] == []
    with pytest.raises(demo_history.HistoryExistsError):
        demo_history.load_history(db, BlobStore(tmp_path / "blobs"), 10)


def test_the_command_loads_a_history_with_its_regency(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LAYAN_DATABASE_URL", f"sqlite:///{tmp_path / 'layan.db'}")
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)
    result = CliRunner().invoke(
        app, ["demo", "load", "--applications", "0", "--history", "250", "--seed", "5"]
    )
    assert result.exit_code == 0, result.stdout
    assert "History: 250 applications" in result.stdout
    again = CliRunner().invoke(app, ["demo", "load", "--applications", "0", "--history", "50"])
    assert again.exit_code == 1 and "already holds a past" in again.stderr


def _payload_keys(db: Database, cases: set[str] | None, exclude: set[str]) -> dict:  # type: ignore[type-arg]
    """The payload keys of each kind of event (steps by lifecycle alone), of the given
    cases (or of all others)."""
    found: dict[tuple[str, str, str], set[str]] = {}
    with db.unit_of_work(readonly=True) as uow:
        for e in uow.session.execute(
            select(Event).where(Event.case_type == "application")
        ).scalars():
            if (cases is not None and e.case_id not in cases) or e.case_id in exclude:
                continue
            step = e.activity not in CASE_ACTIVITIES and "task" in e.payload
            kind = "a step" if step else e.activity
            found.setdefault((e.case_type, kind, e.lifecycle), set()).update(e.payload)
    return found


def test_generated_events_carry_what_the_services_record(
    client: TestClient, db: Database, clock: Clock, tmp_path: Path
) -> None:
    clock.advance(days=200)
    demo_history.load_history(db, BlobStore(tmp_path / "blobs"), 200, seed=4)
    generated_cases = _cases(db)
    three_cases(client, clock)
    clock.advance(hours=30)
    worker.sweep(db)
    live = _cases(db) - generated_cases
    served, generated = _payload_keys(db, live, set()), _payload_keys(db, None, live)
    shared = set(served) & set(generated)
    assert len(shared) >= 8  # submit, steps, return, resubmit, decisions, breaches...
    assert {kind: served[kind] for kind in shared} == {kind: generated[kind] for kind in shared}


def _cases(db: Database) -> set[str]:
    with db.unit_of_work(readonly=True) as uow:
        return set(uow.session.execute(select(Application.tracking_number)).scalars())
