"""Response helpers: compact UTF-8 JSON and Emby's plain-text errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"


def json_response(payload: Any, status: int = 200) -> Response:
    """Compact UTF-8 JSON like Emby (non-ASCII kept as is)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=JSON_MEDIA_TYPE)


def text_response(body: str, status: int) -> Response:
    return Response(body, status_code=status, media_type="text/plain; charset=utf-8")


def no_content() -> Response:
    """Void POSTs: real servers answer 204 (the spec says "200 empty")."""
    return Response(status_code=204)
