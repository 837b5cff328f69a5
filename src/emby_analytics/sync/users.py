"""User sync: add new Emby users, update changed ones, mark vanished ones removed (their history stays)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from emby_analytics.clock import Clock
from emby_analytics.db.dialect import replace_all
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import users
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.models import User
from emby_analytics.sync.item_rows import user_row

# Columns whose change counts as an update (timestamps of activity move constantly and do not).
_COMPARED = ("name", "is_admin", "is_disabled", "is_hidden", "has_image", "removed_at")


class EmptyUserList(Exception):
    """Emby listed no users at all."""


@dataclass(frozen=True)
class UserSyncResult:
    total_users: int
    added: int
    updated: int
    removed: int


class UserSync:
    def __init__(self, db: Database, client: EmbyClient, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self._lock = asyncio.Lock()

    async def run(self) -> UserSyncResult:
        async with self._lock:
            fetched = await self.client.users()
            if not fetched:
                # Every Emby server has at least one user: an empty list is a fault, not "everyone left".
                raise EmptyUserList("Emby returned no users; stored users were left as they are")
            now = self.clock.now()
            rows = [{**user_row(user, now), "removed_at": None} for user in fetched]
            return await self.db.write(lambda conn: _apply(conn, rows, now))


def _apply(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> UserSyncResult:
    existing = {row.id: row._mapping for row in conn.execute(select(users))}
    added = [row for row in rows if row["id"] not in existing]
    updated = [
        row for row in rows if row["id"] in existing and any(existing[row["id"]][c] != row[c] for c in _COMPARED)
    ]
    removed = replace_all(
        conn, users, [{**row, "first_seen_at": now} for row in rows], now, insert_only=("first_seen_at",)
    )
    return UserSyncResult(total_users=len(rows), added=len(added), updated=len(updated), removed=removed)


def user_changes(stored: Mapping[str, Any], user: User, now: datetime) -> list[str]:
    """The stored columns a sync would change for this Emby user (a removed user who is back: `removed_at`)."""
    row = {**user_row(user, now), "removed_at": None}
    return [column for column in _COMPARED if stored[column] != row[column]]
