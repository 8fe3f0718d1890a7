"""Tests that keep the house in order: declared permissions, migrations, import arrows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from alembic import command

from layan.core.db import Database
from layan.main import create_app
from layan.migrations import config
from layan.settings import Settings

PERMISSIONS = {"public", "officer", "api_key", "wallet"}


def _operations(app) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def, type-arg]
    """Every operation the app serves, from its OpenAPI document."""
    return [
        (method.upper(), path, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    ]


def test_every_route_declares_who_may_call_it(settings: Settings, db: Database) -> None:
    operations = _operations(create_app(settings, db=db))
    assert len(operations) >= 10
    undeclared = [
        f"{m} {p}" for m, p, op in operations if op.get("x-permission") not in PERMISSIONS
    ]
    assert undeclared == []


def test_officer_routes_refuse_a_caller_without_a_token(client) -> None:  # type: ignore[no-untyped-def]
    officer_routes = [
        (m, p) for m, p, op in _operations(client.app) if op["x-permission"] == "officer"
    ]
    assert len(officer_routes) >= 5
    for method, path in officer_routes:
        url = path.replace("{task_id}", "1").replace("{tracking_number}", "ABCDEFGHJKMN")
        assert client.request(method, url).status_code == 401, (method, path)


def test_the_migrations_match_the_models(db: Database) -> None:
    # alembic check raises when autogenerate would produce any operation.
    command.check(config(db.engine))


def test_the_import_arrows_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint)], capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2]
    )
    assert result.returncode == 0, result.stdout[-2000:]


def test_every_response_carries_the_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/", "/layanan/pbg", "/api/v1/services", "/healthz", "/nope"):
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert re.search(r"script-src 'nonce-[\w-]{20,}';", policy), url
        assert "frame-ancestors 'none'" in policy, url
        assert (
            "unsafe-inline" not in policy
            and "'self'" not in policy.split("script-src")[1].split(";")[0]
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in headers  # plain HTTP on loopback


def test_every_script_carries_the_nonce_of_its_own_response(client) -> None:  # type: ignore[no-untyped-def]
    nonces = set()
    for url in ("/", "/layanan/pbg", "/petugas/masuk", "/nope"):
        response = client.get(url)
        nonce = re.search(r"'nonce-([\w-]+)'", response.headers["content-security-policy"])[1]
        scripts = re.findall(r"<script[^>]*>", response.text)
        assert scripts, url
        assert all(f'nonce="{nonce}"' in tag for tag in scripts), (url, scripts)
        nonces.add(nonce)
    assert len(nonces) == 4  # a fresh nonce for every response


def test_hsts_is_sent_behind_tls(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("https://testserver/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_wallet_routes_refuse_a_caller_without_a_wallet_session(client) -> None:  # type: ignore[no-untyped-def]
    wallet_routes = [
        (m, p) for m, p, op in _operations(client.app) if op["x-permission"] == "wallet"
    ]
    assert len(wallet_routes) >= 5
    for method, path in wallet_routes:
        url = path.replace("{output_id}", "ABCDEFGHJKMN").replace("{share_id}", "1")
        answer = client.request(method, url, json={"hours": 1})
        assert answer.status_code == 401, (method, path, answer.text)
        officer = client.request(
            method, url, json={"hours": 1}, headers={"Authorization": "Bearer not-a-wallet"}
        )
        assert officer.status_code == 401, (method, path)
