"""On PostgreSQL the event log is partitioned by month: every event lands in its month's
partition or, before that month has one, in the default; the worker gives strays a month
of their own, reads bounded in time touch only their months, the chain verifies across
partitions, and a log written before partitioning is moved into months by the migration."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text

from layan import migrations
from layan.audit import verify_audit_chain
from layan.core import partitions
from layan.core.db import Database
from layan.core.events import SYSTEM, record_agency_event
from layan.worker import keep_months_ready
from tests.conftest import _pg_copy
from tests.factories import submit

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    return _pg_copy(request.getfixturevalue("pg_base"))


def where_events_are(db: Database) -> dict[str, int]:
    """Events per partition that holds any."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1")
        )
        return dict(rows.all())


def _hashes(db: Database) -> list[tuple[str, int, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT ledger, seq, hash FROM events ORDER BY ledger, seq"))
        return [tuple(r) for r in rows]


def test_strays_in_the_default_get_a_month_of_their_own_and_the_chain_holds(
    client: TestClient, db: Database
) -> None:
    number = submit(client, "ktp-el-baru").json()["tracking_number"]
    with db.unit_of_work() as uow:  # a month no partition was made for: kept, not refused
        at = datetime(2019, 3, 9, tzinfo=UTC)
        record_agency_event(uow.session, "disdukcapil", "key.rotated", SYSTEM, at)
        uow.commit()
    before = _hashes(db)
    tracked = client.get(f"/api/v1/applications/{number}").json()
    assert len(tracked["timeline"]) >= 2
    assert set(where_events_are(db)) == {partitions.DEFAULT}  # the clock is June 2026

    added = keep_months_ready(db)

    assert added == [date(2019, 3, 1), date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)]
    placed = where_events_are(db)
    assert set(placed) == {"events_2019_03", "events_2026_06"} and placed["events_2019_03"] == 1
    assert _hashes(db) == before  # moved, not changed
    assert verify_audit_chain(db)[1] == []
    assert client.get(f"/api/v1/applications/{number}").json() == tracked
    assert keep_months_ready(db) == []  # nothing more to do
    assert submit(client, "skck").status_code == 201  # appends go on, into June
    assert set(where_events_are(db)) == {"events_2019_03", "events_2026_06"}


def test_a_read_bounded_in_time_touches_only_its_months(db: Database) -> None:
    keep_months_ready(db)
    with db.engine.connect() as conn:
        plan = "\n".join(
            conn.execute(
                text(
                    'EXPLAIN SELECT count(*) FROM events WHERE "timestamp" >= :lo '
                    'AND "timestamp" < :hi'
                ),
                {"lo": datetime(2026, 7, 1), "hi": datetime(2026, 7, 20)},
            ).scalars()
        )
    assert "events_2026_07" in plan
    assert "events_2026_06" not in plan and partitions.DEFAULT not in plan


def test_the_migration_moves_a_log_written_before_it_into_months(
    client: TestClient, db: Database, clock
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        assert submit(client, "ktp-el-baru").status_code == 201
        clock.advance(days=40)
    command.downgrade(migrations.config(db.engine), "0012")
    with db.engine.connect() as conn:
        assert not partitions.is_partitioned(conn)
        plain = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    before = _hashes(db)

    migrations.upgrade(db.engine)

    with db.engine.connect() as conn:
        assert partitions.is_partitioned(conn)
        made = partitions.months(conn)
    assert {date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)} <= set(made)
    assert sum(where_events_are(db).values()) == plain
    assert partitions.DEFAULT not in where_events_are(db)
    assert _hashes(db) == before and verify_audit_chain(db)[1] == []
    assert submit(client, "skck").status_code == 201  # ids go on from the same sequence
