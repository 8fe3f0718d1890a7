"""Every table of Layan: importing this module makes `Base.metadata` whole, for the
migrations to compare against and for copying a database table by table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

import layan.accounts.models
import layan.analytics.models
import layan.applications.models
import layan.catalogue.models
import layan.complaints.models
import layan.core.access_log
import layan.core.events
import layan.core.throttle
import layan.documents.models
import layan.notify.models
import layan.open311.models
import layan.surveys.models  # noqa: F401
from layan.core.db import Base

METADATA = Base.metadata


def row_counts(conn: Any) -> dict[str, int]:
    """Rows of every table the database has, in foreign-key order, read in the
    connection's transaction (one snapshot)."""
    present = set(inspect(conn).get_table_names())
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in METADATA.sorted_tables
        if t.name in present
    }
