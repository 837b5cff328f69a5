"""Revision 0006: a play's first segment moves into its row, and every segment reads back as before, both ways."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import plays, segment_rows, segments, to_micros

START = datetime(2026, 3, 1, 20, tzinfo=UTC)
LIVE, RESUMED, IMPORTED, ODD = "00000000000000a1", "00000000000000a2", "00000000000000b1", "00000000000000c1"


def _play(play_id: str, source: str, last_position: int | None) -> dict[str, Any]:
    return {
        "id": play_id, "source": source, "user_id": "a" * 32, "item_id": "1001", "item_type": "Movie",
        "started_at": START, "stopped_at": START + timedelta(hours=1), "watch_seconds": 1800.0,
        "last_position_ticks": last_position,
    }  # fmt: skip


def _segment(play_id: str, seq: int, minutes: tuple[int, int], ticks: tuple[int | None, int | None]) -> tuple[Any, ...]:
    return (play_id, seq, START + timedelta(minutes=minutes[0]), START + timedelta(minutes=minutes[1]), *ticks)


SEGMENTS = [
    # one segment that ends where the play last was (the row keeps that end as null)
    _segment(LIVE, 0, (0, 30), (0, 18_000_000_000)),
    # a resume started a few seconds after the play, then a second stretch after a seek
    _segment(RESUMED, 0, (1, 20), (6_000_000_000, 17_400_000_000)),
    _segment(RESUMED, 1, (25, 36), (30_000_000_000, 36_600_000_000)),
    # a first segment without positions (not the tracker's): stays a segment row
    _segment(ODD, 0, (0, 30), (None, None)),
]


def _read(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]]:
    def read(conn: Any) -> Any:
        got = conn.execute(select(segments).order_by(segments.c.play_id, segments.c.seq)).all()
        stored = conn.execute(select(segment_rows.c.play_id, segment_rows.c.seq).order_by("play_id", "seq")).all()
        return [tuple(s) for s in got], [tuple(s) for s in stored]

    return db.read_sync(read)


def test_first_segments_move_into_their_rows_and_read_back_the_same(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade_with_alembic(db, "0005")
        db.write_sync(
            lambda c: c.execute(
                plays.insert(),
                [
                    _play(LIVE, "live", 18_000_000_000),
                    _play(RESUMED, "live", 36_600_000_000),
                    _play(IMPORTED, "import", None),
                    _play(ODD, "live", 18_000_000_000),
                ],
            )
        )
        with sqlite3.connect(db.path) as conn:
            conn.executemany(
                "INSERT INTO segment_rows VALUES (?, ?, ?, ?, ?, ?)",
                [(int(p, 16) - 2**63, n, to_micros(a), to_micros(b), x, y) for p, n, a, b, x, y in SEGMENTS],
            )
        before, _ = _read(db)
        imported = (IMPORTED, 0, START, START + timedelta(minutes=30), None, None)
        assert before == sorted([*SEGMENTS, imported])

        migrate.upgrade(db)
        after, stored = _read(db)
        assert after == before
        assert stored == [(RESUMED, 1), (ODD, 0)], "first segments with positions live in their rows"

        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        with db.writer.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0005")
        back, stored = _read(db)
        assert back == before
        assert stored == [(LIVE, 0), (RESUMED, 0), (RESUMED, 1), (ODD, 0)]
    finally:
        db.close()
