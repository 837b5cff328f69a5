"""The web UI: one `index.html` for every page (the browser's router draws the page of the address) and the
hashed files it loads from `/assets/`.

The UI is built from `web/` into the package (`emby_analytics/web/`), or served from `WEB_PATH`. A page is never
cached (a new build must reach the browser at once); an asset is cached for a year, since a new build names its
files anew. The UI's files hold no data and the API decides who sees what, so they are open to anyone who reaches
the service, `/admin` included (where an admin enters the credential): a browser that may not read gets the UI,
which says why the API refused. Without a build, a page says how to make one.
"""

from __future__ import annotations

import os
import re
from os import PathLike
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from emby_analytics.api.deps import State
from emby_analytics.api.errors import error_response

# The UI's pages, as its router names them (docs/api.md, "Web UI").
PAGES = (
    "/", "/history", "/users", "/users/{user_id}", "/library", "/library/movies", "/library/series", "/library/genres",
    "/library/storage", "/library/health", "/library/transcodes", "/admin", "/api-explorer",
)  # fmt: skip
# The same list as one pattern (a path parameter is one segment of at most 64 characters), so the two cannot drift.
_PAGE = re.compile("|".join("^" + re.sub(r"\{\w+\}", "[^/]{1,64}", page) + "$" for page in PAGES))
BUNDLED = Path(__file__).resolve().parent.parent / "web"
ASSET_CACHE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


def is_page(path: str) -> bool:
    """Whether `path` is one of the UI's pages."""
    return bool(_PAGE.match(path))


def is_ui(path: str) -> bool:
    """Whether `path` is the UI's own (a page, an asset, `/docs`): no data, so open to anyone who reaches us."""
    return is_page(path) or path.startswith("/assets/") or path == "/docs"


def web_root(web_path: Path | None) -> Path:
    return web_path if web_path is not None else BUNDLED


async def _page(state: State) -> Response:
    index = web_root(state.settings.web_path) / "index.html"
    if not index.is_file():
        message = "the web UI is not built: run scripts/build-web (or set WEB_PATH to a built UI)"
        return error_response(503, "ui_not_built", message)
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


for _path in PAGES:
    router.add_api_route(_path, _page, methods=["GET"])


@router.get("/docs")
async def docs() -> RedirectResponse:
    # The API's documentation is the UI's API Explorer (served from here, offline); Swagger UI loads from a CDN.
    return RedirectResponse("/api-explorer", status_code=307)


class _Assets(StaticFiles):
    """The build's hashed files, cached for a year (a missing file is our JSON 404, as every unknown path)."""

    def file_response(
        self, full_path: PathLike[str] | str, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE
        return response

    async def check_config(self) -> None:
        pass  # no build yet: every asset is a 404, not a server error


def mount_assets(app: FastAPI, web_path: Path | None) -> None:
    """Serve `<UI>/assets/` at `/assets/` (nothing there until the UI is built)."""
    app.mount("/assets", _Assets(directory=web_root(web_path) / "assets", check_dir=False), name="assets")
