"""Sending what the outbox holds: claim a batch, send it, record each outcome.

A worker claims due messages in one short transaction (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so several workers share the outbox and never claim the same
message), marking them `sending` with a lease. It then sends them and records each
outcome in its own transaction the moment it is known, so a worker killed mid-batch
leaves at most the message in flight unrecorded; that one is sent again when its lease
runs out, with the same idempotency key. A temporary failure is retried with backoff
(`notify.rules.BACKOFF`), then becomes permanent.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from layan.core.db import Database, UnitOfWork
from layan.notify import rules
from layan.notify.channels import Channels, Claimed, Outcome
from layan.notify.models import Message, Webhook

BATCH = 200


def dispatch(db: Database, channels: Channels, *, batch: int = BATCH) -> int:
    """Send one batch of due messages; how many were claimed."""
    claimed = claim(db, batch)
    for message, outcome in channels.send(claimed):
        record(db, message, outcome)
    return len(claimed)


def dispatch_all(db: Database, channels: Channels, *, most_batches: int = 50) -> int:
    """Send batches until nothing is due (or `most_batches` were sent); messages claimed."""
    total = 0
    for _ in range(most_batches):
        done = dispatch(db, channels)
        total += done
        if done == 0:
            break
    return total


def claim(db: Database, batch: int) -> list[Claimed]:
    """Due messages, marked `sending` with a lease, for this worker alone."""
    with db.unit_of_work() as uow:
        now = uow.now()
        # `sending` is due again only once its lease ran out: its worker died.
        stmt = (
            select(Message)
            .where(Message.status.in_(rules.DUE), Message.next_attempt_at <= now)
            .order_by(Message.next_attempt_at, Message.id)
            .limit(batch)
        )
        if not uow.db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(uow.session.execute(stmt).scalars())
        if not rows:
            return []
        secrets = _secrets(uow, {m.webhook_id for m in rows if m.webhook_id is not None})
        lease = now + timedelta(seconds=rules.LEASE_SECONDS)
        claimed = []
        for m in rows:
            m.status, m.attempts, m.next_attempt_at = rules.SENDING, m.attempts + 1, lease
            claimed.append(
                Claimed(
                    m.id,
                    m.key,
                    m.channel,
                    m.recipient,
                    m.subject,
                    m.body,
                    m.attempts,
                    m.test,
                    m.kind,
                    secrets.get(m.webhook_id) if m.webhook_id is not None else None,
                )
            )
        uow.commit()
    return claimed


def _secrets(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Webhook.id, Webhook.secret).where(Webhook.id.in_(sorted(ids)))
    return {row.id: row.secret for row in uow.session.execute(stmt)}


def record(db: Database, message: Claimed, outcome: Outcome) -> None:
    """Write what became of a message, unless another worker took it over since."""
    with db.unit_of_work() as uow:
        now = uow.now()
        values: dict[str, object]
        if outcome.delivered:
            values = {
                "status": rules.DELIVERED,
                "sent_at": now,
                "answer": outcome.answer,
                "last_error": None,
            }
        else:
            wait = None if outcome.permanent else rules.retry_after(message.attempts)
            values = {"last_error": (outcome.error or "")[:500]}
            if wait is None:
                values["status"] = rules.PERMANENT_FAILURE
            else:
                values["status"] = rules.TEMPORARY_FAILURE
                values["next_attempt_at"] = now + timedelta(seconds=wait)
        uow.session.execute(
            update(Message)
            .where(
                Message.id == message.id,
                Message.status == rules.SENDING,
                Message.attempts == message.attempts,
            )
            .values(**values)
        )
        uow.commit()
