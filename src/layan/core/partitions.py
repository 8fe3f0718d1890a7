"""The event log partitioned by month on PostgreSQL.

On PostgreSQL the events table is partitioned by range of its timestamp (UTC): one
partition a month, named `events_YYYY_MM`, and a default partition, `events_default`,
that takes any event whose month has no partition yet, so an append never fails for want
of one. The worker's sweep keeps this month and the next ones ready and gives a month of
its own to events that fell into the default. A month's events can then be read, copied
to cold storage or detached as one table, and reads bounded in time touch only their
months. SQLite keeps one table.

A partitioned table's unique indexes must include the partition key, so on PostgreSQL
the pair (ledger, seq) is kept unique by the ledger's head, locked while a transaction
numbers its events (`core.events`), and checked by `layan audit verify`, which walks each
chain by seq and stops at a repeated or missing number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select, text

from layan.core.events import EVENTS

PARENT = "events"
DEFAULT = "events_default"
AHEAD = 2  # months kept ready past the current one
_MONTH = re.compile(r"^events_(\d{4})_(\d{2})$")
# Lock key of the partitions' upkeep, so two workers never add the same month at once.
_UPKEEP_LOCK = 0x6C6179616E01

# What differs between the databases' schemas, and is meant to: kept out of the
# comparison of the models with the database (migrations/env.py).
ONLY_ON_SQLITE = frozenset({"uq_events_ledger"})
ONLY_ON_POSTGRESQL = frozenset({"ix_events_ledger_seq"})


def is_partition(table_name: str) -> bool:
    return table_name == DEFAULT or _MONTH.match(table_name) is not None


def partition_name(month: date) -> str:
    return f"events_{month:%Y_%m}"


def month_of(moment: datetime | date) -> date:
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months: list[date] = []
    month = month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def months_spanned(connection: Connection) -> list[date]:
    """Every month from the event log's first event to its last, on either database."""
    first, last = connection.execute(
        select(func.min(EVENTS.c.timestamp), func.max(EVENTS.c.timestamp))
    ).one()
    return [] if first is None else months_between(month_of(first), month_of(last))


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:parent)"),
        {"parent": PARENT},
    )
    return found.first() is not None


def months(connection: Connection) -> list[date]:
    """The months that have a partition of their own, oldest first."""
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    ).scalars()
    found = (_MONTH.match(name) for name in names)
    return sorted(date(int(m[1]), int(m[2]), 1) for m in found if m)


def ensure_months(connection: Connection, wanted: Iterable[date]) -> list[date]:
    """Give each wanted month a partition if it has none, moving its events out of the
    default partition; the months added. Nothing on an unpartitioned log."""
    return _ensure(connection, wanted) if is_partitioned(connection) else []


def keep_ready(connection: Connection, now: datetime) -> list[date]:
    """The upkeep the sweep runs: this month and the next AHEAD ready, and every month
    found in the default partition given its own; the months added."""
    if not is_partitioned(connection):
        return []
    ahead = [month_of(now)]
    for _ in range(AHEAD):
        ahead.append(next_month(ahead[-1]))
    stray = connection.execute(
        text(f"SELECT DISTINCT date_trunc('month', \"timestamp\") FROM {DEFAULT}")
    ).scalars()
    return _ensure(connection, [*ahead, *stray])


def _ensure(connection: Connection, wanted: Iterable[date | datetime]) -> list[date]:
    missing = {month_of(m) for m in wanted}
    if not missing:
        return []
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPKEEP_LOCK})
    added = sorted(missing - set(months(connection)))
    for month in added:
        _add_month(connection, month)
    return added


def _add_month(connection: Connection, month: date) -> None:
    # Built beside the log, filled with the month's strays from the default, then
    # attached: appends to other months go on meanwhile.
    name, bounds = partition_name(month), {"lo": month, "hi": next_month(month)}
    connection.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    connection.execute(
        text(
            f"WITH moved AS (DELETE FROM {DEFAULT} "
            f'WHERE "timestamp" >= :lo AND "timestamp" < :hi RETURNING *) '
            f"INSERT INTO {name} SELECT * FROM moved"
        ),
        bounds,
    )
    connection.execute(
        text(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{next_month(month).isoformat()}')"
        )
    )
