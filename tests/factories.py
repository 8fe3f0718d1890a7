"""Plain factory functions with keyword defaults for building test data through the API."""

from __future__ import annotations

import json
import random
from typing import Any

from fastapi.testclient import TestClient

from layan import demo
from layan.catalogue import rules as standards
from layan.catalogue.rules import DEMO_DIR

PASSWORD = demo.PASSWORD
_STANDARDS = {s.code: s for s in standards.load_standards(DEMO_DIR / "services")}


def standard(code: str) -> standards.ServiceStandard:
    return _STANDARDS[code]


def application_parts(
    code: str = "pbg",
    *,
    seed: int = 1,
    data: dict[str, Any] | None = None,
    applicant: dict[str, Any] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    drop_files: tuple[str, ...] = (),
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """A valid application for service `code` as (JSON part, file parts), with overrides."""
    who, sample_data, sample_files = demo.sample_submission(standard(code), random.Random(seed))
    body = {
        "service_code": code,
        "applicant": {
            "nik": who.nik,
            "name": who.name,
            "phone": who.phone,
            "email": who.email,
            **(applicant or {}),
        },
        "data": {**sample_data, **(data or {})},
    }
    parts = {
        k: (f.filename, f.content, f.content_type)
        for k, f in sample_files.items()
        if k not in drop_files
    }
    parts.update(files or {})
    return body, parts


def submit(
    client: TestClient,
    code: str = "pbg",
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> Any:
    body, parts = application_parts(code, **overrides)
    return client.post(
        "/api/v1/applications",
        data={"application": json.dumps(body)},
        files=parts or None,
        headers=headers or {},
    )


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers for a demo officer."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def tasks_of(client: TestClient, username: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/tasks", headers=sign_in(client, username))
    assert response.status_code == 200, response.text
    return response.json()


def officer_for(unit: str, role: str) -> str:
    """The demo username holding `role` in `unit` (AGENCY.UNIT)."""
    return next(a.username for a in demo.demo_accounts() if a.unit == unit and a.role == role)
