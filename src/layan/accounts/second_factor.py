"""The optional second factor of an officer's sign-in: a code from an authenticator app.

Codes follow RFC 6238 (TOTP: six digits from a shared secret and the time, a new one
every 30 seconds), as every common authenticator app makes them. A code is accepted for
the current 30-second step and one step either side (a phone's clock may be a little
off), and only for a step later than the last one accepted, so a code cannot be used
twice.

The shared secret is kept readable in the officers table: it must be, to check codes.
It is protected like the password hashes beside it. Every switch on or off is an event
in the officer's agency's ledger, without the secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
from pyotp import utils as otp_utils

from layan.accounts import changes
from layan.accounts.models import Officer
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    Text,
    ValidationFailedError,
)
from layan.core.events import SYSTEM, Actor
from layan.core.throttle import SIGN_IN, guarding, throttle_for

ISSUER = "Layan"
# Steps either side of the current one whose code is still accepted.
VALID_WINDOW = 1
_CODE = re.compile(r"^[0-9]{6}$")
WRONG_CODE = Text(
    "Kode verifikasi salah, kedaluwarsa atau sudah dipakai",
    "The verification code is wrong, expired or already used",
)


@dataclass(frozen=True)
class Enrolment:
    """A fresh shared secret and the address an authenticator app reads it from."""

    secret: str
    uri: str


def new_enrolment(username: str) -> Enrolment:
    """A fresh random secret (160 bits) for `username`, not yet stored anywhere."""
    secret = pyotp.random_base32()
    return Enrolment(secret, provisioning_uri(secret, username))


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address (shown as a QR code) that sets up an authenticator app."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def clean_code(code: object) -> str | None:
    """Six digits as typed (spaces allowed between them), or None."""
    if not isinstance(code, str):
        return None
    digits = "".join(code.split())
    return digits if _CODE.match(digits) else None


def accepted_step(secret: str, code: object, now: datetime, last_step: int | None) -> int | None:
    """The 30-second step `code` belongs to, if it is valid now and later than `last_step`."""
    cleaned = clean_code(code)
    if cleaned is None or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    # Newest first: of two steps that happen to share a code, the later one is used up.
    for step in range(current + VALID_WINDOW, current - VALID_WINDOW - 1, -1):
        if last_step is not None and step <= last_step:
            continue
        if otp_utils.strings_equal(cleaned, totp.generate_otp(step)):
            return step
    return None


def wrong_code(field: str = "code") -> ValidationFailedError:
    """The refusal of a code, naming the field it was typed in."""
    return ValidationFailedError(
        Text("Kode verifikasi tidak diterima", "The verification code was not accepted"),
        "invalid",
        [FieldError(field, "code.wrong", WRONG_CODE)],
    )


def is_enabled(db: Database, officer_id: int) -> bool:
    """Whether the officer signs in with a second factor."""
    with db.unit_of_work(readonly=True) as uow:
        officer = uow.session.get(Officer, officer_id)
        return bool(officer and officer.totp_secret)


def enable(db: Database, principal: Principal, secret: str, code: object) -> None:
    """The officer switches the second factor on with a secret and one code from their app.

    The code's step is remembered, so the code that confirmed cannot also sign in.
    """
    step = accepted_step(secret, code, db.clock(), None)
    if step is None:
        raise wrong_code()
    with db.unit_of_work() as uow:
        officer = changes.locked_officer(uow, principal.officer_id)
        if officer.totp_secret:
            raise InvalidStateError(
                Text("Verifikasi dua langkah sudah aktif", "Two-step verification is already on"),
                "totp.enabled",
            )
        officer.totp_secret, officer.totp_last_step = secret, step
        changes.record_change(
            uow,
            officer,
            "second factor enabled",
            changes.actor_of(principal),
            factor="totp",
            by="self",
        )
        uow.commit()


def disable(db: Database, principal: Principal, code: object) -> None:
    """The officer switches the second factor off with a current code from their app.

    A refused code counts as a failed sign-in of the officer's username (and a locked
    username is refused), so the form is no way round the sign-in throttle.
    """
    # The guard counts a refusal after the unit of work has closed.
    with guarding(throttle_for(db, SIGN_IN), principal.username, (ValidationFailedError,)):
        _switch_off(db, principal, code)


def _switch_off(db: Database, principal: Principal, code: object) -> None:
    with db.unit_of_work() as uow:
        officer = changes.locked_officer(uow, principal.officer_id)
        if not officer.totp_secret:
            raise InvalidStateError(
                Text("Verifikasi dua langkah tidak aktif", "Two-step verification is off"),
                "totp.disabled",
            )
        step = accepted_step(officer.totp_secret, code, uow.now(), officer.totp_last_step)
        if step is None:
            raise wrong_code()
        officer.totp_secret, officer.totp_last_step = None, None
        changes.record_change(
            uow,
            officer,
            "second factor disabled",
            changes.actor_of(principal),
            factor="totp",
            by="self",
        )
        uow.commit()


def reset(db: Database, username: str, actor: Actor = SYSTEM) -> bool:
    """An operator switches off the second factor of an officer who lost their phone.

    Every token of the officer is revoked with it (the lost phone may hold a signed-in
    session too), so the officer signs in again with the password. Returns whether it
    was on; nothing changes and nothing is recorded when it was already off.
    """
    with db.unit_of_work() as uow:
        officer = changes.locked_officer_by_name(uow, username)
        if not officer.totp_secret:
            return False
        officer.totp_secret, officer.totp_last_step = None, None
        revoked = changes.revoke_tokens(uow, officer.id)
        changes.record_change(
            uow,
            officer,
            "second factor reset",
            actor,
            factor="totp",
            by="operator",
            tokens_revoked=revoked,
        )
        uow.commit()
        return True


def enable_for(db: Database, username: str, actor: Actor = SYSTEM) -> Enrolment:
    """An operator switches the second factor on for an officer, with a fresh secret.

    The officer scans the returned address into their app; refused when already on.
    """
    with db.unit_of_work() as uow:
        officer = changes.locked_officer_by_name(uow, username)
        if officer.totp_secret:
            raise InvalidStateError(
                Text(
                    "Verifikasi dua langkah sudah aktif; setel ulang dahulu",
                    "Two-step verification is already on; reset it first",
                ),
                "totp.enabled",
            )
        enrolment = new_enrolment(officer.username)
        officer.totp_secret, officer.totp_last_step = enrolment.secret, None
        changes.record_change(
            uow, officer, "second factor enabled", actor, factor="totp", by="operator"
        )
        uow.commit()
        return enrolment
