"""The `layan officers` commands: the first agency admin, second factors, passwords,
switching officers off and on. Commands call services, never SQL."""

from __future__ import annotations

import sys
from typing import Annotated

import segno
import typer

from layan.accounts import officers as officer_accounts
from layan.accounts import second_factor
from layan.accounts import service as account_service
from layan.cli_common import database_command, err, out

officers_app = typer.Typer(help="Officers and their roles.", no_args_is_help=True)


@officers_app.command("add")
def officers_add(
    username: str,
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[
        str,
        typer.Option(
            help="front_desk, processor, approver, supervisor, "
            "complaint_handler, agency_admin, platform_admin "
            "or auditor"
        ),
    ],
    unit: Annotated[str | None, typer.Option(help="AGENCY.UNIT; none for platform roles.")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an officer (the first agency admin, or a platform admin or auditor)."""
    with database_command() as db:
        officer_id = account_service.create_officer(
            db.unit_of_work(),
            username=username,
            name=name,
            password=password,
            roles=[account_service.RoleInUnit(role, unit)],
        )
    out.print(f"officer {username} created (id {officer_id})")


@officers_app.command("totp-reset")
def officers_totp_reset(username: str) -> None:
    """Switch off an officer's two-step verification (a lost phone) and end every sign-in
    of theirs (the phone may hold one); recorded as an event."""
    with database_command() as db:
        was_on = second_factor.reset(db, username)
    if was_on:
        out.print(
            f"two-step verification of {username} is off and their sessions ended; "
            "they sign in with the password"
        )
    else:
        out.print(f"{username} had no two-step verification; nothing changed")


@officers_app.command("totp-enable")
def officers_totp_enable(username: str) -> None:
    """Switch on an officer's two-step verification with a fresh key, printed once as an
    otpauth:// address and a QR code for their authenticator app."""
    with database_command() as db:
        enrolment = second_factor.enable_for(db, username)
    err.print(f"two-step verification of {username} is on; scan this once, then keep it secret:")
    sys.stdout.write(enrolment.uri + "\n")
    segno.make(enrolment.uri, error="m").terminal(out=sys.stdout, compact=True)


@officers_app.command("set-password")
def officers_set_password(
    username: str,
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for twice, hidden, when not given.",
        ),
    ] = "",
) -> None:
    """Set a new password for an officer who lost theirs; every sign-in of theirs ends.
    Recorded as an event, without the password."""
    with database_command() as db:
        revoked = officer_accounts.set_password(db, username, password)
    out.print(f"password of {username} set; {revoked} session(s) ended")


def _switch_officer(username: str, active: bool) -> None:
    with database_command() as db:
        changed = officer_accounts.set_active(db, username, active)
    state = "active" if active else "inactive"
    if changed:
        ended = "" if active else "; every session of theirs ended"
        out.print(f"{username} is now {state}{ended}")
    else:
        out.print(f"{username} was already {state}; nothing changed")


@officers_app.command("deactivate")
def officers_deactivate(username: str) -> None:
    """Switch an officer off: they can no longer sign in, and every sign-in of theirs ends.
    Recorded as an event."""
    _switch_officer(username, active=False)


@officers_app.command("activate")
def officers_activate(username: str) -> None:
    """Switch an officer on again: they sign in with their password. Recorded as an event."""
    _switch_officer(username, active=True)


@officers_app.command("set-email")
def officers_set_email(
    username: str,
    email: Annotated[str, typer.Argument(help="The address; empty stops the digest.")] = "",
) -> None:
    """Where the officer's daily digest of overdue tasks goes (empty: no digest)."""
    with database_command() as db:
        officer_accounts.set_email(db, username, email or None)
    out.print(f"digest of {username}: {email or 'none'}")
