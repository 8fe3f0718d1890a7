"""What an API token may do: "read" looks, "write" changes; on both databases."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.accounts.models import ApiToken
from layan.core.db import Database
from tests.factories import PASSWORD, officer_for, submit
from tests.pages import csrf, get_page

FRONT_DESK = officer_for("POLRES.SKCK", "front_desk")


def _token(client: TestClient, username: str = FRONT_DESK, **extra: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _bearer(token: dict[str, object]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def _stored_scopes(db: Database, token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(ApiToken.scopes).where(ApiToken.token_hash == digest)
        ).scalar_one()


def _open_task(client: TestClient) -> tuple[str, int]:
    response = submit(client, "skck", seed=41)
    assert response.status_code == 201, response.text
    number = response.json()["tracking_number"]
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    return number, next(s["task_id"] for s in steps if s["status"] == "open")


def test_a_token_asked_without_a_scope_may_read_and_write(client: TestClient, db: Database) -> None:
    token = _token(client)
    assert token["scope"] == "read write"
    assert token["token_type"] == "bearer" and int(str(token["expires_in"])) > 0
    assert _stored_scopes(db, str(token["access_token"])) == "read write"
    me = client.get("/api/v1/me", headers=_bearer(token)).json()
    assert me["scopes"] == ["read", "write"]


def test_a_read_only_token_looks_but_changes_nothing(client: TestClient, db: Database) -> None:
    number, task_id = _open_task(client)
    reader = _token(client, scope="read")
    assert reader["scope"] == "read"
    assert _stored_scopes(db, str(reader["access_token"])) == "read"
    assert client.get("/api/v1/me", headers=_bearer(reader)).json()["scopes"] == ["read"]
    tasks = client.get("/api/v1/tasks", headers=_bearer(reader))
    assert tasks.status_code == 200 and task_id in [t["id"] for t in tasks.json()]
    assert client.get(f"/api/v1/applications/{number}", headers=_bearer(reader)).status_code == 200

    decide = f"/api/v1/tasks/{task_id}/decision"
    refused = client.post(decide, json={"outcome": "approve"}, headers=_bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "auth.scope"
    english = client.post(
        decide, json={"outcome": "approve"}, headers={**_bearer(reader), "Accept-Language": "en"}
    )
    assert "write" in english.json()["error"]["message"]
    assert english.json()["error"]["message"] != refused.json()["error"]["message"]
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    assert next(s for s in steps if s["task_id"] == task_id)["status"] == "open"

    writer = _token(client, scope="read write")
    decided = client.post(decide, json={"outcome": "approve"}, headers=_bearer(writer))
    assert decided.status_code == 200, decided.text


def test_an_unknown_scope_is_refused_naming_the_field(client: TestClient) -> None:
    def ask(scope: str, password: str = PASSWORD, language: str = "id") -> dict[str, object]:
        response = client.post(
            "/api/v1/auth/token",
            data={"username": FRONT_DESK, "password": password, "scope": scope},
            headers={"Accept-Language": language},
        )
        assert response.status_code == 422, response.text
        return dict(response.json()["error"])

    error = ask("read admin")
    fields = error["fields"]
    assert isinstance(fields, list) and [f["field"] for f in fields] == ["scope"]
    assert "admin" in fields[0]["message"]
    english = ask("admin", language="en")
    assert english["message"] != error["message"]
    # Refused before the password is checked: not a guess, so never a lockout.
    for _ in range(6):
        ask("root", password="wrong-password")
    assert _token(client, scope="write")["scope"] == "write"


def test_a_page_session_may_read_and_write(client: TestClient, db: Database) -> None:
    form = get_page(client, "/petugas/masuk")
    signed_in = client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": FRONT_DESK, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    assert _stored_scopes(db, signed_in.cookies["layan_session"]) == "read write"


def test_a_read_only_token_in_the_page_cookie_cannot_post_a_form(client: TestClient) -> None:
    _number, task_id = _open_task(client)
    reader = _token(client, scope="read")
    client.cookies.set("layan_session", str(reader["access_token"]))
    queue = get_page(client, "/petugas")
    claimed = client.post(
        f"/petugas/tugas/{task_id}/ambil",
        data={"csrf_token": csrf(queue)},
        follow_redirects=False,
    )
    assert claimed.status_code == 403
