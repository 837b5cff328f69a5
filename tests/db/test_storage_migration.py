"""Revision 0003 (compact plays): rows stored by the previous version migrate and read back the same, open plays
restore and continue, imported plays keep their place in the import's dedupe, and the view's insert trigger stores
a play exactly as the service does."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, select
from tests.fixture_files import FIXTURES

from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.plays import refs_of, stored_row
from emby_analytics.db.schema import from_micros, play_rows, plays, segments
from emby_analytics.sync.history_rows import import_play_id, parse_page, plugin_key
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, SessionObs, TrackerConfig
from emby_analytics.tracking.store import load_open_plays
from emby_analytics.tracking.tracker import Tracker

SAVED = json.loads((FIXTURES / "tracking" / "plays_c85621e.json").read_text())
BERLIN = ZoneInfo("Europe/Berlin")  # the zone the fixture's plugin rows were imported in


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _insert(path: Path, table: str, rows: list[dict[str, Any]]) -> None:
    with sqlite3.connect(path) as conn:
        for row in rows:
            names = ", ".join(row)
            conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Database]:
    """A database at 0002 holding the fixture's rows, as the previous version stored them, then migrated."""
    db = Database.open(tmp_path / "emby.db")
    migrate.upgrade_with_alembic(db, SAVED["revision"])
    _insert(db.path, "plays", SAVED["plays"])
    _insert(db.path, "segments", SAVED["segments"])
    assert migrate.upgrade(db) == (SAVED["revision"], migrate.head_revision())
    yield db
    db.close()


def _new_id(old: dict[str, Any]) -> str:
    """Imported plays take the id the import now derives from their key; the others keep theirs."""
    if old["source"] != "import":
        return str(old["id"])
    key = old["import_key"]
    if key.startswith("pr:"):  # the local second of DateCreated leads the id
        date = key[3:].split(".")[0]
        return import_play_id(key, int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp()))
    started = _at(old["started_at"])
    assert started is not None
    return import_play_id(key, int(started.timestamp()))


def test_every_play_reads_back_the_same(migrated: Database) -> None:
    stored = {row.id: row._asdict() for row in migrated.read_sync(lambda c: c.execute(select(plays)).all())}
    assert len(stored) == len(SAVED["plays"])
    for old in SAVED["plays"]:
        new = stored[_new_id(old)]
        expected = {
            **old,
            "id": new["id"],
            "view_id": new["id"] if old["view_id"] == old["id"] else old["view_id"],
            **{name: _at(old[name]) for name in ("started_at", "stopped_at", "last_seen_at")},
        }
        for flag in ("completed", "short", "live_tv", "is_paused"):
            expected[flag] = bool(old[flag])
        del expected["import_key"]  # the key is the id now
        assert new == expected


def test_segments_read_back_the_same(migrated: Database) -> None:
    ids = {old["id"]: _new_id(old) for old in SAVED["plays"]}
    stored = migrated.read_sync(lambda c: c.execute(select(segments).order_by(segments.c.play_id, segments.c.seq)))
    got = sorted(
        (s.play_id, s.seq, s.started_at, s.ended_at, s.position_start_ticks, s.position_end_ticks) for s in stored
    )
    want = sorted(
        (ids[s["play_id"]], s["seq"], _at(s["started_at"]), _at(s["ended_at"]), s["position_start_ticks"],
         s["position_end_ticks"])
        for s in SAVED["segments"]
    )  # fmt: skip
    assert got == want


