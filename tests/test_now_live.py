"""Live now-playing end to end: a real `serve` on 127.0.0.1 against the simulated Emby (in this process, so the
test plays, pauses and stops sessions and counts Emby's requests). Browsers on SSE and on the WebSocket see a
session start, pause and stop within one poll interval, and 50 browsers cost Emby no more than one: one
`/Sessions` request per tick."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from tests.processes import get_json, serving, wait_for

from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import live_simulator

API_KEY = "f" * 32
ADMIN_TOKEN = "now-live-admin-token-0123"
POLL_SEC = 1.0
WITHIN_SEC = POLL_SEC + 0.75  # one poll interval, and the time to build and send the view


@pytest.fixture
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY) as running:
        yield running


@pytest.fixture
def service(tmp_path: Path, emby: tuple[Simulator, str]) -> Iterator[str]:
    with _serving(tmp_path, emby[1], NOW_POLL_SEC=str(int(POLL_SEC)), EMBY_WEBSOCKET="false") as base:
        yield base


@contextmanager
def _serving(tmp_path: Path, emby_url: str, **settings: str) -> Iterator[str]:
    with serving(tmp_path, emby_url, API_KEY, ADMIN_TOKEN=ADMIN_TOKEN, **settings) as base:
        yield base


def _start(sim: Simulator) -> str:
    film = next(r for i in sim.world.ids_of_type(MOVIE) if (r := sim.world.item(i)) is not None and r.runtime)
    user = next(u for u in sim.world.users if not u.is_disabled)
    device = Device(device_id="2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", device_name="Den TV")
    return sim.sessions.add_script(PlaybackScript(user.id, sim.clock.now(), (Play(0, str(film.id)),), device))


@asynccontextmanager
async def _sse(
    base: str, client: httpx.AsyncClient, headers: dict[str, str] | None = None
) -> AsyncIterator[asyncio.Queue[tuple[float, list[Any]]]]:
    """The snapshots one SSE browser receives, each with when it arrived."""
    events: asyncio.Queue[tuple[float, list[Any]]] = asyncio.Queue()

    async def read() -> None:
        async with client.stream("GET", f"{base}/now/stream", headers=headers) as answer:
            assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
            kind = None
            async for line in answer.aiter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "snapshot":
                    events.put_nowait((time.monotonic(), json.loads(line[6:])))

    task = asyncio.create_task(read())
    try:
        yield events
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _next(events: asyncio.Queue[tuple[float, list[Any]]], wanted: Any, since: float) -> list[Any]:
    """The next snapshot for which `wanted(cards)` holds, arriving within one poll interval of `since`."""
    while True:
        arrived, cards = await asyncio.wait_for(events.get(), WITHIN_SEC + 2)
        if wanted(cards):
            assert arrived - since <= WITHIN_SEC, f"{arrived - since:.2f} s after the change"
            return cards


async def test_sse_sees_start_pause_and_stop_within_a_poll(service: str, emby: tuple[Simulator, str]) -> None:
    sim, _ = emby
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with (
        httpx.AsyncClient(timeout=30) as client,
        _sse(service, client) as events,
        _sse(service, client, admin) as admin_events,
    ):
        first = await asyncio.wait_for(events.get(), 5)
        assert first[1] == [], "a snapshot at once on connect"
        await asyncio.wait_for(admin_events.get(), 5)
        started = time.monotonic()
        session_id = _start(sim)
        (card,) = await _next(events, lambda cards: len(cards) == 1, started)
        assert card["session_id"] == session_id and not card["is_paused"]
        (seen,) = await _next(admin_events, lambda cards: len(cards) == 1, started)
        assert card["remote_address"] is None and seen["remote_address"], "addresses for the admin only"
        paused = time.monotonic()
        sim.sessions.command(session_id, "Pause")
        await _next(events, lambda cards: cards and cards[0]["is_paused"], paused)
        stopped = time.monotonic()
        sim.sessions.command(session_id, "Stop")
        await _next(events, lambda cards: cards == [], stopped)


async def test_the_websocket_sees_the_same(service: str, emby: tuple[Simulator, str]) -> None:
    sim, _ = emby
    url = f"{service.replace('http', 'ws')}/now/ws"
    async with httpx.AsyncClient(timeout=30) as client, aconnect_ws(url, client) as socket:
        first = json.loads(await socket.receive_text(timeout=5))
        assert first["event"] == "snapshot" and first["data"] == []
        started = time.monotonic()
        session_id = _start(sim)

        async def until(wanted: Any, since: float) -> dict[str, Any]:
            while True:
                frame: dict[str, Any] = json.loads(await socket.receive_text(timeout=WITHIN_SEC + 2))
                if frame["event"] == "snapshot" and wanted(frame["data"]):
                    assert time.monotonic() - since <= WITHIN_SEC
                    return frame

        frame = await until(lambda cards: len(cards) == 1, started)
        assert frame["data"][0]["session_id"] == session_id and frame["id"] > first["id"]
        paused = time.monotonic()
        sim.sessions.command(session_id, "Pause")
        await until(lambda cards: cards and cards[0]["is_paused"], paused)
        stopped = time.monotonic()
        sim.sessions.command(session_id, "Stop")
        await until(lambda cards: cards == [], stopped)


async def test_a_websocket_message_over_4_kib_ends_the_connection(service: str) -> None:
    url = f"{service.replace('http', 'ws')}/now/ws"
    async with httpx.AsyncClient(timeout=30) as client, aconnect_ws(url, client) as socket:
        await socket.receive_text(timeout=5)  # the first snapshot
        await socket.send_text("x" * 5000)
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                await socket.receive_text(timeout=5)
        assert closed.value.code == 1009  # "message too big", from the server itself


async def test_fifty_browsers_cost_emby_one_request_per_tick(service: str, emby: tuple[Simulator, str]) -> None:
    sim, _ = emby
    _start(sim)
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=60)) as client:
        streams = [_sse(service, client) for _ in range(50)]
        queues = [await s.__aenter__() for s in streams]
        try:
            await asyncio.gather(*(asyncio.wait_for(q.get(), 10) for q in queues))  # every browser is connected
            health = get_json(f"{service}/health")
            polls = next(j["runs"] for j in health["jobs"] if j["name"] == "sessions-poll")
            asked = sim.metrics.by_endpoint["/Sessions"]
            await asyncio.sleep(5)
            health = get_json(f"{service}/health")
            polls = next(j["runs"] for j in health["jobs"] if j["name"] == "sessions-poll") - polls
            asked = sim.metrics.by_endpoint["/Sessions"] - asked
            assert 3 <= polls <= 7 and asked == polls, (polls, asked)
            assert _live_views(service) == 50
        finally:
            for s in streams:
                await s.__aexit__(None, None, None)
    wait_for("every browser gone from the hub", lambda: _live_views(service) == 0, 10)


def _live_views(base: str) -> int:
    return int(get_json(f"{base}/admin/diagnostics", {"Authorization": f"Bearer {ADMIN_TOKEN}"})["live_views"])


async def test_with_emby_s_websocket_a_change_shows_within_a_second(
    tmp_path: Path, emby: tuple[Simulator, str]
) -> None:
    """Polls every 30 s here: only Emby's push can make it this quick."""
    sim, url = emby
    with _serving(tmp_path, url, NOW_POLL_SEC="30", EMBY_WEBSOCKET="true") as base:
        async with httpx.AsyncClient(timeout=30) as client, _sse(base, client) as events:
            await asyncio.wait_for(events.get(), 5)
            wait_for("Emby's websocket", lambda: get_json(f"{base}/health")["websocket"]["connected"], 15)
            started = time.monotonic()
            session_id = _start(sim)
            while True:
                arrived, cards = await asyncio.wait_for(events.get(), 10)
                if cards:
                    break
            assert cards[0]["session_id"] == session_id and arrived - started <= 1.0, arrived - started
