"""The staff's analysis of their services, one function per question.

- `analysis_home`: which services the officer may analyse, and their agencies' imported
  logs;
- `service_bottlenecks`: where a service's time went in a period (by default the last 90
  days of submissions);
- `simulate_service`: what a procedure change would gain, on the period's arrivals;
- `backtest_service`: the last full quarter simulated beside what actually happened;
- `imported_bottlenecks`: the same bottleneck figures of a log an agency imported.

Each owns its units of work and checks who is asking first (`analysis_access`); inputs
are checked (`analysis_inputs`) before any work, so an absurd request costs nothing.
The rollups are brought up to date before the log is read, so every submitted case is
known. The figures themselves are pure functions of the log (`bottlenecks`, `what_if`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import select

from layan.analytics.analysis_access import (
    REFUSED,
    Access,
    access_to,
    analyst_agencies,
    clock_book,
    find_access,
    may_analyse_something,
    officers_serving,
    sla_seconds,
)
from layan.analytics.analysis_inputs import (
    Period,
    changes_of,
    invalid,
    last_full_quarter,
    period_of,
    queue_of,
    replications_of,
    seed_of,
)
from layan.analytics.bottlenecks import Bottlenecks, find_bottlenecks
from layan.analytics.cases import Variants
from layan.analytics.dfg import performance_dfg
from layan.analytics.eventlog import Selection, get_imported_log, read_imported, read_log
from layan.analytics.measures import EMPTY
from layan.analytics.models import ImportedLog
from layan.analytics.rollups import refresh_rollups
from layan.analytics.simulation_changes import AddOfficers, Change, RemoveStep
from layan.analytics.simulation_fit import Fitted, fit_model
from layan.analytics.simulation_results import Backtest
from layan.analytics.what_if import WhatIf, backtest_fitted, what_if
from layan.analytics.working_time import ClockBook
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import NotFoundError, PermissionDeniedError, Text
from layan.core.worktime import WorkingClock

SEED = 1
PAGE_REPLICATIONS = 5
API_REPLICATIONS = 10
MAX_CASE_RUNS = 200_000  # simulated cases over every replication of one request
WARMUP_DAYS = 30  # cases before the period only fill the queues, as they did
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


def _today(uow: UnitOfWork, tz: str) -> date:
    return uow.now().astimezone(ZoneInfo(tz)).date()


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


@dataclass(frozen=True)
class Asked:
    """The period a page or the API asked for, as it named its fields."""

    first: str | None = None
    last: str | None = None
    names: tuple[str, str] = ("from", "to")


def _service_and_period(
    db: Database, principal: Principal, code: str, asked: Asked
) -> tuple[PublishedStandard, Access, Period]:
    with db.unit_of_work(readonly=True) as uow:
        published, access = access_to(uow, principal, code)
        tz = catalogue.agency_tz(uow, published.agency)
        today = _today(uow, tz)
    return published, access, period_of(asked.first, asked.last, today, tz, asked.names)


def _read(db: Database, code: str, since: datetime, until: datetime) -> pl.DataFrame:
    """The service's cases submitted in [since, until), once the rollups know every case."""
    refresh_rollups(db)
    with db.unit_of_work(readonly=True) as uow:
        return read_log(uow, Selection(service=code, since=since, until=until))


def _book(
    db: Database, published: PublishedStandard, period: Period, frame: pl.DataFrame
) -> ClockBook:
    units = frame["unit"].drop_nulls().unique().to_list()
    with db.unit_of_work(readonly=True) as uow:
        return clock_book(
            uow, published, period.first - timedelta(days=WARMUP_DAYS), period.last, units
        )


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
    db: Database, principal: Principal, code: str, asked: Asked = Asked()
) -> ServiceAnalysis:
    """Where the service's time went for the cases submitted in the period asked for."""
    published, access, period = _service_and_period(db, principal, code, asked)
    frame = _read(db, code, period.since, period.until)
    book = _book(db, published, period, frame)
    figures = find_bottlenecks(
        frame, book, sla_seconds=sla_seconds(published, book), as_of=db.clock()
    )
    figures = replace(
        figures, dfg=performance_dfg(frame.filter(~pl.col("activity").is_in(NOT_STEPS)))
    )
    return ServiceAnalysis(published, access, period, _visible(figures, access))


@dataclass(frozen=True)
class SimulationSetup:
    """What the simulation form offers: the procedure and who serves each step now."""

    published: PublishedStandard
    access: Access
    period: Period
    officers: dict[tuple[str, str], int]


