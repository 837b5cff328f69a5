"""Pydantic models of Emby payloads, one module per concern; import them from here.

`base` (EmbyModel and the lenient field types), `items` (BaseItemDto, pages), `media` (streams, sources,
user data), `sessions` (/Sessions), `system` (server, users, libraries, counts), `webhooks` (pushed payloads).
"""

from __future__ import annotations

from emby_analytics.emby.models.items import LIVE_TV_TYPES, TICKS_PER_SECOND, BaseItem, ItemsPage
from emby_analytics.emby.models.media import MediaSource, MediaStream, NameIdPair, UserItemData
from emby_analytics.emby.models.sessions import (
    PlayState,
    SessionInfo,
    SessionsSnapshot,
    SessionUser,
    TranscodingInfo,
)
from emby_analytics.emby.models.system import (
    ItemCounts,
    PublicSystemInfo,
    SystemInfo,
    User,
    UserPolicy,
    VirtualFolder,
)
from emby_analytics.emby.models.webhooks import (
    SocketMessage,
    WebhookEvent,
    WebhookPlaybackInfo,
    WebhookServer,
    WebhookSession,
    WebhookUser,
)

__all__ = [
    "LIVE_TV_TYPES",
    "TICKS_PER_SECOND",
    "BaseItem",
    "ItemCounts",
    "ItemsPage",
    "MediaSource",
    "MediaStream",
    "NameIdPair",
    "PlayState",
    "PublicSystemInfo",
    "SessionInfo",
    "SessionUser",
    "SessionsSnapshot",
    "SocketMessage",
    "SystemInfo",
    "TranscodingInfo",
    "User",
    "UserItemData",
    "UserPolicy",
    "VirtualFolder",
    "WebhookEvent",
    "WebhookPlaybackInfo",
    "WebhookServer",
    "WebhookSession",
    "WebhookUser",
]
