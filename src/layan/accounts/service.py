"""Use cases of accounts: officers and their roles, sign-in, bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from layan.accounts import changes, second_factor
from layan.accounts import queries as account_queries
from layan.accounts.models import ApiToken, Membership, Officer
from layan.accounts.rules import USERNAME_RE, new_password_problems
from layan.catalogue import queries as catalogue
from layan.core.access import (
    ALL_SCOPES,
    PLATFORM_ROLES,
    ROLES,
    UNIT_ROLES,
    Grant,
    Principal,
    scope_text,
)
from layan.core.db import Database, UnitOfWork
from layan.core.errors import AuthenticationError, FieldError, Text, ValidationFailedError
from layan.core.events import SYSTEM, Actor
from layan.core.throttle import SIGN_IN, guarding, throttle_for

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the username is unknown, so a wrong name costs as much time as a
# wrong password and sign-in does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("layan-no-such-officer")


class _Refused(AuthenticationError):
    """A sign-in refused for a wrong password or code: counted by the sign-in throttle."""


_WRONG_SIGN_IN = Text("Nama pengguna atau kata sandi salah", "Wrong username or password")
_BAD_SIGN_IN = _Refused(_WRONG_SIGN_IN, "auth.failed")
_BAD_CODE = _Refused(second_factor.WRONG_CODE, "auth.failed")
# The officer changed between the two steps of a sign-in: start again, nothing counted.
_START_AGAIN = AuthenticationError(_WRONG_SIGN_IN, "auth.failed")
_CODE_REQUIRED = Text(
    "Akun ini memakai verifikasi dua langkah: kirim juga kode 6 angka dari aplikasi "
    "autentikator (kolom totp)",
    "This account uses two-step verification: also send the 6-digit code from the "
    "authenticator app (field totp)",
)


@dataclass(eq=False)
class SecondFactorRequired(AuthenticationError):
    """The password was right, and the officer's second factor must follow."""

    officer_id: int = 0


@dataclass(frozen=True)
class RoleInUnit:
    """A role to give an officer: in a unit (AGENCY.UNIT) or platform-wide (unit None)."""

    role: str
    unit: str | None = None


def create_officer(
    uow: UnitOfWork,
    *,
    username: str,
    name: str,
    password: str,
    roles: list[RoleInUnit],
    actor: Actor = SYSTEM,
) -> int:
    """Create an officer holding `roles`; the password is kept only as an argon2id hash.

    The password must be long enough and not the username (ValidationFailedError).
    """
    _check_roles(roles)
    problems = new_password_problems(username, password, password, field="password")
    if problems:
        raise ValidationFailedError(
            Text("Petugas belum dapat ditambahkan", "The officer cannot be added yet"),
            "invalid",
            problems,
        )
    with uow:
        officer = Officer(username=username, name=name, password_hash=hash_password(password))
        for r in roles:
            if r.unit is None:
                officer.memberships.append(Membership(role=r.role))
                continue
            unit = catalogue.get_unit(uow, r.unit)
            officer.memberships.append(
                Membership(
                    role=r.role, unit_id=unit.id, agency_code=unit.agency.code, unit_code=unit.code
                )
            )
        uow.session.add(officer)
        uow.session.flush()
        changes.record_change(
            uow, officer, "officer created", actor, roles=[[r.role, r.unit] for r in roles]
        )
        uow.commit()
        return officer.id


def add_officer(
    db: Database,
    principal: Principal,
    *,
    agency: str,
    username: str,
    name: str,
    password: str,
    role: str,
    unit: str,
) -> int:
    """An agency admin adds an officer to one of the agency's units (a platform admin to any)."""
    with db.unit_of_work(readonly=True) as uow:
        agency = account_queries.agency_for_admin(uow, principal, agency)
        taken = uow.session.execute(
            select(Officer.id).where(Officer.username == username.strip().lower())
        ).first()
    errors = _officer_problems(username, name, password, role, unit, agency, taken is not None)
    if errors:
        raise ValidationFailedError(
            Text("Petugas belum dapat ditambahkan", "The officer cannot be added yet"),
            "invalid",
            errors,
        )
    actor = account_queries.admin_actor(principal, agency)
    return create_officer(
        db.unit_of_work(),
        username=username.strip().lower(),
        name=" ".join(name.split()),
        password=password,
        roles=[RoleInUnit(role, unit)],
        actor=actor,
    )


