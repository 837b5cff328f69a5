"""`/now/...`: what is playing right now, as a list, a summary, a stream of changes (SSE or WebSocket), and the
admin's remote control (pause, resume, stop, a message on the screen).

The views come from the live hub (`live.hub`), which the session feed fills: however many browsers watch, Emby is
asked once per tick. Readers see no remote addresses; the admin does. A control is checked against the sessions
playing now (404 otherwise), forwarded to Emby, and followed by a poll at once, so every view shows its effect.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, WebSocket
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from starlette.websockets import WebSocketDisconnect

from emby_analytics.api.access import is_admin
from emby_analytics.api.deps import State
from emby_analytics.live.cards import NowCard
from emby_analytics.live.hub import Subscription, Summary, TooManySubscribers
from emby_analytics.state import AppState

router = APIRouter(prefix="/now", tags=["now playing"])

PING_SEC = 15.0  # a keep-alive this often, so proxies and browsers keep an idle stream open
RETRY_MS = 3000  # how soon a browser reconnects after losing the stream
SessionId = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,128}$", description="The session's id (as in /now).")]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@router.get(
    "/snapshot",
    response_model=list[NowCard],
    summary="Now playing",
    description="Every session playing now, as of the last snapshot of Emby's sessions (positions at `at`).",
)
async def snapshot(state: State, request: Request) -> list[NowCard]:
    cards = state.live.latest
    if is_admin(request.scope):
        return cards
    return [card.model_copy(update={"remote_address": None}) for card in cards]


@router.get(
    "/summary",
    response_model=Summary,
    summary="Now playing, in numbers",
    description="Streams, transcodes, direct plays, paused streams, outbound bandwidth and streams per user.",
)
async def summary(state: State) -> Summary:
    return state.live.summary()


def _last_seq(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 19 else None


async def _events(state: AppState, admin: bool, last_seq: int | None) -> AsyncIterator[bytes]:
    # Subscribed here, in the generator, so the `finally` that ends the subscription runs whatever happens to the
    # response (a browser gone before the first event included).
    subscription = state.live.subscribe(admin=admin, last_seq=last_seq)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        while True:
            view = await subscription.next(PING_SEC)
            if subscription.closed:
                return
            if view is None:
                yield b"event: ping\ndata: {}\n\n"
            else:
                yield view.event(subscription.admin)
    finally:  # the browser went away (the response is cancelled) or the hub dropped it
        subscription.close()


@router.get(
    "/stream",
    summary="Now playing, live (Server-Sent Events)",
    description="`event: snapshot` with every session playing (the `/now/snapshot` list, `id:` its number) at once "
    "and whenever it changes, `event: ping` every 15 s. A reconnecting browser's `Last-Event-ID` saves it the "
    "snapshot it has. Positions move between events as time passes unless a card is paused.",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string", "description": "`id: n`, `event: snapshot|ping`, `data: <JSON>`."}
                }
            }
        },
        503: {"description": "Too many live views open."},
    },
)
async def stream(state: State, request: Request) -> StreamingResponse:
    if state.live.full:
        raise HTTPException(503, "too many live views are open; try again later")
    events = _events(state, is_admin(request.scope), _last_seq(request.headers.get("last-event-id")))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: pass each event on at once
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.websocket("/ws")
async def websocket(socket: WebSocket, state: State) -> None:
    """The same views as `/now/stream`, as JSON text frames: `{"event": "snapshot", "id": n, "data": [...]}` and
    `{"event": "ping"}`. Closed with 1013 (try again later) when too many views are open, 1008 when the hub
    dropped a view that took nothing."""
    await socket.accept()
    try:
        subscription = state.live.subscribe(admin=is_admin(socket.scope))
    except TooManySubscribers:
        await socket.close(code=1013)
        return
    # A browser sends nothing; its going away is noticed on the receiving side, which ends the subscription.
    listener = asyncio.create_task(_until_closed(socket, subscription))
    try:
        while True:
            view = await subscription.next(PING_SEC)
            if subscription.closed:
                if not listener.done():  # the hub dropped it, not the browser
                    await socket.close(code=1008)
                break
            if view is None:
                await socket.send_text('{"event":"ping"}')
            else:
                frame = b'{"event":"snapshot","id":%d,"data":%b}' % (view.seq, view.json(subscription.admin))
                await socket.send_text(frame.decode())
    except (WebSocketDisconnect, RuntimeError):  # the browser went away while a frame was sent
        pass
    finally:
        subscription.close()
        listener.cancel()
        with suppress(asyncio.CancelledError):
            await listener


async def _until_closed(socket: WebSocket, subscription: Subscription) -> None:
    with suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                break
    subscription.close()


class PauseBody(BaseModel):
    paused: bool = Field(True, description="true pauses, false resumes.")


class MessageBody(BaseModel):
    header: str | None = Field(None, max_length=100, description="Up to 100 characters; empty: none.")
    text: str = Field(min_length=1, max_length=500)
    timeout_ms: int | None = Field(None, ge=1000, le=60000, description="How long the message shows (ms).")

    @field_validator("header")
    @classmethod
    def _header(cls, value: str | None) -> str | None:
        return _cleaned(value, 100) or None

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        cleaned = _cleaned(value, 500)
        if not cleaned:
            raise ValueError("must contain text")
        return cleaned


def _cleaned(value: str | None, limit: int) -> str:
    """Control characters out (a message is shown on someone's TV); the limit holds for what is left, as Emby gets
    it (normalising can make a string longer)."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", value or "")).strip()
    if len(cleaned) > limit:
        raise ValueError(f"at most {limit} characters")
    return cleaned


def _playing(state: AppState, session_id: str) -> None:
    if all(card.session_id != session_id for card in state.live.latest):
        raise HTTPException(404, "no session with that id is playing now")


def _look_again(state: AppState) -> Response:
    state.feed.poll_job.trigger()  # the effect shows in every view at the next poll, now
    return Response(status_code=204)


@router.post(
    "/{session_id}/pause",
    status_code=204,
    summary="Pause or resume a session",
    description="Asks Emby to pause (`paused: true`, the default) or resume the session. Admin only; 404 when no "
    "session of that id is playing, 502 when Emby fails.",
    responses={404: {"description": "Not playing now."}, 502: {"description": "Emby failed."}},
)
async def pause(state: State, session_id: SessionId, body: PauseBody | None = None) -> Response:
    _playing(state, session_id)
    await state.emby.send_playstate(session_id, "Pause" if body is None or body.paused else "Unpause")
    return _look_again(state)


@router.post(
    "/{session_id}/stop",
    status_code=204,
    summary="Stop a session",
    description="Asks Emby to stop the session's playback. Admin only; 404 when not playing, 502 when Emby fails.",
    responses={404: {"description": "Not playing now."}, 502: {"description": "Emby failed."}},
)
async def stop(state: State, session_id: SessionId) -> Response:
    _playing(state, session_id)
    await state.emby.send_playstate(session_id, "Stop")
    return _look_again(state)


@router.post(
    "/{session_id}/message",
    status_code=204,
    summary="Show a message on a session's screen",
    description="Text 1-500 characters, header up to 100, shown for `timeout_ms` (1,000-60,000) if given; control "
    "characters are removed. Admin only; 404 when not playing, 502 when Emby fails.",
    responses={404: {"description": "Not playing now."}, 502: {"description": "Emby failed."}},
)
async def message(state: State, session_id: SessionId, body: MessageBody) -> Response:
    _playing(state, session_id)
    await state.emby.send_message(session_id, header=body.header, text=body.text, timeout_ms=body.timeout_ms)
    return Response(status_code=204)
