"""Counting failed attempts: the policies, and the arithmetic of one key's count.

Pure: no database, no clock of its own. `layan.core.throttle` keeps the counts in the
database so that every server process sees the same ones.
"""

from __future__ import annotations

import math
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
# Officers signing in: 5 wrong passwords (or second-factor codes) for a username within
# 15 minutes.
SIGN_IN = Policy("sign-in", 5, timedelta(minutes=15), timedelta(minutes=15), "auth.throttled")
# Citizens opening an application: 10 wrong PINs for a tracking number within 15 minutes.
TRACKING_PIN = Policy(
    "tracking-pin", 10, timedelta(minutes=15), timedelta(minutes=15), "pin.throttled"
)


# Citizens opening their document wallet: 5 wrong one-time codes for a NIK within 15
# minutes; and at most 5 codes sent to a NIK within an hour (each sending counts).
WALLET_CODE = Policy(
    "wallet-code", 5, timedelta(minutes=15), timedelta(minutes=15), "wallet.throttled"
)
WALLET_SEND = Policy("wallet-send", 5, timedelta(hours=1), timedelta(hours=1), "wallet.throttled")


@dataclass(frozen=True)
class Count:
    """One key's failures since `window_start`, and until when it is locked."""

    window_start: datetime
    failures: int
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def expired(self, policy: Policy, now: datetime) -> bool:
        """Nothing left to remember: the window has passed and no lock holds."""
        return not self.locked_at(now) and self.window_start <= now - policy.window


def after_failure(count: Count | None, policy: Policy, now: datetime) -> Count:
    """The count after one more failure at `now`; the `limit`-th in the window locks.

    The window is fixed, starting at the first failure after the last one expired: a
    guesser gets at most `limit` tries per window, and twice that across a boundary.
    """
    if (
        count is None
        or count.expired(policy, now)
        or (count.locked_until is not None and not count.locked_at(now))
    ):
        count = Count(now, 0)
    failures = count.failures + 1
    locked = now + policy.lockout if failures >= policy.limit else count.locked_until
    return Count(count.window_start, failures, locked)


def too_many(policy: Policy, until: datetime, now: datetime) -> TooManyRequestsError:
    """The bilingual refusal, saying when to try again (and after how many seconds)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    at = until.strftime("%H:%M UTC")
    return TooManyRequestsError(
        Text(
            f"Terlalu banyak percobaan yang gagal. Coba lagi dalam {minutes} menit "
            f"(setelah pukul {at}).",
            f"Too many failed attempts. Try again in {minutes} minutes (after {at}).",
        ),
        policy.code,
        retry_after=seconds,
    )
