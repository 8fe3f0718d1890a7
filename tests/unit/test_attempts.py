"""Counting failed attempts: a fixed window of failures locks a key for a while."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from layan.core.attempts import SIGN_IN, TRACKING_PIN, Count, after_failure, too_many

START = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def _fail(times: int, policy=SIGN_IN, start=START, step=timedelta(seconds=10)) -> Count:  # type: ignore[no-untyped-def]
    count = None
    for i in range(times):
        count = after_failure(count, policy, start + i * step)
    assert count is not None
    return count


def test_the_fifth_failure_within_the_window_locks_for_fifteen_minutes() -> None:
    four = _fail(4)
    assert four.failures == 4 and not four.locked_at(START + timedelta(minutes=1))
    five = after_failure(four, SIGN_IN, START + timedelta(minutes=1))
    assert five.locked_until == START + timedelta(minutes=16)
    assert five.locked_at(START + timedelta(minutes=15, seconds=59))
    assert not five.locked_at(START + timedelta(minutes=16))


def test_failures_older_than_the_window_do_not_count() -> None:
    four = _fail(4)
    later = after_failure(four, SIGN_IN, START + timedelta(minutes=15))
    assert later.failures == 1 and later.locked_until is None
    assert later.window_start == START + timedelta(minutes=15)


def test_after_a_lock_ends_the_count_starts_over() -> None:
    locked = _fail(5)
    assert locked.locked_until is not None
    after = after_failure(locked, SIGN_IN, locked.locked_until + timedelta(seconds=1))
    assert after.failures == 1 and after.locked_until is None


def test_a_count_is_expired_only_when_its_window_passed_and_no_lock_holds() -> None:
    locked = _fail(5)
    assert not locked.expired(SIGN_IN, START + timedelta(minutes=15, seconds=30))
    assert locked.expired(SIGN_IN, locked.locked_until)  # type: ignore[arg-type]
    assert not _fail(2).expired(SIGN_IN, START + timedelta(minutes=14))


@given(st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=60))
def test_no_window_lets_more_than_the_limit_through_unlocked(gaps: list[int]) -> None:
    """Whatever the timing, the limit-th failure of a window always locks the key."""
    count, now = None, START
    for gap in gaps:
        now += timedelta(seconds=gap)
        if count is not None and count.locked_at(now):
            continue  # a locked key is refused before its failure could count
        count = after_failure(count, TRACKING_PIN, now)
        assert count.failures <= TRACKING_PIN.limit
        assert (count.failures == TRACKING_PIN.limit) == count.locked_at(now)


def test_the_refusal_says_when_in_both_languages_and_in_seconds() -> None:
    refused = too_many(SIGN_IN, START + timedelta(minutes=14, seconds=1), START)
    assert refused.code == "auth.throttled"
    assert "15 menit" in refused.text.id and "15 minutes" in refused.text.en
    assert "01:14 UTC" in refused.text.en
    assert refused.retry_after == 14 * 60 + 1