def simulation_setup(
    db: Database, principal: Principal, code: str, asked: Asked = Asked()
) -> SimulationSetup:
    published, access, period = _service_and_period(db, principal, code, asked)
    with db.unit_of_work(readonly=True) as uow:
        officers = officers_serving(uow, published)
    return SimulationSetup(published, access, period, officers)


@dataclass(frozen=True)
class SimulationReport:
    published: PublishedStandard
    access: Access
    period: Period
    changes: list[Change]
    replications: int
    seed: int
    queue: str
    fitted: Fitted
    result: WhatIf
    measured_cases: int


def _fit(db: Database, published: PublishedStandard, period: Period) -> Fitted:
    since = period.since - timedelta(days=WARMUP_DAYS)
    frame = _read(db, published.standard.code, since, period.until)
    book = _book(db, published, period, frame)
    with db.unit_of_work(readonly=True) as uow:
        officers = officers_serving(uow, published)
    standard = published.standard
    return fit_model(
        frame,
        book,
        standard.groups(),
        officers,
        standard.service_time,
        cuti=standard.cuti_bersama_stops_clock,
        measure_from=period.since,
    )


def _check_budget(fitted: Fitted, replications: int, runs_per_replication: int) -> None:
    cases = len(fitted.model.arrivals)
    if cases * replications * runs_per_replication > MAX_CASE_RUNS:
        most = max(MAX_CASE_RUNS // max(cases * runs_per_replication, 1), 0)
        raise invalid(
            "replications",
            Text(
                f"Terlalu banyak untuk disimulasikan ({cases} permohonan): paling banyak "
                f"{most} replikasi, atau persingkat periodenya",
                f"Too much to simulate ({cases} applications): at most {most} replications, "
                "or a shorter period",
            ),
        )


def _check_changes_allowed(
    changes: list[Change], published: PublishedStandard, access: Access
) -> None:
    """A partner agency changes only its own steps and units."""
    if access.full:
        return
    unit_of = {s.code: s.unit for s in published.standard.procedure}
    for change in changes:
        if isinstance(change, AddOfficers):
            units = [change.unit]
        elif isinstance(change, RemoveStep):
            units = [unit_of.get(change.step)]
        else:
            units = [unit_of.get(step) for step in change.steps]
        if not all(access.sees(u) for u in units):
            raise PermissionDeniedError(
                Text(
                    "Anda hanya dapat mengubah langkah dan unit instansi Anda",
                    "You can change only your agency's steps and units",
                ),
                "analysis.change_forbidden",
            )


def simulate_service(
    db: Database,
    principal: Principal,
    code: str,
    *,
    changes: Any = None,
    replications: Any = None,
    seed: Any = None,
    queue: Any = None,
    asked: Asked = Asked(),
    default_replications: int = API_REPLICATIONS,
) -> SimulationReport:
    """The procedure as it ran in the period beside the changed one, on the period's
    arrivals (cases of the 30 days before fill the queues first)."""
    wanted = changes_of(changes)
    count = replications_of(replications, default_replications)
    start, discipline = seed_of(seed, SEED), queue_of(queue)
    published, access, period = _service_and_period(db, principal, code, asked)
    _check_changes_allowed(wanted, published, access)
    fitted = _fit(db, published, period)
    _check_budget(fitted, count, 2)
    result = what_if(fitted.model, wanted, replications=count, seed=start, queue=discipline)
    measured = int(fitted.cases["measured"].sum())
    return SimulationReport(
        published, access, period, wanted, count, start, discipline, fitted, result, measured
    )


@dataclass(frozen=True)
class BacktestReport:
    published: PublishedStandard
    quarter: Period
    replications: int
    seed: int
    queue: str
    fitted: Fitted
    result: Backtest | None  # None when the quarter had no cases


def backtest_service(
    db: Database,
    principal: Principal,
    code: str,
    *,
    replications: Any = None,
    seed: Any = None,
    queue: Any = None,
    default_replications: int = API_REPLICATIONS,
) -> BacktestReport:
    """The last full quarter simulated on its own arrivals, fitted from its own log, beside
    what its cases actually took: how far to trust the what-if."""
    count = replications_of(replications, default_replications)
    start, discipline = seed_of(seed, SEED), queue_of(queue)
    with db.unit_of_work(readonly=True) as uow:
        published, _ = access_to(uow, principal, code)
        tz = catalogue.agency_tz(uow, published.agency)
        quarter = last_full_quarter(_today(uow, tz), tz)
    fitted = _fit(db, published, quarter)
    _check_budget(fitted, count, 1)
    measured = int(fitted.cases["measured"].sum())
    result = (
        backtest_fitted(fitted, replications=count, seed=start, queue=discipline)
        if measured
        else None
    )
    return BacktestReport(published, quarter, count, start, discipline, fitted, result)


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
