"""The throttle: failures per key in a sliding window lock the key for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from layan.core.errors import NotFoundError, Text, TooManyRequestsError
from layan.core.throttle import SIGN_IN, TRACKING_PIN, Policy, Throttle, guarding, throttle_for


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_fifth_failure_locks_the_key_for_fifteen_minutes() -> None:
    clock = Clock()
    throttle = Throttle(SIGN_IN, clock)
    for _ in range(4):
        throttle.failure("siti")
        throttle.check("siti")
    throttle.failure("siti")
    with pytest.raises(TooManyRequestsError) as refused:
        throttle.check("siti")
    assert refused.value.code == "auth.throttled"
    assert "15 menit" in refused.value.text.id and "15 minutes" in refused.value.text.en
    assert "01:15 UTC" in refused.value.text.en
    throttle.check("budi")  # other keys are not affected
    clock.now += timedelta(minutes=14, seconds=59)
    with pytest.raises(TooManyRequestsError) as still:
        throttle.check("siti")
    assert "1 minutes" in still.value.text.en
    clock.now += timedelta(seconds=1)
    throttle.check("siti")
    throttle.failure("siti")  # the count started over with the lock's end
    throttle.check("siti")


def test_failures_older_than_the_window_do_not_count() -> None:
    clock = Clock()
    throttle = Throttle(SIGN_IN, clock)
    for _ in range(4):
        throttle.failure("siti")
    clock.now += timedelta(minutes=15)
    throttle.failure("siti")
    throttle.check("siti")


def test_a_success_forgets_the_failures_and_keys_ignore_case() -> None:
    throttle = Throttle(SIGN_IN, Clock())
    for _ in range(4):
        throttle.failure("Siti ")
    throttle.success("siti")
    for _ in range(4):
        throttle.failure("siti")
    throttle.check("SITI")
    throttle.failure("SITI")
    with pytest.raises(TooManyRequestsError):
        throttle.check("siti")


def test_memory_stays_bounded_however_many_keys_are_invented() -> None:
    clock = Clock()
    throttle = Throttle(Policy("t", 2, timedelta(minutes=1), timedelta(minutes=1), "t"), clock)
    throttle.max_keys = 50
    for i in range(500):
        clock.now += timedelta(seconds=1)
        throttle.failure(f"key-{i}")
    assert len(throttle._failures) <= 50


def test_guarding_counts_only_the_given_failures() -> None:
    throttle = Throttle(TRACKING_PIN, Clock())
    for _ in range(9):
        with pytest.raises(NotFoundError), guarding(throttle, "LYN-1", (NotFoundError,)):
            raise NotFoundError(Text("x", "x"))
    with pytest.raises(ValueError), guarding(throttle, "LYN-1", (NotFoundError,)):
        raise ValueError("not a guess")
    with pytest.raises(NotFoundError), guarding(throttle, "LYN-1", (NotFoundError,)):
        raise NotFoundError(Text("x", "x"))
    with pytest.raises(TooManyRequestsError), guarding(throttle, "LYN-1", (NotFoundError,)):
        pass


def test_each_owner_keeps_its_own_throttles() -> None:
    class Owner:
        pass

    first, second, clock = Owner(), Owner(), Clock()
    assert throttle_for(first, SIGN_IN, clock) is throttle_for(first, SIGN_IN, clock)
    assert throttle_for(first, SIGN_IN, clock) is not throttle_for(second, SIGN_IN, clock)
    assert throttle_for(first, SIGN_IN, clock) is not throttle_for(first, TRACKING_PIN, clock)
