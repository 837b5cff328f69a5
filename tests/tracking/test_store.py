"""The store writes only what a tick changed, and what it wrote is the play: reloaded at any tick, an open play equals
the tracker's (watch-time rule 7), with a tracker state that holds only what the columns do not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text

from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import (
    play_clients,
    play_items,
    play_rows,
    play_streams,
    play_users,
    plays,
    segment_rows,
    segments,
)
from emby_analytics.tracking.model import (
    TICKS_PER_SECOND,
    PlaybackEvent,
    PlayContext,
    SessionObs,
    Stream,
    TickResult,
    TrackerConfig,
)
from emby_analytics.tracking.store import PlayWriter, Staged, load_open_plays
from emby_analytics.tracking.tracker import Tracker

T0 = datetime(2026, 2, 1, 20, tzinfo=UTC)
WINDOW = timedelta(hours=24)
DIRECT = Stream(play_method="DirectPlay", video_method="direct", audio_method="direct")
TRANSCODE = Stream(
    play_method="Transcode", video_method="transcode", audio_method="copy", video_codec_from="hevc",
    video_codec_to="h264", transcode_reasons=("ContainerBitrateExceedsLimit", "VideoCodecNotSupported"),
    bitrate=8_000_000,
)  # fmt: skip
FILM = PlayContext(
    "a" * 32, "1001", user_name="ann", item_type="Movie", item_name="Film", runtime_ticks=7200 * TICKS_PER_SECOND,
    client="Emby Web", device_name="Chrome", device_id="d-1", remote_address="10.0.0.2",
    application_version="4.8", stream=DIRECT,
)  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(tmp_path / "emby.db")
    migrate.upgrade(database)
    yield database
    database.close()


class Ticks:
    """A tracker whose every result the real writer stores, one transaction per tick, as the recorder does."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tracker = Tracker(TrackerConfig())
        self.writer = PlayWriter()

    def store(self, result: TickResult) -> Staged:
        staged = self.db.write_sync(lambda conn: self.writer.write(conn, result, resume_window=WINDOW))
        self.writer.committed(staged)
        return staged

    def poll(self, at: float, position: float, *, paused: bool = False, stream: Stream = DIRECT) -> Staged:
        when = T0 + timedelta(seconds=at)
        obs = SessionObs(
            "s" * 32, FILM if stream is DIRECT else _with(stream), round(position * TICKS_PER_SECOND), paused
        )
        return self.store(self.tracker.observe(when, [obs]))

    def reloaded_equals_memory(self) -> bool:
        return self.db.read_sync(load_open_plays) == self.tracker.open_plays()


def _with(stream: Stream) -> PlayContext:
    from dataclasses import replace

    return replace(FILM, stream=stream)


def _count(conn: Connection, table: object) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_tick_rewrites_the_play_row_and_the_open_segment_only(db: Database) -> None:
    ticks = Ticks(db)
    first = ticks.poll(0, 600)
    assert (first.rows_written, first.segments_written) == (1, 0)  # the first segment is in the play's row
    position = 600.0
    # Play, pause, play again, three times: the play gathers closed segments.
    for n in range(1, 40):
        paused = n % 10 in (4, 5)
        position += 0 if paused else 5
        staged = ticks.poll(n * 5, position, paused=paused)
        assert staged.rows_written == 1
        assert staged.segments_written <= 2  # the open segment, and one that closed with this tick
        assert ticks.reloaded_equals_memory()
    (play,) = ticks.tracker.open_plays()
    assert len(play.segments) >= 3
    # A tick while playing on: the row and the open segment, none of the closed ones.
    position += 5
    staged = ticks.poll(40 * 5, position)
    assert (staged.rows_written, staged.segments_written) == (1, 1)
    assert ticks.reloaded_equals_memory()
    stored = db.read_sync(lambda conn: _count(conn, segment_rows))
    assert stored == len(play.segments) - 1, "every segment but the first is a segment row"


