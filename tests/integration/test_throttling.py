"""Guessing slowed down: officers' passwords and citizens' tracking PINs, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.core.db import Database
from layan.core.errors import NotFoundError, Text, TooManyRequestsError
from layan.core.throttle import (
    SIGN_IN,
    TRACKING_PIN,
    ThrottleCounter,
    forget_expired,
    guarding,
    throttle_for,
)
from tests.conftest import Clock
from tests.factories import PASSWORD, submit
from tests.pages import check_page, csrf, get_page


def _token(client: TestClient, username: str, password: str) -> int:
    return client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    ).status_code


def test_five_wrong_passwords_lock_a_username_for_fifteen_minutes(
    client: TestClient, clock: Clock
) -> None:
    assert [_token(client, "auditor", "wrong-password") for _ in range(5)] == [401] * 5
    locked = client.post(
        "/api/v1/auth/token",
        data={"username": "auditor", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.json()["error"]["message"]
    indonesian = client.post("/api/v1/auth/token", data={"username": "auditor", "password": "x"})
    assert "Coba lagi dalam 15 menit" in indonesian.json()["error"]["message"]
    assert _token(client, "admin", PASSWORD) == 200  # other usernames are untouched
    clock.advance(minutes=15)
    assert _token(client, "auditor", PASSWORD) == 200


def test_an_unknown_username_locks_the_same_way_so_nothing_is_revealed(
    client: TestClient,
) -> None:
    known = [_token(client, "auditor", "wrong-password") for _ in range(6)]
    unknown = [_token(client, "no-such-officer", "wrong-password") for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]


def test_a_success_resets_the_count(client: TestClient) -> None:
    for _ in range(4):
        assert _token(client, "auditor", "wrong-password") == 401
    assert _token(client, "auditor", PASSWORD) == 200
    for _ in range(4):
        assert _token(client, "auditor", "wrong-password") == 401
    assert _token(client, "auditor", PASSWORD) == 200


def test_the_sign_in_page_refuses_a_locked_username(client: TestClient) -> None:
    for _ in range(5):
        assert _token(client, "admin", "wrong-password") == 401
    form = get_page(client, "/petugas/masuk")
    refused = client.post(
        "/petugas/masuk",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf(form)},
        follow_redirects=False,
    )
    assert refused.status_code == 429
    check_page(refused.text)


def test_ten_wrong_pins_lock_a_tracking_number(client: TestClient, clock: Clock) -> None:
    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    wrong = "000000" if pin != "000000" else "111111"

    def track(with_pin: str) -> int:
        return client.get(
            f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": with_pin}
        ).status_code

    assert [track(wrong) for _ in range(10)] == [404] * 10
    assert track(pin) == 429
    assert client.get(f"/api/v1/applications/{number}").status_code == 200  # no PIN, no guess
    other = submit(client, "skck", seed=7).json()
    assert (
        client.get(
            f"/api/v1/applications/{other['tracking_number']}",
            headers={"X-Tracking-Pin": other["pin"]},
        ).status_code
        == 200
    )
    clock.advance(minutes=15)
    assert track(pin) == 200
    assert [track(wrong) for _ in range(9)] == [404] * 9  # the success started a new count
    assert track(pin) == 200


def test_the_tracking_page_counts_the_same_budget(client: TestClient) -> None:
    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(10):
        client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": wrong})
    public = get_page(client, f"/lacak/{number}")
    page = client.post(
        f"/lacak/{number}",
        data={"pin": pin, "csrf_token": csrf(public)},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 429
    check_page(page.text)
    assert "Try again in 15 minutes" in page.text


def test_the_refusal_says_after_how_many_seconds_to_retry(client: TestClient, clock: Clock) -> None:
    for _ in range(5):
        _token(client, "auditor", "wrong-password")
    clock.advance(minutes=5)
    locked = client.post("/api/v1/auth/token", data={"username": "auditor", "password": "x"})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == 10 * 60


def test_every_server_process_sees_the_same_counts(db: Database, database_url: str) -> None:
    """Two Database objects on one database stand for two server processes."""
    other = Database(database_url, clock=db.clock)
    try:
        first, second = throttle_for(db, TRACKING_PIN), throttle_for(other, TRACKING_PIN)
        for i in range(TRACKING_PIN.limit - 1):
            (first if i % 2 else second).failure("LYN-ABC")
        first.check("LYN-ABC")
        second.failure("lyn-abc ")  # keys ignore case and spaces
        with pytest.raises(TooManyRequestsError):
            first.check("LYN-ABC")
        throttle_for(other, SIGN_IN).check("LYN-ABC")  # policies count apart
    finally:
        other.dispose()


def test_keys_are_stored_only_as_digests_and_expired_counts_are_forgotten(
    db: Database, clock: Clock
) -> None:
    throttle_for(db, TRACKING_PIN).failure("LYN-XYZ")
    clock.advance(minutes=1)
    throttle = throttle_for(db, SIGN_IN)
    for _ in range(SIGN_IN.limit):
        throttle.failure("siti.rahma")
    with db.unit_of_work(readonly=True) as uow:
        rows = uow.session.execute(select(ThrottleCounter)).scalars().all()
    assert len(rows) == 2 and all("siti" not in r.key_digest for r in rows)
    clock.advance(minutes=14)
    assert forget_expired(db) == 1  # the tracking number's; the username is still locked
    with pytest.raises(TooManyRequestsError):
        throttle.check("siti.rahma")
    clock.advance(minutes=1)
    assert forget_expired(db) == 1
    throttle.check("siti.rahma")


def test_a_success_forgets_only_its_own_key(db: Database) -> None:
    throttle = throttle_for(db, SIGN_IN)
    for _ in range(SIGN_IN.limit - 1):
        throttle.failure("siti")
        throttle.failure("budi")
    throttle.success("siti")
    throttle.failure("siti")
    throttle.failure("budi")
    throttle.check("siti")
    with pytest.raises(TooManyRequestsError):
        throttle.check("budi")


def test_guarding_counts_only_the_given_failures(db: Database) -> None:
    throttle = throttle_for(db, TRACKING_PIN)
    for _ in range(TRACKING_PIN.limit - 1):
        with pytest.raises(NotFoundError), guarding(throttle, "LYN-1", (NotFoundError,)):
            raise NotFoundError(Text("x", "x"))
    with pytest.raises(ValueError), guarding(throttle, "LYN-1", (NotFoundError,)):
        raise ValueError("not a guess")
    with pytest.raises(NotFoundError), guarding(throttle, "LYN-1", (NotFoundError,)):
        raise NotFoundError(Text("x", "x"))
    with pytest.raises(TooManyRequestsError), guarding(throttle, "LYN-1", (NotFoundError,)):
        pass
