"""The one event log: audit trail, process log and outbox in a single append-only table.

Each agency appends to its own ledger, a hash chain: every event stores the hash of the
one before it in that ledger, so altering, removing or reordering a row breaks the chain
at that row. Ledgers are separate so agencies append in parallel without waiting on one
global lock. Field names follow XES (IEEE 1849): case, activity, timestamp, resource,
lifecycle transition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import (
    BigInteger,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy import event as orm_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from layan.core.db import Base, JSONData, UTCDateTime

GENESIS = "0" * 64
LIFECYCLES = frozenset(
    {"schedule", "assign", "start", "suspend", "resume", "complete", "ate_abort", "withdraw"}
)


class Ledger(Base):
    """The head of one agency's hash chain."""

    __tablename__ = "ledgers"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class Event(Base):
    """One change of state, written in the same transaction as the change."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("ledger", "seq"),
        Index("ix_events_case", "case_type", "case_id"),
        Index("ix_events_timestamp", "timestamp"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ledger: Mapped[str] = mapped_column(ForeignKey("ledgers.agency"))
    seq: Mapped[int] = mapped_column(BigInteger)
    case_type: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[str] = mapped_column(String(40))
    activity: Mapped[str] = mapped_column(String(60))
    lifecycle: Mapped[str] = mapped_column(String(12))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    resource: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(60))
    agency: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Actor:
    """Who acted: `resource` names them in the log without personal data."""

    resource: str
    role: str
    unit: str | None = None
    agency: str | None = None


CITIZEN = "citizen"
SYSTEM = Actor(resource="system", role="system")


def text_digest(text: str) -> str:
    """The hex SHA-256 of a free text (UTF-8), as an event carries it instead of the text.

    An event is hash-chained and never erased, so text a person wrote (which may name
    someone) goes into its payload only as this digest; the text itself lives where the
    retention purge can erase it.
    """
    return hashlib.sha256(text.encode()).hexdigest()


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the event's fields in canonical JSON."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


HASHED = (
    "ledger",
    "seq",
    "case_type",
    "case_id",
    "activity",
    "lifecycle",
    "timestamp",
    "resource",
    "role",
    "unit",
    "agency",
    "payload",
)


def hashed_fields(values: Any) -> dict[str, Any]:
    """What an event's hash covers, from its row or anything with its fields as attributes
    or keys: every field but the hashes, the time in UTC to the microsecond."""
    get = values.__getitem__ if isinstance(values, dict) else values.__getattribute__
    fields = {name: get(name) for name in HASHED}
    fields["timestamp"] = fields["timestamp"].isoformat(timespec="microseconds")
    return fields


def _hashed_fields(event: Event) -> dict[str, Any]:
    return hashed_fields(event)


# --- appending: once per ledger per transaction -----------------------------------------
#
# `record_event` keeps the event in the session until the transaction commits; then each
# ledger it touched is appended to once: its head locked (ledgers in a fixed order, so two
# transactions never wait on each other in a circle), every event numbered and chained,
# all rows written in one statement, and each head moved in one more. The head's lock is
# held from that moment to the commit, not for the whole transaction. Code that reads the
# log inside the transaction that writes it calls `append_pending` first.

PENDING = "pending_events"


class EventFields(TypedDict):
    """What a caller says of one event; the ledger numbers and chains it."""

    ledger: str
    case_type: str
    case_id: str
    activity: str
    lifecycle: str
    actor: Actor
    at: datetime
    agency: NotRequired[str | None]  # when not given: the actor's, else the ledger's
    unit: NotRequired[str | None]  # when not given: the actor's
    payload: NotRequired[dict[str, Any] | None]


def event_row(
    *,
    ledger: str,
    case_type: str,
    case_id: str,
    activity: str,
    lifecycle: str,
    actor: Actor,
    at: datetime,
    agency: str | None = None,
    unit: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event's fields before it is numbered and chained in its ledger."""
    if lifecycle not in LIFECYCLES:
        raise ValueError(f"unknown lifecycle transition {lifecycle!r}")
    return {
        "ledger": ledger,
        "case_type": case_type,
        "case_id": case_id,
        "activity": activity,
        "lifecycle": lifecycle,
        "timestamp": at,
        "resource": actor.resource,
        "role": actor.role,
        "unit": unit if unit is not None else actor.unit,
        "agency": agency or actor.agency or ledger,
        "payload": payload or {},
    }


def record_event(session: Session, **fields: Unpack[EventFields]) -> None:
    """Add one event to its ledger's chain, written when the caller's transaction commits."""
    session.info.setdefault(PENDING, []).append(event_row(**fields))


def append_pending(session: Session) -> int:
    """Write the events recorded in this transaction, chained; the number written."""
    pending: list[dict[str, Any]] = session.info.pop(PENDING, None) or []
    if not pending:
        return 0
    session.flush()  # rows the events follow (a new ledger's head among them) go first
    connection = session.connection()
    heads = _locked_heads(connection, sorted({e["ledger"] for e in pending}))
    for row in pending:
        seq, prev = heads[row["ledger"]]
        row["seq"], row["prev_hash"] = seq + 1, prev
        row["hash"] = event_hash(prev, hashed_fields(row))
        heads[row["ledger"]] = (row["seq"], row["hash"])
    connection.execute(_NEW_EVENTS, pending)
    connection.execute(
        _MOVE_HEADS, [{"head": k, "seq": seq, "hash": h} for k, (seq, h) in heads.items()]
    )
    return len(pending)


