"""The citizen's wallet: every document issued to a NIK, opened by a one-time code.

The holder types their NIK and an email address they gave on an application; if a
document was issued to that NIK with that address, a 6-digit code goes to it (the answer
is the same either way, so the form tells no one whether a NIK holds documents). The
code opens a wallet session of 30 minutes. From the wallet the holder downloads each
document and shares one by a link that ends by itself (an hour to 30 days) or when the
holder stops it. Codes, sessions and links are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from layan.catalogue.rules import normalise_email
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    AuthenticationError,
    FieldError,
    GoneError,
    NotFoundError,
    Text,
    ValidationFailedError,
)
from layan.core.identity import InvalidNikError, parse_nik
from layan.core.throttle import WALLET_CODE, WALLET_SEND, guarding, throttle_for
from layan.documents import rules
from layan.documents.models import IssuedOutput, OutputShare, WalletCode, WalletSession
from layan.documents.queries import OUTPUT_NOT_FOUND, OutputRef, find_output, output_ref
from layan.notify.email import Mailer

COOKIE = "layan_wallet"  # the wallet session of the pages
CODE_MINUTES = 10
SESSION_MINUTES = 30
CODE_TRIES = 5  # wrong codes before a code is spent (the throttle counts them too)
SHARE_HOURS = (1, 24, 24 * 7, 24 * 30)  # the lifetimes a holder may give a link
MAX_SHARE_HOURS = SHARE_HOURS[-1]


_WRONG_CODE = AuthenticationError(
    Text(
        "Kode salah atau sudah kedaluwarsa; minta kode baru bila perlu",
        "The code is wrong or has expired; ask for a new one if need be",
    ),
    "wallet.code",
)
_SIGNED_OUT = AuthenticationError(
    Text(
        "Sesi dompet berakhir; masuk lagi dengan kode baru",
        "The wallet session ended; sign in again with a new code",
    ),
    "wallet.session",
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _invalid(errors: list[FieldError]) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Periksa isian yang ditandai", "Check the marked fields"), "invalid", errors
    )


def _nik_of(value: str) -> tuple[str | None, list[FieldError]]:
    try:
        return parse_nik(value).value, []
    except InvalidNikError as exc:
        return None, [FieldError("nik", f"nik.{exc.code}", exc.text)]


# --- opening the wallet -----------------------------------------------------------------


@dataclass(frozen=True)
class CodeRequest:
    """What asking for a code did: whether a message went out (never shown to the asker)."""

    sent: bool


def request_code(db: Database, mailer: Mailer, nik: str, email: str) -> CodeRequest:
    """Send a one-time code to `email` if a document was issued to `nik` with it.

    Bad input names its field; at most 5 codes go to a NIK an hour (429 after that).
    """
    digits, errors = _nik_of(nik)
    address = normalise_email(email)
    if address is None:
        errors.append(
            FieldError(
                "email", "email.invalid", Text("Alamat email tidak sah", "Invalid email address")
            )
        )
    if errors or digits is None or address is None:
        raise _invalid(errors)
    holder = rules.nik_digest(digits)
    sending = throttle_for(db, WALLET_SEND)
    sending.check(holder)
    with db.unit_of_work(readonly=True) as uow:
        known = uow.session.execute(
            select(IssuedOutput.id)
            .where(
                IssuedOutput.subject_nik_sha256 == holder,
                IssuedOutput.contact_sha256 == rules.contact_digest(address),
                IssuedOutput.erased_at.is_(None),
            )
            .limit(1)
        ).first()
    sending.failure(holder)  # every sending counts towards the hourly limit
    if known is None:
        return CodeRequest(False)
    code = f"{secrets.randbelow(1_000_000):06d}"
    mailer.send(address, "Kode masuk Dompet Dokumen Layan", _message(code))
    with db.unit_of_work() as uow:
        now = uow.now()
        uow.session.add(
            WalletCode(
                nik_sha256=holder,
                code_sha256=_digest(f"{holder}:{code}"),
                channel="email",
                created_at=now,
                expires_at=now + timedelta(minutes=CODE_MINUTES),
            )
        )
        uow.commit()
    return CodeRequest(True)


def _message(code: str) -> str:
    return (
        f"Kode masuk Dompet Dokumen Layan Anda: {code}\n\n"
        f"Kode berlaku {CODE_MINUTES} menit dan hanya sekali pakai. Jangan berikan kode ini "
        "kepada siapa pun, termasuk petugas.\n\n"
        f"Your Layan document wallet sign-in code: {code}. It works once, for "
        f"{CODE_MINUTES} minutes. Never give it to anyone, officers included.\n"
    )


@dataclass(frozen=True)
class WalletSignIn:
    token: str
    expires_at: datetime


def sign_in(db: Database, nik: str, code: str) -> WalletSignIn:
    """Exchange the newest unused code of a NIK for a wallet session; wrong codes are
    counted (5 in 15 minutes lock the NIK's wallet for 15 minutes)."""
    digits, errors = _nik_of(nik)
    typed = "".join(str(code or "").split())
    if not (len(typed) == 6 and typed.isdigit()):
        errors.append(
            FieldError(
                "code", "code.invalid", Text("Kode terdiri dari 6 angka", "The code is 6 digits")
            )
        )
    if errors or digits is None:
        raise _invalid(errors)
    holder = rules.nik_digest(digits)
    with guarding(throttle_for(db, WALLET_CODE), holder, (AuthenticationError,)):
        return _redeem(db, holder, typed)


def _redeem(db: Database, holder: str, typed: str) -> WalletSignIn:
    with db.unit_of_work() as uow:
        now = uow.now()
        row = uow.session.execute(
            select(WalletCode)
            .where(
                WalletCode.nik_sha256 == holder,
                WalletCode.used_at.is_(None),
                WalletCode.expires_at > now,
                WalletCode.failures < CODE_TRIES,
            )
            .order_by(WalletCode.created_at.desc(), WalletCode.id.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise _WRONG_CODE
        if not hmac.compare_digest(row.code_sha256, _digest(f"{holder}:{typed}")):
            row.failures += 1
            uow.commit()
            raise _WRONG_CODE
        row.used_at = now
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=SESSION_MINUTES)
        uow.session.add(
            WalletSession(
                token_sha256=_digest(token), nik_sha256=holder, created_at=now, expires_at=expires
            )
        )
        uow.commit()
    return WalletSignIn(token, expires)


def holder_of(uow: UnitOfWork, token: str | None) -> str:
    """The NIK digest a wallet session opens; AuthenticationError when it does not."""
    if not token or len(token) > 100:
        raise _SIGNED_OUT
    row = uow.session.get(WalletSession, _digest(token))
    if row is None or row.expires_at <= uow.now():
        raise _SIGNED_OUT
    return row.nik_sha256


def issued_choices(
    uow: UnitOfWork, token: str | None, services: dict[str, list[str]]
) -> dict[str, list[OutputRef]]:
    """For an open wallet: per requirement, the holder's valid documents of its services
    (newest first), to pick from instead of uploading; nothing without a wallet session."""
    try:
        holder = holder_of(uow, token)
    except AuthenticationError:
        return {}
    today = uow.now().date()
    held = [
        o
        for o in list_wallet(uow, holder)
        if o.kind == "output"
        and o.revoked_at is None
        and (o.valid_until is None or o.valid_until >= today)
    ]
    return {
        code: [o for o in held if o.service_code in wanted] for code, wanted in services.items()
    }


def sign_out(db: Database, token: str | None) -> None:
    if not token or len(token) > 100:
        return
    with db.unit_of_work() as uow:
        uow.session.execute(
            delete(WalletSession).where(WalletSession.token_sha256 == _digest(token))
        )
        uow.commit()


# --- what the wallet holds -------------------------------------------------------------


def list_wallet(uow: UnitOfWork, holder: str) -> list[OutputRef]:
    """Every document issued to the holder's NIK, newest first."""
    rows = uow.session.execute(
        select(IssuedOutput)
        .where(IssuedOutput.subject_nik_sha256 == holder, IssuedOutput.erased_at.is_(None))
        .order_by(IssuedOutput.issued_at.desc(), IssuedOutput.id)
    ).scalars()
    return [output_ref(r) for r in rows]


def held_output(uow: UnitOfWork, holder: str, output_id: str) -> IssuedOutput:
    """One of the holder's documents; NotFound for any other."""
    row = find_output(uow, output_id)
    if row is None or row.erased_at is not None or row.subject_nik_sha256 != holder:
        raise OUTPUT_NOT_FOUND
    return row


# --- sharing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A link to one document; `id` names it for stopping it (never the token itself)."""

    id: int
    output_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    opened: int

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _share(row: OutputShare) -> Share:
    return Share(row.id, row.output_id, row.created_at, row.expires_at, row.revoked_at, row.opened)


def _hours(value: object) -> int:
    text = str(value or "").strip()
    if not text.isdigit() or int(text) not in SHARE_HOURS:
        raise _invalid(
            [
                FieldError(
                    "hours",
                    "share.hours",
                    Text(
                        "Pilih masa berlaku tautan: 1 jam, 1 hari, 7 hari, atau 30 hari",
                        "Choose how long the link works: 1 hour, 1 day, 7 days or 30 days",
                    ),
                )
            ]
        )
    return int(text)


def share_output(
    db: Database, token: str | None, output_id: str, hours: object
) -> tuple[str, Share]:
    """A new link to one of the holder's documents: (the secret link token, the share)."""
    lifetime = _hours(hours)
    with db.unit_of_work() as uow:
        holder = holder_of(uow, token)
        row = held_output(uow, holder, output_id)
        secret = secrets.token_urlsafe(24)
        now = uow.now()
        share = OutputShare(
            token_sha256=_digest(secret),
            output_id=row.id,
            created_at=now,
            expires_at=now + timedelta(hours=lifetime),
            opened=0,
        )
        uow.session.add(share)
        uow.commit()
        return secret, _share(share)


def shares_of(uow: UnitOfWork, holder: str) -> list[Share]:
    """Every link the holder made, newest first."""
    rows = uow.session.execute(
        select(OutputShare)
        .join(IssuedOutput, IssuedOutput.id == OutputShare.output_id)
        .where(IssuedOutput.subject_nik_sha256 == holder)
        .order_by(OutputShare.created_at.desc())
    ).scalars()
    return [_share(r) for r in rows]


def stop_share(db: Database, token: str | None, share_id: int) -> None:
    """Stop one of the holder's links at once."""
    with db.unit_of_work() as uow:
        holder = holder_of(uow, token)
        row = uow.session.execute(
            select(OutputShare)
            .join(IssuedOutput, IssuedOutput.id == OutputShare.output_id)
            .where(
                OutputShare.id == share_id,
                IssuedOutput.subject_nik_sha256 == holder,
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(Text("Tautan tidak ditemukan", "Link not found"), "share.not_found")
        if row.revoked_at is None:
            row.revoked_at = uow.now()
            uow.commit()


def open_share(db: Database, token: str) -> IssuedOutput:
    """The document a share link opens; 404 for no such link, 410 once it ended."""
    with db.unit_of_work() as uow:
        row = (
            uow.session.execute(
                select(OutputShare).where(OutputShare.token_sha256 == _digest(token))
            ).scalar_one_or_none()
            if 10 <= len(token) <= 100
            else None
        )
        if row is None:
            raise NotFoundError(Text("Tautan tidak ditemukan", "Link not found"), "share.not_found")
        if row.revoked_at is not None or row.expires_at <= uow.now():
            raise GoneError(
                Text(
                    "Tautan ini sudah tidak berlaku; mintalah tautan baru kepada pemilik dokumen",
                    "This link no longer works; ask the document's holder for a new one",
                ),
                "share.expired",
            )
        output = uow.session.get(IssuedOutput, row.output_id)
        if output is None or output.erased_at is not None:
            raise OUTPUT_NOT_FOUND
        row.opened += 1
        uow.commit()
        return output


def forget_expired(db: Database) -> int:
    """Delete codes and sessions that can no longer open anything; how many."""
    with db.unit_of_work() as uow:
        now = uow.now()
        gone = uow.session.execute(delete(WalletCode).where(WalletCode.expires_at <= now)).rowcount
        gone += uow.session.execute(
            delete(WalletSession).where(WalletSession.expires_at <= now)
        ).rowcount
        uow.commit()
    return int(gone or 0)
