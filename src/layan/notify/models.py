"""Tables of the notify room: the outbox of messages, how far it has read the event log,
agencies' webhooks and their own wording of the templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import Base, JSONData, UTCDateTime
from layan.core.log_cursor import CursorColumns


class NotifyCursor(CursorColumns, Base):
    """How far the outbox has read the event log (`core.log_cursor`)."""

    __tablename__ = "notify_cursors"


class Message(Base):
    """One message to one recipient on one channel, from one event: the outbox row and
    its delivery record. `key` is its idempotency key (`notify.rules.message_key`)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_due", "status", "next_attempt_at"),
        Index("ix_messages_case", "case_type", "case_number"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    case_type: Mapped[str] = mapped_column(String(20))
    case_number: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    # An email address, a phone number, or a webhook's URL; erased with the case's
    # personal data by `layan privacy purge`.
    recipient: Mapped[str] = mapped_column(String(2000))
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    test: Mapped[bool] = mapped_column(Boolean, default=False)  # recorded, never sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    answer: Mapped[str | None] = mapped_column(String(200))  # the server's id or status line


class Webhook(Base):
    """An agency's system told of its events: signed with `secret` (HMAC-SHA256)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(JSONData, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(Integer)


class MessageTemplate(Base):
    """An agency's own wording of a message kind in a language (else the default)."""

    __tablename__ = "message_templates"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[int | None] = mapped_column(Integer)

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "body": self.body}
