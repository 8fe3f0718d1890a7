"""Keeping the rollups up to date from the event log (and the stored questionnaires).

`refresh_rollups` reads what was appended since it last ran, folds it into counters
(`analytics.fold`) and adds them to the rollup tables in one transaction with the
cursor's move, so a crash never counts a batch twice or skips it. The worker calls
`fold_all` every few seconds; `rebuild_rollups` starts over from the first event.

Ids are read in order, but on PostgreSQL a transaction may commit after another that
drew a larger id: every id passed over is remembered as a gap and read again on later
runs until it appears or is older than any transaction Layan runs (then it was rolled
back). An id passed over between rows already that old is no gap: whatever drew it
ended long ago. SQLite has one writer and no such gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from layan.analytics.clocks import DbClocks
from layan.analytics.fold import Fold, LogEvent, SurveyRow
from layan.analytics.models import AgencyMonthFigures, CaseFacts, OpenTask, RollupCursor
from layan.analytics.rollup_rows import (
    ROLLUP_TABLES,
    add_deltas,
    cases_of,
    chunks,
    insert_into,
    tasks_of,
    write_fold,
)
from layan.core.db import Database, UnitOfWork
from layan.core.events import Event
from layan.surveys import queries as surveys

EVENTS, SURVEYS = "events", "surveys"
BATCH = 5000
# Longer than any transaction Layan runs: an id missing for this long was rolled back.
GAP_SECONDS = 900
MOST_GAPS = 20_000  # beyond any burst of rolled-back ids; the oldest are let go


@dataclass(frozen=True)
class Refreshed:
    events: int
    surveys: int


def refresh_rollups(db: Database, *, batch: int = BATCH, wait: bool = False) -> Refreshed:
    """Fold what was appended since the last run into the rollups; how many rows were read.

    Safe beside other workers: the one that holds a source's cursor does the work and
    the others return at once (or, with `wait`, wait for it). Nothing is written when
    there is nothing new.
    """
    if not _anything_new(db):
        return Refreshed(0, 0)
    with db.unit_of_work() as uow:
        events, answers = cursor(uow, EVENTS, wait), cursor(uow, SURVEYS, wait)
        if events is None or answers is None:
            return Refreshed(0, 0)  # another worker is at it
        now = uow.now()
        new_events = _read(uow, events, now, batch, _events_after, _events_by_ids, _event_time)
        new_answers = _read(
            uow, answers, now, batch, surveys.scores_after, surveys.scores_by_ids, _answer_time
        )
        if new_events or new_answers:
            _fold(uow, [_log_event(e) for e in new_events], new_answers)
        uow.commit()
    return Refreshed(len(new_events), len(new_answers))


def fold_all(db: Database, *, most_batches: int | None = None, wait: bool = False) -> int:
    """Refresh until nothing is left (or `most_batches` were folded); the events folded."""
    total, batches = 0, 0
    while most_batches is None or batches < most_batches:
        done = refresh_rollups(db, wait=wait)
        if not (done.events or done.surveys):
            break
        total, batches = total + done.events, batches + 1
    return total


def rebuild_rollups(db: Database, *, progress: Callable[[int], None] | None = None) -> int:
    """Empty the rollups and fold the whole log again; the number of events read.

    The cursors are locked first (waiting for a worker's batch in flight), then emptied
    with the rollups in the same transaction, so nothing is counted twice.
    """
    with db.unit_of_work() as uow:
        for source in (EVENTS, SURVEYS):
            cursor(uow, source, wait=True)
        for model in (*ROLLUP_TABLES, CaseFacts, OpenTask):
            uow.session.execute(delete(model))
        uow.session.execute(update(RollupCursor).values(last_id=0, gaps={}))
        uow.commit()
    total = 0
    while (done := refresh_rollups(db, batch=20_000, wait=True)).events or done.surveys:
        total += done.events
        if progress is not None:
            progress(done.events)
    return total


def rollup_state(uow: UnitOfWork) -> tuple[Any, ...]:
    """What the rollups stand at, cheaply: the cursors and the agencies' own entries. Two
    reads with the same state read the same rollups (once per unit of work)."""
    if "rollup_state" not in uow.cache:
        cursors = uow.session.execute(
            select(RollupCursor.source, RollupCursor.last_id).order_by(RollupCursor.source)
        ).all()
        entries = uow.session.execute(
            select(
                func.count(),
                func.max(AgencyMonthFigures.entered_at),
                func.sum(AgencyMonthFigures.counter_transactions),
                func.sum(AgencyMonthFigures.cost_rupiah),
            )
        ).one()
        uow.cache["rollup_state"] = (tuple(map(tuple, cursors)), tuple(entries))
    return uow.cache["rollup_state"]  # type: ignore[no-any-return]


# --- reading past the cursor ----------------------------------------------------------


def cursor(uow: UnitOfWork, source: str, wait: bool = False) -> RollupCursor | None:
    """The source's cursor, locked for this transaction; None when another holds it
    (unless `wait`). SQLite's writer holds the whole database already."""
    stmt = select(RollupCursor).where(RollupCursor.source == source)
    if not uow.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=not wait)
        uow.session.execute(
            insert_into(uow, RollupCursor)
            .values(source=source, last_id=0, gaps={})
            .on_conflict_do_nothing(index_elements=["source"])
        )
    found = uow.session.execute(stmt).scalar_one_or_none()
    if found is None and uow.db.is_sqlite:
        found = RollupCursor(source=source, last_id=0, gaps={})
        uow.session.add(found)
    return found


