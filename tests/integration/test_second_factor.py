"""Two-step verification (RFC 6238 codes) for officers, on both databases.

Codes are computed with pyotp at the test clock's time, as an authenticator app on the
officer's phone would show them.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from typer.testing import CliRunner

from layan.accounts import second_factor
from layan.accounts import service as accounts
from layan.accounts.models import Officer
from layan.audit import verify_audit_chain
from layan.cli import app as cli
from layan.core.db import Database
from layan.core.errors import AuthenticationError
from layan.core.events import Event
from tests.conftest import SECRET, Clock
from tests.factories import PASSWORD
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of

OFFICER = "disdukcapil-loket"
PAGE = "/petugas/akun/verifikasi"


# --- helpers ---------------------------------------------------------------------------


def _officer(db: Database, username: str) -> Officer:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(select(Officer).where(Officer.username == username)).scalar_one()


def _events(db: Database, officer_id: int) -> list[Event]:
    """The officer's second-factor events, oldest first."""
    with db.unit_of_work(readonly=True) as uow:
        return list(
            uow.session.execute(
                select(Event)
                .where(
                    Event.case_type == "officer",
                    Event.case_id == str(officer_id),
                    Event.activity.like("second factor%"),
                )
                .order_by(Event.id)
            ).scalars()
        )


def _code(secret: str, clock: Clock, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now, counter_offset=steps_ahead)


def _wrong(secret: str, clock: Clock) -> str:
    """A six-digit code that is not valid in any step the server accepts now."""
    valid = {_code(secret, clock, offset) for offset in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in valid)


def _hidden(document: Any, name: str) -> str:
    found = [i for i in find_all(document, "input") if i.get("name") == name]
    assert found, f"no input named {name}"
    return str(found[0].get("value"))


def _page_sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    form = get_page(client, "/petugas/masuk")
    return client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": username, "password": password},
        follow_redirects=False,
    )


def _second_step(client: TestClient, first: Response, code: str) -> Response:
    document = check_page(first.text)
    return client.post(
        "/petugas/masuk",
        data={
            "csrf_token": csrf(document),
            "pending": _hidden(document, "pending"),
            "next": "/petugas",
            "code": code,
        },
        follow_redirects=False,
    )


def _api_token(client: TestClient, username: str, **extra: str) -> Response:
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": PASSWORD, **extra},
        headers={"Accept-Language": "en"},
    )


