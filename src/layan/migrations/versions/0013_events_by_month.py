"""events by month: the event log partitioned by range of its timestamp on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

The table is rebuilt as a partitioned one with a partition per month that has events (and
this month and the next two) and a default partition, and every event copied across in
one statement. The primary key becomes (id, timestamp), as a partitioned table's must
include its key; (ledger, seq) keeps an index, its uniqueness held by the ledger heads'
lock (`core.partitions`). SQLite is left as it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AHEAD = 2


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = _next(month)
    return months


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    run = op.execute
    run("ALTER TABLE events RENAME TO events_unpartitioned")
    for name in ("ix_events_case", "ix_events_timestamp"):
        run(f"DROP INDEX {name}")
    for name in ("uq_events_ledger", "fk_events_ledger_ledgers", "pk_events"):
        run(f"ALTER TABLE events_unpartitioned DROP CONSTRAINT {name}")
    run(
        "CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS) "
        'PARTITION BY RANGE ("timestamp")'
    )
    run('ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (id, "timestamp")')
    run(
        "ALTER TABLE events ADD CONSTRAINT fk_events_ledger_ledgers "
        "FOREIGN KEY (ledger) REFERENCES ledgers (agency)"
    )
    run("CREATE INDEX ix_events_case ON events (case_type, case_id)")
    run('CREATE INDEX ix_events_timestamp ON events ("timestamp")')
    run("CREATE INDEX ix_events_ledger_seq ON events (ledger, seq)")
    run("CREATE TABLE events_default PARTITION OF events DEFAULT")

    now = datetime.now(UTC).date()
    first, last = bind.execute(
        sa.text('SELECT min("timestamp"), max("timestamp") FROM events_unpartitioned')
    ).one()
    months = set(_months(now, _next(_next(now))))
    if first is not None:
        months.update(_months(first.date(), last.date()))
    for month in sorted(months):
        run(
            f"CREATE TABLE events_{month:%Y_%m} PARTITION OF events "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{_next(month).isoformat()}')"
        )
    run("INSERT INTO events SELECT * FROM events_unpartitioned")
    run("ALTER SEQUENCE events_id_seq OWNED BY events.id")
    run("DROP TABLE events_unpartitioned")
    run("ANALYZE events")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    run = op.execute
    run("CREATE TABLE events_unpartitioned (LIKE events INCLUDING DEFAULTS)")
    run("INSERT INTO events_unpartitioned SELECT * FROM events")
    run("ALTER SEQUENCE events_id_seq OWNED BY events_unpartitioned.id")
    run("DROP TABLE events")  # its partitions and indexes with it
    run("ALTER TABLE events_unpartitioned RENAME TO events")
    run("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY (id)")
    run("ALTER TABLE events ADD CONSTRAINT uq_events_ledger UNIQUE (ledger, seq)")
    run(
        "ALTER TABLE events ADD CONSTRAINT fk_events_ledger_ledgers "
        "FOREIGN KEY (ledger) REFERENCES ledgers (agency)"
    )
    run("CREATE INDEX ix_events_case ON events (case_type, case_id)")
    run('CREATE INDEX ix_events_timestamp ON events ("timestamp")')
