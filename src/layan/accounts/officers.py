"""Use cases of an officer's account after it exists: the password, and switching it off.

An officer changes their own password with the current one; an operator sets a new one
for an officer who forgot theirs; an agency admin switches off (and on again) an officer
of the agency's units. Each of these signs the officer out elsewhere: every token but the
one of the officer's own page session (after their own change), or every token at all.
Each is an event in the officer's agency ledger (PLATFORM for platform-wide officers),
never with a password in it.
"""

from __future__ import annotations

from layan.accounts import changes
from layan.accounts import queries as account_queries
from layan.accounts import service as accounts
from layan.accounts.models import Officer
from layan.accounts.rules import new_password_problems
from layan.catalogue import forms
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import SYSTEM, Actor
from layan.core.throttle import SIGN_IN, guarding, throttle_for

CURRENT = "current_password"
NEW = "new_password"
AGAIN = "new_password_again"
_NOT_CHANGED = Text("Kata sandi belum diubah", "The password was not changed")
_WRONG_CURRENT = FieldError(
    CURRENT,
    "password.wrong",
    Text("Kata sandi saat ini salah", "The current password is wrong"),
)
_NOT_YOURS = PermissionDeniedError(
    Text(
        "Petugas ini bukan petugas unit instansi Anda",
        "This officer does not belong to your agency's units",
    ),
    "officer.other_agency",
)


def _same_as_current(field: str) -> FieldError:
    return FieldError(
        field,
        "password.unchanged",
        Text(
            "Kata sandi baru harus berbeda dari yang sekarang",
            "The new password must differ from the current one",
        ),
    )


class _WrongCurrent(Exception):
    """The current password was wrong (with whatever else was wrong with the form)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("wrong current password")
        self.errors = errors


def change_own_password(
    db: Database, principal: Principal, *, session_token: str, current: str, new: str, again: str
) -> int:
    """The signed-in officer changes their password; how many other sign-ins were ended.

    The current password must be right: a wrong one counts as a failed sign-in of the
    officer's username (and a locked username is refused with TooManyRequestsError), so
    the form is no way round the sign-in throttle. Every token of the officer but the one
    of this page session (`session_token`) is revoked in the same transaction.
    """
    try:
        # The guard counts the failure after the unit of work has closed.
        with guarding(throttle_for(db, SIGN_IN), principal.username, (_WrongCurrent,)):
            return _change(db, principal, session_token, current, new, again)
    except _WrongCurrent as wrong:
        raise ValidationFailedError(_NOT_CHANGED, "invalid", wrong.errors) from None


def _change(
    db: Database, principal: Principal, session_token: str, current: str, new: str, again: str
) -> int:
    with db.unit_of_work() as uow:
        officer = changes.locked_officer(uow, principal.officer_id)
        right = accounts.password_matches(officer.password_hash, current)
        problems = new_password_problems(officer.username, new, again)
        if not right:
            raise _WrongCurrent([_WRONG_CURRENT, *problems])
        if not problems and new == current:
            problems.append(_same_as_current(NEW))
        if problems:
            raise ValidationFailedError(_NOT_CHANGED, "invalid", problems)
        officer.password_hash = accounts.hash_password(new)
        revoked = changes.revoke_tokens(uow, officer.id, keep=accounts.token_hash(session_token))
        actor = changes.actor_of(principal)
        changes.record_change(
            uow, officer, "password changed", actor, by="self", tokens_revoked=revoked
        )
        uow.commit()
        return revoked


def set_password(db: Database, username: str, new: str, actor: Actor = SYSTEM) -> int:
    """An operator sets a new password for an officer who lost theirs; how many tokens
    were revoked (all of the officer's: they sign in again with the new password).

    The rules of an officer's own change hold, but for knowing the current password.
    """
    with db.unit_of_work() as uow:
        officer = changes.locked_officer_by_name(uow, username)
        problems = new_password_problems(officer.username, new, new, field="password")
        if not problems and accounts.password_matches(officer.password_hash, new):
            problems.append(_same_as_current("password"))
        if problems:
            raise ValidationFailedError(_NOT_CHANGED, "invalid", problems)
        officer.password_hash = accounts.hash_password(new)
        revoked = changes.revoke_tokens(uow, officer.id)
        changes.record_change(
            uow, officer, "password reset", actor, by="operator", tokens_revoked=revoked
        )
        uow.commit()
        return revoked


def set_active_as_admin(
    db: Database, principal: Principal, *, agency: str | None, officer_id: int, active: bool
) -> bool:
    """An admin switches an officer off (or on again); whether anything changed.

    An agency admin may do so for officers whose roles are all in the agency's units; a
    platform admin for any officer. Nobody switches themselves off. Switching off
    revokes every token of the officer: their sign-ins end at once.
    """
    with db.unit_of_work() as uow:
        code = account_queries.agency_for_admin(uow, principal, agency)
        officer = uow.session.get(Officer, officer_id, with_for_update=True)
        if officer is None:
            raise NotFoundError(Text("Petugas tidak ditemukan", "Officer not found"), "officer")
        if not principal.has_role("platform_admin"):
            agencies = {m.agency_code for m in officer.memberships}
            if agencies != {code}:
                raise _NOT_YOURS
        if officer.id == principal.officer_id and not active:
            raise InvalidStateError(
                Text(
                    "Anda tidak dapat menonaktifkan akun Anda sendiri",
                    "You cannot switch off your own account",
                ),
                "officer.self",
            )
        actor = account_queries.admin_actor(principal, code)
        changed = _switch(uow, officer, active, actor)
        uow.commit()
        return changed


def set_active(db: Database, username: str, active: bool, actor: Actor = SYSTEM) -> bool:
    """An operator switches an officer off (revoking every token) or on again; whether
    anything changed."""
    with db.unit_of_work() as uow:
        officer = changes.locked_officer_by_name(uow, username)
        changed = _switch(uow, officer, active, actor)
        uow.commit()
        return changed


def _switch(uow: UnitOfWork, officer: Officer, active: bool, actor: Actor) -> bool:
    if officer.active == active:
        return False
    officer.active = active
    if active:
        changes.record_change(uow, officer, "officer activated", actor)
    else:
        revoked = changes.revoke_tokens(uow, officer.id)
        changes.record_change(uow, officer, "officer deactivated", actor, tokens_revoked=revoked)
    return True


def set_email(db: Database, username: str, email: str | None, actor: Actor = SYSTEM) -> None:
    """Where an officer's daily digest of overdue tasks goes; None stops it. An event,
    without the address."""
    cleaned = None
    if email:
        cleaned = forms.normalise_email(email)
        if cleaned is None:
            raise ValidationFailedError(
                Text("Alamat email tidak sah", "Invalid email address"),
                "invalid",
                [
                    FieldError(
                        "email",
                        "email.invalid",
                        Text("Alamat email tidak sah", "Invalid email address"),
                    )
                ],
            )
    with db.unit_of_work() as uow:
        officer = changes.locked_officer_by_name(uow, username)
        officer.email = cleaned
        changes.record_change(uow, officer, "officer email set", actor, digest=cleaned is not None)
        uow.commit()
