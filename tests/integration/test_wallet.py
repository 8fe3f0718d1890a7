"""The citizen's wallet through the API, with a real SMTP server on loopback: a one-time
code opens every document issued to a NIK; links to one document end by themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.core.db import Database
from layan.documents import wallet
from layan.documents.models import WalletCode, WalletSession
from layan.main import create_app
from layan.settings import Settings
from tests.conftest import SECRET, Clock
from tests.integration.test_issued_documents import approved_ktp
from tests.mailserver import Mailbox, free_port

NIK = "3204014708900003"
EMAIL = "siti@contoh.id"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, mailbox: tuple[str, Mailbox]) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        secret_key=SECRET,
        smtp_url=mailbox[0],
    )


def _open(client: TestClient, box: Mailbox, nik: str = NIK, email: str = EMAIL) -> str:
    asked = client.post("/api/v1/wallet/code", json={"nik": nik, "email": email})
    assert asked.status_code == 202, asked.text
    code = box.codes()[-1]
    token = client.post("/api/v1/wallet/token", json={"nik": nik, "code": code})
    assert token.status_code == 200, token.text
    return str(token.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_code_sent_by_email_opens_every_document_issued_to_the_nik(
    client: TestClient, mailbox: tuple[str, Mailbox]
) -> None:
    box = mailbox[1]
    _n, _p, mine = approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    _n, _p, theirs = approved_ktp(client, seed=9)
    wrong = client.post("/api/v1/wallet/code", json={"nik": NIK, "email": "other@contoh.id"})
    assert wrong.status_code == 202 and box.messages == []  # the same answer, nothing sent
    token = _open(client, box)
    assert box.messages[0]["X-Envelope-To"] == EMAIL
    listed = client.get("/api/v1/wallet/outputs", headers=_bearer(token))
    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()] == [mine["id"]]
    assert listed.json()[0]["jws"] == mine["jws"]
    pdf = client.get(f"/api/v1/wallet/outputs/{mine['id']}/pdf", headers=_bearer(token))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = client.get(f"/api/v1/wallet/outputs/{theirs['id']}/pdf", headers=_bearer(token))
    assert other.status_code == 404
    assert client.get("/api/v1/wallet/outputs").status_code == 401


def test_a_code_works_once_and_wrong_codes_lock_the_wallet(
    client: TestClient, mailbox: tuple[str, Mailbox]
) -> None:
    box = mailbox[1]
    approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    client.post("/api/v1/wallet/code", json={"nik": NIK, "email": EMAIL})
    code = box.codes()[-1]
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/api/v1/wallet/token", json={"nik": NIK, "code": wrong})
    assert refused.status_code == 401
    assert client.post("/api/v1/wallet/token", json={"nik": NIK, "code": code}).status_code == 200
    again = client.post("/api/v1/wallet/token", json={"nik": NIK, "code": code})
    assert again.status_code == 401  # spent
    for _ in range(4):
        client.post("/api/v1/wallet/token", json={"nik": NIK, "code": wrong})
    locked = client.post("/api/v1/wallet/token", json={"nik": NIK, "code": wrong})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    bad = client.post(
        "/api/v1/wallet/token", json={"nik": "12", "code": "abc"}, headers={"Accept-Language": "en"}
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["error"]["fields"]} == {"nik", "code"}


def test_a_share_link_opens_the_document_until_it_ends_or_is_stopped(
    client: TestClient, mailbox: tuple[str, Mailbox], clock: Clock
) -> None:
    _n, _p, mine = approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    token = _open(client, mailbox[1])
    bad = client.post(
        f"/api/v1/wallet/outputs/{mine['id']}/shares", json={"hours": 5}, headers=_bearer(token)
    )
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "hours"
    made = client.post(
        f"/api/v1/wallet/outputs/{mine['id']}/shares", json={"hours": 1}, headers=_bearer(token)
    )
    assert made.status_code == 201, made.text
    secret = made.json()["url"].rsplit("/", 1)[-1]
    opened = client.get(f"/api/v1/shared/{secret}")
    assert opened.status_code == 200 and opened.json()["valid"] is True
    assert opened.json()["number"] == mine["number"]
    assert client.get(f"/api/v1/shared/{secret}/pdf").content.startswith(b"%PDF")
    assert client.get("/api/v1/shared/not-a-real-link-token").status_code == 404
    clock.advance(minutes=61)
    expired = client.get(f"/api/v1/shared/{secret}")
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "share.expired"
    assert client.get(f"/api/v1/shared/{secret}/pdf").status_code == 410
    token = _open(client, mailbox[1])  # the first session has ended too
    second = client.post(
        f"/api/v1/wallet/outputs/{mine['id']}/shares", json={"hours": 24}, headers=_bearer(token)
    ).json()
    stopped = client.delete(f"/api/v1/wallet/shares/{second['id']}", headers=_bearer(token))
    assert stopped.status_code == 204
    assert client.get(second["url"].replace("http://127.0.0.1:8000", "")).status_code == 410
    shares = client.get("/api/v1/wallet/shares", headers=_bearer(token)).json()
    assert [s["revoked"] for s in shares] == [True, False] and "url" not in shares[0]


def test_a_wallet_session_ends_after_thirty_minutes_and_on_sign_out(
    client: TestClient, mailbox: tuple[str, Mailbox], clock: Clock
) -> None:
    approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    token = _open(client, mailbox[1])
    clock.advance(minutes=31)
    assert client.get("/api/v1/wallet/outputs", headers=_bearer(token)).status_code == 401
    token = _open(client, mailbox[1])
    assert client.delete("/api/v1/wallet/token", headers=_bearer(token)).status_code == 204
    assert client.get("/api/v1/wallet/outputs", headers=_bearer(token)).status_code == 401


def test_at_most_five_codes_an_hour_go_to_one_nik(
    client: TestClient, mailbox: tuple[str, Mailbox]
) -> None:
    approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    answers = [
        client.post("/api/v1/wallet/code", json={"nik": NIK, "email": EMAIL}).status_code
        for _ in range(6)
    ]
    assert answers == [202] * 5 + [429] and len(mailbox[1].messages) == 5


def test_a_mail_server_that_is_down_is_a_clear_error_and_stores_no_code(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    down = Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        secret_key=SECRET,
        smtp_url=f"smtp://127.0.0.1:{free_port()}",
    )
    with TestClient(create_app(down, db=db), raise_server_exceptions=False) as client:
        approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
        answer = client.post(
            "/api/v1/wallet/code",
            json={"nik": NIK, "email": EMAIL},
            headers={"Accept-Language": "en"},
        )
    assert answer.status_code == 503
    assert "mail server" in answer.json()["error"]["message"]
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(WalletCode)).scalar_one() == 0


def test_the_sweep_forgets_codes_and_sessions_that_ended(
    client: TestClient, mailbox: tuple[str, Mailbox], clock: Clock, db: Database
) -> None:
    approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    _open(client, mailbox[1])
    assert wallet.forget_expired(db) == 0
    clock.advance(minutes=31)
    assert wallet.forget_expired(db) == 2  # the spent code and the ended session
    with db.unit_of_work(readonly=True) as uow:
        assert (
            uow.session.execute(select(func.count()).select_from(WalletSession)).scalar_one() == 0
        )
