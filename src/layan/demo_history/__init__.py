"""A generated history for the demo regency: up to a million applications over the past
years, played out by the procedure's real rules and written in bulk.

`layan demo load --history N` calls `load_history`: arrivals by weekday, hour, season and
holiday (`arrivals`); officers enough for each unit's load with one bottleneck
(`staffing`); each application through its service's real stages, deadlines on the real
calendars, queues served in working hours, returns to applicants, refusals, breaches and
escalations as the sweep marks them, satisfaction questionnaires and complaints
(`engine`, `behaviour`, `complaints`); events hash-chained per agency ledger exactly as
the live services chain them (`ledger`), all written in one transaction (`writer`).
What is still open at the end stays open, in today's queues.

Generated cases issue no documents (their outputs would have come from the old system)
and no files beyond one stored sample PDF their document rows point to.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from layan import demo
from layan.accounts import service as accounts
from layan.analytics.bulk_fold import BulkFold
from layan.analytics.rollups import fold_all
from layan.applications import rules
from layan.applications.models import Application, Document, Task
from layan.catalogue import queries as catalogue
from layan.complaints.models import Complaint, ComplaintUpdate
from layan.core.blobs import BlobStore
from layan.core.calendar import WorkingCalendar, national_calendar_days
from layan.core.codes import ALPHABET, check_char
from layan.core.db import CACHE_PAGES, Database, UnitOfWork
from layan.core.events import Event
from layan.core.worktime import WorkingClock
from layan.demo_history import arrivals, staffing
from layan.demo_history.complaints import ComplaintPlayer
from layan.demo_history.engine import Case, Engine, Unit
from layan.demo_history.ledger import Chains, first_free_id
from layan.demo_history.writer import Writer
from layan.notify import outbox
from layan.surveys.models import SurveyResponse

TABLES = [Application, Document, Task, SurveyResponse, Complaint, ComplaintUpdate]
_ID_COLUMNS = {
    "application": Application.id,
    "task": Task.id,
    "survey": SurveyResponse.id,
    "complaint": Complaint.id,
    "update": ComplaintUpdate.id,
}


@dataclass(frozen=True)
class Summary:
    applications: int
    first: datetime
    last: datetime
    written: dict[str, int]
    officers: int


class HistoryExistsError(Exception):
    """The database already has a past (a generated history, or real cases): a history is
    generated only into a new demo database."""


def years_for(count: int) -> int:
    """How many years a history of `count` applications spans: a busy regency's pace."""
    return max(1, min(4, math.ceil(count / 250_000)))


