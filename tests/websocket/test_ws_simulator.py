"""The simulator's /embywebsocket: handshake, auth, Sessions pushes (event-driven, throttled), knobs."""

from __future__ import annotations

import json
import time

import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect

from emby_analytics.clock import AcceleratedClock
from emby_analytics.simulator import Pause, Play, PlaybackScript, Simulator, World

from ..conftest import API_KEY, START
from .conftest import WatchedClock, connect, long_movie, recv, sim_client, wait_until

TOKEN = {"X-Emby-Token": API_KEY}


@pytest.fixture
def clock() -> WatchedClock:
    """Silence is proven from the push loop's own passes (it reads the clock on each), not by waiting."""
    return WatchedClock(START)


async def _start(ws: AsyncWebSocketSession, data: str = "0,1500") -> None:
    await ws.send_text(json.dumps({"MessageType": "SessionsStart", "Data": data}))


async def test_initial_push_is_exactly_get_sessions(simulator: Simulator, playing: str) -> None:
    async with sim_client(simulator) as http:
        async with connect(http, "/embywebsocket?deviceId=dev-1", TOKEN) as ws:
            await _start(ws)
            frame = await recv(ws)
        expected = (await http.get("/emby/Sessions", headers=TOKEN)).json()
    assert frame["MessageType"] == "Sessions"
    assert frame["Data"] == expected
    assert [s["Id"] for s in frame["Data"]] == [playing]


@pytest.mark.parametrize("path", ["/embywebsocket", "/emby/embywebsocket", "/EMBY/EmbyWebSocket/"])
async def test_paths_and_query_token(simulator: Simulator, path: str) -> None:
    async with sim_client(simulator) as http, connect(http, f"{path}?api_key={API_KEY}&deviceId=dev-q") as ws:
        assert simulator.websockets.device_ids() == ["dev-q"]
        await _start(ws)
        assert (await recv(ws))["Data"] == []


@pytest.mark.parametrize(
    ("headers", "enabled", "path", "code"),
    [
        ({"X-Emby-Token": "wrong-token"}, True, "/embywebsocket", 1008),
        ({}, True, "/embywebsocket", 1008),
        (TOKEN, False, "/embywebsocket", 1013),
        (TOKEN, True, "/emby/socket", 1000),
    ],
)
async def test_refused_handshakes(
    simulator: Simulator, headers: dict[str, str], enabled: bool, path: str, code: int
) -> None:
    simulator.websockets.enabled = enabled
    async with sim_client(simulator) as http:
        with pytest.raises(WebSocketDisconnect) as refused:
            async with connect(http, path, headers):
                pytest.fail("the handshake should have been refused")
    assert refused.value.code == code
    assert (simulator.websockets.accepted, simulator.websockets.rejected) == (0, 1)


async def test_remote_pause_and_seek_push_at_once(simulator: Simulator, playing: str) -> None:
    async with sim_client(simulator) as http, connect(http, "/embywebsocket", TOKEN) as ws:
        await _start(ws, "0,60000")  # progress throttled to a minute: only events can push
        assert (await recv(ws))["Data"][0]["PlayState"]["IsPaused"] is False
        started = time.monotonic()
        assert (await http.post(f"/Sessions/{playing}/Playing/Pause", headers=TOKEN)).status_code == 204
        paused = await recv(ws, timeout=1.0)
        assert paused["Data"][0]["PlayState"]["IsPaused"] is True
        assert time.monotonic() - started < 0.5
        await http.post(f"/Sessions/{playing}/Playing/Seek?SeekPositionTicks=12000000000", headers=TOKEN)
        sought = await recv(ws, timeout=1.0)
        assert sought["Data"][0]["PlayState"]["PositionTicks"] == 12_000_000_000


async def test_scripted_events_push_but_progress_alone_is_throttled(
    simulator: Simulator, clock: WatchedClock, playing: str
) -> None:
    async with sim_client(simulator) as http, connect(http, "/embywebsocket", TOKEN) as ws:
        await _start(ws, "0,60000")
        first = await recv(ws)
        clock.advance(30)  # positions move, nothing happens
        simulator.websockets.poke()
        await clock.passes(2)  # the push loop saw the moved positions and let the pass end without a push
        assert simulator.websockets.sessions_pushes == 1
        clock.advance(600)  # past the scripted Pause at +600 s
        simulator.websockets.poke()
        paused = await recv(ws, timeout=1.0)
        assert paused["Data"][0]["PlayState"]["IsPaused"] is True
        assert paused["Data"][0]["PlayState"]["PositionTicks"] > first["Data"][0]["PlayState"]["PositionTicks"]


