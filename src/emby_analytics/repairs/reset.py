"""Deleting collected data on the admin's request: the play history alone, or everything collected from Emby."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, delete, func, select

from emby_analytics.db.plays import forget_descriptions
from emby_analytics.db.schema import (
    items,
    libraries,
    play_clients,
    play_items,
    play_rows,
    play_streams,
    play_users,
    segment_rows,
    sync_runs,
    users,
    webhook_receipts,
)
from emby_analytics.rollups.fold import empty_rollups

# What each reset deletes, children first (segments before plays, plays before their descriptions).
_HISTORY = (segment_rows, play_rows, play_users, play_items, play_clients, play_streams, webhook_receipts)
_COLLECTED = (*_HISTORY, items, libraries, users, sync_runs)


@dataclass(frozen=True)
class Deleted:
    plays: int
    items: int
    users: int


def _counts(conn: Connection) -> tuple[int, int, int]:
    plays, item_count, user_count = (
        int(conn.execute(select(func.count()).select_from(table)).scalar_one()) for table in (play_rows, items, users)
    )
    return plays, item_count, user_count


def reset_history(conn: Connection) -> Deleted:
    """Every play, its segments, the rollups and the webhook receipts; the library and the users stay."""
    plays, _, _ = _counts(conn)
    _delete(conn, _HISTORY)
    return Deleted(plays=plays, items=0, users=0)


def reset_all(conn: Connection) -> Deleted:
    """Everything collected from Emby: the history (as `reset_history`), the library, the users and the sync runs.
    Settings, tokens and the database's own bookkeeping (migrations, rollup time zone) stay."""
    plays, item_count, user_count = _counts(conn)
    _delete(conn, _COLLECTED)
    return Deleted(plays=plays, items=item_count, users=user_count)


def _delete(conn: Connection, tables: tuple[Table, ...]) -> None:
    empty_rollups(conn)
    for table in tables:
        conn.execute(delete(table))
    # The descriptions' refs start again at 1: the writer's lookups of the old ones would name the wrong rows.
    forget_descriptions(conn)
