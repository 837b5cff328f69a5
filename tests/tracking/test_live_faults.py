"""When the database refuses a write, what the tracker decided is kept and stored with the next tick."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Connection, select, text
from tests.conftest import Service, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.db.schema import plays
from emby_analytics.simulator.playback import Play, PlaybackScript, Stop
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE


def _set_busy_timeout(conn: Connection, ms: int) -> None:
    conn.execute(text(f"PRAGMA busy_timeout={ms}"))


async def test_a_close_decided_while_the_database_was_locked_is_stored_later(
    service: Service, clock: ManualClock
) -> None:
    world = service.simulator.world
    movie = next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)
    service.simulator.sessions.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie), Stop(20))))
    feed, recorder, db = service.state.feed, service.state.recorder, service.state.db
    clock.advance(5)
    await feed.poll()

    # Another program holds the write lock, and our writer gives up at once instead of waiting.
    await db.write(lambda conn: _set_busy_timeout(conn, 0))
    locker = sqlite3.connect(db.path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        clock.advance(20)  # the session stopped at 20 s: this poll closes the play
        await feed.poll()  # Emby answered; storing what it meant failed
        assert (recorder.status.unsaved_plays, recorder.status.open_plays) == (1, 0)
        assert recorder.status.last_write_error is not None and "StorageError" in recorder.status.last_write_error
        health = (await service.http.get("/health")).json()
        assert health["status"] == "degraded" and health["poller"]["unsaved_plays"] == 1
        assert health["poller"]["ok"] is True, "Emby is fine: it is the database"
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    await db.write(lambda conn: _set_busy_timeout(conn, 10_000))

    clock.advance(5)
    await feed.poll()  # nothing new happens in this tick; the unsaved close goes with it
    row = await db.read(lambda conn: conn.execute(select(plays)).one())
    assert row.stopped_at is not None
    assert row.watch_seconds == pytest.approx(20, abs=1)
    assert row.tracker_state is None
    assert (recorder.status.unsaved_plays, recorder.status.last_write_error) == (0, None)
    assert (await service.http.get("/health")).json()["status"] == "ok"


async def test_what_waits_for_the_database_is_stored_at_shutdown(
    settings: Settings, simulator: Simulator, clock: ManualClock
) -> None:
    world = simulator.world
    movie = next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)
    simulator.sessions.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie), Stop(20))))
    async with running_service(settings, simulator, clock) as service:
        feed, recorder, db = service.state.feed, service.state.recorder, service.state.db
        clock.advance(5)
        await feed.poll()
        await db.write(lambda conn: _set_busy_timeout(conn, 0))
        locker = sqlite3.connect(db.path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            clock.advance(20)
            await feed.poll()  # the close is decided, and waits for the database
            assert recorder.status.unsaved_plays == 1
        finally:
            locker.execute("ROLLBACK")
            locker.close()
    # stopped before any other poll: the shutdown stored it
    with sqlite3.connect(settings.sqlite_path) as conn:
        stopped, state = conn.execute("SELECT stopped_at, tracker_state FROM plays").fetchone()
    assert stopped is not None and state is None
