"""Keeping the rollups up to date from the event log (and the stored questionnaires).

`refresh_rollups` reads what was appended since it last ran, folds it into counters
(`analytics.fold`) and adds them to the rollup tables in one transaction with the
cursor's move, so a crash never counts a batch twice or skips it. The worker calls it
every few seconds; `rebuild_rollups` starts over from the first event.

Ids are read in order, but on PostgreSQL a transaction may commit after another that
drew a larger id: every id passed over is remembered as a gap and read again on later
runs until it appears or is older than any transaction Layan runs (then it was rolled
back). SQLite has one writer and no such gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from layan.analytics.fold import Case, Counters, Fold, LogEvent, SurveyRow, Task
from layan.analytics.models import (
    CaseFacts,
    ComplaintMonth,
    LeadTimes,
    OpenTask,
    RollupCursor,
    ServiceMonth,
    StepMonth,
    SurveyMonth,
)
from layan.catalogue import queries as catalogue
from layan.core.calendar import WorkingCalendar
from layan.core.db import Base, Database, UnitOfWork
from layan.core.errors import NotFoundError
from layan.core.events import Event
from layan.core.worktime import WorkingClock
from layan.surveys import queries as surveys

EVENTS, SURVEYS = "events", "surveys"
BATCH = 5000
# Longer than any transaction Layan runs: an id missing for this long was rolled back.
GAP_SECONDS = 900
_CHUNK = 500
ROLLUP_TABLES = (ServiceMonth, LeadTimes, StepMonth, ComplaintMonth, SurveyMonth)


# Clocks by calendar (the catalogue hands out one calendar object per state of the
# calendar, so a changed calendar is a new key) and span: laying out years of working
# days is worth doing once per process, not once per batch.
_CLOCKS: dict[tuple[int, range], tuple[WorkingCalendar, WorkingClock]] = {}


def _clock_of(calendar: WorkingCalendar, years: range) -> WorkingClock:
    key = (id(calendar), years)
    found = _CLOCKS.get(key)
    if found is None or found[0] is not calendar:
        if len(_CLOCKS) > 256:
            _CLOCKS.clear()
        span = (date(years.start, 1, 1), date(years.stop - 1, 12, 31))
        found = _CLOCKS[key] = (calendar, WorkingClock(calendar, *span))
    return found[1]


class DbClocks:
    """Working clocks of agencies (standard hours) and units (their own), made on demand
    for the years `first`..`last` and reused for one batch."""

    def __init__(self, uow: UnitOfWork, first: int, last: int) -> None:
        self.uow, self.years = uow, range(first - 1, last + 2)
        self._clocks: dict[str, WorkingClock] = {}

    def _clock(self, key: str) -> WorkingClock:
        clock = self._clocks.get(key)
        if clock is None:
            calendar = catalogue.calendar_for_agency(self.uow, key.partition(".")[0], self.years)
            if "." in key:
                try:
                    unit = catalogue.get_unit(self.uow, key)
                    calendar = catalogue.calendar_for_unit(self.uow, unit, self.years)
                except NotFoundError:
                    pass  # a unit since removed: its agency's standard hours
            clock = self._clocks[key] = _clock_of(calendar, self.years)
        return clock

    def tz(self, agency: str) -> str:
        return self._clock(agency).calendar.tz

    def working_seconds(self, key: str, start: datetime, end: datetime) -> float:
        return max(self._clock(key).between(start, end), 0.0)

    def day_seconds(self, agency: str) -> float:
        return self._clock(agency).day_seconds


@dataclass(frozen=True)
class Refreshed:
    events: int
    surveys: int


def refresh_rollups(db: Database, *, batch: int = BATCH) -> Refreshed:
    """Fold what was appended since the last run into the rollups; how many rows were read.

    Safe beside other workers: the one that holds a source's cursor does the work and
    the others return at once.
    """
    with db.unit_of_work() as uow:
        events = _cursor(uow, EVENTS)
        answers = _cursor(uow, SURVEYS)
        if events is None or answers is None:
            return Refreshed(0, 0)  # another worker is at it
        now = uow.now()
        new_events = _read(uow, events, now, batch, _events_after, _events_by_ids)
        new_answers = _read(uow, answers, now, batch, surveys.scores_after, surveys.scores_by_ids)
        if new_events or new_answers:
            _fold(uow, [_log_event(e) for e in new_events], new_answers)
        uow.commit()
    return Refreshed(len(new_events), len(new_answers))


def rebuild_rollups(
    db: Database, *, batch: int = 20_000, progress: Callable[[int], None] | None = None
) -> int:
    """Empty the rollups and fold the whole log again; the number of events read."""
    with db.unit_of_work() as uow:
        for model in (*ROLLUP_TABLES, CaseFacts, OpenTask, RollupCursor):
            uow.session.execute(delete(model))
        uow.commit()
    total = 0
    while True:
        done = refresh_rollups(db, batch=batch)
        total += done.events
        if progress is not None:
            progress(done.events)
        if done.events < batch and done.surveys < batch:
            return total


class BulkFold:
    """The fold of a bulk writer that appends events itself (a generated history): it is
    told each event as it is written, keeps open cases and tasks in memory, writes
    decided cases as it goes, and at the end adds its counters and moves the cursors
    past what it wrote, in the writer's transaction. The rollups must be current first.
    """

    def __init__(self, uow: UnitOfWork, years: range) -> None:
        self.uow = uow
        self.fold = Fold(DbClocks(uow, years.start, years.stop - 1), {}, {})
        self._stored_tasks: set[int] = set()

    def event(self, row: dict[str, Any]) -> None:
        self.fold.apply(LogEvent(*(row[c.key] for c in _EVENT_COLUMNS[:8]), row["payload"]))

    def survey(self, row: SurveyRow) -> None:
        self.fold.apply_survey(row)

    def flush(self) -> None:
        """Write the cases and tasks changed since the last flush; forget decided cases."""
        fold = self.fold
        _write_cases(self.uow, [fold.cases[key] for key in fold.changed])
        for key in fold.changed:
            if fold.cases[key].decided_at is not None:
                del fold.cases[key]  # nothing later counts for a decided case
        fold.changed.clear()
        _write_tasks(
            self.uow,
            [fold.tasks[i] for i in fold.changed_tasks],
            fold.closed_tasks & self._stored_tasks,
        )
        self._stored_tasks = (self._stored_tasks | fold.changed_tasks) - fold.closed_tasks
        fold.changed_tasks.clear()
        fold.closed_tasks.clear()

    def finish(self, last_event: int, last_survey: int) -> None:
        self.flush()
        _add_deltas(self.uow, self.fold.deltas)
        for source, last in ((EVENTS, last_event), (SURVEYS, last_survey)):
            cursor = _cursor(self.uow, source)
            if cursor is not None and last > cursor.last_id:
                cursor.last_id = last
        self.uow.session.flush()


# --- reading past the cursor ----------------------------------------------------------


def _cursor(uow: UnitOfWork, source: str) -> RollupCursor | None:
    """The source's cursor, locked for this transaction; None when another holds it."""
    stmt = select(RollupCursor).where(RollupCursor.source == source)
    if not uow.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
        uow.session.execute(
            _insert(uow, RollupCursor)
            .values(source=source, last_id=0, gaps={})
            .on_conflict_do_nothing(index_elements=["source"])
        )
    cursor = uow.session.execute(stmt).scalar_one_or_none()
    if cursor is None and uow.db.is_sqlite:
        cursor = RollupCursor(source=source, last_id=0, gaps={})
        uow.session.add(cursor)
    return cursor


