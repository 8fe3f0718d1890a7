"""Alembic environment: runs against the engine the app hands over, or a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import layan.accounts.models
import layan.analytics.models
import layan.applications.models
import layan.catalogue.models
import layan.complaints.models
import layan.core.access_log
import layan.core.events
import layan.core.throttle
import layan.documents.models
import layan.open311.models
import layan.surveys.models  # noqa: F401  (every table must be known to compare)
from layan.core.db import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
