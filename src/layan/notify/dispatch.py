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

from sqlalchemy import bindparam, select, update

from layan.core.db import Database, UnitOfWork
from layan.notify import rules
from layan.notify.channels import Channels, Claimed, Outcome
from layan.notify.models import Message, Webhook

BATCH = 200


def dispatch(db: Database, channels: Channels, *, batch: int = BATCH) -> int:
    """Send one batch of due messages; how many were claimed."""
    claimed = claim(db, batch, channels.lease_seconds)
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


_CLAIMED_COLUMNS = (
    Message.id,
    Message.key,
    Message.channel,
    Message.recipient,
    Message.subject,
    Message.body,
    Message.attempts,
    Message.test,
    Message.kind,
    Message.webhook_id,
)


def claim(db: Database, batch: int, lease: float = rules.LEASE_SECONDS) -> list[Claimed]:
    """Due messages, marked `sending` with a lease, for this worker alone."""
    with db.unit_of_work() as uow:
        now = uow.now()
        # `sending` is due again only once its lease ran out: its worker died.
        stmt = (
            select(*_CLAIMED_COLUMNS)
            .where(Message.status.in_(rules.DUE), Message.next_attempt_at <= now)
            .order_by(Message.next_attempt_at, Message.id)
            .limit(batch)
        )
        if not uow.db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        connection = uow.session.connection()
        rows = connection.execute(stmt).all()
        if not rows:
            return []
        secrets = _secrets(uow, {m.webhook_id for m in rows if m.webhook_id is not None})
        connection.execute(
            update(Message)
            .where(Message.id.in_([m.id for m in rows]))
            .values(
                status=rules.SENDING,
                attempts=Message.attempts + 1,
                next_attempt_at=now + timedelta(seconds=lease),
            )
        )
        uow.commit()
    return [
        Claimed(
            m.id,
            m.key,
            m.channel,
            m.recipient,
            m.subject,
            m.body,
            m.attempts + 1,
            m.test,
            m.kind,
            secrets.get(m.webhook_id) if m.webhook_id is not None else None,
        )
        for m in rows
    ]


def _secrets(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Webhook.id, Webhook.secret).where(Webhook.id.in_(sorted(ids)))
    return {row.id: row.secret for row in uow.session.execute(stmt)}


# One statement, built once: an outcome is written the moment it is known, so it must be
# cheap. It changes the row only while it is still this worker's claim.
_OUTCOME = (
    update(Message)
    .where(
        Message.id == bindparam("message_id"),
        Message.status == rules.SENDING,
        Message.attempts == bindparam("claimed_attempts"),
    )
    .values(
        status=bindparam("new_status"),
        sent_at=bindparam("new_sent_at"),
        answer=bindparam("new_answer"),
        last_error=bindparam("new_error"),
        next_attempt_at=bindparam("new_next_attempt_at"),
    )
)


def record(db: Database, message: Claimed, outcome: Outcome) -> None:
    """Write what became of a message, unless another worker took it over since."""
    with db.unit_of_work() as uow:
        now = uow.now()
        values = {
            "message_id": message.id,
            "claimed_attempts": message.attempts,
            "new_sent_at": None,
            "new_answer": outcome.answer,
            "new_error": None if outcome.delivered else (outcome.error or "")[:500],
            "new_next_attempt_at": now,
        }
        if outcome.delivered:
            values.update(new_status=rules.DELIVERED, new_sent_at=now)
        else:
            wait = None if outcome.permanent else rules.retry_after(message.attempts)
            if wait is None:
                values["new_status"] = rules.PERMANENT_FAILURE
            else:
                values["new_status"] = rules.TEMPORARY_FAILURE
                values["new_next_attempt_at"] = now + timedelta(seconds=wait)
        uow.session.connection().execute(_OUTCOME, values)
        uow.commit()
