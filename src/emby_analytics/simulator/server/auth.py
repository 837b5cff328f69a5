"""Token extraction the way Emby accepts it: X-Emby-Token, X-MediaBrowser-Token, the Emby/MediaBrowser
authorization header (as X-Emby-Authorization or Authorization), or the api_key / X-Emby-Token query."""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN_RE = re.compile(r"""\bToken\s*=\s*"?([^",\s]+)"?""", re.IGNORECASE)
UNAUTHORIZED_TEXT = "Access token is invalid or expired."


def token_from(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The client's token, or None. `query` keys must already be lower-cased."""
    for name in ("x-emby-token", "x-mediabrowser-token"):
        value = headers.get(name)
        if value:
            return value.strip()
    for name in ("x-emby-authorization", "authorization"):
        value = headers.get(name)
        if value:
            scheme = value.strip().split(None, 1)[0].lower() if value.strip() else ""
            if scheme in ("emby", "mediabrowser"):
                match = _TOKEN_RE.search(value)
                if match:
                    return match.group(1)
    for name in ("api_key", "x-emby-token"):
        value = query.get(name)
        if value:
            return value
    return None
