"""Writing many rows at once: the database's own bulk path, with SQLAlchemy's types.

Used by generated history and by copying a whole database from one server to another
(a regency that outgrows its SQLite file moves to PostgreSQL).

For a generated history of millions of rows, an ORM or even a Core `INSERT` spends most
of its time building parameter dictionaries. Here each column's value goes through the
same bind processor SQLAlchemy would apply (so a `UTCDateTime` or a `JSON` column is
stored exactly as the rest of Layan stores it), then SQLite takes the rows in one
`executemany` and PostgreSQL in one `COPY`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Table, select, text


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


def copy_table(
    source: Connection,
    target: Connection,
    table: Table,
    *,
    chunk: int = 20_000,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Every row of `table` from one database to another (of either kind), in id order
    where there is an id, through each column's own types; the rows copied."""
    stmt = select(table)
    if "id" in table.c:
        stmt = stmt.order_by(table.c.id)
    result = source.execution_options(yield_per=chunk).execute(stmt)
    copied = 0
    for rows in result.mappings().partitions(chunk):
        copied += insert_rows(target, table, rows)
        if progress:
            progress(table.name, len(rows))
    return copied


def move_ids_past_rows(connection: Connection, tables: Iterable[Table]) -> None:
    """On PostgreSQL, each table's id sequence moved past the ids given by a bulk write."""
    if connection.dialect.name != "postgresql":
        return  # SQLite draws the next id from the largest in the table
    for table in tables:
        column = table.c.get("id")
        drawn = column is not None and column.primary_key and column.autoincrement is not False
        if not drawn or not isinstance(column.type, Integer):  # type: ignore[union-attr]
            continue  # ids that are codes, or given by the rows themselves
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"), false)'
            )
        )
