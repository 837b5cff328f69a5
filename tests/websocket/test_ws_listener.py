"""EmbySocketListener (one connection) against the real simulator app in-process: pushes, headers, auth and other
refusals as errors without secrets, callback errors, odd frames, cancellation. Reconnecting is the feed's job
(tests/feed/test_socket_job.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.types import Receive, Scope, Send

from emby_analytics.clock import ManualClock
from emby_analytics.emby.errors import EmbySocketError
from emby_analytics.emby.models import SessionsSnapshot, SocketMessage
from emby_analytics.emby.websocket import EmbySocketListener, socket_url
from emby_analytics.simulator import Simulator

from ..conftest import API_KEY
from .conftest import BASE_URL, Recorder, sim_client, wait_until

TOKEN = {"X-Emby-Token": API_KEY}


def make_listener(
    http: httpx.AsyncClient, recorder: Recorder, clock: ManualClock, *, api_key: str = API_KEY, **options: Any
) -> EmbySocketListener:
    return EmbySocketListener(
        http,
        BASE_URL,
        api_key,
        on_sessions=recorder.on_sessions,
        on_message=recorder.on_message,
        clock=clock,
        **options,
    )


@asynccontextmanager
async def running(listener: EmbySocketListener) -> AsyncIterator[asyncio.Task[None]]:
    """Listen for the block, then cancel and check that it stops with CancelledError."""
    task = asyncio.create_task(listener.listen())
    try:
        yield task
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2.0)
    assert not listener.connected


def test_socket_url_sits_next_to_the_api_prefix() -> None:
    assert socket_url("http://emby:8096") == "http://emby:8096/embywebsocket"
    assert socket_url("https://host/a/prefix/emby/") == "https://host/a/prefix/embywebsocket"
    assert socket_url("http://host/MediaBrowser") == "http://host/embywebsocket"
    with pytest.raises(ValueError):
        socket_url("ws://host:8096")


async def test_pushes_reach_the_callback_and_cancel_is_clean(
    simulator: Simulator, clock: ManualClock, playing: str, recorder: Recorder
) -> None:
    scopes: list[Scope] = []
    app = simulator.app()

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await app(scope, receive, send)

    connected = asyncio.Event()

    async def on_connected() -> None:
        connected.set()

    transport = ASGIWebSocketTransport(app=spy)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        listener = make_listener(http, recorder, clock, on_connected=on_connected)
        async with running(listener):
            first = await recorder.next()
            expected = SessionsSnapshot.from_payload((await http.get("/Sessions", headers=TOKEN)).json())
            assert first == expected
            assert first.playing[0].id == playing and first.playing[0].play_state.is_paused is False
            assert connected.is_set() and listener.connected
            assert (listener.connects, listener.auth_failed) == (1, False)
            assert listener.last_message_at == clock.now()
            assert simulator.websockets.device_ids() == ["emby-analytics"]

            await http.post(f"/Sessions/{playing}/Playing/Pause", headers=TOKEN)
            paused = await recorder.next(timeout=1.0)
            assert paused.playing[0].play_state.is_paused is True
        await wait_until(lambda: simulator.websockets.open_count == 0)
    handshake = next(s for s in scopes if s["type"] == "websocket")
    headers = dict(handshake["headers"])
    assert headers[b"x-emby-token"] == API_KEY.encode()  # the token travels in a header...
    assert b"api_key" not in handshake["query_string"]  # ...never in the URL
    assert handshake["query_string"] == b"deviceId=emby-analytics"
    assert handshake["path"] == "/embywebsocket"


async def test_token_in_query_is_opt_in(simulator: Simulator, clock: ManualClock, recorder: Recorder) -> None:
    async with sim_client(simulator) as http:
        listener = make_listener(http, recorder, clock, token_in_query=True)
        async with running(listener):
            await recorder.next()
        assert API_KEY not in listener.url and API_KEY not in repr(listener)


async def test_bad_token_is_an_auth_error_without_the_secret(
    simulator: Simulator, clock: ManualClock, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-key-0123456789abcdef"
    async with sim_client(simulator) as http:
        listener = make_listener(http, recorder, clock, api_key=secret)
        with pytest.raises(EmbySocketError) as refused:
            await listener.listen()
    assert refused.value.auth and listener.auth_failed
    assert str(refused.value) == "authentication failed (closed with code 1008)"
    assert (listener.connects, simulator.websockets.accepted, simulator.websockets.rejected) == (0, 0, 1)
    assert secret not in caplog.text and secret not in repr(listener)


async def test_a_refused_handshake_and_a_dropped_socket_are_errors(
    simulator: Simulator, clock: ManualClock, playing: str, recorder: Recorder
) -> None:
    simulator.websockets.enabled = False
    async with sim_client(simulator) as http:
        listener = make_listener(http, recorder, clock)
        with pytest.raises(EmbySocketError, match=r"^websocket handshake refused \(close code 1013\)$") as refused:
            await listener.listen()
        assert not refused.value.auth and not listener.auth_failed
        # Polling does not depend on the socket: the HTTP API still answers.
        assert (await http.get("/Sessions", headers=TOKEN)).status_code == 200

        simulator.websockets.enabled = True
        task = asyncio.create_task(listener.listen())
        await recorder.next()
        assert listener.connected and listener.connects == 1
        assert simulator.websockets.drop_all() == 1
        with pytest.raises(EmbySocketError, match=r"^closed by server \(code 1001\)$"):
            await asyncio.wait_for(task, 2.0)
        assert not listener.connected


async def test_callback_errors_and_other_frames(simulator: Simulator, clock: ManualClock, playing: str) -> None:
    simulator.websockets.force_keepalive_seconds = 2  # the listener answers with KeepAlive every second
    failed_once: list[SessionsSnapshot] = []
    got: asyncio.Queue[SessionsSnapshot] = asyncio.Queue()
    messages: list[SocketMessage] = []

    async def on_sessions(snapshot: SessionsSnapshot, received_at: Any) -> None:
        if not failed_once:
            failed_once.append(snapshot)
            raise RuntimeError("bug in a consumer")
        await got.put(snapshot)

    async def on_message(message: SocketMessage) -> None:
        messages.append(message)

    async with sim_client(simulator) as http:
        listener = EmbySocketListener(
            http, BASE_URL, API_KEY, on_sessions=on_sessions, on_message=on_message, clock=clock
        )
        async with running(listener):
            await wait_until(lambda: bool(failed_once))
            await http.post(f"/Sessions/{playing}/Playing/Pause", headers=TOKEN)
            assert (await asyncio.wait_for(got.get(), 1.0)).playing[0].play_state.is_paused is True
            await wait_until(lambda: any(m.message_type == "KeepAlive" for m in messages), timeout=3.0)
            assert listener.callback_errors == 1 and listener.connects == 1
    assert messages[0].message_type == "ForceKeepAlive" and messages[0].data == 2


async def test_malformed_frames_are_skipped(clock: ManualClock, recorder: Recorder) -> None:
    async def odd_server(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()  # SessionsStart
        for text in ("{not json", json.dumps([1, 2]), json.dumps({"MessageType": "Sessions", "Data": {"x": 1}})):
            await send({"type": "websocket.send", "text": text})
        await send({"type": "websocket.send", "text": json.dumps({"MessageType": "Sessions", "Data": [{"Id": "a1"}]})})
        await receive()  # until the client goes away

    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=odd_server), base_url=BASE_URL) as http:
        listener = make_listener(http, recorder, clock)
        async with running(listener):
            snapshot = await recorder.next()
            assert [s.id for s in snapshot.sessions] == ["a1"]
            assert (listener.bad_frames, listener.messages) == (3, 4)


async def test_constructor_checks() -> None:
    async def noop(snapshot: SessionsSnapshot, received_at: Any) -> None:
        return None

    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="API key") as bad_key:
            EmbySocketListener(http, BASE_URL, "secret key\n", on_sessions=noop)
        assert "secret" not in str(bad_key.value)
        with pytest.raises(ValueError, match="credentials"):
            EmbySocketListener(http, "http://user:pw@emby", API_KEY, on_sessions=noop)