EVENTS = Event.__table__
LEDGERS = Ledger.__table__


_NEW_EVENTS = insert(EVENTS)
_MOVE_HEADS = (
    update(LEDGERS)
    .where(LEDGERS.c.agency == bindparam("head"))
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)
_HEADS = (
    select(LEDGERS.c.agency, LEDGERS.c.last_seq, LEDGERS.c.last_hash)
    .where(LEDGERS.c.agency.in_(bindparam("ledgers", expanding=True)))
    .order_by(LEDGERS.c.agency)
)
_HEADS_LOCKED = _HEADS.with_for_update()


def _locked_heads(connection: Connection, ledgers: list[str]) -> dict[str, tuple[int, str]]:
    """Each ledger's (last seq, last hash), its row locked until the commit; a ledger
    seen for the first time starts at its genesis."""
    locking = connection.dialect.name != "sqlite"  # SQLite's writer holds the whole file
    read = _HEADS_LOCKED if locking else _HEADS
    heads = {k: (seq, h) for k, seq, h in connection.execute(read, {"ledgers": ledgers})}
    missing = [k for k in ledgers if k not in heads]
    if missing:
        fresh = [{"agency": k, "last_seq": 0, "last_hash": GENESIS} for k in missing]
        if locking:
            # Two first appends may race: the loser waits on the winner's row, then reads it.
            connection.execute(pg_insert(LEDGERS).on_conflict_do_nothing(), fresh)
            heads = {k: (seq, h) for k, seq, h in connection.execute(read, {"ledgers": ledgers})}
        else:
            connection.execute(insert(LEDGERS), fresh)
            heads.update(dict.fromkeys(missing, (0, GENESIS)))
    return heads


def discard_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


@orm_event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    append_pending(session)


@orm_event.listens_for(Session, "after_transaction_end")
def _forget_after_end(session: Session, transaction: Any) -> None:
    # A rolled-back (or closed) transaction's events go with it.
    if transaction.parent is None:
        discard_pending(session)


@dataclass(frozen=True)
class ChainProblem:
    """The first place a ledger's chain does not hold, and why."""

    ledger: str
    seq: int
    event_id: int | None
    reason: str


def record_agency_event(
    session: Session,
    agency: str,
    activity: str,
    actor: Actor,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """An event of the agency itself (its keys, figures, messages, webhooks), in its own
    ledger, inside the caller's transaction."""
    record_event(
        session,
        ledger=agency,
        case_type="agency",
        case_id=agency,
        activity=activity,
        lifecycle="complete",
        actor=actor,
        at=at,
        payload=payload,
    )


def _ledger_events(session: Session, ledger: str) -> Generator[Event, None, None]:
    stmt = select(Event).where(Event.ledger == ledger).order_by(Event.seq)
    # Streamed in batches so a long ledger never sits in memory whole; the cursor is
    # closed even when verification stops at the first broken link.
    result = session.execute(stmt.execution_options(yield_per=2000))
    try:
        yield from result.scalars()
    finally:
        result.close()


def verify_ledger(session: Session, head: Ledger) -> ChainProblem | None:
    """Walk one ledger from its genesis; return the first broken link, or None."""
    events = _ledger_events(session, head.agency)
    with closing(events):
        return _walk(head, events)


def _walk(head: Ledger, events: Iterator[Event]) -> ChainProblem | None:
    prev, expected_seq, last_id = GENESIS, 1, None
    for event in events:
        if event.seq != expected_seq:
            return ChainProblem(head.agency, expected_seq, event.id, "event missing or reordered")
        if event.prev_hash != prev:
            return ChainProblem(head.agency, event.seq, event.id, "link to previous event broken")
        if event_hash(event.prev_hash, _hashed_fields(event)) != event.hash:
            return ChainProblem(head.agency, event.seq, event.id, "event content altered")
        prev, expected_seq, last_id = event.hash, expected_seq + 1, event.id
    if head.last_seq != expected_seq - 1 or head.last_hash != prev:
        return ChainProblem(head.agency, expected_seq, last_id, "latest events removed")
    return None


def verify_chain(session: Session) -> tuple[int, list[ChainProblem]]:
    """Verify every ledger: the number of events checked and the first problem of each."""
    problems: list[ChainProblem] = []
    heads = session.execute(select(Ledger).order_by(Ledger.agency)).scalars().all()
    for head in heads:
        problem = verify_ledger(session, head)
        if problem:
            problems.append(problem)
    return sum(h.last_seq for h in heads), problems


def case_events(session: Session, case_type: str, case_id: str) -> list[Event]:
    """The history of one case across all ledgers, oldest first."""
    append_pending(session)  # what this transaction recorded is part of it
    stmt = (
        select(Event)
        .where(Event.case_type == case_type, Event.case_id == case_id)
        .order_by(Event.timestamp, Event.id)
    )
    return list(session.execute(stmt).scalars())


def case_timeline(session: Session, case_type: str, case_id: str) -> list[Any]:
    """What a case's tracking page shows of its history, oldest first: rows of
    (timestamp, activity, lifecycle, agency, unit), without the payloads."""
    append_pending(session)
    return session.connection().execute(_TIMELINE, {"type": case_type, "case": case_id}).all()


# Built once: the tracking page reads it on every request.
_TIMELINE = (
    select(Event.timestamp, Event.activity, Event.lifecycle, Event.agency, Event.unit)
    .where(Event.case_type == bindparam("type"), Event.case_id == bindparam("case"))
    .order_by(Event.timestamp, Event.id)
)
