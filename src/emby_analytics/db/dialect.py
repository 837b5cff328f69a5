"""The few statements whose SQL differs between backends. Everything else is portable SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, update
from sqlalchemy.dialects import sqlite

from emby_analytics.db.schema import UTCDateTime


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str] = ("id",),
    insert_only: Sequence[str] = (),
) -> None:
    """Insert rows, or update the existing row with the same key. Columns in `insert_only` keep their first value."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # 2.6 MB the SQLite service never needs

        insert = postgresql.insert(table)
    else:
        insert = sqlite.insert(table)
    keep = set(key) | set(insert_only)
    updates = {name: insert.excluded[name] for name in rows[0] if name not in keep}
    statement = insert.on_conflict_do_update(index_elements=list(key), set_=updates)
    conn.execute(statement, list(rows))


def replace_all(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], now: datetime, *, insert_only: Sequence[str] = ()
) -> int:
    """Make `rows` the complete live set: upsert them (clearing `removed_at`) and mark every other live row
    removed at `now`, never deleting it (its history stays). Returns how many rows were marked removed."""
    upsert(conn, table, [{**row, "removed_at": None} for row in rows], insert_only=insert_only)
    ids = [row["id"] for row in rows]
    stale = update(table).where(table.c.id.not_in(ids), table.c.removed_at.is_(None)).values(removed_at=now)
    return conn.execute(stale).rowcount


def _sqlite_datetime(value: datetime | None) -> str | None:
    # Exactly SQLAlchemy's SQLite DATETIME storage format (naive UTC, 6 fractional digits), so reads agree.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use aware UTC datetimes")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" cut before the offset: one C call instead of replace() + isoformat().
    return value.isoformat(" ", "microseconds")[:26]


def bulk_insert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
) -> None:
    """Insert rows: mappings that all share one key set, or (with `columns`) value sequences in that column order.
    On SQLite, one DBAPI executemany of plain sequences: SQLAlchemy's per-value bind processing would cost more
    than SQLite's own insert (50k rows/s target)."""
    if not rows:
        return
    if columns is None:
        mappings = cast(Sequence[Mapping[str, Any]], rows)
        columns = list(mappings[0])
        rows = [tuple([row[name] for name in columns]) for row in mappings]
    values = cast(Sequence[Sequence[Any]], rows)
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in values])
        return
    # Booleans need no conversion: sqlite3 binds bool (an int subclass) as INTEGER 0/1, as SQLAlchemy does.
    dates = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)]
    if dates:
        converted: list[tuple[Any, ...]] = []
        for row in values:
            record = list(row)
            for i in dates:
                record[i] = _sqlite_datetime(record[i])
            converted.append(tuple(record))  # exec_driver_sql takes a list of tuples or dicts only
        values = converted
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" * len(columns))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)  # noqa: S608
