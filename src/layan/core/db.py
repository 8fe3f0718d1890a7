"""The database: declarative base, engine, and the unit of work services run in.

The same code runs on the embedded SQLite file and on PostgreSQL; the few places that
differ (SQLite pragmas, row locks) are kept here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of Layan."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored as naive UTC and always read back aware, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


JSONData = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite's page cache per connection, in KiB when negative: 32 MB. Each of a server's
# connections keeps its own, so this bounds a worker's memory; pages beyond it are read
# from the operating system's file cache, which all connections and processes share.
CACHE_PAGES = -32768


def make_engine(url: str) -> Engine:
    """An engine tuned for the database behind `url`."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily; take control so BEGIN is explicit below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A regency's database outgrows SQLite's default 2 MB page cache within months.
    cursor.execute(f"PRAGMA cache_size={CACHE_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A writing unit of work takes the write lock at BEGIN: one that read first and wrote
    # later would otherwise fail with "database is locked" instead of waiting its turn.
    # Readers begin deferred, so they run beside the writer under WAL.
    write = connection.get_execution_options().get("layan_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One database and the clock its services read the time from."""

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        replica_url: str | None = None,
    ) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # A read-only copy (a streaming replica) for reads that may lag the primary a
        # little: the public dashboard, open data, the catalogue's lists.
        self.replica_engine = make_engine(replica_url) if replica_url else None
        self.replica_sessions = (
            sessionmaker(self.replica_engine, expire_on_commit=False)
            if self.replica_engine is not None
            else None
        )
        self.clock = clock
        # SQLite has one writer: writers of this process queue here, in order, instead of
        # sleeping in SQLite's busy handler (which retries in steps of up to 100 ms).
        self.write_lock = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def unit_of_work(self, *, readonly: bool = False, replica: bool = False) -> UnitOfWork:
        """A transaction; `replica` reads from the replica when there is one.

        Only reads that may lag the primary ask for the replica: never a read that must
        see what the caller has just written (a receipt, a tracking page, a queue).
        """
        if replica and not readonly:
            raise ValueError("only a read-only unit of work can read from the replica")
        return UnitOfWork(self, readonly=readonly, replica=replica)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()


class UnitOfWork:
    """One transaction: entered by a service, committed by it, rolled back on any error."""

    session: Session

    def __init__(self, db: Database, *, readonly: bool = False, replica: bool = False) -> None:
        self.db = db
        self.readonly = readonly
        self.replica = replica and db.replica_sessions is not None

    def __enter__(self) -> UnitOfWork:
        self._locked = not self.readonly and self.db.write_lock is not None
        if self._locked:
            self.db.write_lock.acquire()  # type: ignore[union-attr]
        sessions = self.db.replica_sessions if self.replica else self.db.sessions
        self.session = sessions()  # type: ignore[misc]
        # Reads that cannot change within one transaction, kept for its length only.
        self.cache: dict[object, Any] = {}
        if not self.readonly:
            self.session.connection(execution_options={"layan_write": True})
        return self

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed; objects already loaded stay
        # readable (detached) for the caller, which rollback() would have expired.
        try:
            self.session.close()
        finally:
            if self._locked:
                self.db.write_lock.release()  # type: ignore[union-attr]

    def commit(self) -> None:
        self.session.commit()

    def now(self) -> datetime:
        return self.db.clock()

    def lock_clause(self) -> dict[str, Any]:
        """Keyword arguments for `with_for_update` where the database has row locks."""
        return {} if self.db.is_sqlite else {"with_for_update": True}
