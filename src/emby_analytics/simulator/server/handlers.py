"""Endpoint handlers (GET side): system, users, items, libraries, sessions, images.

Each takes (state, request, path params, lower-cased query) and returns a Response; `routes.py` maps templates to them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...emby.images import IMAGE_TYPES
from ..playback import PlayedState
from ..render import (
    has_image,
    image_size,
    render_item,
    render_library_folder,
    render_png,
    render_user,
    render_virtual_folder,
    user_data,
)
from ..world import UserRecord, World
from .query import QueryError, parse_query, select
from .responses import json_response, text_response
from .state import SimulatorState

_GUID = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")
_IMAGE_TYPES = {t.lower(): t for t in IMAGE_TYPES}
NULL_REFERENCE = "Object reference not set to an instance of an object."
# Every field a consumer may reasonably ask for; used for single-item detail.
ALL_FIELDS = frozenset(
    {
        "datecreated",
        "etag",
        "sortname",
        "premieredate",
        "externalurls",
        "mediasources",
        "path",
        "overview",
        "genres",
        "productionyear",
        "providerids",
        "parentid",
        "people",
        "studios",
        "tags",
        "mediastreams",
        "chapters",
        "primaryimageaspectratio",
        "width",
        "height",
        "childcount",
        "recursiveitemcount",
    }
)


def _int(query: dict[str, str], key: str, default: int | None = None) -> int | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    return int(raw)


def _flag(query: dict[str, str], key: str) -> bool | None:
    raw = query.get(key)
    return None if raw in (None, "") else raw.lower() == "true"


def _played_filter(query: dict[str, str]) -> bool | None:
    """`IsPlayed=true|false` or `Filters=IsPlayed|IsUnplayed`: True/False, or None for no played filter."""
    filters = {f.strip().lower() for f in query.get("filters", "").split(",")}
    if "isplayed" in filters:
        return True
    if "isunplayed" in filters:
        return False
    return _flag(query, "isplayed")


# -- system -------------------------------------------------------------------------------------
async def ping(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    return text_response("" if request.method == "HEAD" else "Emby Server", 200)


def _public_info(world: World) -> dict[str, Any]:
    return {
        "LocalAddress": "http://192.168.1.10:8096",
        "LocalAddresses": ["http://192.168.1.10:8096"],
        "WanAddress": "http://203.0.113.7:8096",
        "RemoteAddresses": ["http://203.0.113.7:8096"],
        "ServerName": world.spec.server_name,
        "Version": world.spec.version,
        "Id": world.server_id,
    }


async def system_info_public(
    sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]
) -> Response:
    return json_response(_public_info(sim.world))


async def system_info(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    info: dict[str, Any] = {
        "SystemUpdateLevel": "Release",
        "OperatingSystemDisplayName": "Linux",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "OperatingSystem": "Linux",
        "SupportsLibraryMonitor": True,
        "SupportsLocalPortConfiguration": True,
        "WebSocketPortNumber": 8096,
        "CompletedInstallations": [],
        "CanSelfRestart": True,
        "CanSelfUpdate": False,
        "CanLaunchWebBrowser": False,
        "HttpServerPortNumber": 8096,
        "SupportsHttps": True,
        "HttpsPortNumber": 8920,
        "HasUpdateAvailable": False,
        "SupportsAutoRunAtStartup": False,
        "HardwareAccelerationRequiresPremiere": True,
    }
    info.update(_public_info(sim.world))
    return json_response(info)


# -- users --------------------------------------------------------------------------------------
def _user_dtos(world: World, query: dict[str, str]) -> list[dict[str, Any]]:
    hidden, disabled = _flag(query, "ishidden"), _flag(query, "isdisabled")
    users = [
        u
        for u in world.users
        if (hidden is None or u.is_hidden == hidden) and (disabled is None or u.is_disabled == disabled)
    ]
    return [render_user(u, world.server_id, world.spec.server_name) for u in users]


async def users(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    return json_response(_user_dtos(sim.world, query))


async def users_public(
    sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]
) -> Response:
    return json_response(_user_dtos(sim.world, {"ishidden": "false", "isdisabled": "false"}))


async def users_query(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    dtos = _user_dtos(sim.world, query)
    try:
        start, limit = _int(query, "startindex", 0) or 0, _int(query, "limit")
    except ValueError:
        return text_response("Invalid paging parameter", 400)
    page = dtos[start : None if limit is None else start + limit]
    return json_response({"Items": page, "TotalRecordCount": len(dtos)})


def _user_or_error(world: World, user_id: str) -> UserRecord | Response:
    """The user of a `{UserId}` path, or Emby's answer when the id is malformed or unknown."""
    if not _GUID.match(user_id):
        return text_response("Unrecognized Guid format.", 500)
    user = world.user(user_id.replace("-", ""))
    return user if user is not None else text_response("User not found", 404)


