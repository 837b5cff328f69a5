"""Who may do what (docs/security.md): the path rules and the address rules as tables, then the real app: readers by
READ_ACCESS, the admin token from its three places (never a URL), wrong tokens refused per address, the CSRF check
on cookie POSTs, the automatic cookie, and every route of the app in a reviewed list or refused without
credentials."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from ipaddress import ip_network
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route
from tests.conftest import Service, make_settings, running_service

from emby_analytics.api.access import FAILURES_ALLOWED, caller, needs, presented_token
from emby_analytics.clock import ManualClock
from emby_analytics.config import ConfigError, Settings
from emby_analytics.simulator.server import Simulator

TOKEN = "admin-token-for-tests-0123456789"
PROXY = ("172.18.0.0/16",)


@pytest.mark.parametrize(
    ("method", "path", "need"),
    [
        ("GET", "/stats/overview", "reader"),
        ("GET", "/health", "reader"),
        ("GET", "/img/primary/123", "reader"),
        ("GET", "/now/snapshot", "reader"),
        ("POST", "/now/abc/stop", "admin"),
        ("POST", "/now/abc/pause", "admin"),
        ("GET", "/admin/scheduler/stats", "admin"),
        ("POST", "/admin/reset-all", "admin"),
        ("GET", "/admin", "open"),  # the UI's admin page: no data; where the credential is entered
        ("POST", "/admin", "admin"),
        ("GET", "/", "open"),
        ("GET", "/users/abc", "open"),
        ("GET", "/assets/index-abc.js", "open"),
        ("GET", "/docs", "open"),
        ("POST", "/webhooks/emby", "open"),
        ("POST", "/admin/webhook/emby", "open"),  # the seed's path of the intake: its own token
        ("GET", "/administrator", "reader"),  # not under /admin/: an unknown path, 404 for readers
    ],
)
def test_what_a_path_needs(method: str, path: str, need: str) -> None:
    assert needs(method, path) == need


def _scope(peer: str, headers: dict[str, str]) -> tuple[dict[str, object], dict[bytes, bytes]]:
    scope = {"type": "http", "client": (peer, 5000), "scheme": "http"}
    return scope, {k.lower().encode(): v.encode() for k, v in headers.items()}


@pytest.mark.parametrize(
    ("peer", "headers", "proxies", "address", "local"),
    [
        ("127.0.0.1", {}, (), "127.0.0.1", True),
        ("192.168.1.20", {}, (), "192.168.1.20", True),
        ("fe80::1", {}, (), "fe80::1", True),
        ("203.0.113.9", {}, (), "203.0.113.9", False),
        ("::ffff:192.168.1.20", {}, (), "::ffff:192.168.1.20", True),
        ("100.64.0.7", {}, (), "100.64.0.7", False),  # carrier-grade NAT: not your network
        # A proxy on this host that nobody listed: whatever it forwards, the request is not local.
        ("127.0.0.1", {"X-Forwarded-For": "192.168.1.20"}, (), "127.0.0.1", False),
        ("127.0.0.1", {"X-Real-IP": "10.0.0.2"}, (), "127.0.0.1", False),
        # A listed proxy: its right-most forwarded address that is not a listed proxy is the client.
        ("172.18.0.2", {"X-Forwarded-For": "203.0.113.9"}, PROXY, "203.0.113.9", False),
        ("172.18.0.2", {"X-Forwarded-For": "192.168.1.20"}, PROXY, "192.168.1.20", True),
        ("172.18.0.2", {"X-Forwarded-For": "192.168.1.20, 203.0.113.9"}, PROXY, "203.0.113.9", False),  # spoofed
        ("172.18.0.2", {"X-Forwarded-For": "203.0.113.9, 172.18.0.3"}, PROXY, "203.0.113.9", False),  # 2 proxies
        ("172.18.0.2", {"Forwarded": 'for="[2001:db8::7]:443";proto=https'}, PROXY, "2001:db8::7", False),
        ("172.18.0.2", {"Forwarded": "for=192.168.1.20:5000"}, PROXY, "192.168.1.20", True),
        ("172.18.0.2", {"X-Forwarded-For": "unknown"}, PROXY, "172.18.0.2", False),
        # Not a listed proxy: its forwarding is ignored, and the request is not local.
        ("192.168.1.30", {"X-Forwarded-For": "192.168.1.20"}, PROXY, "192.168.1.30", False),
    ],
)
def test_who_is_local(peer: str, headers: dict[str, str], proxies: tuple[str, ...], address: str, local: bool) -> None:
    scope, raw = _scope(peer, headers)
    who = caller(scope, raw, tuple(ip_network(p) for p in proxies))
    assert (who.address, who.local) == (address, local)


def test_forwarded_https_from_a_trusted_proxy_marks_the_cookie_secure() -> None:
    scope, raw = _scope("172.18.0.2", {"X-Forwarded-For": "192.168.1.20", "X-Forwarded-Proto": "https"})
    assert caller(scope, raw, (ip_network(PROXY[0]),)).https
    scope, raw = _scope("192.168.1.30", {"X-Forwarded-Proto": "https"})
    assert not caller(scope, raw, (ip_network(PROXY[0]),)).https


@pytest.mark.parametrize(
    ("headers", "presented"),
    [
        ({"Authorization": f"Bearer {TOKEN}"}, (TOKEN, False)),
        ({"X-Admin-Token": TOKEN}, (TOKEN, False)),
        ({"Cookie": f"theme=dark; admin_token={TOKEN}"}, (TOKEN, True)),
        ({"Authorization": "Basic abc"}, (None, False)),
        ({"Cookie": 'bad"cookie; =;'}, (None, False)),
        ({}, (None, False)),
    ],
)
def test_where_the_admin_token_is_read(headers: dict[str, str], presented: tuple[str | None, bool]) -> None:
    raw = _scope("127.0.0.1", headers)[1]
    assert presented_token(raw) == presented


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"ADMIN_TOKEN": "short"}, "ADMIN_TOKEN: must be at least 16 characters"),
        ({"WEBHOOK_TOKEN": "0123456789abcde"}, "WEBHOOK_TOKEN: must be at least 16 characters"),
        ({"ADMIN_TOKEN": "with a space in it 0123"}, "ADMIN_TOKEN: must not contain spaces"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8, proxy.lan"}, "TRUSTED_PROXIES: 'proxy.lan' is not an IP address"),
        ({"CORS_ORIGINS": "dash.example.org"}, "CORS_ORIGINS: 'dash.example.org' is not an origin"),
        ({"READ_ACCESS": "everyone"}, "READ_ACCESS: must be one of 'public', 'local' or 'token'"),
    ],
)
def test_access_settings_are_refused_with_a_clear_message(tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(tmp_path, **env)
    assert fragment in str(caught.value)
    assert "short" not in str(caught.value) and "0123456789abcde" not in str(caught.value), "no secret echoed"


@asynccontextmanager
async def _service(
    tmp_path: Path, simulator: Simulator, clock: ManualClock, **env: str
) -> AsyncIterator[tuple[Service, Settings]]:
    settings = make_settings(tmp_path, **env)
    async with running_service(settings, simulator, clock) as service:
        yield service, settings


def _client(service: Service, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(peer, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://service")


async def test_readers_by_read_access(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    async with _service(tmp_path / "local", simulator, clock) as (service, _settings):
        assert (await service.http.get("/stats/overview")).status_code == 200  # loopback
        async with _client(service, "192.168.1.20") as lan, _client(service, "203.0.113.9") as internet:
            assert (await lan.get("/stats/overview")).status_code == 200
            refused = await internet.get("/stats/overview")
            assert refused.status_code == 403 and "READ_ACCESS=local" in refused.json()["message"]
            token = service.state.admin_token
            assert (await internet.get("/stats/overview", headers={"X-Admin-Token": token})).status_code == 200
            # Kept answers too: the response cache sits behind the check.
            assert (await internet.get("/stats/overview")).status_code == 403
            # The webhook intake is Emby's, checked by its own token only.
            hook = await internet.post("/webhooks/emby", params={"token": service.state.webhook_token}, json={})
            assert hook.status_code < 500 and "READ_ACCESS" not in hook.text and hook.status_code != 401
    public = _service(tmp_path / "public", simulator, clock, READ_ACCESS="public")
    async with public as (service, _settings), _client(service, "203.0.113.9") as internet:
        assert (await internet.get("/stats/overview")).status_code == 200
        assert (await internet.get("/admin/scheduler/stats")).status_code == 401
    async with _service(tmp_path / "token", simulator, clock, READ_ACCESS="token", ADMIN_TOKEN=TOKEN) as (service, _s):
        refused = await service.http.get("/stats/overview")
        assert refused.status_code == 403 and "READ_ACCESS=token" in refused.json()["message"]
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert (await service.http.get("/stats/overview", headers=bearer)).status_code == 200
        # Never from a URL.
        assert (await service.http.get("/stats/overview", params={"admin_token": TOKEN})).status_code == 403
        assert (await service.http.get("/stats/overview", params={"token": TOKEN})).status_code == 403


async def test_admin_token_generated_once_and_kept_private(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    async with _service(tmp_path, simulator, clock) as (service, settings):
        path = settings.data_dir / "admin_token"
        token = service.state.admin_token
        assert len(token) >= 32 and path.read_text(encoding="utf-8").strip() == token
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert service.state.auto_cookie == "local"
    async with running_service(settings, simulator, clock) as again:
        assert again.state.admin_token == token


async def test_wrong_tokens_are_refused_then_the_address_waits(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    async with _service(tmp_path, simulator, clock, ADMIN_TOKEN=TOKEN) as (service, _settings):
        wrong = {"Authorization": "Bearer not-the-admin-token-0123"}
        async with _client(service, "203.0.113.9") as attacker, _client(service, "203.0.113.10") as other:
            for _ in range(FAILURES_ALLOWED):
                answer = await attacker.get("/admin/scheduler/stats", headers=wrong)
                assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
            blocked = await attacker.get("/admin/scheduler/stats", headers={"X-Admin-Token": TOKEN})
            assert blocked.status_code == 429 and 1 <= int(blocked.headers["retry-after"]) <= 60
            # Another address is not affected, and the wait ends.
            assert (await other.get("/admin/scheduler/stats", headers={"X-Admin-Token": TOKEN})).status_code != 401
            clock.advance(61)
            answer = await attacker.get("/admin/scheduler/stats", headers={"X-Admin-Token": TOKEN})
            assert answer.status_code not in (401, 429)


async def test_cookie_posts_must_come_from_our_pages(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    async with _service(tmp_path, simulator, clock, ADMIN_TOKEN=TOKEN) as (service, _settings):
        cookie = {"Cookie": f"admin_token={TOKEN}"}
        forged = await service.http.post("/admin/refresh/start", headers={**cookie, "Origin": "https://evil.test"})
        assert forged.status_code == 403 and "from this site" in forged.json()["message"]
        cross = await service.http.post("/admin/refresh/start", headers={**cookie, "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert (await service.http.post("/admin/refresh/start", headers=cookie)).status_code == 403  # no origin
        ours = await service.http.post("/admin/refresh/start", headers={**cookie, "Sec-Fetch-Site": "same-origin"})
        assert ours.status_code not in (401, 403)
        same_host = await service.http.post("/admin/refresh/start", headers={**cookie, "Origin": "http://service"})
        assert same_host.status_code not in (401, 403)
        # A header token is not a cookie: no browser sends it on its own, so no origin check.
        assert (await service.http.post("/admin/refresh/start", headers={"X-Admin-Token": TOKEN})).status_code != 403
        # Reading with the cookie needs no origin.
        assert (await service.http.get("/admin/scheduler/stats", headers=cookie)).status_code != 403


async def test_the_automatic_cookie(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    async with _service(tmp_path / "generated", simulator, clock) as (service, _settings):
        page = await service.http.get("/", follow_redirects=False)
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"admin_token={service.state.admin_token};")
        for flag in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"):
            assert flag in cookie
        assert "Secure" not in cookie  # plain http
        assert "set-cookie" not in (await service.http.get("/stats/overview")).headers, "only the entry pages"
        async with _client(service, "203.0.113.9") as internet:
            page = await internet.get("/", follow_redirects=False)
            assert "set-cookie" not in page.headers, "the page is open to all (no data), the cookie is not"
            assert (await internet.get("/stats/overview")).status_code == 403
        async with _client(service, "192.168.1.20") as lan:
            assert "set-cookie" in (await lan.get("/", follow_redirects=False)).headers
    async with _service(tmp_path / "set", simulator, clock, ADMIN_TOKEN=TOKEN) as (service, _settings):
        assert service.state.auto_cookie == "false"
        assert "set-cookie" not in (await service.http.get("/", follow_redirects=False)).headers
    env = {"ADMIN_TOKEN": TOKEN, "ADMIN_AUTO_COOKIE": "true", "READ_ACCESS": "public"}
    everyone = _service(tmp_path / "all", simulator, clock, **env)
    async with everyone as (service, _settings), _client(service, "203.0.113.9") as internet:
        assert TOKEN in (await internet.get("/", follow_redirects=False)).headers["set-cookie"]


async def test_access_says_whether_the_caller_is_the_admin(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    """The UI shows pause, stop and message only to an admin: `/access` tells it, never from a shared cache."""
    async with _service(tmp_path, simulator, clock, ADMIN_TOKEN=TOKEN) as (service, _settings):
        reader = await service.http.get("/access")
        assert reader.status_code == 200 and reader.json() == {"admin": False}
        assert reader.headers["cache-control"] == "no-store"
        bearer = await service.http.get("/access", headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.json() == {"admin": True}
        cookie = await service.http.get("/access", headers={"Cookie": f"admin_token={TOKEN}"})
        assert cookie.json() == {"admin": True}
        wrong = await service.http.get("/access", headers={"Authorization": "Bearer not-the-token-0123456789"})
        assert wrong.status_code == 401 and TOKEN not in wrong.text
        async with _client(service, "203.0.113.9") as internet:
            assert (await internet.get("/access")).status_code == 403  # READ_ACCESS=local, as for any reading


async def test_a_browser_shows_the_token_once_and_gets_the_cookie(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    """Away from home (no automatic cookie), the live view needs the cookie: EventSource sends no header."""
    service_context = _service(tmp_path, simulator, clock, ADMIN_TOKEN=TOKEN)
    async with service_context as (service, _settings), _client(service, "203.0.113.9") as internet:
        assert (await internet.post("/admin/cookie")).status_code == 401
        given = await internet.post("/admin/cookie", headers={"Authorization": f"Bearer {TOKEN}"})
        assert given.status_code == 204 and given.text == ""
        cookie = given.headers["set-cookie"]
        assert cookie.startswith(f"admin_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert (await internet.get("/now/summary", headers={"Cookie": f"admin_token={TOKEN}"})).status_code == 200
        taken = await internet.post("/admin/cookie", json={"keep": False}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert taken.status_code == 204 and "Max-Age=0" in taken.headers["set-cookie"]
        assert TOKEN not in taken.headers["set-cookie"]


async def test_no_cors_headers_unless_asked(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    origin = {"Origin": "https://dash.example.org"}
    async with _service(tmp_path / "none", simulator, clock) as (service, _settings):
        answer = await service.http.get("/stats/overview", headers=origin)
        assert not any(name.startswith("access-control-") for name in answer.headers)
    env = {"CORS_ORIGINS": "https://dash.example.org"}
    async with _service(tmp_path / "some", simulator, clock, **env) as (service, _settings):
        answer = await service.http.get("/stats/overview", headers=origin)
        assert answer.headers["access-control-allow-origin"] == "https://dash.example.org"
        assert "access-control-allow-credentials" not in answer.headers
        other = await service.http.get("/stats/overview", headers={"Origin": "https://evil.test"})
        assert "access-control-allow-origin" not in other.headers


# Every route a reader may use (reviewed: reading only, nothing secret). Anything else must refuse a caller without
# the admin token; the webhook intake checks its own token; the UI's pages (no data) are open to anyone.
READER_ROUTES = {
    "/health", "/health/emby", "/version", "/config", "/access", "/openapi.json", "/items/by-ids",
    "/img/{kind}/{item_id}",
    "/stats/overview", "/stats/users/total",
    "/stats/usage", "/stats/top/users", "/stats/top-users", "/stats/top/items", "/stats/top-items",
    "/stats/top/series", "/stats/active-users", "/stats/user/{user_id}", "/stats/users/{user_id}",
    "/stats/history", "/stats/history/{play_id}", "/stats/play-methods", "/stats/playback-methods",
    "/stats/clients", "/stats/heatmap", "/stats/concurrency", "/stats/qualities", "/stats/codecs",
    "/stats/items/by-codec/{codec}", "/stats/items/by-quality/{quality}", "/stats/library",
    "/stats/movies", "/stats/series", "/stats/items/by-genre/{genre:path}", "/stats/series/by-genre/{genre:path}",
    "/stats/transcodes/fix-list", "/stats/transcodes/by-client",
    "/stats/storage/stale", "/stats/storage/roi", "/stats/storage/duplicates", "/stats/storage/growth",
    "/stats/library/health/no-poster", "/stats/library/health/no-provider-ids", "/stats/library/health/placeholders",
    "/now/snapshot", "/now/summary", "/now/stream",
}  # fmt: skip
WEBHOOK_ROUTES = {"/webhooks/emby", "/admin/webhook/emby"}
UI_ROUTES = {
    "/", "/history", "/users", "/users/{user_id}", "/library", "/library/movies", "/library/series", "/library/genres",
    "/library/storage", "/library/health", "/library/transcodes", "/admin", "/api-explorer", "/docs",
}  # fmt: skip


def _all_routes(routes: Sequence[BaseRoute]) -> list[Route]:
    """Every route of the app: its routers' routes are its own (`create_app`), so a route is found in its list."""
    found = [route for route in routes if isinstance(route, APIRoute | Route)]
    assert not any(hasattr(route, "original_router") for route in routes), "no router is included whole"
    return found


async def test_every_route_is_reviewed_or_refused_without_credentials(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    async with _service(tmp_path, simulator, clock, READ_ACCESS="token", ADMIN_TOKEN=TOKEN) as (service, _s):
        routes = _all_routes(service.app.routes)
        reviewed = READER_ROUTES | WEBHOOK_ROUTES | UI_ROUTES
        assert len(routes) > len(reviewed), "the admin routes are found too"
        paths = {route.path for route in routes}
        assert paths >= reviewed, "a reviewed route is gone: take it off the list"
        unreviewed = {
            (method, r.path)
            for r in routes
            for method in r.methods or ()
            if r.path not in reviewed and needs(method, r.path) != "admin"
        }
        assert unreviewed == set(), "a new route: review it and list it, or make it an admin route"
        for route in routes:
            if route.path in WEBHOOK_ROUTES | UI_ROUTES:
                continue
            path = route.path.replace("{kind}", "primary").replace("{", "").replace("}", "")
            for method in sorted(route.methods or {"GET"}):
                answer = await service.http.request(method, path)
                assert answer.status_code in (401, 403), (method, route.path, answer.status_code)
                assert TOKEN not in answer.text
