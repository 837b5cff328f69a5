"""The compaction job: every few days, when nobody is watching, the database file is rewritten with full pages.

SQLite reuses the space of deleted rows but never gives it back, and pages that rows reach in no particular order
(a user's plays land all over the index of users' plays) split and stay about a quarter empty. A database grown
by live use, or by a migration that moved data, is ~10 % larger than what it holds. SQLite's VACUUM rewrites it
packed: seconds for two million plays. Every write waits while it runs, so it runs only when no play is open
(nothing the tracker would have to hold back) and there is room on the disk for the copy it writes through the WAL.
When it last ran is kept in the database (`data_versions`), so restarts do not move the date.

First it forgets Emby's session id of the plays that ended more than `SESSION_MEMORY` ago. The id names a
connection of a client to Emby: the tracker, the webhooks and the session controls need it while a play is open,
and the admin's play debugging for a while after; later it only takes room (16 bytes a live play, 14 of the 250
bytes a play may take at tier L: `docs/benchmarks.md`).
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database, StorageError
from emby_analytics.db.schema import to_micros
from emby_analytics.scheduler import Job

log = logging.getLogger(__name__)

_MARK = "compacted_at"  # data_versions row: when the last compaction finished, in seconds since 1970
_CHECK_SEC = 3600.0  # how often a due compaction looks for a quiet moment
SESSION_MEMORY = timedelta(days=30)  # how long a closed play keeps its session id
FORGET_SESSIONS = "UPDATE play_rows SET session_id = NULL WHERE session_id IS NOT NULL AND stopped_at < ?"


def forget_sessions(conn: Connection, now: datetime) -> int:
    """Forget the session ids of the plays that ended more than `SESSION_MEMORY` before `now`; returns how many."""
    return conn.exec_driver_sql(FORGET_SESSIONS, (to_micros(now - SESSION_MEMORY),)).rowcount


def _open_plays(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT COUNT(*) FROM play_rows WHERE stopped_at IS NULL").scalar_one())


def _last_compacted(conn: Connection) -> datetime | None:
    found = conn.exec_driver_sql("SELECT version FROM data_versions WHERE name = ?", (_MARK,)).scalar()
    return None if found is None else datetime.fromtimestamp(int(found), UTC)


def _mark(conn: Connection, when: datetime) -> None:
    conn.exec_driver_sql(
        "INSERT INTO data_versions (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = "
        "excluded.version",
        (_MARK, int(when.timestamp())),
    )


class CompactionJob(Job):
    """Checks hourly; compacts when the last compaction is `every` old (or never ran) and no play is open."""

    name = "compaction"

    def __init__(self, db: Database, clock: Clock, every: timedelta, *, initial_delay_sec: float = 600.0) -> None:
        super().__init__(_CHECK_SEC, clock, initial_delay_sec=initial_delay_sec)
        self.db = db
        self.every = every
        self.compactions = 0
        self.last_compacted_at: datetime | None = None
        self.waiting_for: str | None = None  # why a due compaction has not run yet

    async def run_once(self) -> None:
        self.last_compacted_at = await self.db.read(_last_compacted)
        now = self.clock.now()
        if self.last_compacted_at is not None and now - self.last_compacted_at < self.every:
            self.waiting_for = None
            return
        if await self.db.read(_open_plays):
            self.waiting_for = "plays are open"
            return
        size = self.db.size()
        needed = size.size_bytes + size.wal_bytes
        free = shutil.disk_usage(self.db.path.parent).free
        if free < needed:
            self.waiting_for = "free disk space"
            raise StorageError(
                f"not compacting the database: {free // 2**20:,} MiB free, {needed // 2**20:,} MiB needed"
            )
        self.waiting_for = None
        forgotten = await self.db.write(lambda conn: forget_sessions(conn, now))
        await self.db.compact()
        await self.db.write(lambda conn: _mark(conn, now))
        self.compactions += 1
        self.last_compacted_at = now
        after = self.db.size().size_bytes
        log.info(
            "database compacted",
            extra={"before_mib": needed // 2**20, "after_mib": after // 2**20, "sessions_forgotten": forgotten},
        )
