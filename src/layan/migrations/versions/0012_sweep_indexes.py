"""sweep indexes: late tasks and applications found by deadline among those not yet marked

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Partial indexes on (status, due_at) where breached_at IS NULL, so the SLA sweep reads
only what is late now, however many tasks are open or long closed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNMARKED = sa.text("breached_at IS NULL")


def upgrade() -> None:
    for table in ("tasks", "applications"):
        op.create_index(
            f"ix_{table}_late",
            table,
            ["status", "due_at"],
            unique=False,
            sqlite_where=UNMARKED,
            postgresql_where=UNMARKED,
        )


def downgrade() -> None:
    for table in ("tasks", "applications"):
        op.drop_index(f"ix_{table}_late", table_name=table)
