"""The production path over real TCP: uvicorn (with the `websockets` package) serves the simulator on a free
loopback port, and the listener uses a plain `httpx.AsyncClient()`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn

from emby_analytics.clock import ManualClock
from emby_analytics.emby.errors import EmbySocketError
from emby_analytics.emby.websocket import EmbySocketListener
from emby_analytics.simulator import Simulator

from ..conftest import API_KEY
from .conftest import Recorder, wait_until


@asynccontextmanager
async def serve(simulator: Simulator) -> AsyncIterator[str]:
    """uvicorn on an already bound 127.0.0.1 socket (no port race); yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(simulator.app(), lifespan="off", log_level="warning", ws="auto")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: server.started, timeout=5.0)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 5.0)
        sock.close()


async def test_listener_over_tcp(simulator: Simulator, clock: ManualClock, playing: str, recorder: Recorder) -> None:
    async with serve(simulator) as base_url, httpx.AsyncClient() as http:
        listener = EmbySocketListener(http, base_url, API_KEY, on_sessions=recorder.on_sessions, clock=clock)
        task = asyncio.create_task(listener.listen())
        first = await recorder.next(timeout=5.0)
        assert first.playing[0].id == playing and first.playing[0].play_state.is_paused is False
        pause = await http.post(f"{base_url}/emby/Sessions/{playing}/Playing/Pause", headers={"X-Emby-Token": API_KEY})
        assert pause.status_code == 204
        assert (await recorder.next(timeout=2.0)).playing[0].play_state.is_paused is True
        assert listener.connected and listener.connects == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await wait_until(lambda: simulator.websockets.open_count == 0)


@pytest.mark.parametrize(
    ("key", "enabled", "error", "auth"),
    [
        ("wrong-key-0123456789", True, "authentication failed (HTTP 401)", True),
        (API_KEY, False, "websocket upgrade refused (HTTP 503)", False),
    ],
    ids=["bad-token", "disabled"],
)
async def test_refusals_over_tcp_are_http_answers(
    simulator: Simulator, clock: ManualClock, recorder: Recorder, key: str, enabled: bool, error: str, auth: bool
) -> None:
    simulator.websockets.enabled = enabled
    async with serve(simulator) as base_url, httpx.AsyncClient() as http:
        listener = EmbySocketListener(http, base_url, key, on_sessions=recorder.on_sessions, clock=clock)
        with pytest.raises(EmbySocketError) as refused:
            await listener.listen()
    assert (str(refused.value), listener.auth_failed, listener.connects) == (error, auth, 0)
    assert key not in str(refused.value)