def _anything_new(db: Database) -> bool:
    """A read that writes nothing: are there rows past a cursor, or gaps to look at?"""
    with db.unit_of_work(readonly=True) as uow:
        cursors = {c.source: c for c in uow.session.execute(select(RollupCursor)).scalars()}
        if any(c.gaps for c in cursors.values()):
            return True
        last_event = uow.session.execute(select(func.max(Event.id))).scalar() or 0
        events = cursors.get(EVENTS)
        answers = cursors.get(SURVEYS)
        return last_event > (events.last_id if events else 0) or surveys.last_scores_id(uow) > (
            answers.last_id if answers else 0
        )


def _read(
    uow: UnitOfWork,
    cursor: RollupCursor,
    now: datetime,
    batch: int,
    after: Callable[[UnitOfWork, int, int], Sequence[Any]],
    by_ids: Callable[[UnitOfWork, list[int]], Sequence[Any]],
    written: Callable[[Any], datetime],
) -> list[Any]:
    """The rows past the cursor (and gap rows that appeared), in id order; moves the cursor."""
    gaps = {int(i): seen for i, seen in (cursor.gaps or {}).items()}
    late = list(by_ids(uow, sorted(gaps))) if gaps else []
    new = list(after(uow, cursor.last_id, batch))
    for row in late:
        gaps.pop(row.id, None)
    oldest = now - timedelta(seconds=GAP_SECONDS)
    expected = cursor.last_id + 1
    for row in new:
        if written(row) > oldest:  # ids skipped before an old row were rolled back long ago
            gaps.update(dict.fromkeys(range(expected, row.id), now.isoformat()))
        expected = row.id + 1
    kept = sorted(i for i, seen in gaps.items() if datetime.fromisoformat(seen) > oldest)
    cursor.gaps = {str(i): gaps[i] for i in kept[-MOST_GAPS:]}
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
EVENT_FIELDS = tuple(c.key for c in _EVENT_COLUMNS[:8])


def _events_after(uow: UnitOfWork, last_id: int, limit: int) -> Sequence[Any]:
    stmt = select(*_EVENT_COLUMNS).where(Event.id > last_id).order_by(Event.id).limit(limit)
    return uow.session.connection().execute(stmt).all()


def _events_by_ids(uow: UnitOfWork, ids: list[int]) -> Sequence[Any]:
    found: list[Any] = []
    for chunk in chunks(ids):
        stmt = select(*_EVENT_COLUMNS).where(Event.id.in_(chunk))
        found += uow.session.connection().execute(stmt).all()
    return found


def _event_time(row: Any) -> datetime:
    return row.timestamp  # type: ignore[no-any-return]


def _answer_time(row: Any) -> datetime:
    return row.recorded_at  # type: ignore[no-any-return]


def _log_event(row: Any) -> LogEvent:
    return LogEvent(*row[:8], row[8] or {})


def _fold(uow: UnitOfWork, events: list[LogEvent], answers: list[Any]) -> None:
    cases = cases_of(uow, events)
    # The clocks span every moment the batch measures from: its events and, for a case
    # decided now, the day it was submitted (or paused) however long ago.
    years = [e.timestamp.year for e in events] + [a.answered_on.year for a in answers]
    years += [c.submitted_at.year for c in cases.values()]
    fold = Fold(DbClocks(uow, min(years), max(years)), cases, tasks_of(uow, events))
    for event in events:
        fold.apply(event)
    for a in answers:
        fold.apply_survey(SurveyRow(a.id, a.agency, a.unit, a.service, a.answered_on, a.scores))
    write_fold(uow, fold)
    add_deltas(uow, fold.deltas)
