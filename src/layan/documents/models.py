"""Tables of issued documents: signing keys, outputs, share links, the wallet, once-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import Base, JSONData, UTCDateTime


class SigningKey(Base):
    """One Ed25519 key pair of an agency: the public half here, the private in the key folder.

    An agency signs with its one active key; a rotated key is retired, never deleted, so
    documents it signed still verify.
    """

    __tablename__ = "signing_keys"
    __table_args__ = (
        # One active key per agency, even when several processes make one at once.
        Index(
            "uq_signing_keys_active",
            "agency_code",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    x: Mapped[str] = mapped_column(String(43))  # the raw public key, base64url (RFC 8037)
    status: Mapped[str] = mapped_column(String(10))  # "active" or "retired"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DocumentCounter(Base):
    """The last document number an agency gave in a year."""

    __tablename__ = "document_counters"

    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IssuedOutput(Base):
    """An output (or a refusal letter) issued on an application: its signed record.

    `jws` is what the paper's QR code holds; `sheet` is everything the PDF prints, so the
    PDF can always be drawn again exactly; `pdf_digest` names the drawn file in the blob
    store once it exists.
    """

    __tablename__ = "issued_outputs"
    __table_args__ = (Index("ix_issued_outputs_subject", "subject_nik_sha256", "issued_at"),)

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "output" or "refusal"
    number: Mapped[str] = mapped_column(String(80), unique=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    service_code: Mapped[str] = mapped_column(String(63), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(20))
    subject_nik_sha256: Mapped[str] = mapped_column(String(64))
    subject_name: Mapped[str] = mapped_column(String(200))
    # The applicant's email at issue, as a SHA-256: the wallet sends its codes only to an
    # address the holder gave, without keeping a second copy of it.
    contact_sha256: Mapped[str | None] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(ForeignKey("signing_keys.kid"))
    jws: Mapped[str] = mapped_column(Text)
    sheet: Mapped[dict[str, Any]] = mapped_column(JSONData)
    pdf_digest: Mapped[str | None] = mapped_column(String(64))
    pades: Mapped[bool] = mapped_column(Boolean, default=False)  # the PDF carries PAdES
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutputShare(Base):
    """A time-limited link to one output, made by its holder; stored as the token's SHA-256."""

    __tablename__ = "output_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    output_id: Mapped[str] = mapped_column(ForeignKey("issued_outputs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened: Mapped[int] = mapped_column(Integer, default=0)


class WalletCode(Base):
    """A one-time code sent to open the wallet of a NIK; kept only as its SHA-256."""

    __tablename__ = "wallet_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    nik_sha256: Mapped[str] = mapped_column(String(64), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # "email" (and, with notifications, "sms")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)


class WalletSession(Base):
    """A signed-in wallet: the NIK it opens, stored with the token's SHA-256."""

    __tablename__ = "wallet_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    nik_sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OnceOnlyEvidence(Base):
    """A requirement of an application met from what government holds, not an upload.

    `source` is "issued_document" (an output of this platform, `reference` its id) or
    "registry" (a record found by NIK, `reference` the registry's own reference).
    """

    __tablename__ = "once_only_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    service_code: Mapped[str] = mapped_column(String(63))
    requirement: Mapped[str] = mapped_column(String(63))
    source: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(40))  # the agency that holds the data
    reference: Mapped[str] = mapped_column(String(120))
    registry_code: Mapped[str | None] = mapped_column(String(63))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
