"""Events of a generated history, chained exactly as `record_event` chains them.

Rows are built in memory, in the order things happened, each ledger continuing from its
head in the database, so `layan audit verify` checks a generated history like any other.
"""

from __future__ import annotations

from typing import Any, Unpack

from sqlalchemy import select

from layan.core.db import UnitOfWork
from layan.core.events import (
    GENESIS,
    Event,
    EventFields,
    Ledger,
    event_hash,
    event_row,
    hashed_fields,
)


class Chains:
    """The heads of every ledger while a history is written, and the event rows made."""

    def __init__(self, uow: UnitOfWork, first_id: int) -> None:
        self.heads: dict[str, tuple[int, str]] = {
            h.agency: (h.last_seq, h.last_hash)
            for h in uow.session.execute(select(Ledger)).scalars()
        }
        self.known = set(self.heads)
        self.next_id = first_id
        self.rows: list[dict[str, Any]] = []

    def append(self, **fields: Unpack[EventFields]) -> dict[str, Any]:
        """One event, hashed over the same fields and in the same form as `record_event`."""
        row = event_row(**fields)
        ledger = row["ledger"]
        seq, prev = self.heads.get(ledger, (0, GENESIS))
        row["seq"] = seq + 1
        row["hash"] = event_hash(prev, hashed_fields(row))
        row["prev_hash"], row["id"] = prev, self.next_id
        self.next_id += 1
        self.heads[ledger] = (seq + 1, row["hash"])
        self.rows.append(row)
        return row

    def take(self) -> list[dict[str, Any]]:
        """The rows made since the last take, for a bulk insert."""
        rows, self.rows = self.rows, []
        return rows

    def save_heads(self, uow: UnitOfWork) -> None:
        """Move every ledger's head to its last event (new ledgers get a head row)."""
        for agency, (seq, last) in self.heads.items():
            head = uow.session.get(Ledger, agency)
            if head is None:
                uow.session.add(Ledger(agency=agency, last_seq=seq, last_hash=last))
            else:
                head.last_seq, head.last_hash = seq, last
        uow.session.flush()


def first_free_id(uow: UnitOfWork, column: Any) -> int:
    """One above the largest id in use: ids of a generated history are given, not drawn."""
    found = uow.session.execute(select(column).order_by(column.desc()).limit(1)).scalar()
    return int(found or 0) + 1


EVENTS = Event.__table__