def _read(
    uow: UnitOfWork,
    cursor: RollupCursor,
    now: datetime,
    batch: int,
    after: Callable[[UnitOfWork, int, int], Sequence[Any]],
    by_ids: Callable[[UnitOfWork, list[int]], Sequence[Any]],
) -> list[Any]:
    """The rows past the cursor (and gap rows that appeared), in id order; moves the cursor."""
    gaps = {int(i): seen for i, seen in (cursor.gaps or {}).items()}
    late = list(by_ids(uow, sorted(gaps))) if gaps else []
    new = list(after(uow, cursor.last_id, batch))
    for row in late:
        gaps.pop(row.id, None)
    expected = cursor.last_id + 1
    for row in new:
        for missing in range(expected, row.id):
            gaps[missing] = now.isoformat()
        expected = row.id + 1
    oldest = now - timedelta(seconds=GAP_SECONDS)
    cursor.gaps = {
        str(i): seen for i, seen in gaps.items() if datetime.fromisoformat(seen) > oldest
    }
    if new:
        cursor.last_id = new[-1].id
    cursor.updated_at = now
    return sorted(late + new, key=lambda row: row.id)


_EVENT_COLUMNS = (
    Event.id,
    Event.case_type,
    Event.case_id,
    Event.activity,
    Event.lifecycle,
    Event.timestamp,
    Event.unit,
    Event.agency,
    Event.payload,
)


def _events_after(uow: UnitOfWork, last_id: int, limit: int) -> Sequence[Any]:
    stmt = select(*_EVENT_COLUMNS).where(Event.id > last_id).order_by(Event.id).limit(limit)
    return uow.session.connection().execute(stmt).all()


def _events_by_ids(uow: UnitOfWork, ids: list[int]) -> Sequence[Any]:
    stmt = select(*_EVENT_COLUMNS).where(Event.id.in_(ids))
    return uow.session.connection().execute(stmt).all()


