"""Keeping the rollups up to date from the event log (and the stored questionnaires).

`refresh_rollups` reads what was appended since it last ran, folds it into counters
(`analytics.fold`) and adds them to the rollup tables in one transaction with the
cursor's move (`core.log_cursor`: gaps of PostgreSQL's late commits included), so a
crash never counts a batch twice or skips it. The worker calls `fold_all` every few
seconds; `rebuild_rollups` starts over from the first event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from layan.analytics.clocks import DbClocks
from layan.analytics.fold import Fold, LogEvent, SurveyRow
from layan.analytics.models import AgencyMonthFigures, CaseFacts, OpenTask, RollupCursor
from layan.analytics.rollup_rows import (
    ROLLUP_TABLES,
    add_deltas,
    cases_of,
    tasks_of,
    write_fold,
)
from layan.core.db import Database, UnitOfWork
from layan.core.events import Event
from layan.core.log_cursor import events_after, events_by_ids, locked_cursor, read_past
from layan.surveys import queries as surveys

EVENTS, SURVEYS = "events", "surveys"
BATCH = 5000


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
        new_events = read_past(uow, events, now, batch, _events_after, _events_by_ids, _event_time)
        new_answers = read_past(
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
    """The source's cursor, locked for this transaction; None when another holds it."""
    return locked_cursor(uow, RollupCursor, source, wait)  # type: ignore[no-any-return]


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
    return events_after(uow, _EVENT_COLUMNS, last_id, limit)  # type: ignore[no-any-return]


def _events_by_ids(uow: UnitOfWork, ids: list[int]) -> Sequence[Any]:
    return events_by_ids(uow, _EVENT_COLUMNS, ids)


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
