"""Backup and restore: the database and its document store in one tar file.

- SQLite: SQLite's online backup API, a consistent copy taken while the server runs.
- PostgreSQL: `pg_dump` in its custom format (one snapshot), put back by `pg_restore` in
  one transaction.

The document store's files are immutable and named by their digest. A document is
stored before the transaction that names it commits, so every file the database
snapshot names is already on disk when the store is copied after it; a file written
later is only an unnamed extra.

`manifest.json` says what was taken: the backend, the schema's revision, the rows of
every table and the audit chain's heads. A restore goes only into an empty database. It
checks the rows against the manifest and verifies the audit chain from genesis before it
says it is done. The agencies' private signing keys are left out unless asked for
(`with_keys`): they are secrets, best kept apart from the data.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text

from layan import migrations
from layan.audit import verify_audit_chain
from layan.core.db import Database
from layan.core.errors import InvalidStateError, Text
from layan.core.events import Ledger
from layan.tables import METADATA, row_counts

FORMAT = 1
MANIFEST, SQLITE_FILE, PG_FILE = "manifest.json", "database.sqlite", "database.dump"
BLOBS, KEYS = "blobs", "keys"
PG_BIN_DIRS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)


@dataclass(frozen=True)
class Restored:
    rows: int
    events_verified: int
    files: int


def _failure(id_text: str, en_text: str, code: str) -> InvalidStateError:
    return InvalidStateError(Text(id_text, en_text), code)


def _sqlite_path(db: Database) -> Path:
    return Path(db.url.split(":///", 1)[1])


def _libpq_url(db: Database) -> str:
    """The URL as libpq's tools read it (no SQLAlchemy driver name)."""
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else in Debian's folders (the newest first)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    raise _failure(
        f"{name} tidak ditemukan: pasang klien PostgreSQL (apt-get install postgresql-client)",
        f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)",
        "backup.tool_missing",
    )


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, timeout=24 * 3600)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace")[-500:]
        raise _failure(
            f"{command[0]} gagal: {tail}", f"{command[0]} failed: {tail}", "backup.tool_failed"
        )


def rows_per_table(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return row_counts(conn)


def _heads(conn: Any) -> dict[str, int]:
    """Each ledger's last sequence number: where the audit chain stands."""
    table = Ledger.__table__
    return {
        row.agency: row.last_seq for row in conn.execute(select(table.c.agency, table.c.last_seq))
    }


def _revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if "alembic_version" not in inspect(conn).get_table_names():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- backup ---------------------------------------------------------------------------


def backup(
    db: Database, blob_dir: Path, target: Path, *, keys_dir: Path | None = None
) -> dict[str, Any]:
    """Write the database (a snapshot) and the document store to `target` (a tar file,
    written whole or not at all); the manifest."""
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="layan-backup-", dir=target.parent) as tmp:
        work = Path(tmp)
        if db.is_sqlite:
            name = SQLITE_FILE
            rows, heads = _sqlite_snapshot(_sqlite_path(db), work / name)
        else:
            name = PG_FILE
            rows, heads = _pg_snapshot(db, work / name)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "backend": "sqlite" if db.is_sqlite else "postgresql",
            "revision": _revision(db),
            "rows": rows,
            "ledgers": heads,
            "with_keys": keys_dir is not None,
        }
        partial = work / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(work / name, arcname=name)
            manifest["files"] = _add_folder(tar, Path(blob_dir), BLOBS)
            if keys_dir is not None:
                _add_folder(tar, Path(keys_dir), KEYS)
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
        os.replace(partial, target)
    return manifest


def _sqlite_snapshot(source: Path, copy: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The online backup of the file, and its rows and ledger heads (read from the copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        src.close()
        dst.close()
    snapshot = Database(f"sqlite:///{copy}")
    try:
        with snapshot.engine.connect() as conn:
            return row_counts(conn), _heads(conn)
    finally:
        snapshot.dispose()


def _pg_snapshot(db: Database, dump: Path) -> tuple[dict[str, int], dict[str, int]]:
    """pg_dump's snapshot, and the rows and ledger heads as of the same snapshot."""
    engine = db.engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # the transaction's snapshot starts here
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        rows, heads = row_counts(conn), _heads(conn)
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={_libpq_url(db)}",
            ]
        )
    return rows, heads


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_folder(tar: tarfile.TarFile, folder: Path, arcname: str) -> int:
    count = 0
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                tar.add(path, arcname=f"{arcname}/{path.relative_to(folder)}", recursive=False)
                count += 1
    return count


# --- restore --------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, ValueError):
        raise _failure(
            "Berkas ini bukan cadangan Layan",
            "This file is not a Layan backup",
            "backup.unreadable",
        ) from None
    if manifest.get("format") != FORMAT:
        raise _failure(
            "Format cadangan tidak dikenal", "Unknown backup format", "backup.unknown_format"
        )
    return manifest


def restore(
    db: Database, blob_dir: Path, source: Path, *, keys_dir: Path | None = None
) -> Restored:
    """Put a backup back into the empty database and document store; checked against its
    manifest and the audit chain verified. The database then upgrades to this release."""
    manifest = read_manifest(source)
    backend = "sqlite" if db.is_sqlite else "postgresql"
    if manifest["backend"] != backend:
        raise _failure(
            f"Cadangan ini dari {manifest['backend']}: pulihkan ke {manifest['backend']}, "
            "lalu `layan db copy` bila perlu",
            f"This backup is of {manifest['backend']}: restore it there, then "
            "`layan db copy` if need be",
            "backup.other_backend",
        )
    if any(rows_per_table(db).values()):
        raise _failure(
            "Basis data tujuan sudah berisi data: pulihkan hanya ke basis data kosong",
            "The target database already holds data: restore only into an empty one",
            "backup.target_not_empty",
        )
    with tempfile.TemporaryDirectory(prefix="layan-restore-") as tmp, tarfile.open(source) as tar:
        work = Path(tmp)
        tar.extractall(work, filter="data")
        if db.is_sqlite:
            _sqlite_put_back(db, work / SQLITE_FILE)
        else:
            _pg_put_back(db, work / PG_FILE)
        files = _copy_folder(work / BLOBS, Path(blob_dir))
        if keys_dir is not None and (work / KEYS).exists():
            _copy_folder(work / KEYS, Path(keys_dir))
    restored = rows_per_table(db)
    if restored != manifest["rows"]:
        raise _failure(
            "Isi pemulihan tidak sama dengan cadangannya",
            "The restored rows differ from the backup's",
            "backup.rows_differ",
        )
    checked, problems = verify_audit_chain(db)
    with db.engine.connect() as conn:
        heads = _heads(conn)
    if problems or heads != manifest["ledgers"]:
        raise _failure(
            "Rantai audit hasil pemulihan tidak terverifikasi",
            "The restored audit chain does not verify",
            "backup.chain_broken",
        )
    migrations.upgrade(db.engine)
    return Restored(sum(restored.values()), checked, files)


def _sqlite_put_back(db: Database, copy: Path) -> None:
    db.engine.dispose()
    path = _sqlite_path(db)
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    staged = path.with_name(path.name + ".restoring")
    shutil.copyfile(copy, staged)
    os.replace(staged, path)


def _pg_put_back(db: Database, dump: Path) -> None:
    with db.engine.begin() as conn:  # an upgraded but empty database: its tables go first
        for table in reversed(METADATA.sorted_tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    _run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq_url(db)}",
            str(dump),
        ]
    )


def _copy_folder(source: Path, target: Path) -> int:
    count = 0
    if source.exists():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                placed = target / path.relative_to(source)
                placed.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, placed)
                count += 1
    return count
