"""The app's Emby websocket feeds the recorder: a pause is recorded without waiting for the next poll, and /health
shows the websocket's state (connected, refused, the error) from the feed's one record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import select
from tests.conftest import make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import plays
from emby_analytics.feed import Snapshot
from emby_analytics.simulator.playback import Pause, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.state import AppState


async def _until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running_with_jobs(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> AsyncIterator[tuple[AppState, AsyncClient]]:
    # Polls every 5 minutes: anything seen sooner came through the websocket.
    settings = make_settings(tmp_path, NOW_POLL_SEC="300", EMBY_WEBSOCKET="true")
    async with running_service(settings, simulator, clock, run_jobs=True) as service:
        yield service.state, service.http


async def test_a_pushed_pause_is_recorded_before_the_next_poll(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    world = simulator.world
    movie = next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)
    simulator.sessions.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie), Pause(120))))
    clock.advance(1)

    async with running_with_jobs(tmp_path, simulator, clock) as (state, _):
        poll_job = state.feed.poll_job
        listener = state.feed.listener
        assert listener is not None
        # The connect asks for a poll (before the first push is read); wait until that poll has run, or a late
        # one would see the pause below and count as a poll.
        await _until(
            lambda: (
                listener.messages >= 1
                and state.recorder.status.open_plays == 1
                and not poll_job.triggered
                and not poll_job.state.running
            )
        )
        polls = poll_job.state.runs
        sources: list[str] = []

        async def note(snapshot: Snapshot) -> None:
            sources.append(snapshot.source)

        state.feed.subscribe(note)
        clock.advance(125)  # the pause happened at 120 s
        simulator.websockets.poke()

        async def paused() -> bool:
            row = await state.db.read(lambda c: c.execute(select(plays.c.is_paused, plays.c.watch_seconds)).one())
            return bool(row.is_paused) and abs(row.watch_seconds - 120) <= 1

        async with asyncio.timeout(5):
            while not await paused():
                await asyncio.sleep(0.05)
        assert poll_job.state.runs == polls, "no poll happened: the push did it"
        assert listener.messages >= 2 and sources and set(sources) == {"websocket"}


async def test_health_shows_the_websocket(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    async with running_with_jobs(tmp_path, simulator, clock) as (state, http):
        listener = state.feed.listener
        assert listener is not None
        await _until(lambda: listener.connected)
        socket = (await http.get("/health")).json()["websocket"]
        assert (socket["enabled"], socket["connected"], socket["auth_failed"]) == (True, True, False)
        assert socket["connected_since"] is not None and socket["connects"] == 1

        simulator.websockets.enabled = False
        simulator.websockets.drop_all()
        await _until(lambda: state.feed.socket_job is not None and state.feed.socket_job.state.failures >= 1)
        socket = (await http.get("/health")).json()["websocket"]
        assert socket["connected"] is False and socket["consecutive_failures"] >= 1
        assert socket["last_error"].startswith("EmbySocketError:") and socket["next_attempt"] is not None