def _officer_problems(
    username: str, name: str, password: str, role: str, unit: str, agency: str, taken: bool
) -> list[FieldError]:
    problems = []
    if not USERNAME_RE.match(username.strip().lower()):
        problems.append(
            FieldError(
                "username",
                "username.invalid",
                Text(
                    "Nama pengguna 3-60 huruf kecil, angka, titik, garis bawah atau tanda hubung",
                    "Username: 3-60 lower-case letters, digits, dots, underscores or hyphens",
                ),
            )
        )
    elif taken:
        problems.append(
            FieldError(
                "username",
                "username.taken",
                Text("Nama pengguna sudah dipakai", "That username is already taken"),
            )
        )
    if not name.strip() or len(name) > 200:
        problems.append(
            FieldError(
                "name",
                "name.invalid",
                Text(
                    "Nama wajib diisi (paling banyak 200 karakter)",
                    "Name is required (at most 200 characters)",
                ),
            )
        )
    problems += new_password_problems(username, password, password, field="password")
    if role not in UNIT_ROLES:
        problems.append(FieldError("role", "role.unknown", Text("Pilih peran", "Choose a role")))
    if unit.partition(".")[0] != agency:
        problems.append(
            FieldError(
                "unit",
                "unit.other_agency",
                Text("Pilih unit instansi ini", "Choose a unit of this agency"),
            )
        )
    return problems


def _check_roles(roles: list[RoleInUnit]) -> None:
    errors = []
    for i, r in enumerate(roles):
        if r.role not in ROLES:
            errors.append(
                FieldError(
                    f"roles[{i}]",
                    "role.unknown",
                    Text(f"Peran {r.role} tidak dikenal", f"Unknown role {r.role}"),
                )
            )
        elif (r.role in PLATFORM_ROLES) != (r.unit is None):
            errors.append(
                FieldError(
                    f"roles[{i}]",
                    "role.unit",
                    Text(
                        "Peran platform tanpa unit; peran unit wajib dengan unit",
                        "Platform roles take no unit; unit roles need one",
                    ),
                )
            )
    if errors:
        raise ValidationFailedError(Text("Peran tidak sah", "Invalid roles"), "invalid", errors)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


token_hash = _token_hash  # how a token is stored, for the use cases that revoke tokens


