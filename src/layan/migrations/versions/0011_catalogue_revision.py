"""catalogue revision: one row whose token changes with every change to the catalogue

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Processes keep what they read of the catalogue under this token (`catalogue.snapshot`).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_revision")),
    )
    # A database that already has a catalogue gets its first revision; an empty one stays
    # empty (a copy or a restore lands only in an empty database) until its first change.
    op.execute(
        sa.text(
            "INSERT INTO catalogue_revision (id, token) "
            "SELECT 1, :token WHERE EXISTS (SELECT 1 FROM agencies)"
        ).bindparams(token=secrets.token_hex(16))
    )


def downgrade() -> None:
    op.drop_table("catalogue_revision")
