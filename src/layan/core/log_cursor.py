"""Reading an append-only table (the event log, the survey answers) past a cursor, once.

The rollups and the outbox each keep a cursor per source: how far they have read, by row
id. They move it in the same transaction as what they make of the rows, so a crash never
reads a batch twice or skips it.

Ids are read in order, but on PostgreSQL a transaction may commit after another that
drew a larger id: every id passed over is remembered as a gap and read again on later
runs until it appears or is older than any transaction Layan runs (then it was rolled
back). An id passed over between rows already that old is no gap: whatever drew it
ended long ago. SQLite has one writer and no such gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import JSONData, UnitOfWork, UTCDateTime
from layan.core.events import Event

# Longer than any transaction Layan runs: an id missing for this long was rolled back.
GAP_SECONDS = 900
MOST_GAPS = 20_000  # beyond any burst of rolled-back ids; the oldest are let go


class CursorColumns:
    """The columns of a cursor table: mixed into a room's own model.

    `gaps` keeps each id skipped over (with when it was first missed) and is looked at
    again until it appears or is surely rolled back.
    """

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    gaps: Mapped[dict[str, str]] = mapped_column(JSONData, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def insert_into(uow: UnitOfWork, model: Any) -> Any:
    """An INSERT in the database's own dialect (for ON CONFLICT)."""
    dialect = sqlite if uow.db.is_sqlite else postgresql
    return dialect.insert(model.__table__)


def locked_cursor(uow: UnitOfWork, model: Any, source: str, wait: bool = False) -> Any:
    """The source's cursor, locked for this transaction; None when another holds it
    (unless `wait`). SQLite's writer holds the whole database already."""
    stmt = select(model).where(model.source == source)
    if not uow.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=not wait)
        uow.session.execute(
            insert_into(uow, model)
            .values(source=source, last_id=0, gaps={})
            .on_conflict_do_nothing(index_elements=["source"])
        )
    found = uow.session.execute(stmt).scalar_one_or_none()
    if found is None and uow.db.is_sqlite:
        found = model(source=source, last_id=0, gaps={})
        uow.session.add(found)
    return found


def read_past(
    uow: UnitOfWork,
    cursor: Any,
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


CHUNK = 500  # ids per IN (...): well under every driver's limit on parameters


def events_after(uow: UnitOfWork, columns: Sequence[Any], last_id: int, limit: int) -> Any:
    """The event log's rows past `last_id`, oldest first, as `columns`."""
    stmt = select(*columns).where(Event.id > last_id).order_by(Event.id).limit(limit)
    return uow.session.connection().execute(stmt).all()


def events_by_ids(uow: UnitOfWork, columns: Sequence[Any], ids: list[int]) -> list[Any]:
    """The event log's rows of these ids that exist, as `columns`."""
    found: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        stmt = select(*columns).where(Event.id.in_(ids[start : start + CHUNK]))
        found += uow.session.connection().execute(stmt).all()
    return found
