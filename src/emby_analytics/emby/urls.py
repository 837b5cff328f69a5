"""The Emby base URL: normalising what the admin typed, and joining endpoint paths onto it."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_API_PREFIXES = ("emby", "mediabrowser")


def normalize_base_url(raw: str) -> str:
    """`http://host:8096`, `.../`, `.../emby`, `https://host/a/prefix/emby` become `<origin>[/prefix]/emby`.

    Like Emby's own JS client, `/emby` is added when the path ends in neither `/emby` nor `/mediabrowser`;
    Emby serves every route both with and without it. User info, query and fragment are refused: the API key
    travels only in a header, and nothing secret may sit in a URL.
    """
    if not isinstance(raw, str):
        raise ValueError("Emby base URL must be a string")
    parts = urlsplit(raw.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("Emby base URL must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Emby base URL must not contain credentials")
    if parts.query or parts.fragment:
        raise ValueError("Emby base URL must not contain a query or fragment")
    try:
        _ = parts.port  # raises on a malformed port
    except ValueError:
        raise ValueError("Emby base URL has an invalid port") from None
    segments = [s for s in parts.path.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise ValueError("Emby base URL path must not contain '.' or '..'")
    if not segments or segments[-1].lower() not in _API_PREFIXES:
        segments.append("emby")
    path = "/" + "/".join(segments)
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def join_url(base: str, path: str) -> str:
    """Join a normalised base and an endpoint path ("/Items" or "Items") with exactly one slash."""
    return base.rstrip("/") + "/" + path.lstrip("/")
