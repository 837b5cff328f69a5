"""Typed async client for the Emby REST API, its payload models and its error tree."""

from __future__ import annotations

from emby_analytics.emby.client import SYNC_ITEM_FIELDS, EmbyClient, PlaystateCommand
from emby_analytics.emby.errors import (
    EmbyAuthError,
    EmbyConnectionError,
    EmbyError,
    EmbyNotFoundError,
    EmbyResponseError,
)
from emby_analytics.emby.images import EmbyImage

__all__ = [
    "SYNC_ITEM_FIELDS",
    "EmbyAuthError",
    "EmbyClient",
    "EmbyConnectionError",
    "EmbyError",
    "EmbyImage",
    "EmbyNotFoundError",
    "EmbyResponseError",
    "PlaystateCommand",
]
