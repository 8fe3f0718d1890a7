"""Moving a whole database to another server: a regency that outgrows its SQLite file
copies it into PostgreSQL (or a province consolidates), keeping every row as it was.

The target is brought to the latest migration first and must hold nothing yet; the copy
is one transaction on the target, table by table in the order foreign keys need, ids
kept, so the audit chain verifies on the target exactly as on the source.
"""

from __future__ import annotations

from collections.abc import Callable

from layan import migrations
from layan.core import partitions
from layan.core.bulk import copy_table, move_ids_past_rows
from layan.core.db import Database
from layan.core.errors import InvalidStateError, Text
from layan.tables import METADATA, row_counts


def copy_database(
    source: Database, target: Database, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every table of `source` into the empty `target`; rows copied per table."""
    migrations.upgrade(target.engine)
    tables = METADATA.sorted_tables
    with target.engine.connect() as check:
        holding = [name for name, rows in row_counts(check).items() if rows]
    if holding:
        raise InvalidStateError(
            Text(
                f"Basis data tujuan sudah berisi data ({', '.join(holding[:3])}); "
                "salin hanya ke basis data kosong",
                f"The target database already holds data ({', '.join(holding[:3])}); "
                "copy only into an empty one",
            ),
            "copy.target_not_empty",
        )
    copied: dict[str, int] = {}
    # One transaction on each side: every table is read as of the same moment (a
    # snapshot) and the copy lands whole or not at all.
    source_engine = source.engine
    if not source.is_sqlite:
        source_engine = source_engine.execution_options(isolation_level="REPEATABLE READ")
    with source_engine.connect() as reading, target.engine.begin() as writing:
        for table in tables:
            if table.name == partitions.PARENT:  # the log's months ready before its rows
                partitions.ensure_months(writing, partitions.months_spanned(reading))
            copied[table.name] = copy_table(reading, writing, table, progress=progress)
        move_ids_past_rows(writing, tables)
    return copied
