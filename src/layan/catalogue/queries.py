"""Reads of the catalogue: published standards, units, agencies and working calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from layan.catalogue import rules, snapshot
from layan.catalogue.models import Agency, CalendarDay, Registry, Service, StandardVersion, Unit
from layan.core.calendar import ZONES, DayOverride, WorkingCalendar, build_calendar
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text


@dataclass(frozen=True)
class PublishedStandard:
    """A standard version as the rest of Layan sees it."""

    version_id: int
    version: int
    agency: str
    agency_name: str
    standard: rules.ServiceStandard


# Versions never change once published, so each is parsed once per process. The digest is
# part of the key because two databases (tests, restores) may reuse a version's id.
_PARSED: dict[tuple[int, str], rules.ServiceStandard] = {}


def _parsed(row: StandardVersion) -> rules.ServiceStandard:
    key = (row.id, row.digest)
    standard = _PARSED.get(key)
    if standard is None:
        standard = _PARSED[key] = rules.ServiceStandard.model_validate(row.spec)
    return standard


def _published(row: StandardVersion, agency: Agency) -> PublishedStandard:
    return PublishedStandard(row.id, row.version, agency.code, agency.name, _parsed(row))


def get_standard(uow: UnitOfWork, code: str) -> PublishedStandard:
    """The current version of a service's standard; NotFound if there is no such service.

    Read from the process's copy of the catalogue at its current revision (`snapshot`).
    """
    kept = snapshot.snapshot(uow)
    published: PublishedStandard | None = kept.standards.get(code)
    if published is None:
        found = uow.session.execute(
            select(StandardVersion, Agency)
            .join(Service, Service.id == StandardVersion.service_id)
            .join(Agency, Agency.id == Service.agency_id)
            .where(Service.code == code, StandardVersion.version == Service.current_version)
        ).first()
        if found is not None:
            published = kept.standards[code] = _published(*found)
    if published is None:
        raise NotFoundError(
            Text(f"Layanan '{code}' tidak ditemukan", f"Service '{code}' not found"),
            "service.not_found",
        )
    return published


def standard_hint(db: Database, code: str) -> PublishedStandard | None:
    """The current standard of a service as this process last read it, without a read:
    None when it has not. Whoever writes under it checks it with `get_standard` inside
    the writing transaction."""
    kept = snapshot.latest(db.url)
    return None if kept is None else kept.standards.get(code)


# What never changes once a version is published, per database and version id: its number,
# its service and its parsed text. The agency is current: through the service, from the
# catalogue's copy at its revision (a republished service may move agency, an agency may
# be renamed).
_VERSIONS: dict[tuple[str, int], tuple[int, int, rules.ServiceStandard]] = {}


def _frozen_version(uow: UnitOfWork, version_id: int) -> tuple[int, int, rules.ServiceStandard]:
    key = (uow.db.url, version_id)
    frozen = _VERSIONS.get(key)
    if frozen is None:
        row = uow.session.execute(
            select(StandardVersion).where(StandardVersion.id == version_id)
        ).scalar_one()
        if len(_VERSIONS) > 4096:
            _VERSIONS.clear()
        frozen = _VERSIONS[key] = (row.version, row.service_id, _parsed(row))
    return frozen


def standard_text(uow: UnitOfWork, version_id: int) -> rules.ServiceStandard:
    """The text of a standard exactly as it was at a version (read once per process)."""
    return _frozen_version(uow, version_id)[2]


def get_standard_version(uow: UnitOfWork, version_id: int) -> PublishedStandard:
    """A standard exactly as it was at the version an application pinned.

    A published version never changes, so its text is read from the database once per
    process; the agency's code and name are current.
    """
    version, service_id, standard = _frozen_version(uow, version_id)
    agency = snapshot.service_agency(uow, service_id)
    if agency is None:
        raise NotFoundError(
            Text(f"Layanan #{service_id} tidak ditemukan", f"Service #{service_id} not found"),
            "service.not_found",
        )
    return PublishedStandard(version_id, version, agency.code, agency.name, standard)


def list_standards(uow: UnitOfWork) -> list[PublishedStandard]:
    """Every service's current standard, by code."""
    rows = uow.session.execute(
        select(StandardVersion, Agency)
        .join(Service, Service.id == StandardVersion.service_id)
        .join(Agency, Agency.id == Service.agency_id)
        .where(StandardVersion.version == Service.current_version)
        .order_by(Service.code)
    ).all()
    return [_published(row, agency) for row, agency in rows]


def get_unit(uow: UnitOfWork, full_code: str) -> Unit:
    """A unit by its AGENCY.UNIT code."""
    agency_code, _, unit_code = full_code.partition(".")
    unit = uow.session.execute(
        select(Unit).join(Agency).where(Agency.code == agency_code, Unit.code == unit_code)
    ).scalar_one_or_none()
    if unit is None:
        raise NotFoundError(Text(f"Unit {full_code} tidak dikenal", f"Unknown unit {full_code}"))
    return unit


