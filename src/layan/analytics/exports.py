"""Layan's own event log out to files: XES for case-centric tools, OCEL 2.0 for
object-centric ones.

The log is read a chunk at a time, ordered by case, then time, then the order events
were written, and each chunk goes straight to the writer: a log of millions of events
never sits in memory at once. Cases are applications as the rollups know them
(`analytics_cases`; a command refreshes the rollups first), so a period is one of
submission, in each owning agency's own time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import and_, or_, select

from layan.analytics.eventlog import SCHEMA
from layan.analytics.models import CaseFacts
from layan.analytics.ocel import OcelWriter
from layan.analytics.xes import LogHeader, XesWriter
from layan.catalogue import queries as catalogue
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.events import Event

CHUNK = 50_000
# A chunk's columns: the log's, the case's service and owning agency, the event's place in
# its ledger's chain (which names it in OCEL).
CHUNK_SCHEMA: dict[str, Any] = {
    **SCHEMA,
    "service": pl.String,
    "owner": pl.String,
    "ledger": pl.String,
    "seq": pl.Int64,
}


@dataclass(frozen=True)
class Period:
    """Days of submission, both included, in each owning agency's own time zone."""

    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.first and self.last and self.last < self.first:
            raise ValidationFailedError(
                Text("Periode tidak sah", "Not a period"),
                code="period",
                errors=[
                    FieldError(
                        "to",
                        "before_start",
                        Text("akhir periode sebelum awalnya", "the period ends before it starts"),
                    )
                ],
            )

    def bounds(self, tz: str) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants [since, until) in the zone `tz`."""
        zone = ZoneInfo(tz)
        since = datetime.combine(self.first, time(), zone) if self.first else None
        until = datetime.combine(self.last + timedelta(days=1), time(), zone) if self.last else None
        return (
            since.astimezone(UTC) if since else None,
            until.astimezone(UTC) if until else None,
        )


@dataclass(frozen=True)
class Exported:
    """What an export wrote."""

    cases: int
    events: int


def _cases(uow: UnitOfWork, service: str | None, period: Period) -> Any:
    """The applications to export, as a condition on `analytics_cases`."""
    chosen = [CaseFacts.case_type == "application"]
    if service:
        chosen.append(CaseFacts.service == service)
    if period.first or period.last:
        owners = uow.session.scalars(select(CaseFacts.agency).where(*chosen).distinct()).all()
        in_period = []
        for owner in owners:
            since, until = period.bounds(catalogue.agency_tz(uow, owner))
            bounds = [CaseFacts.agency == owner]
            bounds += [CaseFacts.submitted_at >= since] if since else []
            bounds += [CaseFacts.submitted_at < until] if until else []
            in_period.append(and_(*bounds))
        chosen.append(or_(*in_period) if in_period else CaseFacts.case_id.is_(None))
    return and_(*chosen)


def log_chunks(
    uow: UnitOfWork, service: str | None = None, period: Period = Period()
) -> Iterator[pl.DataFrame]:
    """The events of the chosen applications in `CHUNK_SCHEMA`, a chunk at a time."""
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
            CaseFacts.service,
            CaseFacts.agency,
            Event.ledger,
            Event.seq,
        )
        .join(
            CaseFacts,
            and_(CaseFacts.case_type == Event.case_type, CaseFacts.case_id == Event.case_id),
        )
        .where(_cases(uow, service, period))
        .order_by(Event.case_id, Event.timestamp, Event.id)
    )
    result = uow.session.execute(stmt.execution_options(yield_per=CHUNK))
    for rows in result.partitions(CHUNK):
        yield pl.DataFrame(list(rows), schema=CHUNK_SCHEMA, orient="row")


def export_xes(
    db: Database, path: Path, service: str | None = None, period: Period = Period()
) -> Exported:
    """Write the chosen applications' events to `path` as XES; what was written."""
    name = f"Layan: {service}" if service else "Layan"
    with db.unit_of_work(readonly=True) as uow, path.open("wb") as out:
        writer = XesWriter(out, LogHeader(name=name))
        for chunk in log_chunks(uow, service, period):
            writer.write(chunk.drop("owner", "ledger", "seq"))
        writer.close()
    return Exported(writer.traces, writer.events)


def export_ocel(db: Database, path: Path) -> Exported:
    """Write every application's events to `path` as an OCEL 2.0 JSON log."""
    with db.unit_of_work(readonly=True) as uow, path.open("w", encoding="utf-8") as out:
        writer = OcelWriter(out)
        for chunk in log_chunks(uow):
            writer.write(chunk)
        writer.close()
    return Exported(writer.applications, writer.events)
