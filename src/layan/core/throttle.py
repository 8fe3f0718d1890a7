"""Slowing down guessing: too many failures for one key lock that key for a while.

Pure Python with an injected clock. The counts live in this process's memory only: they
are lost on restart and not shared between server processes (see docs/security.md), and
no database row is written for a failed guess.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from layan.core.errors import Text, TooManyRequestsError


@dataclass(frozen=True)
class Policy:
    """How many failures within `window` lock a key, and for how long."""

    name: str
    limit: int
    window: timedelta
    lockout: timedelta
    code: str


# Reporters opening a complaint: the same budget as for applications, counted apart.
COMPLAINT_PIN = Policy(
    "complaint-pin", 10, timedelta(minutes=15), timedelta(minutes=15), "pin.throttled"
)
# Officers signing in: 5 wrong passwords for a username within 15 minutes.
SIGN_IN = Policy("sign-in", 5, timedelta(minutes=15), timedelta(minutes=15), "auth.throttled")
# Citizens opening an application: 10 wrong PINs for a tracking number within 15 minutes.
TRACKING_PIN = Policy(
    "tracking-pin", 10, timedelta(minutes=15), timedelta(minutes=15), "pin.throttled"
)


class Throttle:
    """Failures per key within a sliding window; `limit` of them lock the key."""

    def __init__(
        self, policy: Policy, clock: Callable[[], datetime], *, max_keys: int = 10_000
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = {}
        self._locked_until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(key: str) -> str:
        return key.strip().lower()

    def locked_until(self, key: str) -> datetime | None:
        """When the key may be tried again, or None if it may be tried now."""
        key, now = self._key(key), self.clock()
        with self._lock:
            until = self._locked_until.get(key)
            if until is None:
                return None
            if until <= now:
                del self._locked_until[key]
                self._failures.pop(key, None)
                return None
            return until

    def check(self, key: str) -> None:
        """Raise TooManyRequestsError (with when to try again) if the key is locked."""
        until = self.locked_until(key)
        if until is not None:
            raise too_many(self.policy, until, self.clock())

    def failure(self, key: str) -> None:
        """Count one failure; the `limit`-th within the window locks the key."""
        key, now = self._key(key), self.clock()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self.max_keys:
                self._prune(now)
            failures = self._failures.setdefault(key, deque())
            failures.append(now)
            while failures and failures[0] <= now - self.policy.window:
                failures.popleft()
            if len(failures) >= self.policy.limit:
                self._locked_until[key] = now + self.policy.lockout

    def success(self, key: str) -> None:
        """A success forgets the key's failures."""
        key = self._key(key)
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)

    def _prune(self, now: datetime) -> None:
        # Memory stays bounded however many keys a guesser invents: expired entries go
        # first, then the keys whose last failure is oldest.
        start = now - self.policy.window
        for key in [k for k, f in self._failures.items() if not f or f[-1] <= start]:
            if self._locked_until.get(key, now) <= now:
                del self._failures[key]
                self._locked_until.pop(key, None)
        overflow = len(self._failures) - self.max_keys + 1
        if overflow > 0:
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])[:overflow]
            for key in oldest:
                del self._failures[key]
                self._locked_until.pop(key, None)


def too_many(policy: Policy, until: datetime, now: datetime) -> TooManyRequestsError:
    """The bilingual refusal, saying when to try again."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    at = until.strftime("%H:%M UTC")
    return TooManyRequestsError(
        Text(
            f"Terlalu banyak percobaan yang gagal. Coba lagi dalam {minutes} menit "
            f"(setelah pukul {at}).",
            f"Too many failed attempts. Try again in {minutes} minutes (after {at}).",
        ),
        policy.code,
    )


_throttles: weakref.WeakKeyDictionary[object, dict[str, Throttle]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def throttle_for(owner: object, policy: Policy, clock: Callable[[], datetime]) -> Throttle:
    """The throttle of `policy` kept for `owner` (the running app's database) in memory."""
    with _registry_lock:
        kept = _throttles.setdefault(owner, {})
        if policy.name not in kept:
            kept[policy.name] = Throttle(policy, clock)
        return kept[policy.name]


@contextmanager
def guarding(
    throttle: Throttle, key: str, failures: tuple[type[BaseException], ...]
) -> Iterator[None]:
    """Refuse a locked key; count the attempt a failure if it raises one of `failures`,
    a success if it returns."""
    throttle.check(key)
    try:
        yield
    except failures:
        throttle.failure(key)
        raise
    throttle.success(key)