def _log_event(row: Any) -> LogEvent:
    return LogEvent(*row[:8], row[8] or {})


# --- folding a batch ------------------------------------------------------------------


def _fold(uow: UnitOfWork, events: list[LogEvent], answers: list[Any]) -> None:
    cases = _cases_of(uow, events)
    # The clocks span every moment the batch measures from: its events and, for a case
    # decided now, the day it was submitted (or paused) however long ago.
    years = [e.timestamp.year for e in events] + [a.answered_on.year for a in answers]
    years += [c.submitted_at.year for c in cases.values()]
    fold = Fold(DbClocks(uow, min(years), max(years)), cases, _tasks_of(uow, events))
    for event in events:
        fold.apply(event)
    for answer in answers:
        fold.apply_survey(
            SurveyRow(
                answer.id,
                answer.agency,
                answer.unit,
                answer.service,
                answer.answered_on,
                answer.scores,
            )
        )
    _write_cases(uow, [fold.cases[key] for key in fold.changed])
    _write_tasks(uow, [fold.tasks[i] for i in fold.changed_tasks], fold.closed_tasks)
    _add_deltas(uow, fold.deltas)


def _add_deltas(uow: UnitOfWork, deltas: Any) -> None:
    _add(uow, ServiceMonth, ("agency", "service", "month"), deltas.service_months)
    _add(uow, LeadTimes, ("agency", "service", "month", "bucket"), deltas.lead_times)
    _add(uow, StepMonth, ("agency", "unit", "service", "step", "month"), deltas.step_months)
    _add(uow, ComplaintMonth, ("agency", "unit", "month"), deltas.complaint_months)
    _add(uow, SurveyMonth, ("agency", "unit", "service", "month"), deltas.survey_months)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _cases_of(uow: UnitOfWork, events: list[LogEvent]) -> dict[tuple[str, str], Case]:
    keys = sorted({(e.case_type, e.case_id) for e in events if e.activity != "submit"})
    table = CaseFacts.__table__
    found: dict[tuple[str, str], Case] = {}
    for chunk in _chunks(keys):
        stmt = select(table).where(tuple_(table.c.case_type, table.c.case_id).in_(chunk))
        for row in uow.session.connection().execute(stmt).mappings():
            found[(row["case_type"], row["case_id"])] = Case(**row)
    return found


def _tasks_of(uow: UnitOfWork, events: list[LogEvent]) -> dict[int, Task]:
    ids = sorted(
        {
            task
            for e in events
            if e.lifecycle in ("start", "complete")
            and isinstance(task := e.payload.get("task"), int)
        }
    )
    table = OpenTask.__table__
    found: dict[int, Task] = {}
    for chunk in _chunks(ids):
        stmt = select(table).where(table.c.task_id.in_(chunk))
        for row in uow.session.connection().execute(stmt).mappings():
            found[row["task_id"]] = Task(**row)
    return found


def _insert(uow: UnitOfWork, model: type[Base]) -> Any:
    dialect = sqlite if uow.db.is_sqlite else postgresql
    return dialect.insert(model.__table__)  # type: ignore[attr-defined]


def _upsert(
    uow: UnitOfWork, model: type[Base], keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert the rows, or replace every other column of the rows already there."""
    if not rows:
        return
    stmt = _insert(uow, model)
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
    uow.session.connection().execute(stmt, rows)


def _write_cases(uow: UnitOfWork, cases: list[Case]) -> None:
    _upsert(uow, CaseFacts, ("case_type", "case_id"), [c.__dict__.copy() for c in cases])


def _write_tasks(uow: UnitOfWork, tasks: list[Task], closed: set[int]) -> None:
    _upsert(uow, OpenTask, ("task_id",), [t.__dict__.copy() for t in tasks])
    for chunk in _chunks(sorted(closed)):
        uow.session.execute(delete(OpenTask).where(OpenTask.task_id.in_(chunk)))


def _add(uow: UnitOfWork, model: type[Base], keys: Sequence[str], counters: Counters) -> None:
    """Add each key's counters to its row, making the row when it is the first."""
    if not counters:
        return
    table = model.__table__  # type: ignore[attr-defined]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for key, values in counters.items():
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        if "bucket" in row:
            row["bucket"] = int(row["bucket"])
        for name, value in values.items():
            row[name] = value if table.c[name].type.python_type is float else int(value)
        groups.setdefault(tuple(sorted(values)), []).append(row)
    for names, rows in groups.items():
        stmt = _insert(uow, model)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={n: table.c[n] + stmt.excluded[n] for n in names}
        )
        uow.session.connection().execute(stmt, rows)
