"""Fuzzing the API from its own OpenAPI document: no input makes the server fail.

Schemathesis generates requests for every public and officer operation (officer ones
carry a demo officer's bearer token) and checks that none answers with a server error
and that every documented answer matches its schema. Runs on SQLite only: the point is
the handling of odd input, not the database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from layan.core.db import Database
from layan.main import create_app
from layan.settings import Settings

DEMO_PASSWORD = "layan-demo"
OFFICER = "dpmptsp-fo"
EXAMPLES = 25


@pytest.fixture
def database_url(sqlite_base: Path, tmp_path: Path) -> str:
    """SQLite only (overrides the suite's SQLite + PostgreSQL parameter)."""
    copy = tmp_path / "layan.db"
    shutil.copyfile(sqlite_base, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def api_app(settings: Settings, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, db=db)


@pytest.fixture
def api_schema(api_app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", api_app).include(
        # Open311 writes need an API key; they are tested in the Open311 tests.
        func=lambda ctx: (
            ctx.operation.definition.raw.get("x-permission") in ("public", "officer", "wallet")
        )
    )


@pytest.fixture
def officer_headers(api_app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with TestClient(api_app) as client:
        response = client.post(
            "/api/v1/auth/token", data={"username": OFFICER, "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _fuzz(operation, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


def test_no_input_makes_the_api_fail(api_schema, officer_headers) -> None:  # type: ignore[no-untyped-def]
    failures = []
    count = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        officer = operation.definition.raw["x-permission"] == "officer"
        count += 1
        try:
            _fuzz(operation, officer_headers if officer else {})
        except Exception as exc:  # every operation is tried, then all are reported
            failures.append(f"{operation.label}: {exc}")
    assert count >= 40
    assert failures == [], "\n\n".join(failures)
