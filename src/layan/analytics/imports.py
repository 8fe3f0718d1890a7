"""Importing an agency's event log from its older system (XES), for analysis beside
Layan's own.

An imported log goes to `imported_logs` and `imported_events` only: it is evidence of
how the agency worked before, not of what happened on Layan, so it never enters the
hash-chained `events` or the ledgers, and the rollups never count it. The file is read
and checked in full before anything is stored, and then stored in one transaction: a
file is either imported whole or not at all. A file already imported by the agency (the
same bytes) is refused, so a log is never counted twice.

What is kept of each event: its case, activity, lifecycle transition (empty when the log
has none), time, resource, role and unit (`org:group`), the case and the resource under
pseudonyms (`pseudonymised`); `analytics.eventlog.read_imported` reads them back in the
columns of Layan's own log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import insert, select

from layan.analytics.models import ImportedEvent, ImportedLog
from layan.analytics.xes import refused
from layan.analytics.xes_read import XesLog, read_xes
from layan.catalogue import queries as catalogue
from layan.core.db import Database, UnitOfWork
from layan.core.errors import InvalidStateError, NotFoundError, Text
from layan.core.events import Actor

BATCH = 20_000
# What each kept column may hold, as `imported_events` stores it.
_WIDTHS = {
    "case_id": 200,
    "activity": 200,
    "lifecycle": 20,
    "resource": 200,
    "role": 200,
    "unit": 200,
}
_KEPT = ["case_id", "activity", "lifecycle", "timestamp", "resource", "role", "unit"]
_XES_NAMES = {
    "case_id": "the trace's concept:name",
    "activity": "concept:name",
    "lifecycle": "lifecycle:transition",
    "resource": "org:resource",
    "role": "org:role",
    "unit": "org:group",
}


@dataclass(frozen=True)
class ImportedSummary:
    """An imported log as the command reports it."""

    id: int
    agency: str
    name: str
    cases: int
    events: int


def file_digest(path: Path) -> str:
    """The hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check_fits(log: XesLog) -> None:
    """Refuse a log without events, or with a value longer than its column holds (naming
    the event's line)."""
    if log.frame.height == 0:
        raise refused(None, "xes_no_events", Text("log tanpa event", "a log without events"))
    for column, width in _WIDTHS.items():
        too_long = log.frame[column].str.len_chars() > width
        if too_long.any():
            line = log.lines.filter(too_long)[0]
            raise refused(
                int(line),
                "xes_too_long",
                Text(
                    f"{_XES_NAMES[column]} lebih dari {width} karakter",
                    f"{_XES_NAMES[column]} is longer than {width} characters",
                ),
            )


PSEUDONYMISED = ("case_id", "resource")


def pseudonymised(frame: pl.DataFrame) -> pl.DataFrame:
    """Cases and resources under pseudonyms: an older system's case ids and officer names
    are often NIKs and names, and the analysis needs only which events belong together.
    The pseudonyms are keyed by a random salt kept nowhere, so they cannot be turned back
    or linked across logs (UU 27/2022: data minimisation)."""
    salt = secrets.token_bytes(16)
    columns = []
    for column in PSEUDONYMISED:
        values = frame[column].drop_nulls().unique().to_list()
        names = {v: hashlib.sha256(salt + v.encode()).hexdigest()[:16] for v in values}
        columns.append(pl.col(column).replace_strict(names, default=None, return_dtype=pl.String))
    return frame.with_columns(columns)


def _rows(frame: pl.DataFrame, log_id: int) -> list[dict[str, object]]:
    return [{"log_id": log_id, **row} for row in frame.select(_KEPT).iter_rows(named=True)]


def _refuse_again(uow: UnitOfWork, agency: str, digest: str) -> None:
    """Refuse a file the agency already imported (the same bytes)."""
    earlier = uow.session.scalar(
        select(ImportedLog.id).where(ImportedLog.agency == agency, ImportedLog.sha256 == digest)
    )
    if earlier is not None:
        raise InvalidStateError(
            Text(
                f"Berkas ini sudah diimpor sebagai log {earlier}",
                f"This file was already imported as log {earlier}",
            ),
            code="already_imported",
        )


def _store(uow: UnitOfWork, log: XesLog, row: ImportedLog) -> None:
    """The log's row, then its events in batches, in the caller's transaction."""
    uow.session.add(row)
    uow.session.flush()
    frame = pseudonymised(log.frame)
    for start in range(0, frame.height, BATCH):
        uow.session.execute(insert(ImportedEvent), _rows(frame.slice(start, BATCH), row.id))


def import_xes(
    db: Database, path: Path, *, agency: str, actor: Actor, name: str | None = None
) -> ImportedSummary:
    """Import the XES log at `path` as `agency`'s, all of it or nothing.

    Refused (`ValidationFailedError`, naming the line) when the file is not a readable XES
    log; `NotFoundError` for an unknown agency; `InvalidStateError` when the agency has
    already imported the same file.
    """
    digest = file_digest(path)
    log = read_xes(path)  # read and checked before the transaction opens
    check_fits(log)
    title = (name or path.stem).strip()[:200] or path.name
    with db.unit_of_work() as uow:
        if catalogue.find_agency(uow, agency) is None:
            raise NotFoundError(Text("Instansi tidak ditemukan", "Agency not found"))
        _refuse_again(uow, agency, digest)
        row = ImportedLog(
            agency=agency,
            name=title,
            sha256=digest,
            cases=log.cases,
            events=log.frame.height,
            imported_at=uow.now(),
            imported_by=actor.resource,
            attributes={"file": path.name, "log": log.attributes},
        )
        _store(uow, log, row)
        uow.commit()
        return ImportedSummary(row.id, agency, title, row.cases, row.events)
