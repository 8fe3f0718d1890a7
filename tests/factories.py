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


def work_through(
    client: TestClient,
    number: str,
    code: str,
    *,
    last: str = "approve",
    reason: str | None = None,
    legal_basis: str | None = None,
) -> dict[str, Any]:
    """Decide every open step of an application as its officers would, approving each
    one and ending with `last`; the final decision's answer."""
    roles = {s.code: s.role for s in standard(code).procedure}
    answer: dict[str, Any] = {}
    while True:
        steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
        open_steps = [s for s in steps if s["status"] in ("open", "claimed")]
        if not open_steps:
            return answer
        for step in open_steps:
            user = officer_for(step["unit"], roles[step["step"]])
            remaining = len(open_steps) == 1 and _is_last_stage(steps, code)
            outcome = last if remaining else "approve"
            body: dict[str, Any] = {"outcome": outcome}
            if outcome != "approve":
                body.update(reason=reason or "Persyaratan tidak terpenuhi")
            if outcome == "reject":
                body.update(legal_basis=legal_basis or "UU 25/2009 Pasal 18")
            response = client.post(
                f"/api/v1/tasks/{step['task_id']}/decision",
                headers=sign_in(client, user),
                json=body,
            )
            assert response.status_code == 200, response.text
            answer = response.json()
            if outcome != "approve":
                return answer


def _is_last_stage(steps: list[dict[str, Any]], code: str) -> bool:
    """Whether the open steps are those of the procedure's last stage."""
    last_stage = {s.code for s in standard(code).groups()[-1]}
    return all(s["step"] in last_stage for s in steps if s["status"] in ("open", "claimed"))


def uploaded_slot(code: str) -> str:
    """The first document of a service that only an upload meets (not once-only)."""
    kinds = {r.code: r.kind for r in standard(code).requirements}
    return next(
        s.code
        for s in standard(code).document_slots()
        if s.required and s.condition is None and kinds.get(s.code, "document") == "document"
    )
