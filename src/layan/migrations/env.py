"""Alembic environment: runs against the engine the app hands over, or a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from layan.core import partitions
from layan.tables import METADATA  # every table must be known to compare

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))


def _compared(dialect: str):  # type: ignore[no-untyped-def]
    """What the comparison of models and database looks at: not the event log's monthly
    partitions, nor the index each database keeps on (ledger, seq) its own way."""
    differs = partitions.ONLY_ON_SQLITE | partitions.ONLY_ON_POSTGRESQL

    def include_name(name, type_, parent_names):  # type: ignore[no-untyped-def]
        return not (type_ == "table" and partitions.is_partition(name))

    def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return dialect != "postgresql" or name not in differs

    return include_name, include_object


with engine.connect() as connection:
    include_name, include_object = _compared(connection.dialect.name)
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
