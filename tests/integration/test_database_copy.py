"""A regency outgrows its SQLite file: `layan db copy` moves everything to PostgreSQL
(and back), every row kept, the chain verifying, the copy working on."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from layan import demo_history, transfer
from layan.analytics.figures import Scope, dashboard
from layan.audit import verify_audit_chain
from layan.cli import app
from layan.core import partitions
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import InvalidStateError
from layan.main import create_app
from layan.settings import Settings
from layan.tables import METADATA
from tests.conftest import SECRET, Clock
from tests.factories import submit, work_through
from tests.integration.test_event_partitions import where_events_are

_names = itertools.count(1)


@pytest.fixture
def empty_target(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> str:
    """An empty database of the other kind: PostgreSQL for a SQLite source, and back."""
    if database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'copy.db'}"
    base = request.getfixturevalue("pg_base")
    name = f"layan_copy{next(_names)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{base}/{name}"


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in METADATA.sorted_tables
        }


def test_a_copy_holds_every_row_verifies_and_goes_on_working(
    client: TestClient, db: Database, clock: Clock, empty_target: str, tmp_path: Path
) -> None:
    clock.advance(days=200)
    demo_history.load_history(db, BlobStore(tmp_path / "blobs"), 300, seed=2)
    number = submit(client, "kartu-keluarga").json()["tracking_number"]
    work_through(client, number, "kartu-keluarga")
    target = Database(empty_target, clock=clock)
    try:
        copied = transfer.copy_database(db, target)
        assert _counts(target) == _counts(db) and copied["events"] > 3000
        assert verify_audit_chain(target)[1] == []
        if not target.is_sqlite:  # the log's months made before its rows came
            with target.engine.connect() as conn:
                spanned = partitions.months_spanned(conn)
            placed = where_events_are(target)
            assert len(spanned) >= 6 and partitions.DEFAULT not in placed
            assert set(placed) <= {partitions.partition_name(m) for m in spanned}
        with db.unit_of_work(readonly=True) as a, target.unit_of_work(readonly=True) as b:
            assert dashboard(a, Scope(), "2025-11", "2026-12") == dashboard(
                b, Scope(), "2025-11", "2026-12"
            )
        settings = Settings(
            env="test", database_url=empty_target, data_dir=tmp_path, secret_key=SECRET
        )
        with TestClient(create_app(settings, db=target)) as moved:
            assert moved.get(f"/api/v1/applications/{number}").json()["status"] == "approved"
            assert submit(moved, "skck").status_code == 201  # new ids past the copied ones
        assert verify_audit_chain(target)[1] == []
        with pytest.raises(InvalidStateError):
            transfer.copy_database(db, target)  # only into an empty database
    finally:
        target.dispose()


def test_the_command_copies_and_verifies(
    client: TestClient, settings: Settings, empty_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert submit(client, "pbg").status_code == 201
    for key, value in {
        "LAYAN_DATABASE_URL": settings.database_url,
        "LAYAN_DATA_DIR": str(settings.data_dir),
        "LAYAN_SECRET_KEY": SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["db", "copy", empty_target])
    assert result.exit_code == 0, result.output
    assert "audit chain verified on the copy" in result.stdout
    again = CliRunner().invoke(app, ["db", "copy", empty_target])
    assert again.exit_code == 1 and "already holds data" in again.stderr
