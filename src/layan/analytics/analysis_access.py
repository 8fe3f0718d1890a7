"""Who may analyse a service, and what a service's analysis reads besides its log.

Staff who run a service see where its time goes: supervisors and agency admins of the
agency that owns it see all of it; those of an agency whose units hold some of its
steps see those steps (and handoffs to or from them); the platform admin and the
auditor see everything. Anyone else is refused. The working clocks and the officers
per unit and role are read here too, through the catalogue's and the accounts' queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from layan.accounts import queries as accounts
from layan.analytics.working_time import ClockBook
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, PermissionDeniedError, Text
from layan.core.worktime import clock_for

ANALYST_ROLES = frozenset({"supervisor", "agency_admin"})
REFUSED = PermissionDeniedError(
    Text(
        "Analisis layanan ini hanya untuk kepala unit dan admin instansi yang menjalankannya",
        "Analysing this service is for supervisors and agency admins who run it",
    ),
    "analysis.forbidden",
)


@dataclass(frozen=True)
class Access:
    """What an officer sees of one service's analysis."""

    full: bool  # every step, the service's lead times, variants and the graph
    units: frozenset[str]  # the units whose steps they see ("AGENCY.UNIT")

    def sees(self, unit: str | None) -> bool:
        return self.full or (unit or "") in self.units


def analyst_agencies(principal: Principal) -> frozenset[str]:
    """The agencies the officer analyses for (as supervisor or agency admin)."""
    return frozenset(g.agency for g in principal.grants if g.role in ANALYST_ROLES and g.agency)


def may_analyse_something(principal: Principal) -> bool:
    return principal.reads_everything or bool(analyst_agencies(principal))


def find_access(principal: Principal, published: PublishedStandard) -> Access | None:
    """What the officer may see of the service; None when nothing."""
    if principal.reads_everything:
        return Access(True, frozenset(published.standard.units()))
    agencies = analyst_agencies(principal)
    if published.agency in agencies:
        return Access(True, frozenset(published.standard.units()))
    units = frozenset(u for u in published.standard.units() if u.partition(".")[0] in agencies)
    return Access(False, units) if units else None


def access_to(uow: UnitOfWork, principal: Principal, code: str) -> tuple[PublishedStandard, Access]:
    """The service's current standard and the officer's access; 404 for an unknown service,
    403 for an officer who may not analyse it."""
    published = catalogue.get_standard(uow, code)
    access = find_access(principal, published)
    if access is None:
        raise REFUSED
    return published, access


def clock_book(
    uow: UnitOfWork,
    published: PublishedStandard,
    first: date,
    last: date,
    units: Iterable[str] = (),
) -> ClockBook:
    """Working clocks of the service's agency and of its steps' units (and `units`), from a
    year before `first` to a year after `last`, so deadlines past the period are covered."""
    years = range(first.year - 1, last.year + 2)
    cuti = published.standard.cuti_bersama_stops_clock
    service = catalogue.calendar_for_agency(uow, published.agency, years)
    clocks = {}
    for code in sorted({*published.standard.units(), *units}):
        try:
            unit = catalogue.get_unit(uow, code)
        except NotFoundError:
            continue  # a unit since removed: measured on the service's clock
        calendar = catalogue.calendar_for_unit(uow, unit, years)
        clocks[code] = clock_for(calendar, years, collective_leave_stops_clock=cuti)
    return ClockBook(clock_for(service, years, collective_leave_stops_clock=cuti), clocks)


def sla_seconds(published: PublishedStandard, book: ClockBook) -> dict[str, float]:
    """Each step's SLA in working seconds of its unit (a working day is the unit's day)."""
    return {
        step.code: step.sla.days * book.for_unit(step.unit).day_seconds + step.sla.hours * 3600.0
        for step in published.standard.procedure
    }


def officers_serving(uow: UnitOfWork, published: PublishedStandard) -> dict[tuple[str, str], int]:
    """Active officers per (unit, role) of the service's steps."""
    needed = {(s.unit, s.role) for s in published.standard.procedure}
    ids = {}
    for code in {unit for unit, _ in needed}:
        try:
            ids[catalogue.get_unit(uow, code).id] = code
        except NotFoundError:
            continue
    staff = accounts.officers_in_units(uow, sorted(ids))
    counts = dict.fromkeys(sorted(needed), 0)
    for unit_id, officers in staff.items():
        for officer in officers:
            for role in officer.roles:
                key = (ids[unit_id], role)
                if officer.active and key in counts:
                    counts[key] += 1
    return counts


def services_sharing(uow: UnitOfWork, published: PublishedStandard) -> list[PublishedStandard]:
    """The other services with a step at one of this service's units and roles: their
    tasks take the same officers' time."""
    pools = {(s.unit, s.role) for s in published.standard.procedure}
    return [
        other
        for other in catalogue.list_standards(uow)
        if other.standard.code != published.standard.code
        and any((s.unit, s.role) in pools for s in other.standard.procedure)
    ]
