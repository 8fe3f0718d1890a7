"""Verifying the audit chain: every ledger re-hashed from its genesis, and checked
against signed checkpoints taken earlier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from layan.core import checkpoints
from layan.core.db import Database
from layan.core.events import ChainProblem, Event, Ledger, verify_chain


def verify_audit_chain(db: Database) -> tuple[int, list[ChainProblem]]:
    """The number of events checked and the first problem of each broken ledger."""
    with db.unit_of_work(readonly=True) as uow:
        return verify_chain(uow.session)


def take_checkpoint(db: Database, private_pem: bytes) -> dict[str, Any]:
    """A signed checkpoint of every ledger's head, read in one transaction."""
    with db.unit_of_work(readonly=True) as uow:
        heads = [
            checkpoints.LedgerHead(h.agency, h.last_seq, h.last_hash)
            for h in uow.session.execute(select(Ledger).order_by(Ledger.agency)).scalars()
        ]
        created_at = uow.now()
    return checkpoints.sign_checkpoint(private_pem, created_at, heads)


def verify_against_checkpoint(
    db: Database, document: dict[str, Any], public_pem: bytes
) -> list[ChainProblem]:
    """Every checkpointed ledger must still hold the checkpointed event at that seq.

    Raises CheckpointError when the checkpoint's own signature does not hold. Together with
    `verify_audit_chain` (the links from genesis up to that event) this catches a ledger
    rewritten whole, head included, after the checkpoint was taken.
    """
    heads = checkpoints.verify_checkpoint(document, public_pem)
    problems = []
    with db.unit_of_work(readonly=True) as uow:
        for head in heads:
            problem = _against(uow.session, head)
            if problem:
                problems.append(problem)
    return problems


def _against(session: Any, head: checkpoints.LedgerHead) -> ChainProblem | None:
    ledger = session.get(Ledger, head.agency)
    if ledger is None:
        return ChainProblem(head.agency, head.last_seq, None, "ledger removed since checkpoint")
    if head.last_seq == 0:
        return None
    if ledger.last_seq < head.last_seq:
        return ChainProblem(head.agency, head.last_seq, None, "events removed since checkpoint")
    event = session.execute(
        select(Event).where(Event.ledger == head.agency, Event.seq == head.last_seq)
    ).scalar_one_or_none()
    if event is None:
        return ChainProblem(head.agency, head.last_seq, None, "checkpointed event missing")
    if event.hash != head.last_hash:
        return ChainProblem(
            head.agency, head.last_seq, event.id, "ledger rewritten since checkpoint"
        )
    return None
