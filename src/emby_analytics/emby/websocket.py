"""Emby's websocket: one connection at a time, subscribed to live "Sessions" pushes.

    listener = EmbySocketListener(http, "http://emby:8096", api_key, on_sessions=handle, clock=clock)
    await listener.listen()      # returns when Emby closes it; raises EmbySocketError when it cannot be used
    listener.connected, listener.connected_at, listener.last_message_at, listener.auth_failed, listener.messages

Reconnecting (with the one backoff policy) is the caller's: the session feed runs `listen()` as a job.

URL: Emby's JS client turns `<server>/emby/socket` into `<server>/embywebsocket`, so the socket lives next to
the API prefix, not under it: `http://host:8096/emby` → `http://host:8096/embywebsocket?deviceId=...`.
httpx-ws takes the http(s) URL and performs the upgrade itself (no ws:// scheme needed).

Token: sent in the `X-Emby-Token` header (plus the `X-Emby-Authorization` client description), never in the
URL, so it cannot leak through access logs, proxies or error messages. Old open-source Emby only bound a socket
to a session through `?api_key=`; servers that insist can be served with `token_in_query=True` (opt-in, the
URL then carries the key, and `url` still shows it without). The simulator accepts either form.

The server's pushes are event-driven, so a quiet server sends nothing for a long time: liveness comes from
websocket pings (`ping_interval`), not from expecting frames. `on_connected` runs after every connect, the
place to poll GET /Sessions once as the guide advises.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
from httpx_ws import (
    AsyncWebSocketSession,
    WebSocketDisconnect,
    WebSocketNetworkError,
    WebSocketUpgradeError,
    aconnect_ws,
)
from pydantic import ValidationError
from wsproto.events import BytesMessage, TextMessage

from emby_analytics.clock import Clock, SystemClock
from emby_analytics.emby.errors import EmbySocketError
from emby_analytics.emby.models import SessionsSnapshot, SocketMessage
from emby_analytics.emby.urls import normalize_base_url
from emby_analytics.emby.validation import check_api_key, check_header_text, client_authorization

log = logging.getLogger(__name__)

OnSessions = Callable[[SessionsSnapshot, datetime], Awaitable[None]]
OnMessage = Callable[[SocketMessage], Awaitable[None]]
OnConnected = Callable[[], Awaitable[None]]

CLOSE_POLICY_VIOLATION = 1008
_MAX_FRAME_READ = 1024 * 1024  # read chunk size; a Sessions frame with several NowPlayingItems is 100+ KB


def socket_url(base_url: str) -> str:
    """The websocket URL (http/https scheme, no query) for an Emby base URL as the admin typed it."""
    base = normalize_base_url(base_url)  # always ends in /emby or /mediabrowser
    return base.rsplit("/", 1)[0] + "/embywebsocket"


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside anyio's exception groups (httpx-ws runs its reader in a task group)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _is_cancellation(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(lambda e: isinstance(e, asyncio.CancelledError)) is not None
    return isinstance(exc, asyncio.CancelledError)


class EmbySocketListener:
    """Opens one websocket to Emby, subscribes to Sessions, and hands every frame to callbacks.

    State for health checks (read-only for callers): `connected`, `connected_at`, `last_message_at`,
    `auth_failed` (the last attempt was refused for its token), `connects`, `messages`, `bad_frames`,
    `callback_errors`.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        *,
        on_sessions: OnSessions,
        on_message: OnMessage | None = None,
        on_connected: OnConnected | None = None,
        clock: Clock | None = None,
        device_id: str = "emby-analytics",
        device_name: str = "Emby Analytics",
        subscription: str = "0,1500",
        handshake_timeout: float = 15.0,
        ping_interval: float | None = 20.0,
        token_in_query: bool = False,
    ) -> None:
        if handshake_timeout <= 0:
            raise ValueError("handshake_timeout must be positive")
        self._http = http
        self._url = socket_url(base_url)
        self._api_key = check_api_key(api_key)
        self._device_id = check_header_text(device_id, "device_id")
        self._authorization = client_authorization(device_name, device_id)
        self._on_sessions = on_sessions
        self._on_message = on_message
        self._on_connected = on_connected
        self._clock: Clock = clock or SystemClock()
        self._subscription = subscription
        self._handshake_timeout = handshake_timeout
        self._ping_interval = ping_interval
        self._token_in_query = token_in_query
        self.connected = False
        self.connected_at: datetime | None = None
        self.last_message_at: datetime | None = None
        self.auth_failed = False
        self.connects = 0
        self.messages = 0
        self.bad_frames = 0
        self.callback_errors = 0

    def __repr__(self) -> str:
        return f"EmbySocketListener(url={self._url!r}, connected={self.connected})"

    @property
    def url(self) -> str:
        """Where we connect (without the `deviceId` query; never with the token)."""
        return self._url

    async def listen(self) -> None:
        """One connection: connect, subscribe, dispatch frames. Returns when the server closes it cleanly;
        raises `EmbySocketError` when it cannot connect or the connection breaks; cancellation stops it."""
        try:
            await self._listen()
        except BaseException as exc:
            if _is_cancellation(exc):
                if isinstance(exc, asyncio.CancelledError):
                    raise
                raise asyncio.CancelledError() from exc
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: not ours to swallow
            raise self._failure(exc) from None
        finally:
            self.connected = False

    # -- one connection ---------------------------------------------------------------------------------
    async def _listen(self) -> None:
        headers = {"X-Emby-Token": self._api_key, "X-Emby-Authorization": self._authorization}
        params = {"deviceId": self._device_id}
        if self._token_in_query:
            params["api_key"] = self._api_key
        async with aconnect_ws(
            self._url,
            self._http,
            max_message_size_bytes=_MAX_FRAME_READ,
            keepalive_ping_interval_seconds=self._ping_interval,
            keepalive_ping_timeout_seconds=self._ping_interval,
            headers=headers,
            params=params,
            timeout=self._handshake_timeout,
            session_class=AsyncWebSocketSession,
        ) as ws:
            self._up()
            await self._send(ws, "SessionsStart", self._subscription)
            if self._on_connected is not None:
                await self._call(self._on_connected(), "on_connected")
            await self._receive_loop(ws)

    def _up(self) -> None:
        self.connects += 1
        self.connected, self.auth_failed = True, False
        self.connected_at = self._clock.now()
        log.info("Emby websocket connected to %s", self._url)

    async def _receive_loop(self, ws: AsyncWebSocketSession) -> None:
        keepalive: float | None = None  # seconds between our KeepAlive frames, once the server asks for them
        next_keepalive = 0.0
        while True:
            timeout = None if keepalive is None else max(0.0, next_keepalive - time.monotonic())
            try:
                event = await ws.receive(timeout=timeout)
            except TimeoutError:
                await self._send(ws, "KeepAlive")
                next_keepalive = time.monotonic() + (keepalive or 0.0)
                continue
            if isinstance(event, TextMessage):
                text = event.data
            elif isinstance(event, BytesMessage):
                text = bytes(event.data).decode("utf-8", "replace")
            else:
                continue
            message = self._parse(text)
            if message is None:
                continue
            if message.message_type == "ForceKeepAlive":
                # Jellyfin-style servers drop clients that stay silent; half their timeout is what Emby's apps use.
                keepalive = _keepalive_period(message.data)
                next_keepalive = time.monotonic() + (keepalive or 0.0)
            await self._dispatch(message)

    def _parse(self, text: str) -> SocketMessage | None:
        self.last_message_at = self._clock.now()
        self.messages += 1
        try:
            return SocketMessage.model_validate(json.loads(text))
        except (ValueError, ValidationError):
            self.bad_frames += 1
            log.warning("Emby websocket: ignored a frame that is not a JSON message (%d bytes)", len(text))
            return None

    async def _dispatch(self, message: SocketMessage) -> None:
        received_at = self.last_message_at or self._clock.now()
        if message.message_type == "Sessions":
            try:
                snapshot = SessionsSnapshot.from_payload(message.data)
            except ValueError:
                self.bad_frames += 1
                log.warning("Emby websocket: Sessions frame without a session list, ignored")
                return
            await self._call(self._on_sessions(snapshot, received_at), "on_sessions")
        elif self._on_message is not None:
            await self._call(self._on_message(message), "on_message")

    async def _call(self, pending: Awaitable[None], what: str) -> None:
        """Run a callback; a bug in it must not tear the connection down (that would loop reconnecting)."""
        try:
            await pending
        except Exception:
            self.callback_errors += 1
            log.exception("Emby websocket %s callback failed", what)

    @staticmethod
    async def _send(ws: AsyncWebSocketSession, kind: str, data: Any = None) -> None:
        frame: dict[str, Any] = {"MessageType": kind}
        if data is not None:
            frame["Data"] = data
        await ws.send_text(json.dumps(frame, separators=(",", ":")))

    # -- failures -----------------------------------------------------------------------------------------
    def _failure(self, exc: Exception) -> EmbySocketError:
        """Why the connection failed, from the error's type and status only (its text may hold the URL)."""
        leaf = _leaf(exc)
        auth = False
        if isinstance(leaf, WebSocketUpgradeError):
            status = leaf.response.status_code
            auth = status in (401, 403)
            message = f"authentication failed (HTTP {status})" if auth else f"websocket upgrade refused (HTTP {status})"
        elif isinstance(leaf, WebSocketDisconnect):
            # Closed before we were accepted with "policy violation": how an ASGI server refuses a token.
            auth = leaf.code == CLOSE_POLICY_VIOLATION and not self.connected
            if auth:
                message = f"authentication failed (closed with code {leaf.code})"
            elif not self.connected:
                message = f"websocket handshake refused (close code {leaf.code})"
            else:
                message = f"closed by server (code {leaf.code})"
        elif isinstance(leaf, WebSocketNetworkError):
            message = "network error (connection lost or ping timeout)"
        elif isinstance(leaf, httpx.TimeoutException):
            message = "websocket handshake timed out"
        elif isinstance(leaf, httpx.TransportError):
            message = f"connection failed ({type(leaf).__name__})"
        else:
            message = f"unexpected error ({type(leaf).__name__})"
            log.error("Emby websocket: unexpected %s", type(leaf).__name__)
        self.auth_failed = auth
        return EmbySocketError(message, auth=auth)


def _keepalive_period(data: Any) -> float | None:
    try:
        seconds = float(data)
    except (TypeError, ValueError):
        return None
    return max(1.0, seconds / 2) if seconds > 0 and seconds != float("inf") else None
