"""Tables of accounts: officers, their roles in units, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from layan.core.db import Base, UTCDateTime


class Officer(Base):
    """A civil servant (ASN) who signs in to work cases."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the daily digest of overdue tasks goes (none: no digest).
    email: Mapped[str | None] = mapped_column(String(254))
    # The shared secret of the optional second factor (RFC 6238 TOTP, base32), and the
    # last 30-second step a code was accepted for, so a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="officer", lazy="selectin", cascade="all, delete-orphan"
    )


class Membership(Base):
    """An officer holds a role in a unit; platform-wide roles have no unit."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("officer_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    agency_code: Mapped[str | None] = mapped_column(String(40))
    unit_code: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(30))
    officer: Mapped[Officer] = relationship(back_populates="memberships")


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the token may do, space-separated: "read" (look) and "write" (change).
    scopes: Mapped[str] = mapped_column(
        String(100), default="read write", server_default="read write"
    )
