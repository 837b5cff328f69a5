"""The few statements whose SQL differs between backends. Everything else is portable SQLAlchemy Core."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.dialects import sqlite

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import dml as postgresql_dml


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
    statement = _upsert_statement(conn.dialect.name, table, tuple(rows[0]), tuple(key), tuple(insert_only))
    conn.execute(statement, list(rows))


@functools.lru_cache(maxsize=64)
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...], insert_only: tuple[str, ...]
) -> postgresql_dml.Insert | sqlite.Insert:
    # Built once per table and columns: a statement's `excluded` alias copies every column of the table into objects
    # that refer to one another, which only a full garbage collection frees; a library sync writing a page at a time
    # built hundreds of them.
    insert: postgresql_dml.Insert | sqlite.Insert
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # 2.6 MB the SQLite service never needs

        insert = postgresql.insert(table)
    else:
        insert = sqlite.insert(table)
    keep = set(key) | set(insert_only)
    updates = {name: insert.excluded[name] for name in columns if name not in keep}
    return insert.on_conflict_do_update(index_elements=list(key), set_=updates)


def replace_all(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    now: datetime,
    *,
    insert_only: Sequence[str] = (),
    compare: Sequence[str] = (),
) -> int:
    """Make `rows` the complete live set: upsert them (clearing `removed_at`) and mark every other live row
    removed at `now`, never deleting it (its history stays). Returns how many rows were marked removed.

    With `compare`, a row stored live with the same values in those columns is left as it is: rewriting it would
    fire the table's triggers for nothing (the library's data version, which every cached library answer is kept
    under). For small tables: the stored rows are read whole."""
    ids = [row["id"] for row in rows]
    if compare:
        stored = {r.id: r for r in conn.execute(select(table.c.id, table.c.removed_at, *(table.c[n] for n in compare)))}
        rows = [row for row in rows if not _same(stored.get(row["id"]), row, compare)]
    upsert(conn, table, [{**row, "removed_at": None} for row in rows], insert_only=insert_only)
    stale = update(table).where(table.c.id.not_in(ids), table.c.removed_at.is_(None)).values(removed_at=now)
    return conn.execute(stale).rowcount


def _same(stored: Any, row: dict[str, Any], compare: Sequence[str]) -> bool:
    return stored is not None and stored.removed_at is None and all(stored._mapping[n] == row[n] for n in compare)
