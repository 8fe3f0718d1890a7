"""Reads that may lag go to the replica (`LAYAN_DATABASE_REPLICA_URL`); the rest never do.

The replica is first a copy of the database taken before a change, so what is read from
it shows whether a read went there; then a real streaming replica (pg_basebackup) whose
replay is paused and resumed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from layan import demo, migrations
from layan.applications.models import Application
from layan.catalogue import rules
from layan.catalogue import service as catalogue_service
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.main import create_app
from layan.settings import Settings
from tests.conftest import SECRET, _pg_copy
from tests.factories import standard, submit
from tests.pgserver import PostgresServer

NEW_NAME = "Persetujuan Bangunan Gedung (versi baru)"


@pytest.fixture
def replica_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        copy = tmp_path / "replica.db"
        shutil.copyfile(request.getfixturevalue("sqlite_base"), copy)
        return f"sqlite:///{copy}"
    return _pg_copy(request.getfixturevalue("pg_base"))


def _publish_renamed(primary: Database) -> int:
    """A new version of the building approval under NEW_NAME, on the primary; its number."""
    renamed = standard("pbg").model_copy(
        update={"name": rules.Bilingual(id=NEW_NAME, en="Building approval (new)")}
    )
    return catalogue_service.publish_standard(primary.unit_of_work(), renamed)


def _settings(primary_url: str, replica_url: str, data_dir: Path) -> Settings:
    return Settings(
        env="test",
        database_url=primary_url,
        database_replica_url=replica_url,
        data_dir=data_dir,
        secret_key=SECRET,
    )


def test_public_catalogue_reads_the_replica_and_applications_the_primary(
    database_url: str, replica_url: str, tmp_path: Path
) -> None:
    primary = Database(database_url)
    version = _publish_renamed(primary)
    settings = _settings(database_url, replica_url, tmp_path)
    with TestClient(create_app(settings)) as client:
        listed = client.get("/api/v1/services/pbg").json()
        page = client.get("/layanan/pbg").text
        answer = submit(client, "pbg")
        assert answer.status_code == 201, answer.text
        number = answer.json()["tracking_number"]
        tracked = client.get(f"/api/v1/applications/{number}")

    assert listed["version"] == version - 1  # the replica has not seen the new version
    assert NEW_NAME not in page
    assert tracked.status_code == 200  # read back from the primary at once
    assert tracked.json()["service_name"] == NEW_NAME
    replica = Database(replica_url)
    try:
        for db, expected in ((primary, 1), (replica, 0)):
            with db.unit_of_work(readonly=True) as uow:
                found = select(func.count()).where(Application.tracking_number == number)
                assert uow.session.scalar(found) == expected
    finally:
        replica.dispose()
        primary.dispose()


def test_only_a_reading_unit_of_work_may_ask_for_the_replica(db: Database) -> None:
    with pytest.raises(ValueError, match="read-only"):
        db.unit_of_work(replica=True)
    with db.unit_of_work(readonly=True, replica=True) as uow:  # no replica: the primary
        assert uow.session.scalar(select(func.count()).select_from(Application)) == 0


@pytest.fixture(scope="module")
def streaming() -> Iterator[tuple[str, str]]:
    """A PostgreSQL primary with the demo regency and a streaming replica of it."""
    primary, standby = PostgresServer(in_memory=True), PostgresServer(in_memory=True)
    try:
        base = primary.start()
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE layan"))
        admin.dispose()
        db = Database(f"{base}/layan")
        migrations.upgrade(db.engine)
        demo.load_demo(db, BlobStore(primary.root / "blobs"), SECRET, applications_count=0)
        db.dispose()
        replica = standby.start_standby(primary)
        yield f"{base}/layan", f"{replica}/layan"
    finally:
        standby.stop()
        primary.stop()


def _caught_up(primary_url: str, replica_url: str) -> None:
    """Wait until the replica has replayed everything the primary has written."""
    primary, replica = create_engine(primary_url), create_engine(replica_url)
    try:
        with primary.connect() as conn:
            target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        deadline = time.monotonic() + 30
        while True:
            with replica.connect() as conn:
                behind = conn.execute(
                    text("SELECT pg_wal_lsn_diff(:target, pg_last_wal_replay_lsn()) > 0"),
                    {"target": target},
                ).scalar_one()
            if not behind:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)
    finally:
        primary.dispose()
        replica.dispose()


def _replay(replica_url: str, action: str) -> None:
    engine = create_engine(replica_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_wal_replay_{action}()"))
    engine.dispose()


def _refuses_writes(replica_url: str) -> None:
    replica = create_engine(replica_url)
    try:
        with pytest.raises(DBAPIError, match="read-only"), replica.begin() as conn:
            conn.execute(text("UPDATE catalogue_revision SET token = 'x'"))
    finally:
        replica.dispose()


@pytest.mark.postgres
def test_a_streaming_replica_serves_the_catalogue_and_never_a_receipt(
    streaming: tuple[str, str], tmp_path: Path
) -> None:
    primary_url, replica_url = streaming
    primary = Database(primary_url)
    settings = _settings(primary_url, replica_url, tmp_path)
    try:
        _caught_up(primary_url, replica_url)
        _replay(replica_url, "pause")  # the replica lags from here on
        version = _publish_renamed(primary)
        with TestClient(create_app(settings)) as client:
            lagging = client.get("/api/v1/services/pbg").json()
            answer = submit(client, "pbg")
            assert answer.status_code == 201, answer.text
            number = answer.json()["tracking_number"]
            tracked = client.get(f"/api/v1/applications/{number}")
            _replay(replica_url, "resume")
            _caught_up(primary_url, replica_url)
            caught_up = client.get("/api/v1/services/pbg").json()
            _refuses_writes(replica_url)
    finally:
        primary.dispose()

    assert lagging["version"] == version - 1  # read from the paused replica
    assert tracked.status_code == 200  # a receipt's application, read from the primary
    assert tracked.json()["service_name"] == NEW_NAME
    assert caught_up["version"] == version
