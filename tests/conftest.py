"""Fixtures: a database on SQLite and on a real PostgreSQL server, each test on a fresh copy.

The base data (the demo regency's agencies, services and officers) is built once per
backend and copied for every test, so tests never see each other's changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from layan import demo, migrations
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.main import create_app
from layan.settings import Settings
from tests.mailserver import Mailbox, mail_server
from tests.pgserver import PostgresServer

SECRET = "test-secret-key-that-is-long-enough-for-tests"
# Tuesday 2 June 2026, 08:00 WIB: a working morning.
START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _load_base(db: Database, blob_dir: Path) -> None:
    migrations.upgrade(db.engine)
    demo.load_demo(db, BlobStore(blob_dir), SECRET, applications_count=0)


@pytest.fixture(scope="session")
def sqlite_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "base.db"
    db = Database(f"sqlite:///{path}", clock=Clock())
    _load_base(db, path.parent / "blobs")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_base() -> Iterator[str]:
    server = PostgresServer(in_memory=True)
    url = server.start()
    try:
        admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE layan_base"))
        db = Database(f"{url}/layan_base", clock=Clock())
        _load_base(db, server.root / "blobs")
        db.dispose()
        yield url
        admin.dispose()
    finally:
        server.stop()


_copies = 0
KEPT_COPIES = 2  # a test uses one copy; the one before it may still be closing


def _pg_copy(url: str) -> str:
    """A fresh copy of the base database; copies older than the last few are dropped, so
    the server's folder stays small however many tests run."""
    global _copies
    _copies += 1
    name = f"layan_t{_copies}"
    admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        old = _copies - KEPT_COPIES
        if old > 0:
            conn.execute(text(f"DROP DATABASE IF EXISTS layan_t{old} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE layan_base STRATEGY FILE_COPY"))
    admin.dispose()
    return f"{url}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        copy = tmp_path / "layan.db"
        shutil.copyfile(request.getfixturevalue("sqlite_base"), copy)
        return f"sqlite:///{copy}"
    return _pg_copy(request.getfixturevalue("pg_base"))


@pytest.fixture
def mailbox() -> Iterator[tuple[str, Mailbox]]:
    """A real SMTP server on loopback: (smtp://127.0.0.1:PORT, what it was sent)."""
    with mail_server() as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(database_url: str, clock: Clock) -> Iterator[Database]:
    database = Database(database_url, clock=clock)
    yield database
    database.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=database_url, data_dir=tmp_path, secret_key=SECRET)


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as c:
        yield c
