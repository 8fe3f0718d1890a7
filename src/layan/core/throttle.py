"""Slowing down guessing: too many failures for one key lock that key for a while.

The counts live in the database, so every server process (and a restart) sees the same
ones: a guesser cannot spread tries over a province's processes. A count is written in
its own small unit of work, never inside the caller's; rows whose window has passed and
whose lock has ended are deleted by the sweep (`forget_expired`).

Keys are stored as SHA-256 digests: a guessed username or tracking number is not kept
readable. The arithmetic is in `layan.core.attempts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Integer, String, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.attempts import (
    COMPLAINT_PIN,
    SIGN_IN,
    TRACKING_PIN,
    WALLET_CODE,
    WALLET_SEND,
    Count,
    Policy,
    after_failure,
    too_many,
)
from layan.core.db import Base, Database, UTCDateTime

__all__ = [
    "COMPLAINT_PIN",
    "SIGN_IN",
    "TRACKING_PIN",
    "WALLET_CODE",
    "WALLET_SEND",
    "Policy",
    "Throttle",
    "throttle_for",
]


class ThrottleCounter(Base):
    """Failures of one key under one policy, shared by every server process."""

    __tablename__ = "throttle_counters"

    policy: Mapped[str] = mapped_column(String(30), primary_key=True)
    # SHA-256 of the key: a guessed username or tracking number is not kept readable.
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


def _digest(key: str) -> str:
    return hashlib.sha256(key.strip().lower().encode()).hexdigest()


class Throttle:
    """Failures per key of one policy, counted in `db`."""

    def __init__(self, db: Database, policy: Policy) -> None:
        self.db = db
        self.policy = policy

    def _count(self, key: str) -> tuple[Count | None, datetime]:
        with self.db.unit_of_work(readonly=True) as uow:
            row = uow.session.get(ThrottleCounter, (self.policy.name, _digest(key)))
            count = Count(row.window_start, row.failures, row.locked_until) if row else None
            return count, uow.now()

    def check(self, key: str) -> bool:
        """Raise TooManyRequestsError (with when to try again) if the key is locked;
        else whether the key has failures counted."""
        count, now = self._count(key)
        if count is not None and count.locked_at(now):
            raise too_many(self.policy, count.locked_until, now)  # type: ignore[arg-type]
        return count is not None

    def failure(self, key: str) -> None:
        """Count one failure; the `limit`-th within the window locks the key.

        Call it outside any writing unit of work: it writes in its own.
        """
        ident = (self.policy.name, _digest(key))
        for attempt in range(2):
            try:
                with self.db.unit_of_work() as uow:
                    row = uow.session.get(ThrottleCounter, ident, with_for_update=True)
                    before = (
                        Count(row.window_start, row.failures, row.locked_until) if row else None
                    )
                    count = after_failure(before, self.policy, uow.now())
                    if row is None:
                        row = ThrottleCounter(policy=ident[0], key_digest=ident[1])
                        uow.session.add(row)
                    row.window_start, row.failures = count.window_start, count.failures
                    row.locked_until = count.locked_until
                    uow.commit()
                    return
            except IntegrityError:
                # Another process counted the key's first failure at the same moment:
                # count again on top of its row.
                if attempt:
                    raise

    def success(self, key: str) -> None:
        """A success forgets the key's failures."""
        ident = (self.policy.name, _digest(key))
        with self.db.unit_of_work() as uow:
            uow.session.execute(
                delete(ThrottleCounter).where(
                    ThrottleCounter.policy == ident[0], ThrottleCounter.key_digest == ident[1]
                )
            )
            uow.commit()


def throttle_for(db: Database, policy: Policy) -> Throttle:
    """The throttle of `policy` on `db`; its time is the database's clock (`db.clock`)."""
    return Throttle(db, policy)


def forget_expired(
    db: Database,
    policies: tuple[Policy, ...] = (COMPLAINT_PIN, SIGN_IN, TRACKING_PIN, WALLET_CODE, WALLET_SEND),
) -> int:
    """Delete counts that no longer lock and whose window has passed; how many."""
    removed = 0
    with db.unit_of_work() as uow:
        now = uow.now()
        for policy in policies:
            result = uow.session.execute(
                delete(ThrottleCounter).where(
                    ThrottleCounter.policy == policy.name,
                    ThrottleCounter.window_start <= now - policy.window,
                    or_(
                        ThrottleCounter.locked_until.is_(None), ThrottleCounter.locked_until <= now
                    ),
                )
            )
            removed += result.rowcount or 0
        uow.commit()
    return removed


@contextmanager
def guarding(
    throttle: Throttle, key: str, failures: tuple[type[BaseException], ...]
) -> Iterator[None]:
    """Refuse a locked key; count the attempt a failure if it raises one of `failures`,
    a success if it returns."""
    counted = throttle.check(key)
    try:
        yield
    except failures:
        throttle.failure(key)
        raise
    if counted:  # the usual right first try writes nothing
        throttle.success(key)
