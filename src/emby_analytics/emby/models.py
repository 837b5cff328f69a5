"""All Emby payload models in one import (the classes live in the models_* modules)."""

from __future__ import annotations

from emby_analytics.emby.models_items import TICKS_PER_SECOND, BaseItem, ItemsPage
from emby_analytics.emby.models_media import MediaSource, MediaStream, NameIdPair, UserItemData
from emby_analytics.emby.models_sessions import (
    PlayState,
    SessionInfo,
    SessionsSnapshot,
    SessionUser,
    TranscodingInfo,
)
from emby_analytics.emby.models_system import (
    ItemCounts,
    PublicSystemInfo,
    SystemInfo,
    User,
    UserPolicy,
    VirtualFolder,
)
from emby_analytics.emby.models_webhooks import (
    SocketMessage,
    WebhookEvent,
    WebhookPlaybackInfo,
    WebhookServer,
    WebhookSession,
    WebhookUser,
)

__all__ = [
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
