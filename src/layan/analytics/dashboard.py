"""What the public dashboard reads: a scope and period checked, then its figures.

Public by design (UU 25/2009 asks providers to publish how they perform): nothing here
names a person or a case, only counts, rates and durations per agency, service and month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from layan.analytics import breakdowns, figures, open_data, rules
from layan.analytics.breakdowns import Row
from layan.analytics.figures import Figures, Scope
from layan.analytics.rollups import rollup_state
from layan.catalogue import queries as catalogue
from layan.core.calendar import zone
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError


@dataclass(frozen=True)
class Named:
    code: str
    name: Any  # an agency's name, or a service's bilingual one
    agency: str = ""


@dataclass(frozen=True)
class Dashboard:
    """One scope's figures with the names a page shows, and the next level's table."""

    figures: Figures
    agency: Named | None
    service: Named | None
    rows: list[Row]  # agencies (platform), or services (agency)
    names: dict[str, Any]  # code -> name of the agencies and services in `rows` and steps


def _bad(field: str, id_text: str, en_text: str) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Parameter tidak sah", "Invalid parameters"),
        "invalid",
        [FieldError(field, f"{field}.invalid", Text(f"{field}: {id_text}", f"{field}: {en_text}"))],
    )


def _scope(
    uow: UnitOfWork, agency: str | None, service: str | None
) -> tuple[Scope, Named | None, Named | None]:
    agency = (agency or "").strip()[:40].upper() or None
    service = (service or "").strip()[:63] or None
    found_service = None
    if service:
        published = catalogue.get_standard(uow, service)  # NotFound names the service
        found_service = Named(service, published.standard.name, published.agency)
        if agency and agency != published.agency:
            raise _bad(
                "service",
                f"{service} bukan layanan {agency}",
                f"{service} is not a service of {agency}",
            )
        agency = published.agency
    found_agency = None
    if agency:
        row = catalogue.find_agency(uow, agency)
        if row is None:
            raise NotFoundError(
                Text(f"Instansi '{agency}' tidak ditemukan", f"Agency '{agency}' not found"),
                "agency.not_found",
            )
        found_agency = Named(row.code, row.name)
    return Scope(agency, service), found_agency, found_service


# Figures read from the rollups, kept until the rollups move: a public page is read far
# more often than the worker folds anything new, and every reader of a moment sees the
# same numbers. Keyed by what was asked and by the rollups' state (the cursors and the
# agencies' own entries), so nothing kept is ever older than the rollups themselves.
KEPT_MOST = 512
_KEPT: dict[tuple[Any, ...], Any] = {}


def _kept(uow: UnitOfWork, asked: tuple[Any, ...], read: Any, *args: Any) -> Any:
    key = (uow.db.url, rollup_state(uow), *asked)
    if key not in _KEPT:
        if len(_KEPT) >= KEPT_MOST:
            _KEPT.clear()
        _KEPT[key] = read(uow, *args)
    return _KEPT[key]


def _today(uow: UnitOfWork, scope: Scope) -> date:
    """Today where the scope is: the agency's zone, or WIB for the whole platform."""
    return uow.now().astimezone(zone(catalogue.agency_tz(uow, scope.agency))).date()


def _names(uow: UnitOfWork, agencies: list[Any], standards: list[Any]) -> dict[str, Any]:
    """Names by code: agencies, units ("AGENCY.UNIT"), services, steps ("service/step")."""
    names: dict[str, Any] = dict(catalogue.unit_names(uow))
    names.update({agency.code: agency.name for agency in agencies})
    for published in standards:
        standard = published.standard
        names[standard.code] = standard.name
        names.update({f"{standard.code}/{s.code}": s.name for s in standard.procedure})
    return names


def read_figures(
    db: Database,
    *,
    agency: str | None = None,
    service: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> Figures:
    """The figures of the platform, an agency or a service over a period (the API's)."""
    with db.unit_of_work(readonly=True, replica=True) as uow:
        scope, _agency, _service = _scope(uow, agency, service)
        start, end = rules.period(first, last, _today(uow, scope))
        return _kept(uow, ("figures", scope, start, end), figures.dashboard, scope, start, end)


def read_open_data(
    db: Database,
    *,
    agency: str | None = None,
    service: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> list[dict[str, Any]]:
    """The open data rows (agency, service, month) of a scope and period."""
    with db.unit_of_work(readonly=True, replica=True) as uow:
        scope, _agency, _service = _scope(uow, agency, service)
        start, end = rules.period(first, last, _today(uow, scope))
        return open_data.rows(uow, scope, start, end)


def read_dashboard(
    db: Database,
    *,
    agency: str | None = None,
    service: str | None = None,
    first: str | None = None,
    last: str | None = None,
    fields: tuple[str, str] = ("from", "to"),
) -> Dashboard:
    """A page's figures: the scope's, its steps, the next level's table and the names.
    `fields` name the period's two inputs in an error (the pages' `dari` and `sampai`)."""
    with db.unit_of_work(readonly=True, replica=True) as uow:
        scope, found_agency, found_service = _scope(uow, agency, service)
        start, end = rules.period(first, last, _today(uow, scope), fields)
        shown = replace(
            _kept(uow, ("figures", scope, start, end), figures.dashboard, scope, start, end),
            steps=_kept(uow, ("steps", scope, start, end), breakdowns.steps, scope, start, end),
        )
        agencies, standards = catalogue.list_agencies(uow), catalogue.list_standards(uow)
        names = _names(uow, agencies, standards)
        rows = [] if scope.service else _rows(uow, scope, start, end, agencies, standards)
        rows.sort(key=lambda row: _reading_name(names.get(row.key, row.key)))
        return Dashboard(shown, found_agency, found_service, rows, names)


def _reading_name(name: Any) -> str:
    """What a table is sorted by: the name readers look for (Indonesian), never a figure."""
    return str(getattr(name, "id", name))


def _rows(
    uow: UnitOfWork,
    scope: Scope,
    start: str,
    end: str,
    agencies: list[Any],
    standards: list[Any],
) -> list[Row]:
    """The next level's lines: every agency (or every service of the agency), those with
    nothing in the period included, with nothing to show."""
    by = "service" if scope.agency else "agency"
    found = {row.key: row for row in breakdowns.table(uow, by, scope, start, end)}
    if scope.agency:
        listed = [(p.standard.code, p.agency) for p in standards if p.agency == scope.agency]
    else:
        listed = [(a.code, a.code) for a in agencies]
    for key, agency in listed:
        found.setdefault(key, Row.empty(key, agency))
    return list(found.values())
