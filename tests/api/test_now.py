"""`/now/...` through the real app and the simulator: the list and summary of what plays, addresses for the admin
only, and the admin's remote control: a pause, resume, stop or message reaches the simulated Emby, the session
really pauses or stops, the tracker records it and the view shows it; bad controls are refused with a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from tests.conftest import Service, make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


async def _playing(service: Service, clock: ManualClock) -> tuple[str, str]:
    """(session id, item id) of a film the simulator plays, once the service has polled it twice."""
    world = service.simulator.world
    film = next(r for i in world.ids_of_type(MOVIE) if (r := world.item(i)) is not None and (r.runtime or 0) > 0)
    user = next(u for u in world.users if not u.is_disabled)
    device = Device(device_id="6b1f9a0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", device_name="Lounge TV")
    session_id = service.simulator.sessions.add_script(
        PlaybackScript(user.id, clock.now(), (Play(0, str(film.id)),), device)
    )
    await service.state.feed.poll()
    clock.advance(5)
    await service.state.feed.poll()
    return session_id, str(film.id)


async def _post(service: Service, path: str, body: Any = None, *, admin: bool = True) -> httpx.Response:
    return await service.http.post(path, json=body, headers=_admin(service) if admin else {})


async def test_snapshot_and_summary(service: Service, clock: ManualClock) -> None:
    assert (await service.http.get("/now/snapshot")).json() == []
    session_id, item_id = await _playing(service, clock)
    service.http.cookies.clear()
    (card,) = (await service.http.get("/now/snapshot")).json()
    assert (card["session_id"], card["item_id"], card["is_paused"]) == (session_id, item_id, False)
    assert card["remote_address"] is None, "a reader sees no addresses"
    (seen,) = (await service.http.get("/now/snapshot", headers=_admin(service))).json()
    assert seen["remote_address"], "the admin does"
    summary = (await service.http.get("/now/summary")).json()
    assert summary["active_streams"] == 1 and sum(summary["per_user"].values()) == 1


async def test_pause_resume_and_stop_reach_emby_and_the_tracker(service: Service, clock: ManualClock) -> None:
    session_id, _ = await _playing(service, clock)
    runtime = service.simulator.sessions.session(session_id)
    assert runtime is not None

    assert (await _post(service, f"/now/{session_id}/pause")).status_code == 204
    assert runtime.state == "paused"
    clock.advance(5)
    await service.state.feed.poll()
    (card,) = service.state.live.latest
    assert card.is_paused
    (open_play,) = service.state.recorder.tracker.open_plays()
    assert open_play.is_paused, "the tracker saw the pause"

    assert (await _post(service, f"/now/{session_id}/pause", {"paused": False})).status_code == 204
    assert runtime.state == "playing"
    assert (await _post(service, f"/now/{session_id}/stop")).status_code == 204
    clock.advance(5)
    await service.state.feed.poll()
    assert service.state.live.latest == [] and service.state.recorder.tracker.open_plays() == []
    names = [(c.kind, c.name) for c in service.simulator.commands]
    assert names == [("Playing", "Pause"), ("Playing", "Unpause"), ("Playing", "Stop")]


async def test_a_message_reaches_emby_cleaned(service: Service, clock: ManualClock) -> None:
    session_id, _ = await _playing(service, clock)
    body = {"header": "Server\x07 note", "text": "Back up at 10 pm\x1b[2J", "timeout_ms": 5000}
    assert (await _post(service, f"/now/{session_id}/message", body)).status_code == 204
    (sent,) = service.simulator.commands
    assert (sent.kind, sent.arguments["Header"], sent.arguments["Text"]) == (
        "Message",
        "Server note",
        "Back up at 10 pm[2J",
    )
    assert int(sent.arguments["TimeoutMs"]) == 5000


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "\x00\x01 "},  # nothing left once control characters are out
        {"text": "x" * 501},
        {"text": "hi", "header": "h" * 101},
        {"text": "hi", "timeout_ms": 999},
        {"text": "hi", "timeout_ms": 60001},
        {},
    ],
)
async def test_bad_messages_are_refused(service: Service, clock: ManualClock, body: dict[str, Any]) -> None:
    session_id, _ = await _playing(service, clock)
    answer = await _post(service, f"/now/{session_id}/message", body)
    assert answer.status_code == 422 and answer.json()["message"]
    assert service.simulator.commands == []


async def test_controls_need_the_admin_and_a_live_session(service: Service, clock: ManualClock) -> None:
    session_id, _ = await _playing(service, clock)
    service.http.cookies.clear()
    for action in ("pause", "stop", "message"):
        assert (await _post(service, f"/now/{session_id}/{action}", {"text": "x"}, admin=False)).status_code == 401
        assert (await _post(service, f"/now/{'0' * 32}/{action}", {"text": "x"})).status_code == 404
        assert (await _post(service, f"/now/..%2Fx/{action}", {"text": "x"})).status_code in (404, 422)
    assert service.simulator.commands == []


async def test_message_lengths_count_what_emby_gets(service: Service, clock: ManualClock) -> None:
    session_id, _ = await _playing(service, clock)
    grows = "\U0001d160" * 500  # 500 characters that normalising (NFC) turns into 1,500
    assert (await _post(service, f"/now/{session_id}/message", {"text": grows})).status_code == 422
    assert (await _post(service, f"/now/{session_id}/message", {"text": "hi", "header": ""})).status_code == 204
    (sent,) = service.simulator.commands
    assert sent.arguments["Header"] == "", "an empty header is none"


async def _frames(service: Service, headers: dict[str, str] | None = None, n: int = 1) -> list[dict[str, Any]]:
    transport = ASGIWebSocketTransport(app=service.app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://service") as client,
        aconnect_ws("/now/ws", client, headers=dict(headers or {})) as socket,
    ):
        return [json.loads(await socket.receive_text(timeout=5)) for _ in range(n)]


async def _refused(service: Service, headers: dict[str, str] | None = None) -> str:
    """Why opening the websocket was refused (the in-process transport reports the close before the accept)."""
    try:
        await _frames(service, headers)
    except Exception as exc:
        nested = getattr(exc, "exceptions", ())
        return " ".join(repr(e) for e in (exc, *nested))
    raise AssertionError("the websocket was accepted")


async def test_the_websocket_shows_addresses_to_the_admin_only(service: Service, clock: ManualClock) -> None:
    await _playing(service, clock)
    (reader,) = await _frames(service)
    (admin,) = await _frames(service, _admin(service))
    assert reader["event"] == admin["event"] == "snapshot" and reader["id"] == admin["id"]
    assert reader["data"][0]["remote_address"] is None and admin["data"][0]["remote_address"]
    assert service.state.live.subscribers == 0, "each browser left the hub as it closed"


async def test_a_websocket_from_another_site_is_refused(service: Service, clock: ManualClock) -> None:
    assert "opened from this site" in await _refused(service, {"Origin": "http://evil.example"})
    (frame,) = await _frames(service, {"Origin": "http://service"})  # this site: fine
    assert frame["event"] == "snapshot"


async def test_the_websocket_needs_reader_access(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    async with running_service(make_settings(tmp_path, READ_ACCESS="token"), simulator, clock) as service:
        assert "READ_ACCESS=token" in await _refused(service)
        (frame,) = await _frames(service, _admin(service))
        assert frame["event"] == "snapshot"
