"""The compaction job: when due and no play is open, the file is rewritten smaller with the same content; the date
of the last compaction survives a restart; an open play holds a due compaction back; plays that ended more than
30 days before forget their session id."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from emby_analytics.clock import ManualClock
from emby_analytics.compaction import SESSION_MEMORY, CompactionJob
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import plays

DAY = 86_400.0
WEEK = timedelta(days=7)


def _play(n: int, clock: ManualClock, *, open_: bool = False) -> dict[str, Any]:
    started = clock.now() - timedelta(days=30, minutes=n)
    return {
        "id": f"{n + 1:016x}", "source": "live", "user_id": f"{n % 7:032x}", "item_id": f"{n % 50}",
        "item_name": f"Film {n % 50} " + "x" * 200, "started_at": started,
        "stopped_at": None if open_ else started + timedelta(minutes=40), "watch_seconds": 2400.0,
    }  # fmt: skip


def _content(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT id, user_id, item_name, started_at, watch_seconds FROM plays ORDER BY id"
        ).fetchall()


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def test_a_due_compaction_shrinks_the_file_and_keeps_every_row(tmp_path: Path, clock: ManualClock) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade(db)
        db.write_sync(lambda c: c.execute(plays.insert(), [_play(n, clock) for n in range(3000)]))
        db.write_sync(lambda c: c.exec_driver_sql("DELETE FROM play_rows WHERE id % 3 != 0"))  # a cleanup
        _checkpoint(db.path)
        before, content = db.size(), _content(db.path)

        job = CompactionJob(db, clock, WEEK, initial_delay_sec=0)
        await job.run_now()

        assert job.state.last_error is None and job.compactions == 1 and job.last_compacted_at == clock.now()
        after = db.size()
        assert after.size_bytes < before.size_bytes * 0.6, "the deleted rows' pages are given back"
        assert after.wal_bytes < 64 * 1024, "the WAL the copy went through is emptied"
        assert _content(db.path) == content

        # Not again within the week, even after a restart (a new job reads the date from the database).
        clock.advance(6 * DAY)
        restarted = CompactionJob(db, clock, WEEK, initial_delay_sec=0)
        await restarted.run_now()
        assert restarted.compactions == 0 and restarted.last_compacted_at == job.last_compacted_at
        clock.advance(DAY)
        await restarted.run_now()
        assert restarted.compactions == 1 and restarted.state.last_error is None
    finally:
        db.close()


async def test_an_open_play_holds_a_due_compaction_back(tmp_path: Path, clock: ManualClock) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade(db)
        db.write_sync(lambda c: c.execute(plays.insert(), [_play(1, clock, open_=True), _play(2, clock)]))
        job = CompactionJob(db, clock, WEEK, initial_delay_sec=0)
        await job.run_now()
        assert job.compactions == 0 and job.waiting_for == "plays are open" and job.state.last_error is None

        db.write_sync(lambda c: c.exec_driver_sql("UPDATE play_rows SET stopped_at = started_at + 60000000"))
        await job.run_now()
        assert job.compactions == 1 and job.waiting_for is None
    finally:
        db.close()


async def test_plays_that_ended_long_ago_forget_their_session_id(tmp_path: Path, clock: ManualClock) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade(db)
        ended = {"old": SESSION_MEMORY + timedelta(minutes=1), "recent": SESSION_MEMORY - timedelta(minutes=1)}
        rows = []
        for n, (name, ago) in enumerate(ended.items()):
            row = _play(n, clock) | {"session_id": f"{name}-session", "stopped_at": clock.now() - ago}
            rows.append(row | {"started_at": row["stopped_at"] - timedelta(minutes=40)})
        db.write_sync(lambda c: c.execute(plays.insert(), rows))
        job = CompactionJob(db, clock, WEEK, initial_delay_sec=0)
        await job.run_now()
        assert job.compactions == 1 and job.state.last_error is None
        with sqlite3.connect(db.path) as conn:
            kept = conn.execute("SELECT session_id IS NOT NULL FROM plays ORDER BY started_at").fetchall()
        assert kept == [(0,), (1,)], "the play that ended 30 days and a minute ago forgot it; the other kept it"
    finally:
        db.close()
