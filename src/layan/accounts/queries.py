"""Reads of accounts for the workspace: officers of a unit or an agency, and who administers.

The agency admin pages and the supervisor pages read officers and their roles here; the
checks of who may open those pages live here too, so a page never decides it alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from layan.accounts.models import Membership, Officer
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.core.access import Principal
from layan.core.calendar import national_calendar_days
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, PermissionDeniedError, Text
from layan.core.events import Actor

_NOT_ADMIN = PermissionDeniedError(
    Text("Halaman ini hanya untuk admin instansi", "This page is for agency administrators only"),
    "admin.required",
)


@dataclass(frozen=True)
class OfficerRoles:
    """An officer and the roles they hold in one unit (or across an agency)."""

    id: int
    username: str
    name: str
    active: bool
    roles: tuple[str, ...]


def officers_in_unit(uow: UnitOfWork, unit_id: int) -> list[OfficerRoles]:
    """Every officer holding a role in the unit, by name."""
    return officers_in_units(uow, [unit_id]).get(unit_id, [])


def officers_in_units(uow: UnitOfWork, unit_ids: list[int]) -> dict[int, list[OfficerRoles]]:
    """Every officer holding a role in each of the units, by name, read in one query."""
    if not unit_ids:
        return {}
    rows = uow.session.execute(
        select(Membership.unit_id, Officer, Membership.role)
        .join(Membership, Membership.officer_id == Officer.id)
        .where(Membership.unit_id.in_(unit_ids))
        .order_by(Officer.name, Officer.id, Membership.role)
    ).all()
    by_unit: dict[int, list[tuple[Officer, str]]] = {}
    for unit_id, officer, role in rows:
        by_unit.setdefault(unit_id, []).append((officer, role))
    return {unit_id: _grouped(found) for unit_id, found in by_unit.items()}


def _grouped(rows: list[tuple[Officer, str]]) -> list[OfficerRoles]:
    found: dict[int, tuple[Officer, list[str]]] = {}
    for officer, role in rows:
        found.setdefault(officer.id, (officer, []))[1].append(role)
    return [
        OfficerRoles(o.id, o.username, o.name, o.active, tuple(roles))
        for o, roles in found.values()
    ]


def holds_role(uow: UnitOfWork, officer_id: int, unit_id: int, role: str) -> bool:
    """Whether an active officer holds `role` in the unit."""
    return (
        uow.session.execute(
            select(Membership.id)
            .join(Officer, Officer.id == Membership.officer_id)
            .where(
                Membership.officer_id == officer_id,
                Membership.unit_id == unit_id,
                Membership.role == role,
                Officer.active.is_(True),
            )
        ).first()
        is not None
    )


def officer_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    """The names of officers by id (for showing who holds a task)."""
    if not ids:
        return {}
    rows = uow.session.execute(select(Officer.id, Officer.name).where(Officer.id.in_(ids)))
    return {row.id: row.name for row in rows}


# --- the agency admin ----------------------------------------------------------------


def administered_agencies(uow: UnitOfWork, principal: Principal) -> list[str]:
    """The agencies the principal administers: every one for a platform admin."""
    if not principal.is_admin:
        return []
    if principal.has_role("platform_admin"):
        return [a.code for a in catalogue.list_agencies(uow)]
    return sorted({g.agency for g in principal.grants if g.role == "agency_admin" and g.agency})


def agency_for_admin(uow: UnitOfWork, principal: Principal, requested: str | None) -> str:
    """The agency the admin pages act on; PermissionDenied for anyone but its admins."""
    return _chosen_agency(principal, administered_agencies(uow, principal), requested)


def _chosen_agency(principal: Principal, agencies: list[str], requested: str | None) -> str:
    if not agencies:
        raise _NOT_ADMIN
    if not requested:
        return agencies[0]
    if requested not in agencies:
        if principal.has_role("platform_admin"):
            raise NotFoundError(
                Text(f"Instansi {requested} tidak dikenal", f"Unknown agency {requested}"),
                "agency.not_found",
            )
        raise _NOT_ADMIN
    return requested


def admin_role(principal: Principal) -> str:
    """The role an admin acts in, as the event log names it."""
    return "platform_admin" if principal.has_role("platform_admin") else "agency_admin"


def admin_actor(principal: Principal, agency: str) -> Actor:
    """An admin acting on `agency`, as the event log names them."""
    return Actor(principal.resource, admin_role(principal), agency=agency)


@dataclass(frozen=True)
class UnitStaff:
    code: str
    name: str
    hours: str
    officers: list[OfficerRoles]


@dataclass(frozen=True)
class DayOff:
    """A date the agency's calendar does not count, and why."""

    day: date
    kind: str  # holiday, collective_leave or closure
    name: str
    changed: bool  # added by an admin rather than from the national calendar