def load_history(
    db: Database,
    blobs: BlobStore,
    count: int,
    *,
    seed: int = 11,
    years: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Generate `count` applications ending now (the database's clock) and write them."""
    rng = random.Random(seed)
    now = db.clock()
    span = years or years_for(count)
    start = now - timedelta(days=365 * span)
    with db.unit_of_work(readonly=True) as uow:
        if _has_history(uow, now - timedelta(days=60)):
            raise HistoryExistsError(
                "this database already holds a past (applications older than 60 days): "
                "generate history only into a new demo database"
            )
        standards = {p.standard.code: p for p in catalogue.list_standards(uow)}
    days_off = frozenset(_days_off(start.year, now.year))
    came = arrivals.arrivals(
        rng, count, start.date(), now.date(), days_off=days_off, services=sorted(standards), now=now
    )
    working_days = max(
        1, sum(1 for d in range((now - start).days) if (start + timedelta(d)).weekday() < 5)
    )
    per_day = {code: sum(1 for a in came if a.service == code) / working_days for code in standards}
    staff = staffing.ensure_staff(db, staffing.needed_staff(standards.values(), per_day, rng))
    digest = blobs.put(demo.PDF)
    fold_all(db, wait=True)  # the history folds what it writes: what was there, first
    with db.unit_of_work() as uow:
        with _roomy_cache(uow):
            written = _play(uow, rng, came, standards, staff, digest, now, progress)
        uow.commit()
    return Summary(
        len(came), came[0].at if came else now, now, written, sum(map(len, staff.values()))
    )


@contextmanager
def _roomy_cache(uow: UnitOfWork) -> Iterator[None]:
    """SQLite with a page cache large enough for millions of index entries written in
    random order (tracking numbers); its default 2 MB makes each insert a disk read."""
    if not uow.db.is_sqlite:
        yield
        return
    connection = uow.session.connection()
    connection.exec_driver_sql("PRAGMA cache_size = -524288")  # 512 MB
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {CACHE_PAGES}")


def _play(uow, rng, came, standards, staff, digest, now, progress) -> dict[str, int]:  # type: ignore[no-untyped-def]
    years = range(came[0].at.year - 1 if came else now.year - 1, now.year + 2)
    counters = {kind: first_free_id(uow, column) for kind, column in _ID_COLUMNS.items()}

    def ids(kind: str) -> int:
        counters[kind] += 1
        return counters[kind] - 1

    units = _units(uow, staff, years)
    agencies: dict[str, WorkingCalendar] = {}

    def agency_calendar(code: str) -> WorkingCalendar:
        if code not in agencies:
            agencies[code] = catalogue.calendar_for_agency(uow, code, years)
        return agencies[code]

    folded = BulkFold(uow, years)
    untold = outbox.hold_cursor(uow)  # a generated past is announced to nobody
    writer = Writer(uow, Chains(uow, first_free_id(uow, Event.id)), ids, digest, folded, progress)
    engine = Engine(rng, writer, units, agency_calendar, ids)
    complaints = ComplaintPlayer(uow, engine, writer, ids, agency_calendar, rng)
    writer.complaint = complaints.submit  # type: ignore[method-assign]
    for arrival in came:
        engine.run(until=arrival.at)
        engine.submit(
            arrival.at, _case(rng, standards[arrival.service], arrival.at, ids, agency_calendar)
        )
    engine.run(until=now)
    complaints.finish()
    written = writer.finish(list(engine.open.values()), TABLES)
    outbox.pass_over(untold, writer.chains.next_id - 1)
    return written


def _case(rng, published, at, ids, agency_calendar) -> Case:  # type: ignore[no-untyped-def]
    standard = published.standard
    applicant, data, files = demo.sample_submission(standard, rng)
    calendar = agency_calendar(published.agency)
    due = rules.deadline(
        calendar, at, standard.service_time, cuti=standard.cuti_bersama_stops_clock
    )
    number = "".join(rng.choice(ALPHABET) for _ in range(11))
    return Case(
        ids("application"),
        number + check_char(number),
        published,
        applicant,
        dict(data),
        sorted(files),
        standard.stages(data),
        at,
        due,
        tz=calendar.tz,
    )


def _units(
    uow: UnitOfWork, staff: dict[tuple[str, str], list[int]], years: range
) -> dict[str, Unit]:
    span = (datetime(years.start, 1, 1).date(), datetime(years.stop - 1, 12, 31).date())
    found: dict[str, Unit] = {}
    for code in sorted({unit for unit, _role in staff}):
        row = catalogue.get_unit(uow, code)
        calendar = catalogue.calendar_for_unit(uow, row, years)
        supervisors = accounts.supervisors_of(uow, row.id)
        officers = {role: ids for (unit, role), ids in staff.items() if unit == code}
        found[code] = Unit(
            code,
            row.id,
            row.agency.code,
            calendar,
            WorkingClock(calendar, *span),
            supervisors[0] if supervisors else None,
            officers,
        )
    return found


def _days_off(first_year: int, last_year: int) -> set:  # type: ignore[type-arg]
    public, leave = national_calendar_days(range(first_year, last_year + 1))
    return set(public) | set(leave)


def _has_history(uow: UnitOfWork, before: datetime) -> bool:
    """Whether applications older than the demo's own weeks are there already."""
    oldest = uow.session.execute(select(func.min(Application.submitted_at))).scalar()
    return oldest is not None and oldest < before


__all__ = ["HistoryExistsError", "Summary", "load_history", "years_for"]
