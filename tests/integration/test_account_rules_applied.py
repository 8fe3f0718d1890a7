"""The password rules hold for officers created from the command line and by services,
and a right sign-in at the first try writes no throttle count."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from layan.accounts import service as accounts
from layan.cli import app
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.core.throttle import ThrottleCounter
from tests.conftest import SECRET
from tests.factories import PASSWORD

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "layan.db"
    copy.write_bytes(sqlite_base.read_bytes())
    monkeypatch.setenv("LAYAN_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)


def test_an_officer_cannot_be_created_with_the_username_as_password(db: Database) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        accounts.create_officer(
            db.unit_of_work(),
            username="petugas-baru",
            name="Petugas Baru",
            password="petugas-baru",
            roles=[accounts.RoleInUnit("front_desk", "DPMPTSP.FO")],
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [("password", "password.username")]


def test_the_command_line_refuses_a_short_password_field_by_field(env: None) -> None:
    short = runner.invoke(
        app,
        ["officers", "add", "admin-lain", "--name", "Admin", "--role", "platform_admin"],
        input="pendek\npendek\n",
    )
    assert short.exit_code == 1
    assert "password: The password needs at least 10 characters" in short.stderr


def test_a_right_first_sign_in_writes_no_count(client: TestClient, db: Database) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "auditor", "password": PASSWORD})
    assert response.status_code == 200
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.execute(select(ThrottleCounter)).first() is None
