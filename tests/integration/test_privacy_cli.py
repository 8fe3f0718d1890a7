"""Retention purge and breach report: the services on both databases, the commands on SQLite."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from layan.applications import privacy
from layan.applications.models import Application, Document
from layan.audit import verify_audit_chain
from layan.cli import app as cli
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import case_events
from layan.core.identity import mask_nik
from layan.main import create_app
from layan.settings import Settings
from tests.conftest import SECRET, Clock
from tests.factories import application_parts, officer_for, sign_in, standard, submit

runner = CliRunner()
SKCK = standard("skck")
FIRST = SKCK.procedure[0]


def _rejected(client: TestClient, seed: int = 1) -> str:
    """An SKCK application rejected at its first step: final, its retention clock running."""
    number = submit(client, "skck", seed=seed).json()["tracking_number"]
    task = next(
        s
        for s in client.get(f"/api/v1/applications/{number}").json()["steps"]
        if s["status"] == "open"
    )
    response = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision",
        headers=sign_in(client, officer_for(FIRST.unit, FIRST.role)),
        json={
            "outcome": "reject",
            "reason": "Sidik jari tidak terbaca",
            "legal_basis": "Perpol 6/2023",
        },
    )
    assert response.status_code == 200, response.text
    return number  # type: ignore[no-any-return]


def _application(db: Database, number: str) -> tuple[Application, list[Document]]:
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        return app, list(app.documents)


def test_purge_after_retention_erases_personal_data_and_files_and_keeps_the_chain(
    client: TestClient, db: Database, clock: Clock, settings: Settings
) -> None:
    blobs = BlobStore(settings.blob_dir)
    old = _rejected(client)
    before, documents = _application(db, old)
    assert documents and all(blobs.exists(d.digest) for d in documents)
    clock.advance(days=SKCK.retention_days - 1)
    young = submit(client, "skck", seed=2).json()["tracking_number"]
    assert privacy.purge_expired(db, blobs).applications == []

    clock.advance(days=2)
    result = privacy.purge_expired(db, blobs)

    assert result.applications == [old] and result.documents == len(documents)
    after, erased_docs = _application(db, old)
    assert after.applicant_nik == mask_nik(before.applicant_nik) != before.applicant_nik
    assert (after.applicant_name, after.applicant_phone, after.applicant_email) == (
        "(dihapus)",
        "(dihapus)",
        "(dihapus)",
    )
    assert after.data == {} and before.data
    assert {d.filename for d in erased_docs} == {"(dihapus)"}
    _, kept = _application(db, young)
    kept_digests = {d.digest for d in kept}
    for d in documents:  # a file another application still refers to stays
        assert blobs.exists(d.digest) == (d.digest in kept_digests)
    assert result.blobs == len({d.digest for d in documents} - kept_digests)
    assert verify_audit_chain(db)[1] == []
    with db.unit_of_work(readonly=True) as uow:
        activities = [e.activity for e in case_events(uow.session, "application", old)]
    assert activities[0] == "submit" and activities[-1] == "personal data purged"
    assert privacy.purge_expired(db, blobs).applications == []  # erased once only


def test_a_dry_run_purge_counts_but_changes_nothing(
    client: TestClient, db: Database, clock: Clock, settings: Settings
) -> None:
    blobs = BlobStore(settings.blob_dir)
    number = _rejected(client)
    before, documents = _application(db, number)
    clock.advance(days=SKCK.retention_days + 1)

    result = privacy.purge_expired(db, blobs, dry_run=True)

    assert result.dry_run and result.applications == [number] and result.documents
    after, docs_after = _application(db, number)
    assert (after.applicant_nik, after.applicant_name, after.data) == (
        before.applicant_nik,
        before.applicant_name,
        before.data,
    )
    assert [d.filename for d in docs_after] == [d.filename for d in documents]
    assert all(blobs.exists(d.digest) for d in documents)
    with db.unit_of_work(readonly=True) as uow:
        activities = [e.activity for e in case_events(uow.session, "application", number)]
    assert "personal data purged" not in activities


def test_the_breach_report_lists_an_application_read_in_the_window_and_not_one_outside(
    client: TestClient, db: Database, clock: Clock
) -> None:
    read = submit(client, "pbg", seed=1).json()["tracking_number"]
    untouched = submit(client, "pbg", seed=2).json()["tracking_number"]
    clock.advance(days=30)
    reader = sign_in(client, "auditor")
    assert client.get(f"/api/v1/officer/applications/{read}", headers=reader).status_code == 200
    start, end = clock.now - timedelta(hours=1), clock.now + timedelta(hours=1)

    report = privacy.breach_report(db, start, end)

    assert report.notify_by == end + timedelta(hours=72)
    assert [p.tracking_number for p in report.people] == [read]
    person = report.people[0]
    app, _ = _application(db, read)
    assert person.nik == mask_nik(app.applicant_nik) and app.applicant_nik not in person.nik
    assert (person.email, person.phone) == (app.applicant_email, app.applicant_phone)
    assert person.touched == ["read"] and app.agency_code in person.agencies
    earlier = privacy.breach_report(db, start - timedelta(days=31), start - timedelta(days=29))
    assert {p.tracking_number for p in earlier.people} == {read, untouched}
    assert all("created" in p.touched for p in earlier.people)


# --- the commands ------------------------------------------------------------------------


@pytest.fixture
def env(
    tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    copy = tmp_path / "layan.db"
    shutil.copyfile(sqlite_base, copy)
    url = f"sqlite:///{copy}"
    for key, value in {
        "LAYAN_DATABASE_URL": url,
        "LAYAN_DATA_DIR": str(tmp_path),
        "LAYAN_SECRET_KEY": SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    settings = Settings(env="test", database_url=url, data_dir=tmp_path, secret_key=SECRET)
    db = Database(url, clock=Clock())
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        yield {"client": client, "db": db, "blobs": BlobStore(settings.blob_dir)}
    db.dispose()


def test_the_purge_command_dry_runs_then_erases_and_audit_verify_still_passes(
    env: dict[str, Any],
) -> None:
    client, db, blobs = env["client"], env["db"], env["blobs"]
    number = _rejected(client)
    _, documents = _application(db, number)
    with db.engine.begin() as conn:  # decided long before the command's (real) clock
        conn.execute(
            text(
                "UPDATE applications SET decided_at = '2000-01-03 00:00:00.000000' "
                "WHERE tracking_number = :n"
            ),
            {"n": number},
        )

    dry = runner.invoke(cli, ["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would erase: personal data of 1 application(s)" in dry.stdout
    assert _application(db, number)[0].applicant_name != "(dihapus)"

    done = runner.invoke(cli, ["privacy", "purge"])
    assert done.exit_code == 0, done.output
    assert "erased: personal data of 1 application(s)" in done.stdout
    assert _application(db, number)[0].applicant_name == "(dihapus)"
    assert not any(blobs.exists(d.digest) for d in documents)
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and "OK" in verified.stdout


def test_the_breach_report_command_states_the_deadline_and_whose_data_was_touched(
    env: dict[str, Any],
) -> None:
    client = env["client"]
    body, _ = application_parts("pbg", seed=3)
    inside = submit(client, "pbg", seed=3).json()["tracking_number"]
    env["db"].clock.advance(days=2)
    outside = submit(client, "pbg", seed=4).json()["tracking_number"]
    start = (Clock().now - timedelta(hours=1)).isoformat()
    end = (Clock().now + timedelta(hours=1)).isoformat()

    result = runner.invoke(
        cli, ["privacy", "breach-report", "--from", start, "--to", end, "--json"]
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert datetime.fromisoformat(report["notify_by"]) == datetime.fromisoformat(end) + timedelta(
        hours=72
    )
    numbers = [p["tracking_number"] for p in report["people"]]
    assert inside in numbers and outside not in numbers
    person = report["people"][numbers.index(inside)]
    assert person["nik"] == mask_nik(body["applicant"]["nik"])
    assert person["email"] == body["applicant"]["email"]
    table = runner.invoke(cli, ["privacy", "breach-report", "--from", start, "--to", end])
    assert table.exit_code == 0 and "1 person(s) affected" in table.stdout
    assert f"by {report['notify_by']} (3 x 24 hours" in " ".join(table.stdout.split())
