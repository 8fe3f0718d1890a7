"""Events are appended to each ledger once per transaction, at its commit, chained."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from layan.audit import verify_audit_chain
from layan.core.db import Database
from layan.core.events import Actor, Event, Ledger, record_event

CLERK = Actor(resource="officer:1", role="clerk")


def _heads(db: Database) -> dict[str, tuple[int, str]]:
    with db.unit_of_work(readonly=True) as uow:
        rows = uow.session.execute(select(Ledger.agency, Ledger.last_seq, Ledger.last_hash))
        return {agency: (seq, last) for agency, seq, last in rows}


def test_one_transaction_appends_once_per_ledger_in_the_order_recorded(db: Database) -> None:
    before = _heads(db)
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO events"):
            inserts.append(statement)

    plan = [("DPMPTSP", "a1"), ("DUKCAPIL", "b1"), ("DPMPTSP", "a2"), ("NEWDESK", "c1")]
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.unit_of_work() as uow:
            for ledger, activity in plan:
                record_event(
                    uow.session,
                    ledger=ledger,
                    case_type="test",
                    case_id="T-1",
                    activity=activity,
                    lifecycle="complete",
                    actor=CLERK,
                    at=uow.now(),
                )
            uow.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert len(inserts) == 1
    with db.unit_of_work(readonly=True) as uow:
        written = list(
            uow.session.execute(
                select(Event).where(Event.case_id == "T-1").order_by(Event.id)
            ).scalars()
        )
    assert [(e.ledger, e.activity) for e in written] == plan
    start = {k: before.get(k, (0, ""))[0] for k in ("DPMPTSP", "DUKCAPIL", "NEWDESK")}
    assert [e.seq for e in written] == [
        start["DPMPTSP"] + 1,
        start["DUKCAPIL"] + 1,
        start["DPMPTSP"] + 2,
        1,
    ]
    assert written[2].prev_hash == written[0].hash
    heads = _heads(db)
    assert heads["DPMPTSP"] == (written[2].seq, written[2].hash)
    assert heads["NEWDESK"] == (1, written[3].hash)
    assert verify_audit_chain(db)[1] == []


def test_a_rolled_back_transaction_appends_nothing(db: Database) -> None:
    before = _heads(db)
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:
        record_event(
            uow.session,
            ledger="DPMPTSP",
            case_type="test",
            case_id="T-2",
            activity="never",
            lifecycle="complete",
            actor=CLERK,
            at=uow.now(),
        )
        raise RuntimeError("the change failed")

    with db.unit_of_work() as uow:  # the next transaction on a pooled session starts clean
        uow.commit()
    assert _heads(db) == before
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.scalar(select(Event.id).where(Event.case_id == "T-2")) is None
