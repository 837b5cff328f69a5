"""EmbyClient.post_json: token header, JSON both ways, error mapping, POST retry rules."""

from __future__ import annotations

import json

import httpx
import pytest

from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.errors import EmbyNotFoundError, EmbyResponseError

KEY = "0123456789abcdef0123456789abcdef"


def make(handler: httpx.MockTransport) -> EmbyClient:
    async def no_sleep(_: float) -> None:
        return None

    return EmbyClient(httpx.AsyncClient(transport=handler), "http://emby.test:8096", KEY, sleep=no_sleep)


async def test_post_json_sends_and_decodes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"colums": ["a"], "results": [["1"]], "message": ""})

    client = make(httpx.MockTransport(handler))
    answer = await client.post_json("/user_usage_stats/submit_custom_query", {"CustomQueryString": "SELECT 1"})
    assert answer["results"] == [["1"]]
    request = seen[0]
    assert request.method == "POST" and request.url.path == "/emby/user_usage_stats/submit_custom_query"
    assert request.headers["X-Emby-Token"] == KEY and KEY not in str(request.url)
    assert json.loads(request.content) == {"CustomQueryString": "SELECT 1"}


async def test_post_json_errors() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if request.url.path.endswith("missing"):
            return httpx.Response(404, text="Not Found")
        if request.url.path.endswith("broken"):
            return httpx.Response(500, text="boom")
        return httpx.Response(200, content=b"{not json")

    client = make(httpx.MockTransport(handler))
    with pytest.raises(EmbyNotFoundError):
        await client.post_json("/missing", {})
    calls = 0
    with pytest.raises(EmbyResponseError):
        await client.post_json("/broken", {})
    assert calls == 1  # a POST that reached Emby is not repeated
    with pytest.raises(EmbyResponseError, match="malformed JSON"):
        await client.post_json("/garbage", {})
    with pytest.raises(ValueError):
        await client.post_json("/x?api_key=1", {})
