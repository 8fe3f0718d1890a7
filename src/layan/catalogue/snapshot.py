"""The catalogue as requests read it: kept in memory per revision, checked with one read.

Intake, tracking and the officers' queues read the same few catalogue rows on every
request: the service's current standard, the units of its steps, the agencies' time
zones and the admins' calendar days. They change rarely, so each process keeps what it
has read under the catalogue's revision token (`CatalogueRevision`), and a unit of work
reads the token once (one one-row SELECT) to know whether that copy still holds.

Invalidation is the token's change. A flush listener on every session gives the token a
new random value in the same transaction as any ORM change to an agency, unit, service,
standard version or calendar day, so another process (another worker, another server)
sees the change at its next unit of work: a copy can only be used while its token is the
database's.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from layan.catalogue.models import (
    Agency,
    CalendarDay,
    CatalogueRevision,
    Service,
    StandardVersion,
    Unit,
)
from layan.core.calendar import DayOverride
from layan.core.db import UnitOfWork

CATALOGUE = (Agency, Unit, Service, StandardVersion, CalendarDay)
KEPT = 8  # snapshots kept per process (databases times recent revisions)


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: str
    tz: str


@dataclass(frozen=True)
class UnitInfo:
    """A unit as requests need it: shaped like the `Unit` row (`.agency.tz`, `.opens`)."""

    id: int
    code: str
    name: str
    opens: str
    closes: str
    workdays: str
    agency: AgencyInfo

    @property
    def full_code(self) -> str:
        return f"{self.agency.code}.{self.code}"


@dataclass
class Snapshot:
    """What one process has read of one revision of one database's catalogue.

    Filled as it is asked (a nation's catalogue is never read whole); a missing entry is
    read in the asking unit of work, which sees the same revision. What does not exist
    is not kept, so asking for made-up codes cannot grow it.
    """

    standards: dict[str, Any] = field(default_factory=dict)  # code: PublishedStandard
    units: dict[str, UnitInfo] = field(default_factory=dict)
    agencies: dict[str, AgencyInfo] = field(default_factory=dict)
    overrides: dict[str, tuple[DayOverride, ...]] = field(default_factory=dict)
    services: dict[int, AgencyInfo] = field(default_factory=dict)


_SNAPSHOTS: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()
_LOCK = threading.Lock()


_TOKEN = select(CatalogueRevision.token).where(CatalogueRevision.id == 1)


def revision(uow: UnitOfWork) -> str:
    """The catalogue's revision token, read once per unit of work."""
    token = uow.cache.get("catalogue_token")
    if token is None:
        token = uow.session.connection().execute(_TOKEN).scalar_one_or_none()
        token = uow.cache["catalogue_token"] = token or ""
    return str(token)


def _changing(session: Session) -> bool:
    """This transaction changes the catalogue: what it reads is not yet anyone else's."""
    if session.info.get("catalogue_bumped"):
        return True
    touched = (session.new, session.dirty, session.deleted)
    return any(isinstance(obj, CATALOGUE) for group in touched for obj in group)


def snapshot(uow: UnitOfWork) -> Snapshot:
    """This process's copy of the catalogue at the unit of work's revision.

    A unit of work that changes the catalogue gets a copy of its own, so what it reads
    of its own changes never reaches another request (nor outlives a rollback).
    """
    if not uow.readonly and _changing(uow.session):
        own = uow.cache.get("catalogue_own")
        if own is None:
            own = uow.cache["catalogue_own"] = Snapshot()
        return own
    token = revision(uow)
    key = (uow.db.url, token)
    with _LOCK:
        found = _SNAPSHOTS.get(key)
        if found is None:
            found = _SNAPSHOTS[key] = Snapshot()
            while len(_SNAPSHOTS) > KEPT:
                _SNAPSHOTS.popitem(last=False)
        else:
            _SNAPSHOTS.move_to_end(key)
    return found


def latest(url: str) -> Snapshot | None:
    """The copy of `url`'s catalogue used last in this process, without reading the
    database: a hint that a unit of work must check (its revision may be gone)."""
    with _LOCK:
        for (kept_url, _token), kept in reversed(_SNAPSHOTS.items()):
            if kept_url == url:
                return kept
    return None


def agency(uow: UnitOfWork, code: str) -> AgencyInfo | None:
    kept = snapshot(uow)
    if code not in kept.agencies:
        row = uow.session.execute(
            select(Agency.code, Agency.name, Agency.tz).where(Agency.code == code)
        ).first()
        if row is None:
            return None  # misses are not kept: anyone may ask for any code
        kept.agencies[code] = AgencyInfo(*row)
    return kept.agencies[code]


def unit(uow: UnitOfWork, full_code: str) -> UnitInfo | None:
    """A unit by its AGENCY.UNIT code, or None."""
    kept = snapshot(uow)
    if full_code not in kept.units:
        agency_code, _, unit_code = full_code.partition(".")
        row = uow.session.execute(
            select(
                Unit.id,
                Unit.code,
                Unit.name,
                Unit.opens,
                Unit.closes,
                Unit.workdays,
                Agency.code,
                Agency.name,
                Agency.tz,
            )
            .join(Agency, Agency.id == Unit.agency_id)
            .where(Agency.code == agency_code, Unit.code == unit_code)
        ).first()
        if row is None:
            return None
        kept.units[full_code] = UnitInfo(*row[:6], AgencyInfo(row[6], row[7], row[8]))
    return kept.units[full_code]


def service_agency(uow: UnitOfWork, service_id: int) -> AgencyInfo | None:
    """The agency that offers a service now (a republished service may move agency)."""
    kept = snapshot(uow)
    if service_id not in kept.services:
        row = uow.session.execute(
            select(Agency.code, Agency.name, Agency.tz)
            .join(Service, Service.agency_id == Agency.id)
            .where(Service.id == service_id)
        ).first()
        if row is None:
            return None
        kept.services[service_id] = AgencyInfo(*row)
    return kept.services[service_id]


def overrides(uow: UnitOfWork, agency_code: str) -> tuple[DayOverride, ...]:
    """The admins' changes that apply to an agency: national ones and its own, in order."""
    kept = snapshot(uow)
    found = kept.overrides.get(agency_code)
    if found is None:
        rows = uow.session.execute(
            select(CalendarDay.day, CalendarDay.kind, CalendarDay.action, CalendarDay.name)
            .where((CalendarDay.agency_code.is_(None)) | (CalendarDay.agency_code == agency_code))
            .order_by(CalendarDay.id)
        )
        found = kept.overrides[agency_code] = tuple(DayOverride(*r) for r in rows)
    return found


def new_token() -> str:
    return secrets.token_hex(16)


@event.listens_for(Session, "before_flush")
def _catalogue_changed(session: Session, _context: Any, _instances: Any) -> None:
    """A change to the catalogue gives it a new revision in the same transaction."""
    if session.info.get("catalogue_bumped") or not _changing(session):
        return
    token = new_token()
    connection = session.connection()
    table = CatalogueRevision.__table__
    bumped = connection.execute(update(table).where(table.c.id == 1).values(token=token))
    if not bumped.rowcount:
        connection.execute(insert(table).values(id=1, token=token))
    session.info["catalogue_bumped"] = True


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("catalogue_bumped", None)
