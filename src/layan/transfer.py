"""Moving a whole database to another server: a regency that outgrows its SQLite file
copies it into PostgreSQL (or a province consolidates), keeping every row as it was.

The target is brought to the latest migration first and must hold nothing yet; the copy
is one transaction on the target, table by table in the order foreign keys need, ids
kept, so the audit chain verifies on the target exactly as on the source.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from layan import migrations
from layan.catalogue.models import Agency
from layan.core.bulk import copy_table, move_ids_past_rows
from layan.core.db import Database
from layan.core.errors import InvalidStateError, Text
from layan.tables import METADATA


def copy_database(
    source: Database, target: Database, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every table of `source` into the empty `target`; rows copied per table."""
    migrations.upgrade(target.engine)
    with target.engine.connect() as check:
        if check.execute(select(func.count()).select_from(Agency)).scalar_one():
            raise InvalidStateError(
                Text(
                    "Basis data tujuan sudah berisi data; salin hanya ke basis data kosong",
                    "The target database already holds data; copy only into an empty one",
                ),
                "copy.target_not_empty",
            )
    tables = METADATA.sorted_tables
    copied: dict[str, int] = {}
    with source.engine.connect() as reading, target.engine.begin() as writing:
        for table in tables:
            copied[table.name] = copy_table(reading, writing, table, progress=progress)
        move_ids_past_rows(writing, tables)
    return copied
