"""Fixtures for the websocket tests: the real simulator app in-process (httpx-ws ASGI transport), a playing
session, a recording callback, and a way to see what sleeps on the manual clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from emby_analytics.clock import ManualClock
from emby_analytics.emby.models import SessionsSnapshot, SocketMessage
from emby_analytics.simulator import Pause, Play, PlaybackScript, Simulator, World
from emby_analytics.simulator.world import MOVIE

BASE_URL = "http://emby.test:8096"


@contextlib.asynccontextmanager
async def sim_client(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """One client for both plain HTTP and websockets against the simulator (no default token header).

    A context manager inside the test rather than a fixture: the transport's anyio task group must be
    entered and exited by the same task, and pytest-asyncio sets fixtures up and tears them down in
    different tasks."""
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=simulator.app()), base_url=BASE_URL) as client:
        yield client


def long_movie(world: World) -> str:
    return next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)


@pytest.fixture
def playing(simulator: Simulator, world: World, clock: ManualClock) -> str:
    """A session playing a long movie since 60 s ago, with a scripted pause at +10 min; returns its id."""
    script = PlaybackScript(world.users[0].id, clock.now(), (Play(0, long_movie(world)), Pause(600)))
    session_id = simulator.sessions.add_script(script)
    clock.advance(60)
    return session_id


def connect(
    http: httpx.AsyncClient, path: str = "/embywebsocket", headers: dict[str, str] | None = None
) -> contextlib.AbstractAsyncContextManager[AsyncWebSocketSession]:
    """A raw websocket to the simulator. Headers are copied: httpx-ws adds its upgrade headers to the dict."""
    return aconnect_ws(path, http, headers=dict(headers or {}), session_class=AsyncWebSocketSession)


async def recv(ws: AsyncWebSocketSession, timeout: float = 2.0) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await ws.receive_text(timeout=timeout))
    return frame


async def no_frame(ws: AsyncWebSocketSession, within: float) -> bool:
    try:
        await ws.receive_text(timeout=within)
    except TimeoutError:
        return True
    return False


@dataclass
class Recorder:
    """Collects what the listener hands to its callbacks."""

    snapshots: asyncio.Queue[tuple[SessionsSnapshot, datetime]] = field(default_factory=asyncio.Queue)
    messages: list[SocketMessage] = field(default_factory=list)

    async def on_sessions(self, snapshot: SessionsSnapshot, received_at: datetime) -> None:
        await self.snapshots.put((snapshot, received_at))

    async def on_message(self, message: SocketMessage) -> None:
        self.messages.append(message)

    async def next(self, timeout: float = 2.0) -> SessionsSnapshot:
        snapshot, _ = await asyncio.wait_for(self.snapshots.get(), timeout)
        return snapshot


async def sleeping(clock: ManualClock, timeout: float = 3.0) -> float:
    """Wait until something sleeps on the manual clock; the seconds until it wakes (the clock is not moved)."""
    async with asyncio.timeout(timeout):
        while clock.next_deadline is None:
            await asyncio.sleep(0.005)
    return (clock.next_deadline - clock.now()).total_seconds()


class WatchedClock(ManualClock):
    """A ManualClock that notes which tasks read it, and when. The simulator's websocket push loop reads the
    clock once per pass, so a test can wait for whole passes, or for the loop to be gone, instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.readers: set[asyncio.Task[Any]] = set()
        self._reads: list[tuple[asyncio.Task[Any], float]] = []
        self._read = asyncio.Event()

    def now(self) -> datetime:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop: a fixture being set up
            task = None
        if task is not None:
            self.readers.add(task)
            self._reads.append((task, time.monotonic()))
            self._read.set()
        return super().now()

    async def passes(self, n: int = 2, since: float | None = None, timeout: float = 3.0) -> None:
        """Wait until other tasks read the clock `n` times at or after `since` (default: now). Two reads by the
        push loop mean it made one whole pass (and any push of it) over the state as it is from `since` on."""
        me = asyncio.current_task()
        start = time.monotonic() if since is None else since
        async with asyncio.timeout(timeout):
            while sum(1 for task, at in self._reads if task is not me and at >= start) < n:
                self._read.clear()
                await self._read.wait()

    def live_readers(self) -> list[asyncio.Task[Any]]:
        """Tasks other than the caller that read the clock and have not finished."""
        me = asyncio.current_task()
        return [task for task in self.readers if task is not me and not task.done()]


async def wait_until(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
