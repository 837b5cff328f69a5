"""Checks on values that go into Emby URLs, so no caller value can change the path or smuggle parameters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from emby_analytics import __version__

# Emby 4.x item ids are numeric strings; user, server, session and media-source ids are 32 hex digits.
_ITEM_ID = re.compile(r"[0-9a-fA-F]{32}|\d{1,20}")
# Session ids are 32-hex on Emby; accept any plain token so other servers work, but never "/", "." or "%".
_SESSION_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")
# ItemFields, item types, sort keys and image tags are plain words.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_TAG = re.compile(r"[0-9A-Za-z]{1,64}")


def check_id(value: str, what: str = "item id") -> str:
    """An item or user id: 32 hex digits or a decimal number."""
    if not isinstance(value, str) or not _ITEM_ID.fullmatch(value):
        raise ValueError(f"invalid {what}: expected 32 hex digits or a number")
    return value


def check_session_id(value: str) -> str:
    if not isinstance(value, str) or not _SESSION_ID.fullmatch(value):
        raise ValueError("invalid session id: expected letters, digits, '-' or '_'")
    return value


def check_tag(value: str) -> str:
    if not isinstance(value, str) or not _TAG.fullmatch(value):
        raise ValueError("invalid image tag")
    return value


def join_names(values: Sequence[str], what: str) -> str:
    """Comma-join plain names (Fields, IncludeItemTypes, SortBy...); a comma in a name would add a value."""
    if isinstance(values, str):
        raise ValueError(f"{what} must be a sequence of names, not one string")
    for value in values:
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise ValueError(f"invalid {what} entry: expected a plain name")
    return ",".join(values)


def join_ids(values: Sequence[str]) -> str:
    if isinstance(values, str):
        raise ValueError("ids must be a sequence of ids, not one string")
    return ",".join(check_id(v) for v in values)


def check_bounded_int(value: int, what: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValueError(f"{what} must be an integer in [{minimum}, {maximum}]")
    return value


def emby_datetime(value: datetime) -> str:
    """An ISO-8601 UTC timestamp as Emby writes them. Naive datetimes are taken as UTC (we store UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_header_text(value: str, what: str) -> str:
    """Text that goes into an HTTP header: no control characters (header injection), not empty."""
    if not isinstance(value, str) or not value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"{what} must be non-empty text without control characters")
    return value


def check_api_key(api_key: str) -> str:
    """An Emby API key as it may travel in a header. The message never echoes the key."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise ValueError("Emby API key must not be empty")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in api_key):
        raise ValueError("Emby API key must not contain spaces or control characters")
    return api_key


def client_authorization(device_name: str, device_id: str) -> str:
    """The X-Emby-Authorization value naming this client in Emby's device list (without the token)."""
    device = _quoted(check_header_text(device_name, "device_name"))
    ident = _quoted(check_header_text(device_id, "device_id"))
    return f'Emby Client="Emby Analytics", Device="{device}", DeviceId="{ident}", Version="{__version__}"'


def _quoted(value: str) -> str:
    # X-Emby-Authorization values are double-quoted; drop characters that would break the header.
    return value.replace('"', "").replace(",", " ").replace("\\", "")
