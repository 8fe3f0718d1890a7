"""Signed checkpoints through the `layan audit` commands, on a copy of the base database."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from layan.cli import app
from layan.core.db import Database
from layan.core.events import Event, _hashed_fields, event_hash
from tests.conftest import SECRET

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    copy = tmp_path / "layan.db"
    shutil.copyfile(sqlite_base, copy)
    values = {
        "LAYAN_DATABASE_URL": f"sqlite:///{copy}",
        "LAYAN_DATA_DIR": str(tmp_path),
        "LAYAN_SECRET_KEY": SECRET,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["audit", "keygen", "--out", str(tmp_path / "keys")])
    assert result.exit_code == 0, result.output
    return tmp_path / "keys"


def _checkpoint(keys: Path, out: Path) -> Path:
    result = runner.invoke(
        app,
        ["audit", "checkpoint", "--key", str(keys / "checkpoint-private.pem"), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    return out


def _verify(keys: Path, checkpoint: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--checkpoint",
            str(checkpoint),
            "--public-key",
            str(keys / "checkpoint-public.pem"),
            *extra,
        ],
    )


def _rewrite_ledger(url: str, ledger: str) -> None:
    """What an attacker with write access does: change an event, re-hash everything after
    it and move the head, so the chain alone still verifies."""
    db = Database(url)
    with db.unit_of_work() as uow:
        events = list(uow.session.query(Event).filter(Event.ledger == ledger).order_by(Event.seq))
        events[0].activity = "forged"
        prev = events[0].prev_hash
        for event in events:
            event.prev_hash = prev
            event.hash = event_hash(prev, _hashed_fields(event))
            prev = event.hash
        uow.session.execute(
            text("UPDATE ledgers SET last_hash = :h WHERE agency = :l"), {"h": prev, "l": ledger}
        )
        uow.commit()
    db.dispose()


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    keys: Path,
) -> None:
    private = keys / "checkpoint-private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (keys / "checkpoint-public.pem").read_text().startswith("-----BEGIN PUBLIC KEY")
    again = runner.invoke(app, ["audit", "keygen", "--out", str(keys)])
    assert again.exit_code == 1


def test_a_checkpoint_lists_every_ledger_and_verifies(
    env: dict[str, str], keys: Path, tmp_path: Path
) -> None:
    checkpoint = _checkpoint(keys, tmp_path / "cp.json")
    document = json.loads(checkpoint.read_text())
    assert {"created_at", "ledgers", "signature"} <= document.keys()
    assert {"PUPR", "DPMPTSP"} <= {h["agency"] for h in document["ledgers"]}
    assert all({"agency", "last_seq", "last_hash"} == h.keys() for h in document["ledgers"])
    ok = _verify(keys, checkpoint)
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    assert "checkpoint" in ok.stdout  # type: ignore[attr-defined]


def test_a_ledger_rewritten_whole_after_the_checkpoint_is_caught(
    env: dict[str, str], keys: Path, tmp_path: Path
) -> None:
    checkpoint = _checkpoint(keys, tmp_path / "cp.json")
    _rewrite_ledger(env["LAYAN_DATABASE_URL"], "PUPR")
    chain_only = runner.invoke(app, ["audit", "verify"])
    assert chain_only.exit_code == 0  # the chain alone cannot see a consistent rewrite
    caught = _verify(keys, checkpoint)
    assert caught.exit_code == 1
    assert "PUPR" in caught.stderr and "rewritten" in caught.stderr  # type: ignore[attr-defined]


def test_removed_events_and_a_forged_checkpoint_are_caught(
    env: dict[str, str], keys: Path, tmp_path: Path
) -> None:
    checkpoint = _checkpoint(keys, tmp_path / "cp.json")
    forged = json.loads(checkpoint.read_text())
    forged["ledgers"][0]["last_seq"] += 1
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = _verify(keys, tmp_path / "forged.json")
    assert refused.exit_code == 1 and "signature" in refused.stderr  # type: ignore[attr-defined]
    db = Database(env["LAYAN_DATABASE_URL"])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE ledger = 'DPMPTSP'"))
        conn.execute(
            text("UPDATE ledgers SET last_seq = 0, last_hash = :g WHERE agency = 'DPMPTSP'"),
            {"g": "0" * 64},
        )
    db.dispose()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    caught = _verify(keys, checkpoint)
    assert caught.exit_code == 1 and "DPMPTSP" in caught.stderr  # type: ignore[attr-defined]


def test_an_auditor_verifies_a_copied_database_file_offline(
    env: dict[str, str], keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = _checkpoint(keys, tmp_path / "cp.json")
    copy = tmp_path / "auditor" / "copy.db"
    copy.parent.mkdir()
    shutil.copyfile(env["LAYAN_DATABASE_URL"].removeprefix("sqlite:///"), copy)
    for key in env:
        monkeypatch.delenv(key)
    ok = _verify(keys, checkpoint, "--database", str(copy))
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    _rewrite_ledger(f"sqlite:///{copy}", "DPMPTSP")
    caught = _verify(keys, checkpoint, "--database", str(copy))
    assert caught.exit_code == 1 and "DPMPTSP" in caught.stderr  # type: ignore[attr-defined]