def unit_info(uow: UnitOfWork, full_code: str) -> snapshot.UnitInfo:
    """A unit by its AGENCY.UNIT code, from the catalogue's copy (read-only)."""
    unit = snapshot.unit(uow, full_code)
    if unit is None:
        raise NotFoundError(Text(f"Unit {full_code} tidak dikenal", f"Unknown unit {full_code}"))
    return unit


def find_agency(uow: UnitOfWork, code: str) -> Agency | None:
    return uow.session.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()


def list_agencies(uow: UnitOfWork) -> list[Agency]:
    return list(uow.session.execute(select(Agency).order_by(Agency.code)).scalars())


def unit_names(uow: UnitOfWork) -> dict[str, str]:
    """Every unit's name by its AGENCY.UNIT code, in one read."""
    rows = uow.session.execute(select(Agency.code, Unit.code, Unit.name).join(Unit.agency))
    return {f"{agency}.{unit}": name for agency, unit, name in rows}


@dataclass(frozen=True)
class AgencyHead:
    """What an agency's documents are headed with: its name and its kop surat."""

    code: str
    name: str
    tz: str
    letterhead: rules.Letterhead | None


def agency_head(uow: UnitOfWork, code: str) -> AgencyHead:
    """The agency's name, time zone and letterhead; NotFound for an unknown agency."""
    agency = find_agency(uow, code)
    if agency is None:
        raise NotFoundError(
            Text(f"Instansi {code} tidak dikenal", f"Unknown agency {code}"), "agency.not_found"
        )
    head = rules.Letterhead.model_validate(agency.letterhead) if agency.letterhead else None
    return AgencyHead(agency.code, agency.name, agency.tz, head)


@dataclass(frozen=True)
class KeptRegistry:
    """A registry and the agency that keeps it."""

    agency: str
    registry: rules.Registry


def find_registry(uow: UnitOfWork, code: str) -> KeptRegistry | None:
    row = uow.session.get(Registry, code)
    if row is None:
        return None
    return KeptRegistry(row.agency_code, rules.Registry.model_validate(row.spec))


def list_registries(uow: UnitOfWork) -> list[KeptRegistry]:
    rows = uow.session.execute(select(Registry).order_by(Registry.code)).scalars()
    return [KeptRegistry(r.agency_code, rules.Registry.model_validate(r.spec)) for r in rows]


# --- working calendars -------------------------------------------------------------


@lru_cache(maxsize=256)
def _calendar(
    tz: str,
    opens: str,
    closes: str,
    workdays: str,
    years: range,
    overrides: tuple[DayOverride, ...],
) -> WorkingCalendar:
    return build_calendar(
        tz=tz,
        years=years,
        overrides=overrides,
        workdays=frozenset(int(d) for d in workdays),
        opens=time.fromisoformat(opens),
        closes=time.fromisoformat(closes),
    )


def _years(uow: UnitOfWork, years: range | None) -> range:
    """The years a calendar knows the days off of: by default, around today."""
    if years is not None:
        return years
    year = uow.now().year
    return range(year - 1, year + 3)


def calendar_for_unit(
    uow: UnitOfWork, unit: Unit | snapshot.UnitInfo, years: range | None = None
) -> WorkingCalendar:
    """The unit's working calendar: its hours, its agency's zone, national and agency days."""
    return _calendar(
        unit.agency.tz,
        unit.opens,
        unit.closes,
        unit.workdays,
        _years(uow, years),
        snapshot.overrides(uow, unit.agency.code),
    )


def agency_tz(uow: UnitOfWork, code: str | None) -> str:
    """The agency's time zone (from the catalogue's copy); WIB when the agency is unknown."""
    if not code:
        return ZONES["WIB"]
    agency = snapshot.agency(uow, code)
    return agency.tz if agency else ZONES["WIB"]


def calendar_for_agency(
    uow: UnitOfWork, agency_code: str, years: range | None = None
) -> WorkingCalendar:
    """The agency's calendar at standard government hours, for the whole service time."""
    return _calendar(
        agency_tz(uow, agency_code),
        "07:30",
        "16:00",
        "01234",
        _years(uow, years),
        snapshot.overrides(uow, agency_code),
    )


def list_calendar_days(
    uow: UnitOfWork, year: int, agency_code: str | None = None
) -> list[CalendarDay]:
    """The admin's changes for a year, national and (if given) the agency's."""
    stmt = select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
    )
    if agency_code:
        stmt = stmt.where(
            (CalendarDay.agency_code.is_(None)) | (CalendarDay.agency_code == agency_code)
        )
    return list(uow.session.execute(stmt.order_by(CalendarDay.day, CalendarDay.id)).scalars())


def standard_json(published: PublishedStandard) -> dict[str, Any]:
    """A standard as the API publishes it: the YAML's fields plus the agency and version."""
    body = published.standard.model_dump(mode="json")
    body["agency"] = published.agency
    body["agency_name"] = published.agency_name
    body["version"] = published.version
    for step in body["procedure"]:
        step["agency"] = step["unit"].split(".", 1)[0]
    return body


def services_json(uow: UnitOfWork) -> list[dict[str, Any]]:
    return [standard_json(p) for p in list_standards(uow)]


def service_json(uow: UnitOfWork, code: str) -> dict[str, Any]:
    return standard_json(get_standard(uow, code))
