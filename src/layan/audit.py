"""Verifying the audit chain: every ledger re-hashed from its genesis."""

from __future__ import annotations

from layan.core.db import Database
from layan.core.events import ChainProblem, verify_chain


def verify_audit_chain(db: Database) -> tuple[int, list[ChainProblem]]:
    """The number of events checked and the first problem of each broken ledger."""
    with db.unit_of_work(readonly=True) as uow:
        return verify_chain(uow.session)
