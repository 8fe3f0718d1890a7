"""Use cases of the notify room: one outbox round for the worker, and what citizens and
agency admins ask of it (the messages of a case, webhooks, stopping messages)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from layan.accounts import queries as accounts
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.core.events import record_agency_event
from layan.notify import rules
from layan.notify.channels import Channels, Gateway
from layan.notify.digests import make_digests
from layan.notify.dispatch import dispatch_all
from layan.notify.models import Message, Webhook
from layan.notify.outbox import Outbound, derive_messages

__all__ = ["Channels", "Gateway", "Notifier", "Outbound"]


@dataclass(frozen=True)
class Notifier:
    """How this installation makes and sends messages (built from the settings)."""

    outbound: Outbound
    channels: Channels


@dataclass(frozen=True)
class Sent:
    made: int  # messages derived from new events
    claimed: int  # messages tried


def run_outbox(db: Database, notifier: Notifier, *, most_batches: int = 20) -> Sent:
    """One round: derive the messages of new events, then send what is due."""
    made = make_digests(db, notifier.outbound.public_url, notifier.outbound.test)
    for _ in range(most_batches):
        read, batch = derive_messages(db, notifier.outbound)
        made += batch
        if not read:
            break
    return Sent(made, dispatch_all(db, notifier.channels))


@dataclass(frozen=True)
class MessageView:
    channel: str
    event: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    test: bool


def messages_of(uow: UnitOfWork, case_type: str, number: str) -> list[MessageView]:
    """A case's messages to its citizen, oldest first (webhooks are the agency's own)."""
    stmt = (
        select(Message)
        .where(
            Message.case_type == case_type,
            Message.case_number == number,
            Message.channel != rules.WEBHOOK,
        )
        .order_by(Message.id)
    )
    return [
        MessageView(m.channel, m.kind, m.status, m.created_at, m.sent_at, m.test)
        for m in uow.session.execute(stmt).scalars()
    ]


# --- webhooks -------------------------------------------------------------------------


def _error(field: str, code: str, id_text: str, en_text: str) -> FieldError:
    return FieldError(field, code, Text(id_text, en_text))


def add_webhook(
    db: Database, principal: Principal, agency: str | None, url: str, event_types: list[str]
) -> tuple[Webhook, str]:
    """Register a webhook of the admin's agency; the webhook and its secret (shown once).
    No event types means every kind."""
    errors = []
    if not url.startswith(("https://", "http://")) or len(url) > 2000 or " " in url:
        errors.append(
            _error(
                "url",
                "url.invalid",
                "Alamat webhook harus dimulai http:// atau https://",
                "A webhook's address must start with http:// or https://",
            )
        )
    unknown = [t for t in event_types if t not in rules.EVENT_TYPES]
    if unknown:
        errors.append(
            _error(
                "event_types",
                "event_types.unknown",
                f"Jenis peristiwa tidak dikenal: {', '.join(unknown)}",
                f"Unknown event types: {', '.join(unknown)}",
            )
        )
    with db.unit_of_work() as uow:
        agency = accounts.agency_for_admin(uow, principal, agency)
        if errors:
            raise ValidationFailedError(
                Text("Webhook belum dapat disimpan", "The webhook cannot be saved"),
                "invalid",
                errors,
            )
        secret = secrets.token_urlsafe(32)
        hook = Webhook(
            agency=agency,
            url=url,
            secret=secret,
            event_types=sorted(set(event_types)),
            active=True,
            created_at=uow.now(),
            created_by=principal.officer_id,
        )
        uow.session.add(hook)
        uow.session.flush()
        record_agency_event(
            uow.session,
            agency,
            "webhook added",
            accounts.admin_actor(principal, agency),
            uow.now(),
            payload={"webhook": hook.id, "url": url, "event_types": hook.event_types},
        )
        uow.commit()
        uow.session.refresh(hook)
        return hook, secret


def list_webhooks(uow: UnitOfWork, principal: Principal, agency: str | None) -> list[Webhook]:
    """The admin's agency's webhooks, active or not (their secrets are never shown again)."""
    agency = accounts.agency_for_admin(uow, principal, agency)
    stmt = select(Webhook).where(Webhook.agency == agency).order_by(Webhook.id)
    return list(uow.session.execute(stmt).scalars())


def switch_webhook(db: Database, principal: Principal, webhook_id: int, active: bool) -> Webhook:
    """Switch a webhook of the admin's agency off (nothing more is made for it) or on."""
    with db.unit_of_work() as uow:
        hook = uow.session.get(Webhook, webhook_id)
        if hook is None:
            raise NotFoundError(
                Text("Webhook tidak ditemukan", "Webhook not found"), "webhook.not_found"
            )
        agency = accounts.agency_for_admin(uow, principal, hook.agency)
        hook.active = active
        record_agency_event(
            uow.session,
            agency,
            "webhook switched on" if active else "webhook switched off",
            accounts.admin_actor(principal, agency),
            uow.now(),
            payload={"webhook": hook.id},
        )
        uow.commit()
        return hook


def webhook_deliveries(
    uow: UnitOfWork, principal: Principal, agency: str | None, limit: int = 100
) -> list[Any]:
    """The newest deliveries to the admin's agency's webhooks: the delivery log."""
    agency = accounts.agency_for_admin(uow, principal, agency)
    stmt = (
        select(Message)
        .where(Message.channel == rules.WEBHOOK, Message.agency == agency)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(uow.session.execute(stmt).scalars())
