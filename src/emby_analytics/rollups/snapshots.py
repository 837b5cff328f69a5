"""The daily library snapshot: the library's size and counts by type and quality, one row per local day in TZ
(`library_snapshots`), so `/stats/storage/growth` can chart how it grew and forecast where it is going.

The job looks every hour and writes today's row anew each time (so the day's row is the library as it stood at the
day's last look: a sync that finishes in the afternoon is in it), and never a row for an empty library (a fresh
install before its first sync). A day the service did not run has no row; the trend does not need one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from emby_analytics.clock import Clock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, library_snapshots, to_micros
from emby_analytics.quality import quality_sql
from emby_analytics.rollups.pieces import day_of
from emby_analytics.scheduler import Job

VIDEO_TYPES = ("Movie", "Episode", "MusicVideo", "Video", "Trailer")
# Folders hold no files of their own (as `/stats/library` leaves them out).
_FOLDERS = ("Folder", "CollectionFolder", "UserView")
_IN_LIBRARY = "removed_at IS NULL AND is_placeholder = 0"


def library_snapshot(conn: Connection, now: datetime, zone: ZoneInfo) -> dict[str, Any] | None:
    """Today's snapshot row in TZ, read from the library (None while it is empty)."""
    folders = ", ".join(f"'{t}'" for t in _FOLDERS)
    by_type: dict[str, dict[str, int]] = {}
    for item_type, count, size in conn.exec_driver_sql(
        f"SELECT type, COUNT(*), coalesce(SUM(size_bytes), 0) FROM items WHERE {_IN_LIBRARY} "  # noqa: S608
        f"AND type NOT IN ({folders}) GROUP BY type ORDER BY type"
    ):
        by_type[item_type] = {"items": count, "size_bytes": int(size)}
    if not by_type:
        return None
    label = quality_sql(items.c.width, items.c.height)
    query = (
        select(label, func.count())
        .where(items.c.removed_at.is_(None), items.c.is_placeholder.is_(False), items.c.type.in_(VIDEO_TYPES))
        .group_by(label)
    )
    by_quality = {name: count for name, count in conn.execute(query)}
    return {
        "day": day_of(to_micros(now), zone),
        "taken_at": now,
        "items": sum(t["items"] for t in by_type.values()),
        "size_bytes": sum(t["size_bytes"] for t in by_type.values()),
        "by_type": json.dumps(by_type, sort_keys=True),
        "by_quality": json.dumps(dict(sorted(by_quality.items())), sort_keys=True),
    }


def take_snapshot(conn: Connection, now: datetime, zone: ZoneInfo) -> bool:
    """Write (or rewrite) today's snapshot in TZ in one transaction; False, writing nothing, while the library is
    empty."""
    row = library_snapshot(conn, now, zone)
    if row is not None:
        upsert(conn, library_snapshots, [row], key=("day",))
    return row is not None


class SnapshotJob(Job):
    """Every hour: today's library snapshot (rewritten each time, so it is the day's last look)."""

    name = "library-snapshot"

    def __init__(self, db: Database, zone: ZoneInfo, clock: Clock, interval_sec: float = 3600.0) -> None:
        # A minute after start-up: a first start's library sync has begun filling the items by then.
        super().__init__(interval_sec, clock, initial_delay_sec=60.0)
        self.db = db
        self.zone = zone
        self.written = 0  # snapshots written since start-up

    async def run_once(self) -> None:
        now = self.clock.now()
        # Read on a reader connection (a pass over the items), then one small write: the writer, which records
        # plays, is held for a row, not for the pass.
        row = await self.db.read(lambda conn: library_snapshot(conn, now, self.zone), whole=True)
        if row is not None:
            await self.db.write(lambda conn: upsert(conn, library_snapshots, [row], key=("day",)))
            self.written += 1
