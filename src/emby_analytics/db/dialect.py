"""The few statements whose SQL differs between backends. Everything else is portable SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


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
