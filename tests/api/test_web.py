"""The web UI as the service serves it: one `index.html` for every page (never cached), hashed assets (cached a
year), `/docs` leading to the API Explorer, a clear answer before the UI is built, and the UI open to a browser
that may not read the API (so it can say why), the automatic admin cookie handed out on any page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from tests.conftest import make_settings

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import Service, running_service

INDEX = "<!doctype html><title>Emby Analytics</title><script type=module src=/assets/index-abc123.js></script>"
PAGES = (
    "/", "/history", "/users", "/users/0123456789abcdef0123456789abcdef", "/library", "/library/movies",
    "/library/series", "/library/genres", "/library/storage", "/library/health", "/library/transcodes", "/admin",
    "/api-explorer",
)  # fmt: skip
TOKEN = "web-admin-token-0123456789"


def _build(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log('ui')")
    return folder


@asynccontextmanager
async def _service(tmp_path: Path, simulator: Simulator, clock: ManualClock, **env: str) -> AsyncIterator[Service]:
    async with running_service(make_settings(tmp_path, **env), simulator, clock) as service:
        yield service


def _from(service: Service, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(peer, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://service")


async def test_every_page_is_the_index_and_assets_are_cached_for_a_year(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    ui = _build(tmp_path / "ui")
    async with _service(tmp_path, simulator, clock, WEB_PATH=str(ui)) as service:
        for page in PAGES:
            answer = await service.http.get(page)
            assert answer.status_code == 200, page
            assert answer.text == INDEX and answer.headers["content-type"].startswith("text/html")
            assert answer.headers["cache-control"] == "no-cache", "a new build reaches the browser at once"
            assert answer.headers["x-frame-options"] == "DENY"
        asset = await service.http.get("/assets/index-abc123.js")
        assert asset.status_code == 200 and asset.text == "console.log('ui')"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (
            await service.http.get("/assets/index-abc123.js", headers={"If-None-Match": asset.headers["etag"]})
        ).status_code == 304
        for missing in ("/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/index.html", "/nope", "/users/a/b"):
            answer = await service.http.get(missing)
            assert answer.status_code == 404 and answer.json()["error"] == "not_found", missing
        docs = await service.http.get("/docs")
        assert docs.status_code == 307 and docs.headers["location"] == "/api-explorer"
        async with _from(service, "127.0.0.1") as fresh:  # without the cookie the pages above handed out
            assert (await fresh.post("/history")).status_code == 405
        assert "/docs" not in (await service.http.get("/openapi.json")).json()["paths"]


async def test_before_the_ui_is_built_a_page_says_how(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    empty = tmp_path / "no-ui"
    empty.mkdir()
    async with _service(tmp_path, simulator, clock, WEB_PATH=str(empty)) as service:
        answer = await service.http.get("/")
        assert answer.status_code == 503
        assert answer.json() == {
            "error": "ui_not_built",
            "message": "the web UI is not built: run scripts/build-web (or set WEB_PATH to a built UI)",
        }
        assert (await service.http.get("/assets/index-abc123.js")).status_code == 404
        assert (await service.http.get("/health")).status_code == 200, "the API works without the UI"


async def test_the_ui_loads_where_the_api_refuses_and_hands_the_cookie_on_any_page(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    ui = _build(tmp_path / "ui")
    env = {"WEB_PATH": str(ui), "ADMIN_TOKEN": TOKEN, "READ_ACCESS": "local", "ADMIN_AUTO_COOKIE": "local"}
    async with _service(tmp_path, simulator, clock, **env) as service:
        async with _from(service, "203.0.113.9") as internet:
            for path in (*PAGES, "/assets/index-abc123.js"):
                answer = await internet.get(path)
                assert answer.status_code == 200, path
                assert "set-cookie" not in answer.headers, "no admin cookie for the internet"
            assert (await internet.get("/stats/overview")).status_code == 403, "the API still refuses"
            assert (await internet.get("/admin/diagnostics")).status_code == 401
        async with _from(service, "192.168.1.20") as home:
            answer = await home.get("/history")
            assert TOKEN in answer.headers["set-cookie"] and "HttpOnly" in answer.headers["set-cookie"]
            again = await home.get("/history", headers={"Cookie": f"admin_token={TOKEN}"})
            assert "set-cookie" not in again.headers, "handed once"
            assert (await home.get("/admin/diagnostics", headers={"Cookie": f"admin_token={TOKEN}"})).status_code == 200
