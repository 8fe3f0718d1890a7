"""Open311 API keys: an agency admin (or the operator) makes and revokes its clients' keys.

Kept apart from the request use cases so that the admin pages can manage keys without
knowing anything of complaints. A key is random, shown once, and stored as its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from layan.accounts import queries as accounts
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import SYSTEM, Actor, record_event
from layan.open311.models import Open311Key

MAX_KEY_NAME = 100
BAD_KEY = PermissionDeniedError(
    Text("api_key tidak ada atau tidak sah", "api_key is missing or not valid"), "open311.api_key"
)


def key_hash(key: str) -> str:
    """An API key is stored only as its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()


def check_key_name(name: object) -> str:
    """A key's name: one line of 2 to 100 plain characters."""
    text = " ".join(unicodedata.normalize("NFC", name).split()) if isinstance(name, str) else ""
    if 2 <= len(text) <= MAX_KEY_NAME and not any(c in text for c in "<>"):
        return text
    raise ValidationFailedError(
        Text("Kunci API belum dapat dibuat", "The API key cannot be created yet"),
        "invalid",
        [
            FieldError(
                "name",
                "name.invalid",
                Text(
                    f"Nama 2 sampai {MAX_KEY_NAME} karakter, tanpa < atau >",
                    f"A name of 2 to {MAX_KEY_NAME} characters, without < or >",
                ),
            )
        ],
    )


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


def list_keys(uow: UnitOfWork, agency: str) -> list[KeyRow]:
    """The agency's keys by name (never the keys themselves), the active ones first."""
    rows = uow.session.execute(
        select(Open311Key)
        .where(Open311Key.agency_code == agency)
        .order_by(Open311Key.revoked_at.is_not(None), Open311Key.name, Open311Key.id)
    ).scalars()
    return [KeyRow(r.id, r.name, r.created_at, r.created_by, r.revoked_at) for r in rows]


def agency_of_key(uow: UnitOfWork, key: str) -> str | None:
    """The agency an active key belongs to; None for a wrong or revoked key."""
    if not key or len(key) > 200:
        return None
    found = uow.session.execute(
        select(Open311Key).where(Open311Key.key_hash == key_hash(key))
    ).scalar_one_or_none()
    if found is None or found.revoked_at is not None:
        return None
    return found.agency_code


def check_key(uow: UnitOfWork, key: str | None) -> str:
    """The agency whose client holds this key; PermissionDenied (403) for none or a wrong one."""
    agency = agency_of_key(uow, key or "")
    if agency is None:
        raise BAD_KEY
    return agency


# --- changes ------------------------------------------------------------------------------


def _actor(principal: Principal | None, agency: str) -> Actor:
    if principal is None:
        return Actor(SYSTEM.resource, SYSTEM.role, agency=agency)
    return accounts.admin_actor(principal, agency)


def _agency(uow: UnitOfWork, principal: Principal | None, agency: str) -> str:
    """The agency acted on: one the admin administers, or (from the command line) any."""
    if principal is not None:
        return accounts.agency_for_admin(uow, principal, agency or None)
    if catalogue.find_agency(uow, agency) is None:
        raise NotFoundError(
            Text(f"Instansi {agency} tidak dikenal", f"Unknown agency {agency}"),
            "agency.not_found",
        )
    return agency


def create_key(db: Database, principal: Principal | None, agency: str, name: str) -> str:
    """A new API key for `agency`'s client named `name`; the key is returned only this once.

    `principal` is the agency admin (or platform admin) on the admin page; None is the
    operator at the command line.
    """
    label = check_key_name(name)
    key = secrets.token_urlsafe(32)
    with db.unit_of_work() as uow:
        agency = _agency(uow, principal, agency)
        actor = _actor(principal, agency)
        row = Open311Key(
            agency_code=agency,
            name=label,
            key_hash=key_hash(key),
            created_at=uow.now(),
            created_by=actor.resource,
        )
        uow.session.add(row)
        uow.session.flush()
        record_event(
            uow.session,
            ledger=agency,
            case_type="open311_key",
            case_id=str(row.id),
            activity="create open311 key",
            lifecycle="complete",
            actor=actor,
            at=uow.now(),
            payload={"name": label},
        )
        uow.commit()
    return key


def revoke_key(db: Database, principal: Principal | None, agency: str, key_id: int) -> None:
    """The key stops working at once; its row stays, marked revoked."""
    with db.unit_of_work() as uow:
        agency = _agency(uow, principal, agency)
        row = uow.session.execute(
            select(Open311Key)
            .where(Open311Key.id == key_id, Open311Key.agency_code == agency)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(Text("Kunci API tidak ditemukan", "API key not found"), "key")
        if row.revoked_at is None:
            row.revoked_at = uow.now()
            record_event(
                uow.session,
                ledger=agency,
                case_type="open311_key",
                case_id=str(row.id),
                activity="revoke open311 key",
                lifecycle="withdraw",
                actor=_actor(principal, agency),
                at=uow.now(),
            )
        uow.commit()
