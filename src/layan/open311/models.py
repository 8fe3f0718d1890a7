"""The table of Open311 API keys: one per client an agency lets submit requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import Base, UTCDateTime


class Open311Key(Base):
    """An API key, stored only as its SHA-256; the key itself is shown once, when made.

    A revoked key keeps its row (and `revoked_at`) so the agency can see what it issued.
    """

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
