"""Revision 0005 (storage diet): imported plays' segments are derived from their rows and read back the same, and
the rollups, re-keyed, are emptied for the service to fold every play again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import play_rows, plays, segment_rows, segments, to_micros

START = datetime(2026, 3, 1, 20, tzinfo=UTC)
_ROLLUP_TABLES = ("rollup_client_days", "rollup_delivery_days", "rollup_user_totals")


def _play(play_id: str, source: str, watch: float) -> dict[str, Any]:
    return {
        "id": play_id, "source": source, "user_id": "a" * 32, "item_id": "1001", "item_type": "Movie",
        "started_at": START, "stopped_at": START + timedelta(hours=1), "watch_seconds": watch,
    }  # fmt: skip


def _segment(play_id: str, seq: int, start: timedelta, end: timedelta, positions: bool) -> tuple[Any, ...]:
    ticks = (int(start.total_seconds()) * 10**7, int(end.total_seconds()) * 10**7) if positions else (None, None)
    return (play_id, seq, START + start, START + end, *ticks)


def test_segments_read_back_the_same_and_the_rollups_start_over(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade_with_alembic(db, "0004")
        live, imported, flag = "00000000000000a1", "00000000000000b2", "00000000000000c3"
        db.write_sync(
            lambda c: c.execute(
                plays.insert(),
                [_play(live, "live", 1800.0), _play(imported, "import", 2700.0), _play(flag, "import", 0.0)],
            )
        )
        before = [
            _segment(live, 0, timedelta(0), timedelta(minutes=10), True),
            _segment(live, 1, timedelta(minutes=30), timedelta(minutes=50), True),
            _segment(imported, 0, timedelta(0), timedelta(minutes=45), False),  # what the import stored
        ]
        with sqlite3.connect(db.path) as conn:
            conn.executemany(
                "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?)",
                [(int(p, 16) - 2**63, n, to_micros(a), to_micros(b), x, y) for p, n, a, b, x, y in before],
            )
            conn.execute("INSERT INTO rollup_state VALUES (1, 'UTC', 7)")
            conn.execute("INSERT INTO rollup_client_days VALUES (739000, 1, 1, 0, 5, 1)")
            conn.execute("INSERT INTO rollup_user_totals VALUES (1, 0, 5, 1)")
            conn.execute("UPDATE play_rows SET folded = 1, view_counted = 1")

        migrate.upgrade_with_alembic(db, "0005")

        def read(conn: Any) -> Any:
            got = conn.execute(select(segments).order_by(segments.c.play_id, segments.c.seq)).all()
            stored = conn.execute(select(segment_rows.c.play_id)).scalars().all()
            flags = conn.execute(select(play_rows.c.folded, play_rows.c.view_counted)).all()
            rollups = [conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in _ROLLUP_TABLES]
            generation = conn.exec_driver_sql("SELECT generation FROM rollup_state").scalar()
            return [tuple(s) for s in got], stored, flags, rollups, generation

        got, stored, flags, rollups, generation = db.read_sync(read)
        assert got == sorted(before), "the imported play's segment is the one it stored"
        assert stored == [live, live], "only the live play's segments are stored"
        assert set(flags) == {(False, False)} and rollups == [0] * len(_ROLLUP_TABLES) and generation == 8
    finally:
        db.close()
