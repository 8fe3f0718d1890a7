"""The fold of a bulk writer that appends events itself (a generated history).

It is told each event as it is written, keeps open cases and tasks in memory, writes
what changed as the writer flushes, and at the end adds its counters and moves the
cursors past what it wrote, all in the writer's one transaction. It holds both cursors
from the start, so no worker folds the same events meanwhile; the rollups must be
current before it starts.
"""

from __future__ import annotations

from typing import Any

from layan.analytics.clocks import DbClocks
from layan.analytics.fold import Fold, LogEvent, SurveyRow
from layan.analytics.rollup_rows import add_deltas, write_fold
from layan.analytics.rollups import EVENT_FIELDS, EVENTS, SURVEYS, cursor
from layan.core.db import UnitOfWork


class BulkFold:
    def __init__(self, uow: UnitOfWork, years: range) -> None:
        self.uow = uow
        self.cursors = [cursor(uow, source, wait=True) for source in (EVENTS, SURVEYS)]
        self.fold = Fold(DbClocks(uow, years.start, years.stop - 1), {}, {})
        self._stored: set[int] = set()

    def event(self, row: dict[str, Any]) -> None:
        self.fold.apply(LogEvent(*(row[name] for name in EVENT_FIELDS), row["payload"]))

    def survey(self, row: SurveyRow) -> None:
        self.fold.apply_survey(row)

    def flush(self) -> None:
        """Write the cases and tasks changed since the last flush; forget decided
        applications (nothing later counts for them)."""
        fold = self.fold
        write_fold(self.uow, fold, stored=self._stored)
        for key in fold.changed:
            if key[0] == "application" and fold.cases[key].decided_at is not None:
                del fold.cases[key]
        self._stored = (self._stored | fold.changed_tasks) - fold.closed_tasks
        for done in (fold.changed, fold.changed_tasks, fold.closed_tasks, fold.ended_cases):
            done.clear()

    def finish(self, last_event: int, last_survey: int) -> None:
        """Add the counters and move the cursors past the rows written."""
        self.flush()
        add_deltas(self.uow, self.fold.deltas)
        for held, last in zip(self.cursors, (last_event, last_survey), strict=True):
            if held is not None and last > held.last_id:
                held.last_id = last
        self.uow.session.flush()
