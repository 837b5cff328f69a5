"""The few statements whose SQL differs between backends. Everything else is portable SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

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
    insert = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    keep = set(key) | set(insert_only)
    updates = {name: insert.excluded[name] for name in rows[0] if name not in keep}
    statement = insert.on_conflict_do_update(index_elements=list(key), set_=updates)
    conn.execute(statement, list(rows))


def _sqlite_datetime(value: datetime | None) -> str | None:
    # Exactly SQLAlchemy's SQLite DATETIME storage format (naive UTC, 6 fractional digits), so reads agree.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use aware UTC datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all share one key set. On SQLite, one DBAPI executemany of plain tuples: SQLAlchemy's
    per-value bind processing would cost more than SQLite's own insert (50k rows/s target)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    kinds = [table.c[name].type for name in names]
    dates = [i for i, kind in enumerate(kinds) if isinstance(kind, UTCDateTime)]
    flags = [i for i, kind in enumerate(kinds) if isinstance(kind, Boolean)]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        record = [row[name] for name in names]
        for i in dates:
            record[i] = _sqlite_datetime(record[i])
        for i in flags:
            record[i] = None if record[i] is None else int(record[i])
        values.append(tuple(record))
    columns = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" * len(names))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', values)  # noqa: S608
