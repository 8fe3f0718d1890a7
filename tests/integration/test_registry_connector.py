"""A registry's own web service, on loopback: the HTTP connector asks it with the legal
basis and the configured token; while it is down the application is kept as a draft with
everything the applicant gave, and the draft completes once it answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.applications.models import ApplicationDraft
from layan.core.db import Database
from layan.documents.models import OnceOnlyEvidence
from layan.settings import Settings
from tests.conftest import SECRET
from tests.factories import application_parts
from tests.mailserver import free_port

NIK = "3204014708900003"


class _Registry(BaseHTTPRequestHandler):
    found: set[str] = set()
    asked: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).asked.append({**body, "authorization": self.headers.get("Authorization")})
        answer = {"found": body["nik"] in self.found, "reference": "DUKCAPIL-REF-1"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def registry_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, registry_port: int) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        secret_key=SECRET,
        registries={
            "kependudukan": {
                "url": f"http://127.0.0.1:{registry_port}/nik",
                "token": "registry-token",
                "timeout_seconds": 2,
            }
        },
    )


@pytest.fixture
def registry_server(registry_port: int) -> Iterator[Any]:
    """A starter for the registry's service; until it is called, nothing listens (down)."""
    _Registry.found, _Registry.asked = {NIK}, []
    servers: list[ThreadingHTTPServer] = []

    def start() -> type[_Registry]:
        server = ThreadingHTTPServer(("127.0.0.1", registry_port), _Registry)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return _Registry

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_registry_that_is_down_keeps_the_draft_and_nothing_is_lost(
    client: TestClient, db: Database, registry_server: Any
) -> None:
    key = {"Idempotency-Key": "pbg-down-1"}
    body, parts = application_parts("pbg", applicant={"nik": NIK}, drop_files=("ktp",))
    down = client.post(
        "/api/v1/applications",
        data={"application": json.dumps(body)},
        files=parts,
        headers={**key, "Accept-Language": "en"},
    )
    assert down.status_code == 202, down.text
    (pending,) = down.json()["pending"]
    assert pending["problem"] == "unavailable" and "cannot be reached" in pending["message"]
    with db.unit_of_work(readonly=True) as uow:
        draft = uow.session.execute(select(ApplicationDraft)).scalar_one()
    blobs = client.app.state.blobs
    assert sorted(draft.files) == sorted(parts) and all(
        blobs.exists(m[2]) for m in draft.files.values()
    )
    replay = client.post(
        "/api/v1/applications", data={"application": json.dumps(body)}, files=parts, headers=key
    )
    assert replay.status_code == 202 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["tracking_number"] == down.json()["tracking_number"]
    handler = registry_server()  # the registry is back
    number, pin = down.json()["tracking_number"], down.json()["pin"]
    done = client.post(f"/api/v1/applications/{number}/submission", headers={"X-Tracking-Pin": pin})
    assert done.status_code == 201, done.text
    (asked,) = handler.asked
    assert asked["nik"] == NIK and asked["requester"] == "DPMPTSP"
    assert asked["authorization"] == "Bearer registry-token" and "102/2019" in asked["legal_basis"]
    with db.unit_of_work(readonly=True) as uow:
        evidence = uow.session.execute(select(OnceOnlyEvidence)).scalar_one()
    assert evidence.reference == "DUKCAPIL-REF-1"
    after = client.post(
        "/api/v1/applications", data={"application": json.dumps(body)}, files=parts, headers=key
    )
    assert after.status_code == 201 and after.json()["tracking_number"] == number
