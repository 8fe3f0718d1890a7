"""The hash chain proves nothing was altered, removed or reordered, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from layan.audit import verify_audit_chain
from layan.core.db import Database
from layan.core.events import Event
from tests.factories import submit


def _events(db: Database, ledger: str) -> list[Event]:
    with db.unit_of_work(readonly=True) as uow:
        return list(
            uow.session.execute(
                select(Event).where(Event.ledger == ledger).order_by(Event.seq)
            ).scalars()
        )


def _sql(db: Database, statement: str, **params: object) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_log_verifies(client: TestClient, db: Database) -> None:
    submit(client, "pbg")
    checked, problems = verify_audit_chain(db)
    assert problems == []
    assert checked >= 3


def test_every_change_is_an_event_with_actor_unit_and_agency(
    client: TestClient, db: Database
) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    with db.unit_of_work(readonly=True) as uow:
        events = list(
            uow.session.execute(
                select(Event).where(Event.case_id == number).order_by(Event.id)
            ).scalars()
        )
    assert [e.activity for e in events][0] == "submit"
    assert events[0].resource == "citizen" and events[0].ledger == "DPMPTSP"
    scheduled = [e for e in events if e.lifecycle == "schedule"]
    assert scheduled and all(e.unit and e.agency for e in scheduled)


def test_an_altered_event_is_named(client: TestClient, db: Database) -> None:
    submit(client, "pbg")
    victim = _events(db, "DPMPTSP")[-2]
    _sql(db, "UPDATE events SET resource = 'officer:999' WHERE id = :id", id=victim.id)
    _, problems = verify_audit_chain(db)
    assert [(p.ledger, p.event_id, p.reason) for p in problems] == [
        ("DPMPTSP", victim.id, "event content altered")
    ]


def test_a_removed_event_is_named(client: TestClient, db: Database) -> None:
    submit(client, "pbg")
    events = _events(db, "DPMPTSP")
    _sql(db, "DELETE FROM events WHERE id = :id", id=events[-3].id)
    _, problems = verify_audit_chain(db)
    assert problems[0].seq == events[-3].seq
    assert problems[0].reason == "event missing or reordered"


def test_removing_the_latest_event_is_caught_by_the_ledger_head(
    client: TestClient, db: Database
) -> None:
    submit(client, "pbg")
    last = _events(db, "DPMPTSP")[-1]
    _sql(db, "DELETE FROM events WHERE id = :id", id=last.id)
    _, problems = verify_audit_chain(db)
    assert problems[0].reason == "latest events removed"


def test_reordered_events_are_named(client: TestClient, db: Database) -> None:
    submit(client, "pbg")
    a, b = _events(db, "DPMPTSP")[-2:]
    _sql(db, "UPDATE events SET seq = -1 WHERE id = :id", id=a.id)
    _sql(db, "UPDATE events SET seq = :s WHERE id = :id", s=a.seq, id=b.id)
    _sql(db, "UPDATE events SET seq = :s WHERE id = :id", s=b.seq, id=a.id)
    _, problems = verify_audit_chain(db)
    assert problems and problems[0].event_id == b.id