async def user(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    user = _user_or_error(sim.world, params["UserId"])
    if isinstance(user, Response):
        return user
    return json_response(render_user(user, sim.world.server_id, sim.world.spec.server_name))


# -- items --------------------------------------------------------------------------------------
async def items(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    if "UserId" in params and isinstance(error := _user_or_error(sim.world, params["UserId"]), Response):
        return error
    try:
        q = parse_query(query)
        start, limit = _int(query, "startindex", 0) or 0, _int(query, "limit")
    except (QueryError, ValueError) as exc:
        return text_response(f"Invalid parameter: {exc}", 400)
    if start < 0 or (limit is not None and limit < 0):
        return text_response("Invalid paging parameter", 400)
    fields = frozenset(f.strip().lower() for f in query.get("fields", "").split(",") if f.strip()) or None
    world = sim.world
    if q.is_root:
        libs = [lib for lib in world.libraries if not q.include or "CollectionFolder" in q.include]
        end = None if limit is None else start + limit
        items = [render_library_folder(world, lib, fields) for lib in libs[start:end]]
        total = len(libs)
    else:
        ids = select(world, q)
        user_id = params.get("UserId") or query.get("userid")
        played = _played(sim, user_id)
        wanted = _played_filter(query)
        if wanted is not None:
            ids = [i for i in ids if (i in played) == wanted]
        total = len(ids)
        page = ids[start:] if limit is None else ids[start : start + limit]
        items = [render_item(world, rec, fields) for rec in world.records(page)]
        for item in items:
            if played and int(item["Id"]) in played:
                item["UserData"] = user_data(item["UserData"], played[int(item["Id"])])
    if query.get("enabletotalrecordcount", "").lower() == "false":
        total = 0  # the count is skipped, as Emby Web asks for
    return json_response({"Items": items, "TotalRecordCount": total})


async def user_item(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    if isinstance(error := _user_or_error(sim.world, params["UserId"]), Response):
        return error
    rec = sim.world.item(params["Id"])
    if rec is None:
        lib = sim.world.library(int(params["Id"])) if params["Id"].isdigit() else None
        if lib is None:
            return text_response(NULL_REFERENCE, 500)
        return json_response(render_library_folder(sim.world, lib, ALL_FIELDS))
    item = render_item(sim.world, rec, ALL_FIELDS)
    state = _played(sim, params["UserId"]).get(rec.id)
    if state is not None:
        item["UserData"] = user_data(item["UserData"], state)
    return json_response(item)


def _played(sim: SimulatorState, user_id: str | None) -> Mapping[int, PlayedState]:
    """The user's played items (from the installed history); empty without a user or a history."""
    history = sim.history
    return history.played_items(user_id) if history is not None and user_id else {}


async def item_counts(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    return json_response(sim.world.counts())


# -- libraries ----------------------------------------------------------------------------------
async def virtual_folders(
    sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]
) -> Response:
    return json_response([render_virtual_folder(sim.world, lib) for lib in sim.world.libraries])


async def virtual_folders_query(
    sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]
) -> Response:
    folders = [render_virtual_folder(sim.world, lib) for lib in sim.world.libraries]
    return json_response({"Items": folders, "TotalRecordCount": len(folders)})


# -- sessions -----------------------------------------------------------------------------------
async def sessions(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    engine = sim.sessions
    now = sim.clock.now()
    runtimes = engine.runtimes(now)
    device_id, session_id = query.get("deviceid"), query.get("id")
    selected = [
        rt
        for rt in runtimes
        if (device_id is None or rt.script.device.device_id == device_id)
        and (session_id is None or rt.id == session_id.lower())
    ]
    return json_response(sim.session_renderer.render(selected, now))


# -- images -------------------------------------------------------------------------------------
def _image(request: Request, key: int, image_type: str, query: dict[str, str], square: bool) -> Response:
    try:
        max_w, max_h = _int(query, "maxwidth"), _int(query, "maxheight")
        width, height = _int(query, "width"), _int(query, "height")
    except ValueError:
        return text_response("Invalid image size", 400)
    size = image_size(image_type, width or max_w, height or max_h, square)
    body = b"" if request.method == "HEAD" else render_png(key ^ zlib.crc32(image_type.lower().encode()), *size)
    headers = {"Cache-Control": "public, max-age=31536000", "ETag": f'"{key:x}{size[0]}x{size[1]}"'}
    return Response(body, media_type="image/png", headers=headers)


async def item_image(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    image_type = _IMAGE_TYPES.get(params["Type"].lower())
    if image_type is None:
        return text_response(f"Requested value '{params['Type']}' was not found.", 400)
    try:
        index = int(params.get("Index", "0"))
    except ValueError:
        return text_response("Invalid image index", 400)
    rec = sim.world.item(params["Id"])
    lib = sim.world.library(int(params["Id"])) if rec is None and params["Id"].isdigit() else None
    if rec is None and lib is None:
        return text_response(NULL_REFERENCE, 500)
    if (rec is not None and not has_image(rec, image_type, index)) or (lib is not None and image_type != "Primary"):
        return text_response("Image not found", 404)
    key = rec.id if rec is not None else lib.id  # type: ignore[union-attr]
    return _image(request, key, image_type, query, square=False)


async def user_image(sim: SimulatorState, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
    user = _user_or_error(sim.world, params["UserId"])
    if isinstance(user, Response):
        return user
    if params["Type"].lower() != "primary" or not user.has_image:
        return text_response("Image not found", 404)
    return _image(request, int(user.id[:12], 16), "primary", query, square=True)
