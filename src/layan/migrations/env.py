"""Alembic environment: runs against the engine the app hands over, or a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from layan.tables import METADATA  # every table must be known to compare

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
