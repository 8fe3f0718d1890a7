"""The `layan` command as an operator uses it, on a copy of the base SQLite database."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from layan.catalogue.rules import DEMO_DIR
from layan.cli import app
from layan.core.db import Database
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


def test_demo_accounts_cover_every_role_including_the_auditor(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["demo", "accounts", "--json"])
    assert result.exit_code == 0
    accounts = json.loads(result.stdout)
    roles = {a["role"] for a in accounts}
    assert {
        "front_desk",
        "processor",
        "approver",
        "supervisor",
        "complaint_handler",
        "agency_admin",
        "platform_admin",
        "auditor",
    } <= roles
    assert all({"username", "password", "role", "unit", "agency"} <= a.keys() for a in accounts)
    assert len({a["agency"] for a in accounts if a["agency"]}) >= 5


def test_audit_verify_passes_then_names_the_tampered_event(env: dict[str, str]) -> None:
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "OK" in ok.stdout
    db = Database(env["LAYAN_DATABASE_URL"])
    with db.engine.begin() as conn:
        victim = conn.execute(
            text("SELECT id FROM events WHERE ledger = 'PUPR' ORDER BY seq LIMIT 1")
        ).scalar_one()
        conn.execute(text("UPDATE events SET activity = 'forged' WHERE id = :id"), {"id": victim})
    db.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event id {victim}" in broken.stderr and "PUPR" in broken.stderr


def test_importing_services_publishes_new_versions_only_for_changes(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "services"
    shutil.copytree(DEMO_DIR / "services", folder)
    unchanged = runner.invoke(app, ["services", "import", str(folder)])
    assert unchanged.exit_code == 0 and "pbg: version 1" in unchanged.stdout
    skck = folder / "skck.yaml"
    skck.write_text(skck.read_text().replace("staff_count: ", "staff_count: 1"), encoding="utf-8")
    changed = runner.invoke(app, ["services", "import", str(folder)])
    assert "skck: version 2" in changed.stdout and "pbg: version 1" in changed.stdout


def test_a_bad_standard_is_refused_with_file_line_and_reason(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "services"
    shutil.copytree(DEMO_DIR / "services", folder)
    pbg = folder / "pbg.yaml"
    lines = pbg.read_text(encoding="utf-8").splitlines()
    line_no = next(i for i, line in enumerate(lines) if line.startswith("service_time:"))
    lines[line_no] = "service_time: {days: lots}"
    pbg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["services", "import", str(folder)])
    assert result.exit_code == 1
    assert f"pbg.yaml:{line_no + 1}:" in result.stderr
    assert "service_time" in result.stderr


def test_a_procedure_exports_as_bpmn_xml(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["services", "export-bpmn", "pbg"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<?xml") and "userTask" in result.stdout
    missing = runner.invoke(app, ["services", "export-bpmn", "nothing-here"])
    assert missing.exit_code == 1


def test_an_admin_adds_and_removes_a_holiday_for_a_year(env: dict[str, str]) -> None:
    added = runner.invoke(app, ["calendar", "add", "2026-06-03", "--name", "Libur daerah"])
    assert added.exit_code == 0
    listed = runner.invoke(app, ["calendar", "list", "2026"])
    assert "2026-06-03" in listed.stdout
    removed = runner.invoke(app, ["calendar", "remove", "2026-06-03"])
    assert removed.exit_code == 0
    assert "2026-06-03" not in runner.invoke(app, ["calendar", "list", "2026"]).stdout
    bad = runner.invoke(app, ["calendar", "add", "2026-06-04", "--kind", "party"])
    assert bad.exit_code == 1 and "kind" in bad.stderr


def test_the_worker_sweeps_once(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 0 and "sweep: 0 deadline(s) marked" in result.stdout


def test_production_refuses_to_start_without_a_secret(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAYAN_ENV", "production")
    monkeypatch.delenv("LAYAN_SECRET_KEY")
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 2
    assert "LAYAN_SECRET_KEY" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_the_port_it_was_given(env: dict[str, str], tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "layan.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                ended = server.poll() is not None
                assert not ended and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        services = httpx.get(f"http://127.0.0.1:{port}/api/v1/services", timeout=5).json()
        assert len(services) >= 8
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_operator_creates_the_first_agency_admin(env: dict[str, str]) -> None:
    created = runner.invoke(
        app,
        [
            "officers",
            "add",
            "admin-baru",
            "--name",
            "Admin Baru",
            "--role",
            "agency_admin",
            "--unit",
            "BAPENDA.RETRIBUSI",
        ],
        input="kata-sandi-rahasia\nkata-sandi-rahasia\n",
    )
    assert created.exit_code == 0, created.stdout
    assert "admin-baru created" in created.stdout
    wrong = runner.invoke(
        app,
        ["officers", "add", "x1", "--name", "X", "--role", "wizard", "--unit", "BAPENDA.RETRIBUSI"],
        input="kata-sandi-rahasia\n" * 2,
    )
    assert wrong.exit_code == 1 and "role" in wrong.stderr.lower()