def test_the_open_play_restores_as_that_version_saved_it_and_plays_on(migrated: Database) -> None:
    (saved,) = [p for p in SAVED["plays"] if p["stopped_at"] is None]
    (play,) = migrated.read_sync(load_open_plays)
    assert play == Play.from_state_dict(json.loads(saved["tracker_state"]))
    assert len(play.segments) == 2 and play.segments[-1].open and play.stream_latest != play.context.stream
    tracker = Tracker(TrackerConfig(), [play])
    at = play.last_seen_at + timedelta(seconds=5)
    obs = SessionObs(play.session_id, play.context, play.last_position_ticks + 5 * TICKS_PER_SECOND, reported_at=at)
    (same,) = tracker.observe(at, [obs]).changed
    assert same.play_id == saved["id"] and same.watch_seconds == pytest.approx(saved["watch_seconds"] + 5)


def test_imported_plays_keep_the_id_the_import_gives_their_rows(migrated: Database) -> None:
    """Importing the same Playback Reporting rows again finds them: the migrated id is the one the import makes."""
    ids = {row.id: row for row in migrated.read_sync(lambda c: c.execute(select(plays)).all())}
    imported = [p for p in SAVED["plays"] if p["import_key"] and p["import_key"].startswith("pr:")]
    assert imported
    for old in imported:
        date, user_id, item_id = old["import_key"][3:].rsplit(":", 2)
        assert plugin_key(date, user_id, item_id) == old["import_key"]
        page = {
            "colums": ["RowId", "DateCreated", "UserId", "ItemId", "PlayDuration", "PauseDuration"],
            "results": [["1", date, user_id, item_id, "60", "0"]],
        }
        (row,), *_ = parse_page(page, BERLIN)
        play = ids[f"{row.play_id + (1 << 63):016x}"]  # the id as the import stores it, read back as text
        assert from_micros(row.started) == play.started_at == _at(old["started_at"])


def _physical(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(select(play_rows).order_by(play_rows.c.id))]


@pytest.mark.parametrize("source", ["live", "import"])
def test_inserting_into_the_view_stores_what_the_service_stores(tmp_path: Path, source: str) -> None:
    start = datetime(2026, 3, 1, 20, tzinfo=UTC)
    row: dict[str, Any] = {
        "id": "0123456789abcdef", "view_id": "0123456789abcdef", "source": source, "session_id": "ab" * 16,
        "user_id": "a" * 32, "user_name": "ann", "item_id": "1001", "item_type": "Episode", "item_name": "Pilot",
        "series_id": "900", "series_name": "Show", "season_number": 1, "episode_number": 1, "runtime_ticks": 10**10,
        "client": "Emby Web", "device_name": "Chrome", "device_id": None, "remote_address": "10.0.0.2",
        "application_version": "4.8", "started_at": start, "stopped_at": start + timedelta(minutes=30),
        "last_seen_at": start + timedelta(minutes=29), "last_position_ticks": 9 * 10**9,
        "max_position_ticks": 9 * 10**9,
        "watch_seconds": 1500.25, "content_seconds": 1400.0, "paused_seconds": 600.0, "completed": False,
        "short": False, "live_tv": False, "is_paused": False, "play_method": "Transcode", "video_method": "transcode",
        "audio_method": "copy", "subtitle_method": None, "video_codec_from": "hevc", "video_codec_to": "h264",
        "audio_codec_from": "aac", "audio_codec_to": None, "transcode_reasons": "VideoCodecNotSupported",
        "bitrate": 8_000_000, "end_reason": "stopped" if source == "live" else None, "tracker_state": None,
    }  # fmt: skip
    by_view, by_store = (Database.open(tmp_path / name / "emby.db") for name in ("view", "store"))
    try:
        for db in (by_view, by_store):
            migrate.upgrade(db)
        by_view.write_sync(lambda c: c.execute(plays.insert(), [row]))
        by_store.write_sync(lambda c: c.execute(play_rows.insert(), [stored_row(row, refs_of(c, row))]))
        assert by_view.read_sync(_physical) == by_store.read_sync(_physical)
        (back,) = by_view.read_sync(lambda c: c.execute(select(plays)).all())
        assert back._asdict() == {**row, "paused_seconds": pytest.approx(600.0)}
    finally:
        by_view.close()
        by_store.close()
