"""Use cases of accounts: officers and their roles, sign-in, bearer tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from layan.accounts import queries as account_queries
from layan.accounts.models import ApiToken, Membership, Officer
from layan.catalogue import queries as catalogue
from layan.catalogue.service import ensure_ledger
from layan.core.access import PLATFORM_ROLES, ROLES, UNIT_ROLES, Grant, Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import AuthenticationError, FieldError, Text, ValidationFailedError
from layan.core.events import SYSTEM, Actor, record_event
from layan.core.throttle import SIGN_IN, throttle_for

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified against when the username is unknown, so a wrong name costs as much time as a
# wrong password and sign-in does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("layan-no-such-officer")
_BAD_SIGN_IN = AuthenticationError(
    Text("Nama pengguna atau kata sandi salah", "Wrong username or password"), "auth.failed"
)


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
    """Create an officer holding `roles`; the password is kept only as an argon2id hash."""
    _check_roles(roles)
    with uow:
        officer = Officer(username=username, name=name, password_hash=_hasher.hash(password))
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
        ledger = next((r.unit.split(".")[0] for r in roles if r.unit), None) or "PLATFORM"
        ensure_ledger(uow, ledger)
        record_event(
            uow.session,
            ledger=ledger,
            case_type="officer",
            case_id=str(officer.id),
            activity="officer created",
            lifecycle="complete",
            actor=actor,
            at=uow.now(),
            payload={"roles": [[r.role, r.unit] for r in roles]},
        )
        uow.commit()
        return officer.id


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD = 10


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
    actor = Actor(principal.resource, account_queries.admin_role(principal), agency=agency)
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
    if len(password) < MIN_PASSWORD:
        problems.append(
            FieldError(
                "password",
                "password.short",
                Text(
                    f"Kata sandi paling sedikit {MIN_PASSWORD} karakter",
                    f"The password needs at least {MIN_PASSWORD} characters",
                ),
            )
        )
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


def issue_token(uow: UnitOfWork, *, username: str, password: str, minutes: int) -> str:
    """Sign in with a password and receive a bearer token that expires.

    Failures are counted per username, known or not (so the lockout reveals nothing), in
    this process's memory: 5 within 15 minutes refuse the username for 15 minutes with
    TooManyRequestsError; a success forgets them.
    """
    throttle = throttle_for(uow.db, SIGN_IN, uow.db.clock)
    throttle.check(username)
    with uow:
        officer = uow.session.execute(
            select(Officer).where(Officer.username == username)
        ).scalar_one_or_none()
        try:
            _hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password)
        except (VerifyMismatchError, InvalidHashError):
            throttle.failure(username)
            raise _BAD_SIGN_IN from None
        if officer is None or not officer.active:
            throttle.failure(username)
            raise _BAD_SIGN_IN
        throttle.success(username)
        token = secrets.token_urlsafe(32)
        now = uow.now()
        uow.session.add(
            ApiToken(
                token_hash=_token_hash(token),
                officer_id=officer.id,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
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
    return principal_of(found[1])


def principal_of(officer: Officer) -> Principal:
    grants = tuple(
        Grant(
            role=m.role,
            unit_id=m.unit_id,
            unit=f"{m.agency_code}.{m.unit_code}" if m.unit_code else None,
            agency=m.agency_code,
        )
        for m in officer.memberships
    )
    return Principal(officer.id, officer.username, officer.name, grants)


def supervisors_of(uow: UnitOfWork, unit_id: int) -> list[int]:
    """The officers who supervise a unit, oldest account first."""
    return list(
        uow.session.execute(
            select(Membership.officer_id)
            .where(Membership.unit_id == unit_id, Membership.role == "supervisor")
            .order_by(Membership.officer_id)
        ).scalars()
    )
