"""The simulation's use cases: what the form offers, a what-if, and the backtest.

Each fits the procedure model from the log of the period's cases (and of the 30 days
before, which only fill the queues) beside the tasks the other services brought to the
same units and roles, with the officers who hold those roles now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from time import monotonic
from typing import Any

from layan.analytics.analysis_access import (
    Access,
    access_to,
    officers_serving,
    services_sharing,
    sla_seconds,
)
from layan.analytics.analysis_inputs import (
    Period,
    changes_of,
    invalid,
    last_full_quarter,
    queue_of,
    replications_of,
    seed_of,
)
from layan.analytics.analysis_reads import (
    LAST_90_DAYS,
    Asked,
    book_for,
    read_logs,
    service_and_period,
    today,
)
from layan.analytics.simulation import Queue
from layan.analytics.simulation_changes import AddOfficers, Change, RemoveStep
from layan.analytics.simulation_fit import Fitted, fit_model
from layan.analytics.simulation_load import SharedService
from layan.analytics.simulation_results import Backtest
from layan.analytics.what_if import WhatIf, backtest_fitted, what_if
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import PermissionDeniedError, Text

SEED = 1
PAGE_REPLICATIONS = 5
API_REPLICATIONS = 10
MAX_CASE_RUNS = 200_000  # simulated cases and shared tasks over every replication of a request
WARMUP_DAYS = 30  # cases before the period only fill the queues, as they did


@dataclass(frozen=True)
class SimulationSetup:
    """What the simulation form offers: the procedure and who serves each step now."""

    published: PublishedStandard
    access: Access
    period: Period
    officers: dict[tuple[str, str], int]


def simulation_setup(
    db: Database, principal: Principal, code: str, asked: Asked = LAST_90_DAYS
) -> SimulationSetup:
    published, access, period = service_and_period(db, principal, code, asked)
    with db.unit_of_work(readonly=True) as uow:
        officers = officers_serving(uow, published)
    return SimulationSetup(published, access, period, officers)


def _fit(db: Database, published: PublishedStandard, period: Period) -> Fitted:
    """The model of the service as its cases of `period` ran, beside the shared load."""
    with db.unit_of_work(readonly=True) as uow:
        officers = officers_serving(uow, published)
        sharing = services_sharing(uow, published)
    code = published.standard.code
    since = period.since - timedelta(days=WARMUP_DAYS)
    frames = read_logs(db, [code, *(p.standard.code for p in sharing)], since, period.until)
    first = period.first - timedelta(days=WARMUP_DAYS)
    book = book_for(db, published, first, period.last, frames.values())
    shared = [
        SharedService(
            p.standard.code,
            frames[p.standard.code],
            {s.code: s.role for s in p.standard.procedure},
            sla_seconds(p, book),
        )
        for p in sharing
    ]
    standard = published.standard
    return fit_model(
        frames[code],
        book,
        standard.groups(),
        officers,
        standard.service_time,
        cuti=standard.cuti_bersama_stops_clock,
        measure_from=period.since,
        slas=sla_seconds(published, book),
        shared=shared,
    )


def _load(fitted: Fitted) -> int:
    """Applications and background tasks one replication plays."""
    return len(fitted.model.arrivals) + len(fitted.model.background)


def _check_budget(fitted: Fitted, replications: int, runs_per_replication: int) -> None:
    load = _load(fitted)
    if load * replications * runs_per_replication > MAX_CASE_RUNS:
        most = MAX_CASE_RUNS // max(load * runs_per_replication, 1)
        raise invalid(
            "replications",
            Text(
                f"Terlalu banyak untuk disimulasikan ({load} permohonan dan tugas): paling "
                f"banyak {most} replikasi, atau persingkat periodenya",
                f"Too much to simulate ({load} applications and tasks): at most {most} "
                "replications, or a shorter period",
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


def simulate_service(
    db: Database,
    principal: Principal,
    code: str,
    *,
    changes: Any = None,
    replications: Any = None,
    seed: Any = None,
    queue: Any = None,
    asked: Asked = LAST_90_DAYS,
    default_replications: int = API_REPLICATIONS,
) -> SimulationReport:
    """The procedure as it ran in the period beside the changed one, on the period's
    arrivals (cases of the 30 days before fill the queues first)."""
    wanted = changes_of(changes)
    count = replications_of(replications, default_replications)
    start, discipline = seed_of(seed, SEED), queue_of(queue)
    published, access, period = service_and_period(db, principal, code, asked)
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
    result: Backtest | None  # None when the quarter had no cases, or too many to simulate
    too_large: bool = False  # not even one replication of the quarter fits the budget


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
        quarter = last_full_quarter(today(uow, tz), tz)
    key = (db.url, published.version_id, quarter, replications, start, discipline)
    kept = _BACKTESTS.get(key)
    if kept is not None and kept[0] > monotonic():
        return kept[1]
    report = _backtest(db, published, quarter, count, replications, start, discipline)
    if len(_BACKTESTS) > 64:
        _BACKTESTS.clear()
    _BACKTESTS[key] = (monotonic() + BACKTEST_SECONDS, report)
    return report


# A past quarter hardly changes: its backtest is kept a while rather than refitted and
# simulated again on every view of the what-if page (by database, standard version,
# quarter and the run's settings; the caller's access was checked above).
BACKTEST_SECONDS = 3600
_BACKTESTS: dict[tuple[Any, ...], tuple[float, BacktestReport]] = {}


def _backtest(
    db: Database,
    published: PublishedStandard,
    quarter: Period,
    count: int,
    replications: Any,
    start: int,
    discipline: Queue,
) -> BacktestReport:
    fitted = _fit(db, published, quarter)
    if replications is None or replications == "":
        # Not asked for a number: as many as fit (a busy service's quarter may fit fewer).
        count = min(count, MAX_CASE_RUNS // max(_load(fitted), 1))
        if count < 1:
            return BacktestReport(published, quarter, 0, start, discipline, fitted, None, True)
    _check_budget(fitted, count, 1)
    measured = int(fitted.cases["measured"].sum())
    result = (
        backtest_fitted(fitted, replications=count, seed=start, queue=discipline)
        if measured
        else None
    )
    return BacktestReport(published, quarter, count, start, discipline, fitted, result)
