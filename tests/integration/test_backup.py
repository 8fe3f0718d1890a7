"""`layan backup` and `layan restore` on both databases: a round trip to identical rows
and files with a verifying audit chain, refused into a database that holds data."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from layan.audit import verify_audit_chain
from layan.cli import app
from layan.core.db import Database
from layan.tables import METADATA
from tests.conftest import SECRET
from tests.factories import submit, work_through

runner = CliRunner()


def _empty_database(database_url: str, tmp_path: Path, name: str) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    server = database_url.rsplit("/", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


def _everything(url: str) -> dict[str, list[Any]]:
    """Every row of every table, in key order."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return {
                t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in METADATA.sorted_tables
            }
    finally:
        db.dispose()


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _env(monkeypatch: pytest.MonkeyPatch, url: str, data: Path) -> None:
    monkeypatch.setenv("LAYAN_DATABASE_URL", url)
    monkeypatch.setenv("LAYAN_DATA_DIR", str(data))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)


def test_a_backup_restores_to_identical_rows_and_files_with_a_verifying_chain(
    client: TestClient,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for seed in (1, 2):
        answer = submit(client, "ktp-el-baru", seed=seed)
        assert answer.status_code == 201, answer.text
    work_through(client, answer.json()["tracking_number"], "ktp-el-baru")
    source_files = _files(tmp_path / "blobs")
    assert source_files  # uploaded documents and an issued PDF
    _env(monkeypatch, database_url, tmp_path)
    saved = tmp_path / "layan-backup.tar"
    done = runner.invoke(app, ["backup", str(saved)])
    assert done.exit_code == 0, done.output
    with tarfile.open(saved) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and not any(n.startswith("keys/") for n in names)
    keyed = tmp_path / "with-keys.tar"
    assert runner.invoke(app, ["backup", str(keyed), "--with-keys"]).exit_code == 0
    with tarfile.open(keyed) as tar:
        assert any(n.startswith("keys/") for n in tar.getnames())  # the signing keys

    target = _empty_database(database_url, tmp_path, "restored")
    data = tmp_path / "restored-data"
    _env(monkeypatch, target, data)
    back = runner.invoke(app, ["restore", str(saved)])
    assert back.exit_code == 0, back.output
    assert "audit chain verified" in back.output
    assert _everything(target) == _everything(database_url)
    assert _files(data / "blobs") == source_files
    restored = Database(target)
    try:
        checked, problems = verify_audit_chain(restored)
        assert checked > 0 and problems == []
    finally:
        restored.dispose()

    again = runner.invoke(app, ["restore", str(saved)])  # it holds data now
    assert again.exit_code == 1 and "holds data" in again.output


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _empty_database(database_url, tmp_path, "untouched")
    _env(monkeypatch, target, tmp_path)
    bogus = tmp_path / "notes.tar"
    bogus.write_bytes(b"not a tar at all")
    refused = runner.invoke(app, ["restore", str(bogus)])
    assert refused.exit_code == 1 and "not a Layan backup" in refused.output
    assert not any(_everything(target).values())
