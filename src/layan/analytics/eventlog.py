"""The event log as a table for analysis: Layan's own log, or one an agency imported.

Both read into the same Polars columns, so every analysis (the directly-follows graph,
bottlenecks, variants, simulation) runs on either:

| column | type | XES |
|---|---|---|
| case_id | str | trace concept:name |
| activity | str | concept:name |
| lifecycle | str (null when the log has none) | lifecycle:transition |
| timestamp | datetime[us, UTC] | time:timestamp |
| resource, role, unit | str (null) | org:resource, org:role, org:group |
| agency | str (null) | the acting agency |
| task | i64 (null) | the task (one step's instance) the event belongs to |
| outcome | str (null) | a decision's outcome: approve, return, reject |

Rows come ordered by case, then time, then the order they were written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Integer, String, and_, cast, null, select

from layan.analytics.models import CaseFacts, ImportedEvent, ImportedLog
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError, Text
from layan.core.events import Event

SCHEMA: dict[str, Any] = {
    "case_id": pl.String,
    "activity": pl.String,
    "lifecycle": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "resource": pl.String,
    "role": pl.String,
    "unit": pl.String,
    "agency": pl.String,
    "task": pl.Int64,
    "outcome": pl.String,
}
_FETCH = 50_000


@dataclass(frozen=True)
class Selection:
    """Which part of Layan's own log to read: cases of one type, optionally one service
    (or an agency's services), submitted in a period."""

    case_type: str = "application"
    service: str | None = None
    agency: str | None = None  # the agency that owns the service
    since: datetime | None = None  # cases submitted at or after
    until: datetime | None = None  # cases submitted before


def _frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _collect(uow: UnitOfWork, stmt: Any) -> pl.DataFrame:
    result = uow.session.execute(stmt.execution_options(yield_per=_FETCH))
    frames = [_frame(list(chunk)) for chunk in result.partitions(_FETCH)]
    return pl.concat(frames) if frames else _frame([])


def read_log(uow: UnitOfWork, selection: Selection = Selection()) -> pl.DataFrame:
    """Events of Layan's own log for the selected cases (as the rollups know them)."""
    cases = select(CaseFacts.case_id).where(CaseFacts.case_type == selection.case_type)
    if selection.service:
        cases = cases.where(CaseFacts.service == selection.service)
    if selection.agency:
        cases = cases.where(CaseFacts.agency == selection.agency)
    if selection.since:
        cases = cases.where(CaseFacts.submitted_at >= selection.since)
    if selection.until:
        cases = cases.where(CaseFacts.submitted_at < selection.until)
    stmt = (
        select(
            Event.case_id,
            Event.activity,
            Event.lifecycle,
            Event.timestamp,
            Event.resource,
            Event.role,
            Event.unit,
            Event.agency,
            Event.payload["task"].as_integer(),
            Event.payload["outcome"].as_string(),
        )
        .where(
            and_(Event.case_type == selection.case_type, Event.case_id.in_(cases.scalar_subquery()))
        )
        .order_by(Event.case_id, Event.timestamp, Event.id)
    )
    return _collect(uow, stmt)


def get_imported_log(uow: UnitOfWork, log_id: int, agency: str | None = None) -> ImportedLog:
    """An imported log (of `agency`, when given); NotFound otherwise."""
    found = uow.session.get(ImportedLog, log_id)
    if found is None or (agency is not None and found.agency != agency):
        raise NotFoundError(Text("Log impor tidak ditemukan", "Imported log not found"))
    return found


def read_imported(uow: UnitOfWork, log_id: int) -> pl.DataFrame:
    """The events of an imported log, in the same columns as Layan's own."""
    stmt = (
        select(
            ImportedEvent.case_id,
            ImportedEvent.activity,
            ImportedEvent.lifecycle,
            ImportedEvent.timestamp,
            ImportedEvent.resource,
            ImportedEvent.role,
            ImportedEvent.unit,
            ImportedLog.agency,
            cast(null(), Integer()).label("task"),  # imported logs know no tasks or outcomes
            cast(null(), String()).label("outcome"),
        )
        .join(ImportedLog, ImportedLog.id == ImportedEvent.log_id)
        .where(ImportedEvent.log_id == log_id)
        .order_by(ImportedEvent.case_id, ImportedEvent.timestamp, ImportedEvent.id)
    )
    return _collect(uow, stmt)
