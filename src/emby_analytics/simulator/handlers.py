"""Endpoint handlers (GET side). Each takes (request, path params, lower-cased query) and returns a Response."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ..emby.images import IMAGE_TYPES
from .dto import has_image, render_item, render_library_folder, render_virtual_folder, user_data
from .history import PlayedState
from .images import image_size, render_png
from .plugin import PlaybackReportingPlugin
from .query import QueryError, parse_query, select
from .remote import RemoteControl
from .responses import json_response, text_response
from .users import render_user

if TYPE_CHECKING:
    from .app import Simulator

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


class Handlers:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.world = sim.world
        self.remote = RemoteControl(sim)
        self.session_play = self.remote.play
        self.session_playstate = self.remote.playstate
        self.session_message = self.remote.message
        self.session_command = self.remote.command
        self.submit_custom_query = PlaybackReportingPlugin(sim).submit_custom_query

    # -- system -------------------------------------------------------------------------------------
    async def ping(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return text_response("" if request.method == "HEAD" else "Emby Server", 200)

    def _public_info(self) -> dict[str, Any]:
        return {
            "LocalAddress": "http://192.168.1.10:8096",
            "LocalAddresses": ["http://192.168.1.10:8096"],
            "WanAddress": "http://203.0.113.7:8096",
            "RemoteAddresses": ["http://203.0.113.7:8096"],
            "ServerName": self.world.spec.server_name,
            "Version": self.world.spec.version,
            "Id": self.world.server_id,
        }

    async def system_info_public(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return json_response(self._public_info())

    async def system_info(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
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
        info.update(self._public_info())
        return json_response(info)

    # -- users --------------------------------------------------------------------------------------
    def _user_dtos(self, query: dict[str, str]) -> list[dict[str, Any]]:
        hidden, disabled = _flag(query, "ishidden"), _flag(query, "isdisabled")
        users = [
            u
            for u in self.world.users
            if (hidden is None or u.is_hidden == hidden) and (disabled is None or u.is_disabled == disabled)
        ]
        return [render_user(u, self.world.server_id, self.world.spec.server_name) for u in users]

    async def users(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return json_response(self._user_dtos(query))

    async def users_public(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return json_response(self._user_dtos({"ishidden": "false", "isdisabled": "false"}))

    async def users_query(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        dtos = self._user_dtos(query)
        try:
            start, limit = _int(query, "startindex", 0) or 0, _int(query, "limit")
        except ValueError:
            return text_response("Invalid paging parameter", 400)
        page = dtos[start : None if limit is None else start + limit]
        return json_response({"Items": page, "TotalRecordCount": len(dtos)})

    def _user_or_error(self, user_id: str) -> Response | None:
        if not _GUID.match(user_id):
            return text_response("Unrecognized Guid format.", 500)
        if self.world.user(user_id.replace("-", "")) is None:
            return text_response("User not found", 404)
        return None

    async def user(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        error = self._user_or_error(params["UserId"])
        if error is not None:
            return error
        user = self.world.user(params["UserId"].replace("-", ""))
        assert user is not None
        return json_response(render_user(user, self.world.server_id, self.world.spec.server_name))

    # -- items --------------------------------------------------------------------------------------
    async def items(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        if "UserId" in params:
            error = self._user_or_error(params["UserId"])
            if error is not None:
                return error
        try:
            q = parse_query(query)
            start, limit = _int(query, "startindex", 0) or 0, _int(query, "limit")
        except (QueryError, ValueError) as exc:
            return text_response(f"Invalid parameter: {exc}", 400)
        if start < 0 or (limit is not None and limit < 0):
            return text_response("Invalid paging parameter", 400)
        fields = frozenset(f.strip().lower() for f in query.get("fields", "").split(",") if f.strip()) or None
        world = self.world
        if q.is_root:
            libs = [lib for lib in world.libraries if not q.include or "CollectionFolder" in q.include]
            end = None if limit is None else start + limit
            items = [render_library_folder(world, lib, fields) for lib in libs[start:end]]
            total = len(libs)
        else:
            ids = select(world, q)
            user_id = params.get("UserId") or query.get("userid")
            played = self._played(user_id)
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

    async def user_item(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        error = self._user_or_error(params["UserId"])
        if error is not None:
            return error
        rec = self.world.item(params["Id"])
        if rec is None:
            lib = self.world.library(int(params["Id"])) if params["Id"].isdigit() else None
            if lib is None:
                return text_response(NULL_REFERENCE, 500)
            return json_response(render_library_folder(self.world, lib, ALL_FIELDS))
        item = render_item(self.world, rec, ALL_FIELDS)
        state = self._played(params["UserId"]).get(rec.id)
        if state is not None:
            item["UserData"] = user_data(item["UserData"], state)
        return json_response(item)

    def _played(self, user_id: str | None) -> Mapping[int, PlayedState]:
        """The user's played items (from the installed history); empty without a user or a history."""
        history = self.sim.history
        return history.played_items(user_id) if history is not None and user_id else {}

    async def item_counts(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return json_response(self.world.counts())

    # -- libraries ----------------------------------------------------------------------------------
    async def virtual_folders(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        return json_response([render_virtual_folder(self.world, lib) for lib in self.world.libraries])

    async def virtual_folders_query(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        folders = [render_virtual_folder(self.world, lib) for lib in self.world.libraries]
        return json_response({"Items": folders, "TotalRecordCount": len(folders)})

    # -- sessions -----------------------------------------------------------------------------------
    async def sessions(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        engine = self.sim.sessions
        now = self.sim.clock.now()
        runtimes = engine.runtimes(now)
        device_id, session_id = query.get("deviceid"), query.get("id")
        selected = [
            rt
            for rt in runtimes
            if (device_id is None or rt.script.device.device_id == device_id)
            and (session_id is None or rt.id == session_id.lower())
        ]
        return json_response(self.sim.session_renderer.render(selected, now))

    # -- images -------------------------------------------------------------------------------------
    def _image(self, request: Request, key: int, image_type: str, query: dict[str, str], square: bool) -> Response:
        try:
            max_w, max_h = _int(query, "maxwidth"), _int(query, "maxheight")
            width, height = _int(query, "width"), _int(query, "height")
        except ValueError:
            return text_response("Invalid image size", 400)
        size = image_size(image_type, width or max_w, height or max_h, square)
        body = b"" if request.method == "HEAD" else render_png(key ^ zlib.crc32(image_type.lower().encode()), *size)
        headers = {"Cache-Control": "public, max-age=31536000", "ETag": f'"{key:x}{size[0]}x{size[1]}"'}
        return Response(body, media_type="image/png", headers=headers)

    async def item_image(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        image_type = _IMAGE_TYPES.get(params["Type"].lower())
        if image_type is None:
            return text_response(f"Requested value '{params['Type']}' was not found.", 400)
        try:
            index = int(params.get("Index", "0"))
        except ValueError:
            return text_response("Invalid image index", 400)
        rec = self.world.item(params["Id"])
        lib = self.world.library(int(params["Id"])) if rec is None and params["Id"].isdigit() else None
        if rec is None and lib is None:
            return text_response(NULL_REFERENCE, 500)
        if (rec is not None and not has_image(rec, image_type, index)) or (lib is not None and image_type != "Primary"):
            return text_response("Image not found", 404)
        key = rec.id if rec is not None else lib.id  # type: ignore[union-attr]
        return self._image(request, key, image_type, query, square=False)

    async def user_image(self, request: Request, params: dict[str, str], query: dict[str, str]) -> Response:
        error = self._user_or_error(params["UserId"])
        if error is not None:
            return error
        user = self.world.user(params["UserId"].replace("-", ""))
        assert user is not None
        if params["Type"].lower() != "primary" or not user.has_image:
            return text_response("Image not found", 404)
        return self._image(request, int(user.id[:12], 16), "primary", query, square=True)
