"""How a change to an officer's account is made: on the officer's row locked for the
change, signing the officer out where needed, and recorded in the event log.

Shared by the second factor (`second_factor.py`) and the password and switching off
(`officers.py`). The event goes to the officer's own agency ledger (PLATFORM for
platform-wide officers), never with a password or secret in it.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from layan.accounts.models import ApiToken, Officer
from layan.catalogue.service import ensure_ledger
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import Actor, record_event


def locked_officer(uow: UnitOfWork, officer_id: int) -> Officer:
    """An active officer's row, locked until the unit of work ends."""
    officer = uow.session.get(Officer, officer_id, with_for_update=True)
    if officer is None or not officer.active:
        raise NotFoundError(Text("Petugas tidak ditemukan", "Officer not found"), "officer")
    return officer


def locked_officer_by_name(uow: UnitOfWork, username: str) -> Officer:
    """An officer's row by username (active or not), locked until the unit of work ends."""
    officer = uow.session.execute(
        select(Officer).where(Officer.username == username.strip().lower()).with_for_update()
    ).scalar_one_or_none()
    if officer is None:
        raise NotFoundError(
            Text(f"Petugas {username} tidak ditemukan", f"No officer {username}"), "officer"
        )
    return officer


def revoke_tokens(uow: UnitOfWork, officer_id: int, keep: str | None = None) -> int:
    """Delete the officer's tokens (but the one whose hash is `keep`); how many."""
    statement = delete(ApiToken).where(ApiToken.officer_id == officer_id)
    if keep is not None:
        statement = statement.where(ApiToken.token_hash != keep)
    result = uow.session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def record_change(
    uow: UnitOfWork, officer: Officer, activity: str, actor: Actor, **payload: object
) -> None:
    """One event of the officer's account in their agency's ledger."""
    ledger = next((m.agency_code for m in officer.memberships if m.agency_code), None)
    ledger = ensure_ledger(uow, ledger or "PLATFORM")
    record_event(
        uow.session,
        ledger=ledger,
        case_type="officer",
        case_id=str(officer.id),
        activity=activity,
        lifecycle="complete",
        actor=actor,
        at=uow.now(),
        agency=ledger,
        payload=payload,
    )


def actor_of(principal: Principal) -> Actor:
    """The signed-in officer as the event log names them: by their home role and unit."""
    home = principal.home or (principal.grants[0] if principal.grants else None)
    if home is None:
        return Actor(principal.resource, "officer")
    return Actor(principal.resource, home.role, unit=home.unit, agency=home.agency)
