"""The app's Emby websocket listener feeds the tracker: a pause is recorded without waiting for the next poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import select
from tests.conftest import make_settings

from emby_analytics.app import create_app
from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import plays
from emby_analytics.simulator.app import Simulator, create_simulator_app
from emby_analytics.simulator.playback import Pause, Play, PlaybackScript
from emby_analytics.simulator.records import MOVIE
from emby_analytics.state import AppState
from emby_analytics.tracking.jobs import SocketJob


async def _until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_pushed_pause_is_recorded_before_the_next_poll(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    world = simulator.world
    movie = next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)
    simulator.sessions.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie), Pause(120))))
    clock.advance(1)

    # Polls every 5 minutes: anything seen sooner came through the websocket.
    settings = make_settings(tmp_path, NOW_POLL_SEC="300", EMBY_WEBSOCKET="true")
    transport = ASGIWebSocketTransport(app=create_simulator_app(simulator))
    app = create_app(settings, clock=clock, emby_transport=transport, run_jobs=True)
    async with app.router.lifespan_context(app):
        state: AppState = app.state.emby_analytics
        socket_job = state.scheduler.jobs["emby-websocket"]
        assert isinstance(socket_job, SocketJob)
        poll_job = state.scheduler.jobs["sessions-poll"]
        listener = socket_job.listener
        # The listener triggers a poll once connected (before it reads the first push); wait until that poll has
        # run, or a late one would see the pause below and count as a poll.
        await _until(
            lambda: (
                listener.messages >= 1
                and state.tracking.state.open_plays == 1
                and not poll_job.triggered
                and not poll_job.state.running
            )
        )
        polls = state.tracking.state.polls

        clock.advance(125)  # the pause happened at 120 s
        simulator.websockets.poke()

        async def paused() -> bool:
            row = await state.db.read(lambda c: c.execute(select(plays.c.is_paused, plays.c.watch_seconds)).one())
            return bool(row.is_paused) and abs(row.watch_seconds - 120) <= 1

        async with asyncio.timeout(5):
            while not await paused():
                await asyncio.sleep(0.05)
        assert state.tracking.state.polls == polls, "no poll happened: the push did it"
        assert listener.messages >= 2
