"""The applicant's say over messages: which channels, or none at all.

Chosen at application time (`applicant.channels`); changed later with the PIN, or
stopped from the link at the foot of every email (a token bound to the number, so the
link works without the PIN and stops nothing else). Each change is an event.
"""

from __future__ import annotations

import hashlib
import hmac

from layan.applications import procedure, rules
from layan.applications.models import Application
from layan.applications.queries.views import application_by_pin, pin_guard
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text, ValidationFailedError


def stop_token(secret: str, number: str) -> str:
    """The token of a number's stop link (not the PIN, and useless for anything else)."""
    mac = hmac.new(secret.encode(), f"stop-messages:{number}".encode(), hashlib.sha256)
    return mac.hexdigest()[:24]


def choose_channels(
    db: Database, number: str, pin: str, secret: str, channels: list[str]
) -> tuple[str, ...]:
    """Set the channels of an application's messages (empty: none); those now chosen."""
    chosen, errors = rules.check_channels(channels)
    if errors:
        raise ValidationFailedError(
            Text("Pilihan saluran tidak dapat disimpan", "The choice of channels cannot be saved"),
            "invalid",
            errors,
        )
    with pin_guard(db, number), db.unit_of_work() as uow:
        app = application_by_pin(uow, number, pin, secret)
        _set(uow, app, chosen or ())
        uow.commit()
        return chosen or ()


def stop_messages(db: Database, number: str, token: str, secret: str) -> None:
    """Stop every message about an application, from an email's stop link."""
    normal = rules.normalise_tracking_number(number) or ""
    if not hmac.compare_digest(stop_token(secret, normal), token):
        raise NotFoundError(
            Text("Tautan berhenti tidak sah", "This stop link is not valid"), "messages.not_found"
        )
    with db.unit_of_work() as uow:
        app = application_by_pin(uow, normal, None, secret)
        _set(uow, app, ())
        uow.commit()


def _set(uow: UnitOfWork, app: Application, channels: tuple[str, ...]) -> None:
    app.channels = list(channels)
    app.messages_stopped_at = None if channels else uow.now()
    procedure.log(
        uow,
        app,
        "messages chosen",
        "complete",
        procedure.citizen_actor(app.agency_code),
        channels=list(channels),
    )
