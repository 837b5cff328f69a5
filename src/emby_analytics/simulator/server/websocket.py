"""The simulator's `/embywebsocket`: Emby's live "Sessions" push, event-driven like the real server.

Protocol (GUIDE "WebSocket (live sessions)"): the client connects to `[/emby]/embywebsocket?deviceId=...`
with its token (`X-Emby-Token` header, the other header forms, or `api_key` in the query), sends
`{"MessageType":"SessionsStart","Data":"<initialDelayMs>,<intervalMs>"}` and receives
`{"MessageType":"Sessions","Data":[SessionInfo...]}`, the same list GET /Sessions returns at that moment.
`SessionsStop` ends the pushes; a client `KeepAlive` is answered with `KeepAlive`.

Change detection works for any clock (manual, accelerated, system) because it does not rely on the clock
moving by itself: every subscribed connection re-renders the engine state on a short *real-time* tick
(`tick_seconds`) or when woken by `poke()`. A push goes out at once when the state signature changed (session
set, item, paused/playing/stalled, play method, transcode, rate, or a seek: anything that re-anchors the
play, never the position alone), and otherwise at most once per interval when only positions or activity moved.

Knobs, on `sim.websockets` (a `SimulatorWebSockets`):
    enabled                 False: every handshake is refused (HTTP 503 / close 1013), like a proxy without
                            websocket support; polling keeps working.
    tick_seconds            real-time re-render period while subscribed (default 0.05).
    force_keepalive_seconds if set, send `ForceKeepAlive` with this many seconds on accept (Jellyfin style).
    drop_all(code=1001)     close every open socket (reconnect tests); returns how many were asked to close.
    poke()                  re-check now instead of on the next tick.
    accepted, rejected, messages_sent, sessions_pushes, open_count, device_ids()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
from datetime import datetime
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import Message, Receive, Scope, Send

from ..playback import SessionRuntime
from ..world.formats import ticks
from .auth import UNAUTHORIZED_TEXT, token_from
from .state import SimulatorState

_PATH = re.compile(r"^(?:/(?:emby|mediabrowser))?/embywebsocket/?$", re.IGNORECASE)
_DENIAL = "websocket.http.response"  # ASGI extension: answer the handshake with a plain HTTP response
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008  # what we use for a bad token when an HTTP 401 cannot be sent
CLOSE_TRY_AGAIN_LATER = 1013


def _signature(runtimes: list[SessionRuntime]) -> frozenset[tuple[Any, ...]]:
    """What makes Emby push at once. The anchor (time, position) moves on pause, resume, seek, rate and
    transcode changes but not while simply playing, so it detects seeks without comparing positions.
    A frozenset: the activity-sorted order alone is progress, not an event."""
    out: set[tuple[Any, ...]] = set()
    for rt in runtimes:
        if rt.play is None:
            out.add((rt.id, None))
        else:
            anchor = (rt.anchor_time, rt.anchor_pos)
            out.add((rt.id, rt.play.item_id, rt.state, rt.method, rt.transcode, rt.rate, anchor))
    return frozenset(out)


def _progress(runtimes: list[SessionRuntime], now: datetime) -> tuple[tuple[str, int, datetime], ...]:
    """What a throttled progress push would change: reported positions, activity dates and order."""
    return tuple((rt.id, ticks(rt.reported_position(now)), rt.reported_activity(now)) for rt in runtimes)


def _parse_interval(data: Any) -> tuple[float, float]:
    """`"0,1500"` → (0.0, 1.5) seconds. Missing or odd values fall back to Emby's defaults (0 ms, 1500 ms)."""
    parts = [*str(data or "").split(","), "", ""]
    values: list[float] = []
    for part, default in zip(parts, (0.0, 1500.0), strict=False):
        try:
            value = float(part.strip())
        except ValueError:
            value = default
        values.append(min(max(value, 0.0), 3_600_000.0) / 1000 if math.isfinite(value) else default / 1000)
    return values[0], values[1]


