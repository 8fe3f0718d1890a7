"""Reading the cases and open tasks a batch of events touches, and writing back what the
fold made of them: cases, open tasks, and counters added to the rollup tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from layan.analytics.fold import Case, Counters, Deltas, Fold, LogEvent, Task
from layan.analytics.models import (
    CaseFacts,
    ComplaintMonth,
    LeadTimes,
    OpenTask,
    ServiceMonth,
    StepMonth,
    SurveyMonth,
)
from layan.core.db import Base, UnitOfWork

CHUNK = 500
ROLLUP_TABLES = (ServiceMonth, LeadTimes, StepMonth, ComplaintMonth, SurveyMonth)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def cases_of(uow: UnitOfWork, events: list[LogEvent]) -> dict[tuple[str, str], Case]:
    """What the rollups remember of the cases the events belong to (not yet: submitted)."""
    keys = sorted({(e.case_type, e.case_id) for e in events if e.activity != "submit"})
    table = CaseFacts.__table__
    found: dict[tuple[str, str], Case] = {}
    for chunk in chunks(keys):
        stmt = select(table).where(tuple_(table.c.case_type, table.c.case_id).in_(chunk))
        for row in uow.session.connection().execute(stmt).mappings():
            found[(row["case_type"], row["case_id"])] = Case(**row)
    return found


def tasks_of(uow: UnitOfWork, events: list[LogEvent]) -> dict[int, Task]:
    """The open tasks the events take, hand over or decide."""
    ids = sorted(
        {
            task
            for e in events
            if (e.lifecycle in ("start", "complete") or e.activity == "reassign")
            and isinstance(task := e.payload.get("task"), int)
        }
    )
    table = OpenTask.__table__
    found: dict[int, Task] = {}
    for chunk in chunks(ids):
        stmt = select(table).where(table.c.task_id.in_(chunk))
        for row in uow.session.connection().execute(stmt).mappings():
            found[row["task_id"]] = Task(**row)
    return found


def write_fold(uow: UnitOfWork, fold: Fold, *, stored: set[int] | None = None) -> None:
    """What a fold changed: its cases, its open tasks (and those its decisions closed or
    cancelled), without its counters.

    `stored`: for a bulk fold that holds every open task of its cases in memory, the
    tasks it has written so far; closing one that never reached the table then costs
    nothing, and a decided case's tasks are all known without a look at the table.
    """
    cases = [fold.cases[key].__dict__.copy() for key in fold.changed]
    _upsert(uow, CaseFacts, ("case_type", "case_id"), cases)
    changed = [fold.tasks[i].__dict__.copy() for i in fold.changed_tasks]
    _upsert(uow, OpenTask, ("task_id",), changed)
    closed = fold.closed_tasks if stored is None else fold.closed_tasks & stored
    for chunk in chunks(sorted(closed)):
        uow.session.execute(delete(OpenTask).where(OpenTask.task_id.in_(chunk)))
    if stored is None:  # open tasks this batch never saw, cancelled by a decision
        for chunk in chunks(sorted(fold.ended_cases)):
            uow.session.execute(delete(OpenTask).where(OpenTask.case_id.in_(chunk)))


def add_deltas(uow: UnitOfWork, deltas: Deltas) -> None:
    """Add a fold's counters to the rollup tables."""
    _add(uow, ServiceMonth, ("agency", "service", "month"), deltas.service_months)
    _add(uow, LeadTimes, ("agency", "service", "month", "bucket"), deltas.lead_times)
    _add(uow, StepMonth, ("agency", "unit", "service", "step", "month"), deltas.step_months)
    _add(uow, ComplaintMonth, ("agency", "unit", "month"), deltas.complaint_months)
    _add(uow, SurveyMonth, ("agency", "unit", "service", "month"), deltas.survey_months)


def insert_into(uow: UnitOfWork, model: type[Base]) -> Any:
    dialect = sqlite if uow.db.is_sqlite else postgresql
    return dialect.insert(model.__table__)  # type: ignore[attr-defined]


def _upsert(
    uow: UnitOfWork, model: type[Base], keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert the rows, or replace every other column of the rows already there."""
    if not rows:
        return
    stmt = insert_into(uow, model)
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
    uow.session.connection().execute(stmt, rows)


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
        stmt = insert_into(uow, model)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={n: table.c[n] + stmt.excluded[n] for n in names}
        )
        uow.session.connection().execute(stmt, rows)
