"""Tables of the catalogue: agencies, units, services, standard versions, calendar days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from layan.core.db import Base, JSONData, UTCDateTime


class Agency(Base):
    """An agency (instansi) with its own time zone and its own ledger."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    # The kop surat of its issued documents (`rules.Letterhead` as JSON); none: the name only.
    letterhead: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    units: Mapped[list[Unit]] = relationship(back_populates="agency", order_by="Unit.code")


class Unit(Base):
    """A service unit (unit pelayanan) of an agency, with its own working hours."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    opens: Mapped[str] = mapped_column(String(5), default="07:30")
    closes: Mapped[str] = mapped_column(String(5), default="16:00")
    workdays: Mapped[str] = mapped_column(String(7), default="01234")
    agency: Mapped[Agency] = relationship(back_populates="units", lazy="joined")

    @property
    def full_code(self) -> str:
        return f"{self.agency.code}.{self.code}"


class Service(Base):
    """A service an agency offers; what it promises is in its current standard version."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    current_version: Mapped[int] = mapped_column(Integer)
    agency: Mapped[Agency] = relationship(lazy="joined")


class StandardVersion(Base):
    """One published version of a service standard, frozen once an application uses it."""

    __tablename__ = "standard_versions"
    __table_args__ = (UniqueConstraint("service_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONData)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Registry(Base):
    """A registry an agency keeps, which once-only requirements look records up in."""

    __tablename__ = "registries"

    code: Mapped[str] = mapped_column(String(63), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONData)  # `rules.Registry` as JSON


class CalendarDay(Base):
    """An admin's change to the national calendar (all agencies) or to one agency's."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str | None] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(60))


class CatalogueRevision(Base):
    """The catalogue's revision: one row whose token changes, in the same transaction,
    with every change to an agency, unit, service, standard version or calendar day.

    Every process keeps what it read of the catalogue under the token it read it at, so
    one small read tells a request whether that copy still holds (`catalogue.snapshot`).
    The token is random, not a count: a database restored or recreated at the same
    address never meets an old copy under the same name.
    """

    __tablename__ = "catalogue_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
