"""The staff's analysis of their services, one function per question.

- `analysis_home`: which services the officer may analyse, and their agencies' imported
  logs;
- `service_bottlenecks`: where a service's time went in a period (by default the last 90
  days of submissions);
- `simulate_service`: what a procedure change would gain, on the period's arrivals;
- `backtest_service`: the last full quarter simulated beside what actually happened;
- `imported_bottlenecks`: the same bottleneck figures of a log an agency imported.

Each owns its units of work and checks who is asking first (`analysis_access`); inputs
are checked (`analysis_inputs`) before any work, so an absurd request costs nothing; the
log is read once the rollups know every case (`analysis_reads`). The simulation's use
cases live in `analysis_simulation` and are named here, so pages need this module only.
The figures themselves are pure functions of the log (`bottlenecks`, `what_if`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import polars as pl
from sqlalchemy import select

from layan.analytics.analysis_access import (
    REFUSED,
    Access,
    analyst_agencies,
    find_access,
    may_analyse_something,
    sla_seconds,
)
from layan.analytics.analysis_inputs import Period
from layan.analytics.analysis_reads import (
    LAST_90_DAYS,
    Asked,
    book_for,
    read_logs,
    service_and_period,
)
from layan.analytics.analysis_simulation import (
    API_REPLICATIONS,
    PAGE_REPLICATIONS,
    BacktestReport,
    SimulationReport,
    SimulationSetup,
    backtest_service,
    simulate_service,
    simulation_setup,
)
from layan.analytics.bottlenecks import Bottlenecks, find_bottlenecks
from layan.analytics.cases import Variants
from layan.analytics.dfg import performance_dfg
from layan.analytics.eventlog import get_imported_log, read_imported
from layan.analytics.measures import EMPTY
from layan.analytics.models import ImportedLog
from layan.analytics.working_time import ClockBook
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.worktime import WorkingClock

__all__ = [
    "API_REPLICATIONS",
    "PAGE_REPLICATIONS",
    "AnalysisHome",
    "Asked",
    "BacktestReport",
    "ImportedAnalysis",
    "ServiceAnalysis",
    "SimulationReport",
    "SimulationSetup",
    "analysis_home",
    "backtest_service",
    "imported_bottlenecks",
    "service_bottlenecks",
    "simulate_service",
    "simulation_setup",
]
# Events of a case that are not steps of its procedure: left out of the graph.
NOT_STEPS = ("sla breached", "escalate", "service time breached", "reassign", "draft saved")


@dataclass(frozen=True)
class ServiceRef:
    published: PublishedStandard
    full: bool  # False: the officer's agency holds only some of its steps


@dataclass(frozen=True)
class ImportedRef:
    id: int
    agency: str
    name: str
    cases: int
    events: int
    imported_at: datetime


@dataclass(frozen=True)
class AnalysisHome:
    services: list[ServiceRef]
    imported: list[ImportedRef]


def _imported_logs(uow: UnitOfWork, agencies: frozenset[str] | None) -> list[ImportedRef]:
    stmt = select(ImportedLog).order_by(ImportedLog.imported_at.desc(), ImportedLog.id.desc())
    if agencies is not None:
        stmt = stmt.where(ImportedLog.agency.in_(sorted(agencies)))
    rows = uow.session.execute(stmt.limit(200)).scalars()
    return [ImportedRef(r.id, r.agency, r.name, r.cases, r.events, r.imported_at) for r in rows]


def analysis_home(db: Database, principal: Principal) -> AnalysisHome:
    """The services the officer may analyse (all of them, or their agency's steps of them),
    and the imported logs of their agencies."""
    if not may_analyse_something(principal):
        raise REFUSED
    with db.unit_of_work(readonly=True) as uow:
        services = []
        for published in catalogue.list_standards(uow):
            access = find_access(principal, published)
            if access is not None:
                services.append(ServiceRef(published, access.full))
        agencies = None if principal.reads_everything else analyst_agencies(principal)
        return AnalysisHome(services, _imported_logs(uow, agencies))


@dataclass(frozen=True)
class ServiceAnalysis:
    published: PublishedStandard
    access: Access
    period: Period
    figures: Bottlenecks


def _book(
    db: Database, published: PublishedStandard, period: Period, frame: pl.DataFrame
) -> ClockBook:
    return book_for(db, published, period.first, period.last, [frame])


def _visible(figures: Bottlenecks, access: Access) -> Bottlenecks:
    """The figures an officer of a partner agency sees: their units' steps, and handoffs
    to or from them; not the service's lead times, paths or graph."""
    if access.full:
        return figures
    handoffs = [h for h in figures.handoffs if access.sees(h.from_unit) or access.sees(h.to_unit)]
    return replace(
        figures,
        lead_days=EMPTY,
        steps=[s for s in figures.steps if access.sees(s.unit)],
        handoffs=handoffs,
        unit_handoffs=sum(h.count for h in handoffs),
        agency_handoffs=sum(h.count for h in handoffs if h.across_agencies),
        rework=[r for r in figures.rework if access.sees(r.unit)],
        breaches=[b for b in figures.breaches if access.sees(b.unit)],
        variants=Variants([], 0, 0, 0),
        dfg=None,
    )


def service_bottlenecks(
    db: Database, principal: Principal, code: str, asked: Asked = LAST_90_DAYS
) -> ServiceAnalysis:
    """Where the service's time went for the cases submitted in the period asked for."""
    published, access, period = service_and_period(db, principal, code, asked)
    frame = read_logs(db, [code], period.since, period.until)[code]
    book = _book(db, published, period, frame)
    figures = find_bottlenecks(
        frame, book, sla_seconds=sla_seconds(published, book), as_of=db.clock()
    )
    figures = replace(
        figures, dfg=performance_dfg(frame.filter(~pl.col("activity").is_in(NOT_STEPS)))
    )
    return ServiceAnalysis(published, access, period, _visible(figures, access))


@dataclass(frozen=True)
class ImportedAnalysis:
    log: ImportedRef
    figures: Bottlenecks


def _imported_book(uow: UnitOfWork, agency: str, frame: pl.DataFrame) -> ClockBook:
    if frame.is_empty():
        first = last = uow.now().date()
    else:
        first, last = frame["timestamp"].min().date(), frame["timestamp"].max().date()  # type: ignore[union-attr]
    years = range(first.year - 1, last.year + 2)
    calendar = catalogue.calendar_for_agency(uow, agency, years)
    return ClockBook(WorkingClock(calendar, date(years.start, 1, 1), date(years.stop - 1, 12, 31)))


def imported_bottlenecks(db: Database, principal: Principal, log_id: int) -> ImportedAnalysis:
    """The bottleneck figures of an imported log, for staff of the agency that imported it
    (404 for anyone else, as if it did not exist)."""
    if not may_analyse_something(principal):
        raise REFUSED
    agencies = None if principal.reads_everything else analyst_agencies(principal)
    with db.unit_of_work(readonly=True) as uow:
        found = get_imported_log(uow, log_id)
        if agencies is not None and found.agency not in agencies:
            # Another agency's log is answered as a missing one: its existence is not told.
            raise NotFoundError(Text("Log impor tidak ditemukan", "Imported log not found"))
        log = ImportedRef(
            found.id, found.agency, found.name, found.cases, found.events, found.imported_at
        )
        frame = read_imported(uow, log_id)
        book = _imported_book(uow, found.agency, frame)
    figures = find_bottlenecks(frame, book, imported=True)
    return ImportedAnalysis(log, replace(figures, dfg=performance_dfg(frame)))