def hash_password(password: str) -> str:
    """The argon2id hash a password is kept as."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


@dataclass(frozen=True)
class _Checked:
    """What the password check found, read in a read-only unit of work."""

    officer_id: int
    secret: str | None
    last_step: int | None


def issue_token(
    db: Database,
    *,
    username: str,
    password: str,
    minutes: int,
    code: str | None = None,
    scopes: frozenset[str] = ALL_SCOPES,
) -> str:
    """Sign in with a password (and, when the officer has it on, a second-factor code)
    and receive a bearer token that expires.

    Failures (a wrong password or code) are counted per username, known or not, in the
    database: 5 within 15 minutes refuse the username for 15 minutes with
    TooManyRequestsError; a success forgets them. A right password without the code the
    officer needs raises SecondFactorRequired and counts neither way.

    The checks read in a read-only unit of work; the count is written after it closed
    (the throttle writes in its own), and the token in a last unit of work of its own.
    """
    with guarding(throttle_for(db, SIGN_IN), username, (_Refused,)):
        with db.unit_of_work(readonly=True) as uow:
            checked = _check_password(uow, username, password)
        if checked is None:
            raise _BAD_SIGN_IN
        if checked.secret is None:
            token = _issue(db, checked.officer_id, minutes, scopes, None)
            if token is None:
                raise _BAD_SIGN_IN
            return token
        if not (code or "").strip():
            # Counts neither way: the guard counts only refusals, and forgets nothing.
            raise SecondFactorRequired(_CODE_REQUIRED, "auth.totp_required", checked.officer_id)
        return _with_code(db, checked, code, minutes, scopes)


def finish_sign_in(
    db: Database,
    *,
    officer_id: int,
    username: str,
    code: str,
    minutes: int,
    scopes: frozenset[str] = ALL_SCOPES,
) -> str:
    """The second step of a sign-in whose password was right: the code from the app.

    `officer_id` and `username` come from the first step (sealed, short-lived); a wrong
    code counts as a failed sign-in like a wrong password.
    """
    with guarding(throttle_for(db, SIGN_IN), username, (_Refused,)):
        with db.unit_of_work(readonly=True) as uow:
            officer = uow.session.get(Officer, officer_id)
            checked = (
                _Checked(officer.id, officer.totp_secret, officer.totp_last_step)
                if officer is not None and officer.active and officer.username == username
                else None
            )
        if checked is None or checked.secret is None:
            # The officer changed since the first step: start again, nothing to count.
            raise _START_AGAIN
        return _with_code(db, checked, code, minutes, scopes)


def _check_password(uow: UnitOfWork, username: str, password: str) -> _Checked | None:
    officer = uow.session.execute(
        select(Officer).where(Officer.username == username)
    ).scalar_one_or_none()
    if not password_matches(officer.password_hash if officer else _DUMMY_HASH, password):
        return None
    if officer is None or not officer.active:
        return None
    return _Checked(officer.id, officer.totp_secret, officer.totp_last_step)


def _with_code(
    db: Database,
    checked: _Checked,
    code: str | None,
    minutes: int,
    scopes: frozenset[str],
) -> str:
    """A token for a right code (inside the caller's sign-in guard); _BAD_CODE if not."""
    step = second_factor.accepted_step(checked.secret or "", code, db.clock(), checked.last_step)
    token = None
    if step is not None:
        token = _issue(db, checked.officer_id, minutes, scopes, (checked.secret or "", step))
    if token is None:
        raise _BAD_CODE
    return token


def _issue(
    db: Database,
    officer_id: int,
    minutes: int,
    scopes: frozenset[str],
    code_step: tuple[str, int] | None,
) -> str | None:
    """A new token for the officer, or None if the officer or their code no longer holds.

    With a second factor, the code's step is stored in the same transaction as the
    token, on the officer's row read for update: of two sign-ins with one code, the
    second finds the step used and gets None.
    """
    with db.unit_of_work() as uow:
        officer = uow.session.get(Officer, officer_id, with_for_update=True)
        if officer is None or not officer.active:
            return None
        if code_step is not None:
            secret, step = code_step
            last = officer.totp_last_step
            if officer.totp_secret != secret or (last is not None and step <= last):
                return None
            officer.totp_last_step = step
        token = secrets.token_urlsafe(32)
        now = uow.now()
        uow.session.add(
            ApiToken(
                token_hash=_token_hash(token),
                officer_id=officer.id,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
                scopes=scope_text(scopes),
            )
        )
        uow.commit()
        return token


def revoke_token(uow: UnitOfWork, token: str) -> None:
    """Sign out: the token stops working at once."""
    with uow:
        found = uow.session.execute(
            select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
        ).scalar_one_or_none()
        if found is not None:
            uow.session.delete(found)
            uow.commit()


def principal_for_token(uow: UnitOfWork, token: str) -> Principal:
    """The officer a bearer token speaks for; AuthenticationError if unknown or expired."""
    found = uow.session.execute(
        select(ApiToken, Officer)
        .join(Officer, Officer.id == ApiToken.officer_id)
        .where(ApiToken.token_hash == _token_hash(token))
    ).first()
    if found is None or found[0].expires_at <= uow.now() or not found[1].active:
        raise AuthenticationError(
            Text(
                "Sesi tidak sah atau kedaluwarsa; silakan masuk lagi",
                "Invalid or expired token; please sign in again",
            ),
            "auth.token",
        )
    scopes = frozenset(found[0].scopes.split()) & ALL_SCOPES
    return principal_of(found[1], scopes)


def principal_of(officer: Officer, scopes: frozenset[str] = ALL_SCOPES) -> Principal:
    """The officer as the services see them, with what their sign-in may do."""
    grants = tuple(
        Grant(
            role=m.role,
            unit_id=m.unit_id,
            unit=f"{m.agency_code}.{m.unit_code}" if m.unit_code else None,
            agency=m.agency_code,
        )
        for m in officer.memberships
    )
    return Principal(officer.id, officer.username, officer.name, grants, scopes)


def supervisors_of(uow: UnitOfWork, unit_id: int) -> list[int]:
    """The officers who supervise a unit, oldest account first."""
    return list(
        uow.session.execute(
            select(Membership.officer_id)
            .where(Membership.unit_id == unit_id, Membership.role == "supervisor")
            .order_by(Membership.officer_id)
        ).scalars()
    )
