"""Pushed payloads: Emby webhook bodies (Emby Premiere) and websocket frames."""

from __future__ import annotations

from typing import Any

from emby_analytics.emby.models.base import EmbyModel, OptBool, OptDateTime, OptEmbyId, OptInt, OptStr
from emby_analytics.emby.models.items import BaseItem


class WebhookUser(EmbyModel):
    name: OptStr = None
    id: OptEmbyId = None


class WebhookServer(EmbyModel):
    name: OptStr = None
    id: OptStr = None
    version: OptStr = None


class WebhookSession(EmbyModel):
    remote_end_point: OptStr = None
    client: OptStr = None
    device_name: OptStr = None
    device_id: OptStr = None
    application_version: OptStr = None
    id: OptStr = None


class WebhookPlaybackInfo(EmbyModel):
    """`played_to_completion` only on playback.stop (then PositionTicks is 0); PlaySessionId from 4.8."""

    position_ticks: OptInt = None
    played_to_completion: OptBool = None
    playlist_index: OptInt = None
    playlist_length: OptInt = None
    play_session_id: OptStr = None


class WebhookEvent(EmbyModel):
    """One webhook body. `event` is e.g. "playback.start", "item.markplayed", "library.new"."""

    event: str
    title: OptStr = None
    description: OptStr = None
    date: OptDateTime = None
    user: WebhookUser | None = None
    item: BaseItem | None = None
    server: WebhookServer | None = None
    session: WebhookSession | None = None
    playback_info: WebhookPlaybackInfo | None = None


class SocketMessage(EmbyModel):
    """A websocket frame: {"MessageType": "Sessions", "Data": [...]} and the like. `data` is left raw."""

    message_type: str
    data: Any = None
    message_id: OptStr = None