@dataclass(frozen=True)
class CalendarChange:
    id: int
    day: date
    kind: str
    action: str
    name: str
    national: bool
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class AgencyAdminView:
    agency: str
    agency_name: str
    agencies: list[str]
    year: int
    units: list[UnitStaff]
    days_off: list[DayOff]
    changes: list[CalendarChange]


def _days_off(year: int, changes: list[CalendarChange]) -> list[DayOff]:
    """The national days of `year` with the admins' changes applied in the order made."""
    public, leave = national_calendar_days([year])
    days: dict[str, dict[date, tuple[str, bool]]] = {
        "holiday": {d: (n, False) for d, n in public.items()},
        "collective_leave": {d: (n, False) for d, n in leave.items()},
        "closure": {},
    }
    for change in sorted(changes, key=lambda c: c.id):
        if change.action == "add":
            days[change.kind][change.day] = (change.name, True)
        else:
            days[change.kind].pop(change.day, None)
    return sorted(
        (
            DayOff(d, kind, name, changed)
            for kind, found in days.items()
            for d, (name, changed) in found.items()
        ),
        key=lambda d: (d.day, d.kind),
    )


def agency_admin_view(
    uow: UnitOfWork, principal: Principal, requested: str | None, year: int | None
) -> AgencyAdminView:
    """Units and officers of the agency, and its calendar for a year (now's by default)."""
    agencies = administered_agencies(uow, principal)
    code = _chosen_agency(principal, agencies, requested)
    agency = catalogue.find_agency(uow, code)
    if agency is None:
        raise NotFoundError(Text(f"Instansi {code} tidak dikenal", f"Unknown agency {code}"))
    year = year or uow.now().year
    staff = officers_in_units(uow, [unit.id for unit in agency.units])
    units = [
        UnitStaff(unit.code, unit.name, f"{unit.opens}–{unit.closes}", staff.get(unit.id, []))
        for unit in agency.units
    ]
    changes = [
        CalendarChange(
            r.id,
            r.day,
            r.kind,
            r.action,
            r.name,
            r.agency_code is None,
            r.recorded_at,
            r.recorded_by,
        )
        for r in catalogue.list_calendar_days(uow, year, code)
    ]
    return AgencyAdminView(
        code,
        agency.name,
        agencies,
        year,
        units,
        _days_off(year, changes),
        changes,
    )


def standards_outside(
    principal: Principal, agency: str, loaded: list[tuple[Path, standards.ServiceStandard]]
) -> list[standards.StandardFileError]:
    """Standards an agency admin may not publish: those of another agency.

    A platform admin publishes for any agency; an agency admin only for the agency whose
    admin pages they are on.
    """
    if principal.has_role("platform_admin"):
        return []
    errors = []
    for path, standard in loaded:
        if standard.agency != agency:
            errors.append(
                standards.StandardFileError(
                    path.name,
                    _line_of(path, "agency"),
                    f"agency: '{standard.agency}' is not your agency ({agency})",
                )
            )
    return errors


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None
