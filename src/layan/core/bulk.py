"""Writing many rows at once: the database's own bulk path, with SQLAlchemy's types.

For a generated history of millions of rows, an ORM or even a Core `INSERT` spends most
of its time building parameter dictionaries. Here each column's value goes through the
same bind processor SQLAlchemy would apply (so a `UTCDateTime` or a `JSON` column is
stored exactly as the rest of Layan stores it), then SQLite takes the rows in one
`executemany` and PostgreSQL in one `COPY`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def _processors(connection: Connection, table: Table, names: Sequence[str]) -> list[Any]:
    dialect = connection.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in names]


def _values(rows: Iterable[Mapping[str, Any]], names: Sequence[str], processors: list[Any]):  # type: ignore[no-untyped-def]
    plan = [(i, process) for i, process in enumerate(processors) if process is not None]
    for row in rows:
        values = [row.get(name) for name in names]
        for i, process in plan:
            if values[i] is not None:
                values[i] = process(values[i])
        yield values


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert `rows` (each naming any of the table's columns; a missing one is NULL)
    inside the connection's transaction; the number inserted."""
    if not rows:
        return 0
    names = sorted({name for row in rows for name in row})
    processors = _processors(connection, table, names)
    values = _values(rows, names, processors)
    columns = ", ".join(f'"{n}"' for n in names)
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        cursor = raw.cursor()  # type: ignore[union-attr]
        cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', values)
        cursor.close()
    else:
        with (
            raw.cursor() as cursor,
            cursor.copy(  # type: ignore[union-attr]
                f'COPY "{table.name}" ({columns}) FROM STDIN'
            ) as copy,
        ):
            for value in values:
                copy.write_row(value)
    return len(rows)