class _Connection:
    """One accepted socket: its ASGI send, the running push task and the wake/drop signals."""

    def __init__(self, hub: SimulatorWebSockets, send: Send, device_id: str | None) -> None:
        self.hub = hub
        self._send = send
        self.device_id = device_id
        self.wake = asyncio.Event()
        self.drop = asyncio.Event()
        self.drop_code = CLOSE_GOING_AWAY
        self.pusher: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # the pusher and the reader (KeepAlive replies) both send
        self.closed = False

    async def send_json(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        async with self._lock:
            if self.closed:
                return
            await self._send({"type": "websocket.send", "text": text})
            self.hub.messages_sent += 1

    async def close(self, code: int) -> None:
        async with self._lock:
            if not self.closed:
                self.closed = True
                await self._send({"type": "websocket.close", "code": code, "reason": ""})

    async def stop_pusher(self) -> None:
        task, self.pusher = self.pusher, None
        if task is not None:
            task.cancel()
            # A push that failed because the peer vanished is not an error of the connection's handler.
            await asyncio.gather(task, return_exceptions=True)


class SimulatorWebSockets:
    """The websocket side of one `Simulator`: knobs, counters and the ASGI handler (see module docstring)."""

    def __init__(self, sim: SimulatorState) -> None:
        self.sim = sim
        self.enabled = True
        self.tick_seconds = 0.05
        self.force_keepalive_seconds: int | None = None
        self.accepted = 0
        self.rejected = 0
        self.messages_sent = 0
        self.sessions_pushes = 0
        self._open: set[_Connection] = set()

    # -- knobs ----------------------------------------------------------------------------------------
    @property
    def open_count(self) -> int:
        return len(self._open)

    def device_ids(self) -> list[str | None]:
        """The `deviceId` of each open socket (how Emby binds a socket to a session)."""
        return [c.device_id for c in self._open]

    def poke(self) -> None:
        """Re-check the session state now on every subscribed socket (instead of on the next tick)."""
        for conn in self._open:
            conn.wake.set()

    def drop_all(self, code: int = CLOSE_GOING_AWAY) -> int:
        """Ask every open socket to close with `code` (each closes from its own task, immediately)."""
        for conn in self._open:
            conn.drop_code = code
            conn.drop.set()
        return len(self._open)

    def render(self, now: datetime) -> list[dict[str, Any]]:
        """Exactly what GET /Sessions (no filters) returns at `now`."""
        return self.sim.session_renderer.render(self.sim.sessions.runtimes(now), now)

    # -- ASGI -----------------------------------------------------------------------------------------
    @staticmethod
    def matches(scope: Scope) -> bool:
        return bool(_PATH.match(str(scope.get("path", ""))))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        query = {k.lower(): v for k, v in QueryParams(scope.get("query_string", b"")).items()}
        if not self.matches(scope):
            await self._reject(scope, send, 404, "Not Found", CLOSE_NORMAL)
        elif not self.enabled:
            await self._reject(scope, send, 503, "Service Unavailable", CLOSE_TRY_AGAIN_LATER)
        elif token_from(Headers(scope=scope), query) not in self.sim.tokens:
            await self._reject(scope, send, 401, UNAUTHORIZED_TEXT, CLOSE_POLICY_VIOLATION)
        else:
            await send({"type": "websocket.accept"})
            self.accepted += 1
            await self._serve(_Connection(self, send, query.get("deviceid")), receive)

    async def _reject(self, scope: Scope, send: Send, status: int, text: str, code: int) -> None:
        """An HTTP answer to the handshake where the server supports it (uvicorn), else a close before accept."""
        self.rejected += 1
        if _DENIAL in scope.get("extensions", {}):
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": text.encode()})
        else:
            await send({"type": "websocket.close", "code": code, "reason": ""})

    async def _serve(self, conn: _Connection, receive: Receive) -> None:
        self._open.add(conn)
        reader = asyncio.create_task(self._read(conn, receive))
        dropper = asyncio.create_task(conn.drop.wait())
        try:
            if self.force_keepalive_seconds is not None:
                await conn.send_json({"MessageType": "ForceKeepAlive", "Data": self.force_keepalive_seconds})
            done, _ = await asyncio.wait({reader, dropper}, return_when=asyncio.FIRST_COMPLETED)
            if dropper in done:
                await conn.close(conn.drop_code)
        finally:
            self._open.discard(conn)
            conn.closed = True
            for task in (reader, dropper):
                task.cancel()
            await asyncio.gather(reader, dropper, return_exceptions=True)
            await conn.stop_pusher()

    async def _read(self, conn: _Connection, receive: Receive) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if message["type"] != "websocket.receive":
                continue
            raw = message.get("text")
            if raw is None and message.get("bytes") is not None:
                raw = bytes(message["bytes"]).decode("utf-8", "replace")
            try:
                frame = json.loads(raw or "")
            except ValueError:
                continue  # Emby ignores frames it cannot parse
            if isinstance(frame, dict):
                await self._on_frame(conn, str(frame.get("MessageType", "")), frame.get("Data"))

    async def _on_frame(self, conn: _Connection, kind: str, data: Any) -> None:
        if kind == "SessionsStart":
            await conn.stop_pusher()
            initial, interval = _parse_interval(data)
            conn.pusher = asyncio.create_task(self._push(conn, initial, interval))
        elif kind == "SessionsStop":
            await conn.stop_pusher()
        elif kind == "KeepAlive":
            await conn.send_json({"MessageType": "KeepAlive"})

    async def _push(self, conn: _Connection, initial: float, interval: float) -> None:
        if initial > 0:
            await asyncio.sleep(initial)
        last_sig: frozenset[tuple[Any, ...]] | None = None
        last_progress: tuple[tuple[str, int, datetime], ...] | None = None
        last_push = 0.0
        while not conn.closed:
            conn.wake.clear()
            now = self.sim.clock.now()
            runtimes = self.sim.sessions.runtimes(now)
            sig, progress = _signature(runtimes), _progress(runtimes, now)
            # Real time for the throttle: it protects the client, which lives in real time.
            throttled = time.monotonic() - last_push < interval
            if last_sig is None or sig != last_sig or (progress != last_progress and not throttled):
                data = self.sim.session_renderer.render(runtimes, now)
                await conn.send_json({"MessageType": "Sessions", "Data": data})
                self.sessions_pushes += 1
                last_sig, last_progress, last_push = sig, progress, time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(conn.wake.wait(), self.tick_seconds)
