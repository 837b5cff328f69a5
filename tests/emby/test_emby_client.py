"""EmbyClient against a fake Emby built on httpx.MockTransport: headers, URLs, retries, errors, secrecy."""

from __future__ import annotations

import json
import logging
import random
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from emby_analytics.emby import (
    SYNC_ITEM_FIELDS,
    EmbyAuthError,
    EmbyClient,
    EmbyConnectionError,
    EmbyError,
    EmbyNotFoundError,
    EmbyResponseError,
)

API_KEY = "s3cr3t-api-key-0123456789abcdef"
USER_ID = "894c752d448f45a3a1260ccaabd0adff"

Handler = Callable[[httpx.Request], httpx.Response]


class MaxRandom(random.Random):
    """random() at its top end, so each backoff equals its ceiling."""

    def random(self) -> float:
        return 0.999999


class Recorder:
    """Records requests and the injected sleeps."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make_client(
    handler: Handler,
    rec: Recorder,
    *,
    base_url: str = "http://emby.local:8096",
    **options: Any,
) -> tuple[EmbyClient, httpx.AsyncClient]:
    def recording(request: httpx.Request) -> httpx.Response:
        rec.requests.append(request)
        return handler(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(recording))
    options.setdefault("rng", MaxRandom())
    return EmbyClient(http, base_url, API_KEY, sleep=rec.sleep, **options), http


def json_response(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload)


SESSION: dict[str, Any] = {
    "Id": "f1fd0596d93fc5ad959006d3cdafcc71",
    "UserName": "mark",
    "PlayState": {"PositionTicks": 10, "PlayMethod": "DirectPlay"},
    "NowPlayingItem": {"Id": "4785434", "Name": "XIV", "Type": "Episode"},
}


def assert_no_secret(rec: Recorder, *texts: str) -> None:
    for request in rec.requests:
        assert API_KEY not in str(request.url)
        assert "api_key" not in str(request.url).lower()
    for text in texts:
        assert API_KEY not in text


async def test_token_only_in_header_and_auth_header_has_no_token() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"Id": "abc", "ServerName": "x"}), rec)
    async with http:
        info = await client.system_info()
    assert info.server_name == "x"
    (request,) = rec.requests
    assert request.headers["X-Emby-Token"] == API_KEY
    auth = request.headers["X-Emby-Authorization"]
    assert auth.startswith("Emby ") and 'Client="Emby Analytics"' in auth and "DeviceId=" in auth
    assert API_KEY not in auth
    assert request.method == "GET"
    assert request.url.path == "/emby/System/Info"
    assert_no_secret(rec, repr(client))


@pytest.mark.parametrize(
    ("base_url", "expected_path"),
    [
        ("http://emby.local:8096", "/emby/System/Info"),
        ("http://emby.local:8096/", "/emby/System/Info"),
        ("http://emby.local:8096/emby", "/emby/System/Info"),
        ("http://emby.local:8096/emby/", "/emby/System/Info"),
        ("http://emby.local:8096/EMBY", "/EMBY/System/Info"),
        ("https://proxy.example/some/prefix/emby", "/some/prefix/emby/System/Info"),
        ("https://proxy.example/some/prefix", "/some/prefix/emby/System/Info"),
        ("http://emby.local:8096/mediabrowser", "/mediabrowser/System/Info"),
    ],
)
async def test_base_url_variants(base_url: str, expected_path: str) -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"Id": "abc"}), rec, base_url=base_url)
    async with http:
        await client.system_info()
    assert rec.requests[0].url.path == expected_path
    assert "//" not in rec.requests[0].url.path


@pytest.mark.parametrize(
    "base_url",
    [
        "emby.local:8096",
        "ftp://emby.local",
        "http://user:pw@emby.local",
        "http://emby.local/?api_key=x",
        "http://",
    ],
)
def test_bad_base_urls_rejected(base_url: str) -> None:
    with pytest.raises(ValueError):
        EmbyClient(httpx.AsyncClient(), base_url, API_KEY)


@pytest.mark.parametrize("key", ["", "   ", "abc\r\nX-Evil: 1", "has space"])
def test_bad_api_keys_rejected_without_echo(key: str) -> None:
    with pytest.raises(ValueError) as info:
        EmbyClient(httpx.AsyncClient(), "http://emby.local", key)
    assert key.strip() == "" or key not in str(info.value)


async def test_retries_on_503_with_growing_capped_backoff(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    client, http = make_client(
        lambda r: httpx.Response(503, text=f"down {API_KEY}"),
        rec,
        retries=6,
        backoff_base=0.5,
        backoff_cap=4.0,
    )
    with caplog.at_level(logging.WARNING, logger="emby_analytics"):
        async with http:
            with pytest.raises(EmbyResponseError) as info:
                await client.sessions()
    assert len(rec.requests) == 7  # first attempt + 6 retries
    assert rec.sleeps == pytest.approx([0.5, 1.0, 2.0, 4.0, 4.0, 4.0], rel=1e-3)
    assert info.value.status == 503 and info.value.path == "/Sessions"
    assert "down" not in str(info.value)  # no upstream body in messages
    retry_lines = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retry_lines) == 6
    assert "GET /Sessions" in retry_lines[0] and "status 503" in retry_lines[0]
    assert_no_secret(rec, str(info.value), caplog.text)


async def test_jitter_stays_within_bounds_with_real_rng() -> None:
    rec = Recorder()
    client, http = make_client(
        lambda r: httpx.Response(500), rec, retries=5, backoff_base=1.0, backoff_cap=5.0, rng=random.Random(7)
    )
    async with http:
        with pytest.raises(EmbyResponseError):
            await client.users()
    ceilings = [1.0, 2.0, 4.0, 5.0, 5.0]
    for slept, ceiling in zip(rec.sleeps, ceilings, strict=True):
        assert ceiling / 2 <= slept <= ceiling


async def test_recovers_after_transient_failures() -> None:
    rec = Recorder()
    answers = iter([httpx.Response(502), httpx.Response(429, headers={"Retry-After": "3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, json_response([SESSION]))

    client, http = make_client(handler, rec)
    async with http:
        snapshot = await client.sessions()
    assert len(rec.requests) == 3
    assert rec.sleeps[1] == 3.0  # Retry-After honoured (below the cap)
    assert snapshot.playing[0].now_playing_item is not None


async def test_retries_on_timeouts_then_connection_error(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, http = make_client(handler, rec, retries=2)
    with caplog.at_level(logging.WARNING):
        async with http:
            with pytest.raises(EmbyConnectionError) as info:
                await client.system_info()
    assert len(rec.requests) == 3 and len(rec.sleeps) == 2
    assert "timed out" in str(info.value) and "3 attempts" in str(info.value)
    assert_no_secret(rec, str(info.value), caplog.text)


async def test_connection_refused_becomes_connection_error() -> None:
    rec = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, http = make_client(handler, rec, retries=1)
    async with http:
        with pytest.raises(EmbyConnectionError) as info:
            await client.users()
        assert await client.ping() is False
    assert isinstance(info.value, EmbyError)
    assert len(rec.requests) == 3  # 2 for users, 1 for ping (no retries)


async def test_real_refused_port_on_loopback() -> None:
    rec = Recorder()
    with socket.socket() as probe:  # a port that was just free, so nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with httpx.AsyncClient() as http:
        client = EmbyClient(http, f"http://127.0.0.1:{port}", API_KEY, retries=1, sleep=rec.sleep, timeout=2.0)
        with pytest.raises(EmbyConnectionError) as info:
            await client.system_info()
    assert API_KEY not in str(info.value)
    assert len(rec.sleeps) == 1


async def test_no_retry_on_404() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(404, text="User not found"), rec)
    async with http:
        with pytest.raises(EmbyNotFoundError) as info:
            await client.user(USER_ID)
    assert len(rec.requests) == 1 and rec.sleeps == []
    assert info.value.status == 404 and info.value.path == f"/Users/{USER_ID}"
    assert isinstance(info.value, EmbyResponseError)


@pytest.mark.parametrize("status", [401, 403])
async def test_auth_errors_not_retried(status: int, caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(status, text="Access token is invalid or expired."), rec)
    with caplog.at_level(logging.DEBUG):
        async with http:
            with pytest.raises(EmbyAuthError) as info:
                await client.users()
    assert len(rec.requests) == 1
    assert info.value.status == status
    assert "invalid or expired API key" in str(info.value)
    assert_no_secret(rec, str(info.value), repr(info.value), caplog.text)


async def test_other_4xx_not_retried() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(400), rec)
    async with http:
        with pytest.raises(EmbyResponseError) as info:
            await client.items()
    assert info.value.status == 400 and len(rec.requests) == 1


async def test_redirects_not_followed() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(302, headers={"Location": "http://evil.example/steal"}), rec)
    async with http:
        with pytest.raises(EmbyResponseError):
            await client.system_info()
    assert [r.url.host for r in rec.requests] == ["emby.local"]


@pytest.mark.parametrize("body", [b"<html>login</html>", b'{"Id": "abc"', b"", b"[" * 100_000, b"\xff\xfe\x00garbage"])
async def test_malformed_json_is_response_error(body: bytes) -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(200, content=body), rec)
    async with http:
        with pytest.raises(EmbyResponseError) as info:
            await client.system_info()
    assert len(rec.requests) == 1
    assert "login" not in str(info.value)


async def test_payload_not_fitting_model_is_response_error() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"ServerName": API_KEY}), rec)  # no Id
    async with http:
        with pytest.raises(EmbyResponseError) as info:
            await client.system_info()
        with pytest.raises(EmbyResponseError):
            await client.users()  # an object where an array belongs
    assert "SystemInfo" in str(info.value)
    assert API_KEY not in str(info.value)


async def test_huge_numbers_in_json_do_not_crash() -> None:
    rec = Recorder()
    body = b'{"Items": [{"Id": "1", "Size": ' + b"9" * 5000 + b'}, {"Id": "2", "RunTimeTicks": 1e999}], '
    body += b'"TotalRecordCount": 2}'
    client, http = make_client(lambda r: httpx.Response(200, content=body), rec)
    async with http:
        page = await client.items()
    assert [i.id for i in page.items] == ["1", "2"]
    assert page.items[0].size is None and page.items[1].run_time_ticks is None


async def test_one_bad_record_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    bad = {"Id": "bad1", "NowPlayingItem": {"Name": f"no id {API_KEY}"}}
    client, http = make_client(lambda r: json_response([SESSION, bad, {"Id": "idle1"}]), rec)
    with caplog.at_level(logging.WARNING):
        async with http:
            snapshot = await client.sessions()
            raw = await client.sessions_raw()
    assert snapshot.skipped == 1
    assert [s.id for s in snapshot.sessions] == [SESSION["Id"], "idle1"]
    assert len(raw) == 3 and raw[1]["Id"] == "bad1"
    assert "id=bad1" in caplog.text
    assert API_KEY not in caplog.text


async def test_users_skip_bad_records() -> None:
    rec = Recorder()
    users = [{"Id": USER_ID, "Name": "mark", "Policy": {"IsAdministrator": True}}, {"Name": "no id"}]
    client, http = make_client(lambda r: json_response(users), rec)
    async with http:
        result = await client.users()
    assert [u.name for u in result] == ["mark"] and result[0].is_administrator


async def test_items_query_parameters() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"Items": [], "TotalRecordCount": 0}), rec)
    async with http:
        await client.items(
            start_index=200,
            limit=100,
            fields=SYNC_ITEM_FIELDS,
            include_item_types=("Movie", "Episode"),
            parent_id="4583860",
            ids=("1", "2"),
            min_date_last_saved=datetime(2025, 1, 9, 22, 31, 50, 944346, tzinfo=UTC),
            sort_by="SortName,DateCreated",
            sort_order="Ascending",
            user_id=USER_ID,
            enable_total_record_count=False,
        )
        await client.items()
    first, second = rec.requests
    assert first.url.path == f"/emby/Users/{USER_ID}/Items"
    q = first.url.params
    assert (q["StartIndex"], q["Limit"], q["Recursive"], q["ParentId"]) == ("200", "100", "true", "4583860")
    assert q["Fields"].split(",") == list(SYNC_ITEM_FIELDS)
    assert q["IncludeItemTypes"] == "Movie,Episode" and q["Ids"] == "1,2"
    assert q["MinDateLastSaved"] == "2025-01-09T22:31:50.944346Z"
    assert q["SortBy"] == "SortName,DateCreated" and q["SortOrder"] == "Ascending"
    assert q["EnableTotalRecordCount"] == "false"
    assert second.url.path == "/emby/Items" and "Fields" not in second.url.params
    for name in ("DateCreated", "Path", "ProviderIds", "MediaSources", "MediaStreams", "Genres", "Studios"):
        assert name in SYNC_ITEM_FIELDS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_id": "../../System/Restart"},
        {"user_id": "abc"},
        {"parent_id": "1/2"},
        {"ids": ("1", "x?y")},
        {"ids": "123"},
        {"fields": ("Path,Overview",)},
        {"fields": ("Path&api_key=x",)},
        {"sort_by": "SortName;DROP"},
        {"start_index": -1},
        {"limit": -5},
    ],
)
async def test_items_rejects_unsafe_values_early(kwargs: dict[str, Any]) -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"Items": []}), rec)
    async with http:
        with pytest.raises(ValueError):
            await client.items(**kwargs)
    assert rec.requests == []


async def test_items_refuses_an_unknown_parameter() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: json_response({"Items": []}), rec)
    async with http:
        with pytest.raises(TypeError, match="parent"):
            await client.items(parent="1")  # type: ignore[call-arg]
    assert rec.requests == []


async def test_user_and_session_ids_validated() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(204), rec)
    async with http:
        for bad in ("..", "a/b", "a%2Fb", "", "x" * 200):
            with pytest.raises(ValueError):
                await client.user(bad)
            with pytest.raises(ValueError):
                await client.send_playstate(bad, "Pause")
        with pytest.raises(ValueError):
            await client.send_playstate("abc", "Reboot")  # type: ignore[arg-type]
    assert rec.requests == []


async def test_item_counts_folders_ping_public_info() -> None:
    rec = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/Items/Counts"):
            return json_response({"MovieCount": 3, "EpisodeCount": 10})
        if path.endswith("/Library/VirtualFolders"):
            return json_response([{"Name": "Movies", "ItemId": "7", "Locations": ["/m"]}])
        if path.endswith("/System/Ping"):
            return httpx.Response(200, text="Emby Server")
        if path.endswith("/System/Info/Public"):
            return json_response({"Id": "srv", "ServerName": "Home", "Version": "4.8.11.0"})
        return httpx.Response(404)

    client, http = make_client(handler, rec)
    async with http:
        counts = await client.item_counts(USER_ID)
        folders = await client.virtual_folders()
        assert await client.ping() is True
        public = await client.public_system_info()
    assert counts.movie_count == 3 and counts.episode_count == 10
    assert rec.requests[0].url.params["UserId"] == USER_ID
    assert folders[0].library_id == "7"
    assert public.version == "4.8.11.0"


async def test_send_playstate_and_message() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(204), rec)
    sid = SESSION["Id"]
    async with http:
        await client.send_playstate(sid, "Seek", seek_position_ticks=12345)
        await client.send_message(sid, header="Hi", text="Time for bed", timeout_ms=5000)
        with pytest.raises(ValueError):
            await client.send_message(sid, header=None, text="")
    seek, message = rec.requests
    assert seek.method == "POST" and seek.url.path == f"/emby/Sessions/{sid}/Playing/Seek"
    assert seek.url.params["SeekPositionTicks"] == "12345"
    assert json.loads(seek.content) == {"Command": "Seek", "SeekPositionTicks": 12345}
    assert message.url.path == f"/emby/Sessions/{sid}/Message"
    assert message.url.params["Text"] == "Time for bed" and message.url.params["TimeoutMs"] == "5000"
    assert json.loads(message.content)["Header"] == "Hi"


async def test_post_not_retried_after_server_error_but_retried_when_not_delivered() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(500), rec)
    async with http:
        with pytest.raises(EmbyResponseError):
            await client.send_playstate(SESSION["Id"], "Stop")
    assert len(rec.requests) == 1  # Emby may have acted on it

    rec2 = Recorder()

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client2, http2 = make_client(refused, rec2, retries=2)
    async with http2:
        with pytest.raises(EmbyConnectionError):
            await client2.send_playstate(SESSION["Id"], "Stop")
    assert len(rec2.requests) == 3


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_image_fetch() -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"}), rec)
    async with http:
        image = await client.image("4785434", max_width=300, tag="00faefe9d7eae3580ee031cd44286e83")
        user_image = await client.image(USER_ID, user=True)
    assert image.content_type == "image/png" and image.data == PNG
    assert user_image.data == PNG
    first, second = rec.requests
    assert first.url.path == "/emby/Items/4785434/Images/Primary"
    assert first.url.params["MaxWidth"] == "300"
    assert first.headers["Accept"] == "image/*"
    assert second.url.path == f"/emby/Users/{USER_ID}/Images/Primary"
    assert str(len(PNG)) in repr(image) and "\\x89" not in repr(image)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", b"<html>"),
        ("application/json", b"{}"),
        ("image/svg+xml", b"<svg onload=alert(1)>"),
        ("", PNG),
        ("image/jpeg", b""),
    ],
)
async def test_image_rejects_non_images(content_type: str, body: bytes) -> None:
    rec = Recorder()
    headers = {"Content-Type": content_type} if content_type else {}
    client, http = make_client(lambda r: httpx.Response(200, content=body, headers=headers), rec)
    async with http:
        with pytest.raises(EmbyResponseError):
            await client.image("1")


async def test_image_rejects_oversized_bodies() -> None:
    rec = Recorder()
    big = b"\x00" * (10 * 1024 * 1024 + 1)

    async def stream() -> Any:
        # No Content-Length: the cap must hold while streaming too.
        for start in range(0, len(big), 1024 * 1024):
            yield big[start : start + 1024 * 1024]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Primary"):
            return httpx.Response(200, content=big, headers={"Content-Type": "image/jpeg"})
        return httpx.Response(200, content=stream(), headers={"Content-Type": "image/jpeg"})

    client, http = make_client(handler, rec)
    async with http:
        with pytest.raises(EmbyResponseError) as info:
            await client.image("1")
        with pytest.raises(EmbyResponseError):
            await client.image("1", "Backdrop")
    assert "larger than" in str(info.value)
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"item_id": "../x"},
        {"item_id": "1", "image_type": "Primary/../../x"},
        {"item_id": "1", "max_width": 0},
        {"item_id": "1", "max_width": 100_000},
        {"item_id": "1", "tag": "a&b"},
    ],
)
async def test_image_validates_inputs(kwargs: dict[str, Any]) -> None:
    rec = Recorder()
    client, http = make_client(lambda r: httpx.Response(200, content=PNG), rec)
    async with http:
        with pytest.raises(ValueError):
            await client.image(**kwargs)
    assert rec.requests == []


async def test_item_by_id_and_generic_get() -> None:
    rec = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Items"):
            ids = request.url.params["Ids"]
            items = [{"Id": ids, "Name": "Movie"}] if ids == "42" else []
            return json_response({"Items": items, "TotalRecordCount": len(items)})
        return json_response({"Items": [], "TotalRecordCount": 0})

    client, http = make_client(handler, rec)
    async with http:
        found = await client.item("42")
        missing = await client.item("43")
        raw = await client.get_json("/Devices")
        with pytest.raises(ValueError):
            await client.get_json("/Items?api_key=x")
    assert found is not None and found.name == "Movie" and missing is None
    assert raw == {"Items": [], "TotalRecordCount": 0}