def _enrol_through_page(client: TestClient, clock: Clock) -> str:
    """Sign in, open the page, confirm with one code; the secret the page showed."""
    assert _page_sign_in(client, OFFICER).status_code == 303
    page = get_page(client, PAGE)
    secret = text_of(by_id(page, "secret")).replace(" ", "")
    confirmed = client.post(
        PAGE,
        data={
            "csrf_token": csrf(page),
            "pending": _hidden(page, "pending"),
            "code": _code(secret, clock),
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text[:500]
    return secret


def _switched_on(db: Database, username: str = OFFICER) -> str:
    """Two-step verification on for `username` as an operator sets it; the secret."""
    return second_factor.enable_for(db, username).secret


# --- enrolment -------------------------------------------------------------------------


def test_an_officer_switches_it_on_with_the_key_the_page_shows(
    client: TestClient, db: Database, clock: Clock
) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert " style=" not in response.text and "<script>" not in response.text
    page = check_page(response.text)
    secret = text_of(by_id(page, "secret")).replace(" ", "")
    assert len(secret) >= 32
    qr = next(i for i in find_all(page, "img") if (i.get("src") or "").startswith("data:"))
    assert qr.get("alt")
    # The key travels to the confirming form sealed, not as a field of its own.
    pending = _hidden(page, "pending")
    assert all(i.get("value") != secret for i in find_all(page, "input"))

    wrong = client.post(
        PAGE, data={"csrf_token": csrf(page), "pending": pending, "code": _wrong(secret, clock)}
    )
    assert wrong.status_code == 422
    again = check_page(wrong.text)
    assert by_id(again, "error-summary") is not None
    assert text_of(by_id(again, "secret")).replace(" ", "") == secret  # the same key to retry
    assert _officer(db, OFFICER).totp_secret is None

    right = client.post(
        PAGE,
        data={"csrf_token": csrf(page), "pending": pending, "code": _code(secret, clock)},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"].endswith("pesan=aktif")
    officer = _officer(db, OFFICER)
    assert officer.totp_secret == secret
    assert officer.totp_last_step == pyotp.TOTP(secret).timecode(clock.now)
    on = get_page(client, right.headers["location"])
    assert "/petugas/akun/verifikasi/nonaktifkan" in [f.get("action") for f in find_all(on, "form")]
    events = _events(db, officer.id)
    assert [e.activity for e in events] == ["second factor enabled"]
    assert events[0].ledger == "DISDUKCAPIL"
    assert secret not in json.dumps(events[0].payload)
    checked, problems = verify_audit_chain(db)
    assert checked and problems == []


def test_the_sealed_key_cannot_be_changed_moved_or_kept_too_long(
    client: TestClient, db: Database, clock: Clock
) -> None:
    assert _page_sign_in(client, OFFICER).status_code == 303
    page = get_page(client, PAGE)
    pending = _hidden(page, "pending")
    body, _, mac = pending.rpartition(".")
    payload = json.loads(base64.urlsafe_b64decode(body))
    mine = pyotp.random_base32()
    forged_body = base64.urlsafe_b64encode(json.dumps({**payload, "secret": mine}).encode())
    forged = client.post(
        PAGE,
        data={
            "csrf_token": csrf(page),
            "pending": f"{forged_body.decode()}.{mac}",
            "code": _code(mine, clock),
        },
    )
    assert forged.status_code == 403

    # Another officer's browser cannot use this officer's key.
    with TestClient(client.app) as other:
        assert _page_sign_in(other, "disdukcapil-kabid").status_code == 303
        their_page = get_page(other, PAGE)
        secret = payload["secret"]
        moved = other.post(
            PAGE,
            data={"csrf_token": csrf(their_page), "pending": pending, "code": _code(secret, clock)},
        )
        assert moved.status_code == 403

    clock.advance(minutes=16)
    code = _code(payload["secret"], clock)
    late = client.post(PAGE, data={"csrf_token": csrf(page), "pending": pending, "code": code})
    assert late.status_code == 422
    assert text_of(by_id(check_page(late.text), "secret")).replace(" ", "") != payload["secret"]
    assert _officer(db, OFFICER).totp_secret is None
    assert _officer(db, "disdukcapil-kabid").totp_secret is None


def test_switching_it_off_needs_a_current_code(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _enrol_through_page(client, clock)
    page = get_page(client, PAGE)
    off = "/petugas/akun/verifikasi/nonaktifkan"
    replayed = client.post(off, data={"csrf_token": csrf(page), "code": _code(secret, clock)})
    assert replayed.status_code == 422  # the code that switched it on is used up
    check_page(replayed.text)
    assert _officer(db, OFFICER).totp_secret == secret
    assert client.post(off, data={"code": _code(secret, clock, 1)}).status_code == 403  # no CSRF
    done = client.post(
        off,
        data={"csrf_token": csrf(page), "code": _code(secret, clock, 1)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("pesan=nonaktif")
    officer = _officer(db, OFFICER)
    assert officer.totp_secret is None and officer.totp_last_step is None
    assert [e.activity for e in _events(db, officer.id)] == [
        "second factor enabled",
        "second factor disabled",
    ]
    with TestClient(client.app) as fresh:
        assert _page_sign_in(fresh, OFFICER).status_code == 303  # the password alone again


# --- signing in on the page ------------------------------------------------------------


def test_the_page_asks_for_the_code_after_the_password(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _switched_on(db)
    first = _page_sign_in(client, OFFICER)
    assert first.status_code == 200
    assert "layan_session" not in first.cookies
    step = check_page(first.text)
    assert by_id(step, "code") is not None and by_id(step, "password") is None
    assert PASSWORD not in first.text
    assert client.get("/petugas", follow_redirects=False).status_code == 303  # not signed in

    missing = _second_step(client, first, "")
    assert missing.status_code == 401 and by_id(check_page(missing.text), "code") is not None
    wrong = _second_step(client, first, _wrong(secret, clock))
    assert wrong.status_code == 401
    assert by_id(check_page(wrong.text), "error-summary") is not None

    signed_in = _second_step(client, first, _code(secret, clock))
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/petugas"
    assert client.get("/petugas").status_code == 200
    assert _officer(db, OFFICER).totp_last_step == pyotp.TOTP(secret).timecode(clock.now)

    with TestClient(client.app) as thief:
        replay = _second_step(thief, _page_sign_in(thief, OFFICER), _code(secret, clock))
        assert replay.status_code == 401
        assert thief.get("/petugas", follow_redirects=False).status_code == 303
        clock.advance(seconds=30)
        later = _second_step(thief, _page_sign_in(thief, OFFICER), _code(secret, clock))
        assert later.status_code == 303


def test_the_second_step_expires_and_stays_in_its_browser(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _switched_on(db)
    first = _page_sign_in(client, OFFICER)
    with TestClient(client.app) as other:
        form = get_page(other, "/petugas/masuk")
        moved = other.post(
            "/petugas/masuk",
            data={
                "csrf_token": csrf(form),
                "pending": _hidden(check_page(first.text), "pending"),
                "code": _code(secret, clock),
            },
        )
        assert moved.status_code == 403
    clock.advance(minutes=5, seconds=1)
    late = _second_step(client, first, _code(secret, clock))
    assert late.status_code == 401
    restart = check_page(late.text)
    assert by_id(restart, "username") is not None and by_id(restart, "code") is None
    assert _officer(db, OFFICER).totp_last_step is None


def test_wrong_codes_lock_the_username_and_the_form_says_so(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _switched_on(db)
    first = _page_sign_in(client, OFFICER)
    assert [_second_step(client, first, _wrong(secret, clock)).status_code for _ in range(5)] == [
        401
    ] * 5
    locked = _second_step(client, first, _code(secret, clock))
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    form = check_page(locked.text)
    assert by_id(form, "username") is not None and by_id(form, "password") is not None
    assert "Coba lagi dalam 15 menit" in text_of(by_id(form, "error-summary"))
    again = _page_sign_in(client, OFFICER)
    assert again.status_code == 429 and by_id(check_page(again.text), "username") is not None
    assert _api_token(client, OFFICER, totp=_code(secret, clock)).status_code == 429
    clock.advance(minutes=15)
    assert _api_token(client, OFFICER, totp=_code(secret, clock)).status_code == 200


def test_a_locked_username_sees_the_form_with_the_reason_in_english(client: TestClient) -> None:
    for _ in range(5):
        assert _page_sign_in(client, "auditor", "wrong-password").status_code == 401
    form = get_page(client, "/petugas/masuk", headers={"Accept-Language": "en"})
    refused = client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": "auditor", "password": PASSWORD},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert refused.status_code == 429
    page = check_page(refused.text)
    assert "Try again in 15 minutes" in text_of(by_id(page, "error-summary"))
    assert by_id(page, "password") is not None


# --- signing in through the API --------------------------------------------------------


def test_the_api_needs_the_code_once_it_is_on(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _switched_on(db)
    missing = _api_token(client, OFFICER)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "auth.totp_required"
    indonesian = client.post(
        "/api/v1/auth/token", data={"username": OFFICER, "password": PASSWORD}
    ).json()["error"]["message"]
    assert indonesian != missing.json()["error"]["message"] and "totp" in indonesian

    wrong = _api_token(client, OFFICER, totp=_wrong(secret, clock))
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "auth.failed"
    wrong_password = client.post(
        "/api/v1/auth/token",
        data={"username": OFFICER, "password": "not-the-password", "totp": _code(secret, clock)},
    )
    assert wrong_password.json()["error"]["code"] == "auth.failed"

    right = _api_token(client, OFFICER, totp=_code(secret, clock))
    assert right.status_code == 200, right.text
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {right.json()['access_token']}"}
    )
    assert me.json()["username"] == OFFICER
    assert _api_token(client, OFFICER, totp=_code(secret, clock)).status_code == 401  # replayed
    spaced = _code(secret, clock, 1)  # the next step's code, typed with a space
    assert _api_token(client, OFFICER, totp=f"{spaced[:3]} {spaced[3:]}").status_code == 200
    assert _api_token(client, OFFICER, totp=_code(secret, clock, -1)).status_code == 401  # older
    clock.advance(seconds=120)  # four steps on: one step back is accepted, two are not
    assert _api_token(client, OFFICER, totp=_code(secret, clock, -2)).status_code == 401
    assert _api_token(client, OFFICER, totp=_code(secret, clock, -1)).status_code == 200


def test_asking_without_the_code_does_not_count_but_wrong_codes_do(
    client: TestClient, db: Database, clock: Clock
) -> None:
    secret = _switched_on(db)
    assert [_api_token(client, OFFICER).status_code for _ in range(6)] == [401] * 6
    wrong = [_api_token(client, OFFICER, totp=_wrong(secret, clock)).status_code for _ in range(6)]
    assert wrong == [401] * 5 + [429]


def test_an_officer_without_the_second_factor_is_not_asked_for_a_code(
    client: TestClient,
) -> None:
    assert _api_token(client, "auditor").status_code == 200
    assert _api_token(client, "auditor", totp="123456").status_code == 200


def test_one_code_sent_twice_at_once_signs_in_only_once(db: Database, clock: Clock) -> None:
    tries = 4
    secret = _switched_on(db)
    code = _code(secret, clock)
    start = threading.Barrier(tries)
    outcomes: list[str] = []

    def attempt() -> None:
        start.wait()
        try:
            accounts.issue_token(db, username=OFFICER, password=PASSWORD, minutes=5, code=code)
            outcomes.append("signed in")
        except AuthenticationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * (tries - 1) + ["signed in"]


# --- the operator's commands -----------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    copy = tmp_path / "layan.db"
    copy.write_bytes(sqlite_base.read_bytes())
    monkeypatch.setenv("LAYAN_DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)
    return Database(f"sqlite:///{copy}")


def test_an_operator_switches_it_on_and_resets_it_for_a_lost_phone(cli_db: Database) -> None:
    on = runner.invoke(cli, ["officers", "totp-enable", OFFICER])
    assert on.exit_code == 0, on.output
    uri = next(line for line in on.stdout.splitlines() if line.startswith("otpauth://"))
    officer = _officer(cli_db, OFFICER)
    assert officer.totp_secret and pyotp.parse_uri(uri).secret == officer.totp_secret
    assert "█" in on.stdout or "▀" in on.stdout  # the QR code for the terminal
    twice = runner.invoke(cli, ["officers", "totp-enable", OFFICER])
    assert twice.exit_code == 1 and "reset" in twice.stderr

    reset = runner.invoke(cli, ["officers", "totp-reset", OFFICER])
    assert reset.exit_code == 0 and "off" in reset.stdout
    officer = _officer(cli_db, OFFICER)
    assert officer.totp_secret is None and officer.totp_last_step is None
    events = _events(cli_db, officer.id)
    assert [e.activity for e in events] == ["second factor enabled", "second factor reset"]
    assert all(e.resource == "system" for e in events)
    assert not any(pyotp.parse_uri(uri).secret in json.dumps(e.payload) for e in events)

    nothing = runner.invoke(cli, ["officers", "totp-reset", OFFICER])
    assert nothing.exit_code == 0 and "nothing changed" in nothing.stdout
    assert len(_events(cli_db, officer.id)) == 2
    unknown = runner.invoke(cli, ["officers", "totp-reset", "no-such-officer"])
    assert unknown.exit_code == 1 and "no-such-officer" in unknown.stderr
    cli_db.dispose()