def test_the_tracker_state_holds_only_what_the_columns_do_not(db: Database) -> None:
    ticks = Ticks(db)
    for n in range(6):
        ticks.poll(n * 5, 600 + n * 5, stream=DIRECT if n < 3 else TRANSCODE)  # switched to transcoding
    (row,) = db.read_sync(lambda conn: conn.execute(select(plays)).all())
    state = json.loads(row.tracker_state)
    assert set(state) == {"cursor", "open", "first", "transcode_changed"}  # "latest" is the row's own delivery
    assert row.play_method == "Transcode" and state["first"]["play_method"] == "DirectPlay"
    assert len(row.tracker_state) < 400  # the previous version kept ~2 KB here, segments and context included
    assert ticks.reloaded_equals_memory()


def test_descriptions_are_stored_once_for_every_play_that_shares_them(db: Database) -> None:
    ticks = Ticks(db)
    for n in range(3):  # three plays of the same film on the same device (each stopped by the next's start)
        start = n * 100
        for k in range(4):
            obs = SessionObs(f"{n:032x}", FILM, (600 + k * 5) * TICKS_PER_SECOND)
            ticks.store(ticks.tracker.observe(T0 + timedelta(seconds=start + k * 5), [obs]))
        ticks.store(ticks.tracker.observe(T0 + timedelta(seconds=start + 60), []))
    counts = db.read_sync(
        lambda conn: [_count(conn, t) for t in (play_rows, play_users, play_items, play_clients, play_streams)]
    )
    assert counts == [3, 1, 1, 1, 1]
    assert db.read_sync(lambda conn: _count(conn, plays)) == 3


def test_a_failed_write_is_written_whole_by_the_next(db: Database) -> None:
    ticks = Ticks(db)
    for n in range(5):
        ticks.poll(n * 5, 600 + n * 5)
    (play,) = ticks.tracker.open_plays()
    # The next write fails after the writer staged its changes: nothing of it may be believed stored.
    result = ticks.tracker.observe(T0 + timedelta(seconds=25), [SessionObs("s" * 32, FILM, 625 * TICKS_PER_SECOND)])

    def fail(conn: Connection) -> None:
        ticks.writer.write(conn, result, resume_window=WINDOW)
        conn.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception, match="no_such_table"):
        db.write_sync(fail)
    ticks.writer.forget(result.changed)
    staged = ticks.store(result)
    assert (staged.rows_written, staged.segments_written) == (1, len(play.segments) - 1)  # the first: in the row
    assert ticks.reloaded_equals_memory()


def test_an_exact_event_that_moves_a_closed_segment_is_written(db: Database) -> None:
    ticks = Ticks(db)
    for n in range(4):
        ticks.poll(n * 5, 600 + n * 5)
    ticks.poll(20, 617, paused=True)  # the poll placed the pause at about 17 s
    # The webhook knows better: paused at 16.2 s. The closed segment changes; the store must write it.
    pause = PlaybackEvent(T0 + timedelta(seconds=16.2), "pause", FILM.user_id, FILM.item_id, session_id="s" * 32)
    staged = ticks.store(ticks.tracker.event(pause))
    assert staged.rows_written == 1  # the play's first segment is in its row
    assert ticks.reloaded_equals_memory()
    (stored,) = db.read_sync(lambda conn: conn.execute(select(segments)).all())
    assert stored.ended_at == T0 + timedelta(seconds=16.2)


def test_a_renamed_user_is_one_user_named_as_emby_names_them_now(db: Database) -> None:
    ticks = Ticks(db)
    for n, name in enumerate(("ann", "Ann B.")):
        context = PlayContext(FILM.user_id, f"{2000 + n}", user_name=name, item_type="Movie", stream=DIRECT)
        for k in range(3):
            obs = SessionObs(f"{n:032x}", context, (600 + k * 5) * TICKS_PER_SECOND)
            ticks.store(ticks.tracker.observe(T0 + timedelta(seconds=n * 100 + k * 5), [obs]))
    names = db.read_sync(lambda conn: conn.execute(select(plays.c.user_name).distinct()).scalars().all())
    assert names == ["Ann B."]
    assert db.read_sync(lambda conn: _count(conn, play_users)) == 1