async def test_progress_is_pushed_once_per_interval(simulator: Simulator, clock: WatchedClock, playing: str) -> None:
    async with sim_client(simulator) as http, connect(http, "/embywebsocket", TOKEN) as ws:
        await _start(ws, "0,300")
        await recv(ws)
        pushed_at = time.monotonic()
        clock.advance(5)
        progressed = await recv(ws, timeout=2.0)
        progressed_at = time.monotonic()
        assert progressed_at - pushed_at >= 0.25  # not before the interval...
        assert progressed["Data"][0]["PlayState"]["IsPaused"] is False
        # ...and nothing while positions stand still, even once the interval has passed again.
        await clock.passes(2, since=progressed_at + 0.3)
        assert simulator.websockets.sessions_pushes == 2


async def test_stop_pushes_an_idle_session(simulator: Simulator, playing: str) -> None:
    async with sim_client(simulator) as http, connect(http, "/embywebsocket", TOKEN) as ws:
        await _start(ws, "0,60000")
        assert "NowPlayingItem" in (await recv(ws))["Data"][0]
        await http.post(f"/Sessions/{playing}/Playing/Stop", headers=TOKEN)
        stopped = await recv(ws, timeout=1.0)
        assert "NowPlayingItem" not in stopped["Data"][0]


async def test_sessions_stop_keepalive_and_force_keepalive(
    simulator: Simulator, clock: WatchedClock, playing: str
) -> None:
    simulator.websockets.force_keepalive_seconds = 60
    async with sim_client(simulator) as http, connect(http, "/embywebsocket", TOKEN) as ws:
        assert await recv(ws) == {"MessageType": "ForceKeepAlive", "Data": 60}
        await _start(ws, "0,60000")
        await recv(ws)
        pushers = clock.live_readers()  # the push loop that sent that frame
        assert pushers
        await ws.send_text(json.dumps({"MessageType": "SessionsStop"}))
        await ws.send_text("not json")  # ignored, like Emby
        await ws.send_text(json.dumps({"MessageType": "KeepAlive"}))
        assert await recv(ws) == {"MessageType": "KeepAlive"}  # frames are handled in order: SessionsStop was
        assert all(task.done() for task in pushers)  # unsubscribed: the push loop is gone...
        await http.post(f"/Sessions/{playing}/Playing/Pause", headers=TOKEN)
        simulator.websockets.poke()  # ...so nothing can push the pause
    assert simulator.websockets.sessions_pushes == 1
    assert simulator.websockets.messages_sent == 3


async def test_drop_all_closes_every_socket(simulator: Simulator) -> None:
    async with (
        sim_client(simulator) as http,
        connect(http, "/embywebsocket", TOKEN) as one,
        connect(http, "/embywebsocket", TOKEN) as two,
    ):
        assert simulator.websockets.open_count == 2
        assert simulator.websockets.drop_all(code=1012) == 2
        for ws in (one, two):
            with pytest.raises(WebSocketDisconnect) as closed:
                await ws.receive_text(timeout=1.0)
            assert closed.value.code == 1012
        await wait_until(lambda: simulator.websockets.open_count == 0)
    assert simulator.websockets.accepted == 2


async def test_client_disconnect_ends_the_handler(simulator: Simulator, clock: WatchedClock, playing: str) -> None:
    async with sim_client(simulator) as http:
        async with connect(http, "/embywebsocket", TOKEN) as ws:
            await _start(ws, "0,100")
            await recv(ws)
            pushers = clock.live_readers()
            assert pushers
        await wait_until(lambda: simulator.websockets.open_count == 0)
        # The push loop ends too, so nothing is sent any more (it would run forever otherwise).
        await wait_until(lambda: all(task.done() for task in pushers))
    assert simulator.websockets.sessions_pushes == 1


async def test_accelerated_clock_events_push_without_any_poke(world: World) -> None:
    """With a clock that runs by itself, the real-time tick alone notices scripted events."""
    clock = AcceleratedClock(START, factor=50.0)  # the scripted pause comes after 1 s of real time
    sim = Simulator(world, clock, api_key=API_KEY)
    sim.sessions.add_script(PlaybackScript(world.users[0].id, START, (Play(0, long_movie(world)), Pause(50))))
    async with sim_client(sim) as http, connect(http, headers=TOKEN) as ws:
        await _start(ws, "0,60000")
        assert (await recv(ws))["Data"][0]["PlayState"]["IsPaused"] is False
        assert (await recv(ws, timeout=3.0))["Data"][0]["PlayState"]["IsPaused"] is True
    assert sim.websockets.sessions_pushes == 2
