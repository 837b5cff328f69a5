"""The typed async Emby client: one method per Emby endpoint we use."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypedDict, TypeVar, Unpack, get_args

import httpx
from pydantic import BaseModel, ValidationError

from emby_analytics.backoff import Backoff
from emby_analytics.clock import SystemClock
from emby_analytics.emby.connection import EmbyConnection, Sleep, decode_json
from emby_analytics.emby.errors import EmbyError, EmbyResponseError
from emby_analytics.emby.images import IMAGE_TYPES, MAX_IMAGE_BYTES, MAX_IMAGE_WIDTH, EmbyImage
from emby_analytics.emby.item_pages import ItemsReply
from emby_analytics.emby.models import (
    BaseItem,
    ItemCounts,
    ItemsPage,
    PublicSystemInfo,
    SessionsSnapshot,
    SystemInfo,
    User,
    VirtualFolder,
)
from emby_analytics.emby.records import parse_records
from emby_analytics.emby.urls import normalize_base_url
from emby_analytics.emby.validation import (
    check_api_key,
    check_bounded_int,
    check_id,
    check_session_id,
    check_tag,
    client_authorization,
    emby_datetime,
    join_ids,
    join_names,
)

M = TypeVar("M", bound=BaseModel)

# Everything a library sync stores, requested in the one /Items page call (never one call per item).
SYNC_ITEM_FIELDS: tuple[str, ...] = (
    "DateCreated",
    "Path",
    "ProviderIds",
    "MediaSources",
    "MediaStreams",
    "Genres",
    "Studios",
    "Tags",
    "Overview",
    "OriginalTitle",
    "SortName",
    "ParentId",
    "ProductionYear",
    "PremiereDate",
    "OfficialRating",
    "CommunityRating",
    "Width",
    "Height",
    "ChildCount",
    "RecursiveItemCount",
    "PrimaryImageAspectRatio",
)

PlaystateCommand = Literal[
    "Stop", "Pause", "Unpause", "PlayPause", "NextTrack", "PreviousTrack", "Seek", "Rewind", "FastForward"
]
_PLAYSTATE_COMMANDS: frozenset[str] = frozenset(get_args(PlaystateCommand))
SortOrder = Literal["Ascending", "Descending"]


class ItemsQuery(TypedDict, total=False):
    """What a GET /Items call asks for; every key may be left out (defaults: from the first record, no limit, no
    extra fields, recursive, the total record count included)."""

    start_index: int
    limit: int | None
    fields: Sequence[str]
    include_item_types: Sequence[str]
    exclude_item_types: Sequence[str]
    recursive: bool
    parent_id: str | None
    ids: Sequence[str]
    min_date_last_saved: datetime | None
    sort_by: str | None
    sort_order: SortOrder | None
    user_id: str | None  # /Users/{user_id}/Items: played state and the like as that user sees them
    is_played: bool | None
    enable_total_record_count: bool


MAX_JSON_BYTES = 256 * 1024 * 1024  # a bound, not a target: a 1000-item page with streams is a few MB
_MAX_TICKS = 2**63 - 1


class EmbyClient:
    """Typed async access to one Emby server.

    The caller owns `http` (create, share and close it); tests pass one with `httpx.MockTransport` or an
    `httpx.ASGITransport` around the simulator. Failures raise the `emby_analytics.emby.errors` tree. Retries wait
    with `sleep` (the service passes its clock's, so tests wait on a manual clock).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 15.0,
        retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        device_name: str = "Emby Analytics",
        device_id: str = "emby-analytics",
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        headers = {
            "X-Emby-Token": check_api_key(api_key),
            # Identifies us in Emby's device list; the token stays in X-Emby-Token only.
            "X-Emby-Authorization": client_authorization(device_name, device_id),
        }
        self._conn = EmbyConnection(
            http,
            normalize_base_url(base_url),
            headers,
            timeout=timeout,
            retries=retries,
            backoff=Backoff(backoff_base, backoff_cap),
            sleep=sleep or SystemClock().sleep,
            rng=rng if rng is not None else random.Random(),
        )

    def __repr__(self) -> str:
        return f"EmbyClient(base_url={self._conn.base_url!r})"

    @property
    def base_url(self) -> str:
        """The normalised base, always ending in `/emby` (or `/mediabrowser`)."""
        return self._conn.base_url

    # --- system -------------------------------------------------------------------------------------------

    async def system_info(self, *, retries: int | None = None) -> SystemInfo:
        return await self._get_model("/System/Info", SystemInfo, retries=retries)

    async def public_system_info(self) -> PublicSystemInfo:
        return await self._get_model("/System/Info/Public", PublicSystemInfo)

    async def ping(self) -> bool:
        """True when GET /System/Ping answers 2xx. One attempt, no retries; never raises EmbyError."""
        try:
            await self._conn.request("GET", "/System/Ping", max_bytes=4096, accept="*/*", retries=0)
        except EmbyError:
            return False
        return True

    # --- users and libraries ------------------------------------------------------------------------------

    async def users(self) -> list[User]:
        """GET /Users (bare array). Invalid records are skipped and logged by Id."""
        return await self._get_list("/Users", User, "user")

    async def user(self, user_id: str) -> User:
        return await self._get_model(f"/Users/{check_id(user_id, 'user id')}", User)

    async def virtual_folders(self) -> list[VirtualFolder]:
        return await self._get_list("/Library/VirtualFolders", VirtualFolder, "library")

    async def item_counts(self, user_id: str | None = None) -> ItemCounts:
        params = {"UserId": check_id(user_id, "user id")} if user_id is not None else None
        return await self._get_model("/Items/Counts", ItemCounts, params)

    # --- items --------------------------------------------------------------------------------------------

    async def items(self, **query: Unpack[ItemsQuery]) -> ItemsPage:
        """One page of GET /Items (or /Users/{user_id}/Items). Invalid items are skipped and counted."""
        page = (await self.items_reply(**query)).converted(_as_is)
        return ItemsPage(
            items=page.values,
            total_record_count=page.total_record_count,
            start_index=page.start_index,
            skipped=page.skipped,
        )

    async def items_reply(self, **query: Unpack[ItemsQuery]) -> ItemsReply:
        """One page of GET /Items as Emby answered it, to be read with `converted` (`emby.item_pages`): each valid
        item is turned into what the caller keeps as it is read, so the page's models never exist together."""
        path, params = _items_request(query)
        return ItemsReply(path, await self._conn.request("GET", path, params=params, max_bytes=MAX_JSON_BYTES))

    async def item(self, item_id: str, *, fields: Sequence[str] = SYNC_ITEM_FIELDS) -> BaseItem | None:
        """One item by id through GET /Items?Ids=; None when Emby has no such item."""
        page = await self.items(ids=(item_id,), fields=fields, recursive=True, limit=1)
        return page.items[0] if page.items else None

    # --- sessions -----------------------------------------------------------------------------------------

    async def sessions(self, *, retries: int | None = None) -> SessionsSnapshot:
        """GET /Sessions: valid sessions (idle ones included) plus the count of skipped invalid records.

        `retries` overrides the client's default (a poller retries on its next tick instead)."""
        payload = await self._get_json("/Sessions", retries=retries)
        try:
            return SessionsSnapshot.from_payload(payload)
        except ValueError:
            raise EmbyResponseError("Emby GET /Sessions: not a JSON array", path="/Sessions", status=200) from None

    async def sessions_raw(self) -> list[dict[str, Any]]:
        """GET /Sessions exactly as Emby sent it (for a debug endpoint); non-object entries are dropped."""
        payload = await self._get_json("/Sessions")
        if not isinstance(payload, list):
            raise EmbyResponseError("Emby GET /Sessions: not a JSON array", path="/Sessions", status=200)
        return [record for record in payload if isinstance(record, dict)]

    async def send_playstate(
        self, session_id: str, command: PlaystateCommand, seek_position_ticks: int | None = None
    ) -> None:
        """POST /Sessions/{id}/Playing/{command} (pause, stop...)."""
        if command not in _PLAYSTATE_COMMANDS:
            raise ValueError("unknown playstate command")
        path = f"/Sessions/{check_session_id(session_id)}/Playing/{command}"
        body: dict[str, Any] = {"Command": command}
        params: dict[str, str] = {}
        if seek_position_ticks is not None:
            ticks = check_bounded_int(seek_position_ticks, "seek_position_ticks", minimum=0, maximum=_MAX_TICKS)
            params["SeekPositionTicks"] = str(ticks)
            body["SeekPositionTicks"] = ticks
        await self._conn.request("POST", path, params=params, json_body=body, max_bytes=65536)

    async def send_message(
        self, session_id: str, *, header: str | None = None, text: str, timeout_ms: int | None = None
    ) -> None:
        """POST /Sessions/{id}/Message: show a message on the client's screen."""
        if not isinstance(text, str) or not text.strip() or len(text) > 1000:
            raise ValueError("message text must be 1-1000 characters")
        if header is not None and (not isinstance(header, str) or len(header) > 200):
            raise ValueError("message header must be at most 200 characters")
        path = f"/Sessions/{check_session_id(session_id)}/Message"
        # The spec takes query parameters; Emby's JS client posts the same as JSON. Send both.
        params = {"Text": text, "Header": header or ""}
        body: dict[str, Any] = {"Text": text, "Header": header or ""}
        if timeout_ms is not None:
            params["TimeoutMs"] = str(check_bounded_int(timeout_ms, "timeout_ms", minimum=0, maximum=3_600_000))
            body["TimeoutMs"] = timeout_ms
        await self._conn.request("POST", path, params=params, json_body=body, max_bytes=65536)

    # --- images -------------------------------------------------------------------------------------------

    async def image(
        self,
        item_id: str,
        image_type: str = "Primary",
        *,
        max_width: int | None = None,
        tag: str | None = None,
        user: bool = False,
    ) -> EmbyImage:
        """An item's (or with user=True a user's) image: image/* but not SVG, <= 10 MB, no redirects."""
        if image_type not in IMAGE_TYPES:
            raise ValueError("unknown image type")
        owner = "Users" if user else "Items"
        path = f"/{owner}/{check_id(item_id, 'user id' if user else 'item id')}/Images/{image_type}"
        params: dict[str, str] = {}
        if max_width is not None:
            params["MaxWidth"] = str(check_bounded_int(max_width, "max_width", minimum=1, maximum=MAX_IMAGE_WIDTH))
        if tag is not None:
            params["Tag"] = check_tag(tag)
        reply = await self._conn.request("GET", path, params=params, max_bytes=MAX_IMAGE_BYTES, accept="image/*")
        # SVG can carry script; we serve these bytes from our own origin.
        if not reply.content_type.startswith("image/") or reply.content_type == "image/svg+xml":
            raise EmbyResponseError(f"Emby GET {path}: not an image", path=path, status=reply.status)
        if not reply.body:
            raise EmbyResponseError(f"Emby GET {path}: empty image", path=path, status=reply.status)
        return EmbyImage(content_type=reply.content_type, data=reply.body)

    # --- helpers ------------------------------------------------------------------------------------------

    async def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET an endpoint path (e.g. "/Devices") and return its decoded JSON. `path` must be a fixed path."""
        if not path.startswith("/") or "?" in path or "#" in path or ".." in path:
            raise ValueError("path must be an absolute endpoint path without query")
        return await self._get_json(path, params)

    async def post_json(self, path: str, body: Any) -> Any:
        """POST a JSON body to an endpoint path and return the decoded JSON answer.

        Same rules as every call: token header only, bounded read, errors mapped to `EmbyError`. Like other POSTs
        it is retried only when Emby surely did not act on it (no connection, 429, 503), because a POST may write.
        """
        if not path.startswith("/") or "?" in path or "#" in path or ".." in path:
            raise ValueError("path must be an absolute endpoint path without query")
        reply = await self._conn.request("POST", path, json_body=body, max_bytes=MAX_JSON_BYTES)
        return decode_json(reply, "POST", path)

    async def get_model(self, path: str, model: type[M], params: Mapping[str, str] | None = None) -> M:
        """GET an endpoint path and validate it as `model`."""
        return _validate(model, await self.get_json(path, params), path)

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None, *, retries: int | None = None) -> Any:
        reply = await self._conn.request("GET", path, params=params, max_bytes=MAX_JSON_BYTES, retries=retries)
        return decode_json(reply, "GET", path)

    async def _get_model(
        self, path: str, model: type[M], params: Mapping[str, str] | None = None, *, retries: int | None = None
    ) -> M:
        return _validate(model, await self._get_json(path, params, retries=retries), path)

    async def _get_list(self, path: str, model: type[M], what: str) -> list[M]:
        payload = await self._get_json(path)
        try:
            records, _skipped = parse_records(payload, model, what)
        except ValueError:
            raise EmbyResponseError(f"Emby GET {path}: not a JSON array", path=path, status=200) from None
        return records


def _as_is(item: BaseItem) -> BaseItem:
    return item


def _items_request(query: ItemsQuery) -> tuple[str, dict[str, str]]:
    """The path and parameters of GET /Items for `query`; raises ValueError for a value that may not go in a URL."""
    unknown = query.keys() - ItemsQuery.__optional_keys__
    if unknown:  # what a keyword-only signature refused at run time
        raise TypeError(f"unknown GET /Items parameters: {', '.join(sorted(unknown))}")
    start_index = query.get("start_index", 0)
    params: dict[str, str] = {
        "StartIndex": str(check_bounded_int(start_index, "start_index", minimum=0, maximum=2**31 - 1)),
        "Recursive": "true" if query.get("recursive", True) else "false",
        "EnableTotalRecordCount": "true" if query.get("enable_total_record_count", True) else "false",
    }
    limit = query.get("limit")
    if limit is not None:
        params["Limit"] = str(check_bounded_int(limit, "limit", minimum=0, maximum=1_000_000))
    sort_by = query.get("sort_by")
    optional = {
        "Fields": join_names(query.get("fields", ()), "fields"),
        "IncludeItemTypes": join_names(query.get("include_item_types", ()), "include_item_types"),
        "ExcludeItemTypes": join_names(query.get("exclude_item_types", ()), "exclude_item_types"),
        "Ids": join_ids(query.get("ids", ())),
        "SortBy": join_names(sort_by.split(","), "sort_by") if sort_by else "",
    }
    params.update({k: v for k, v in optional.items() if v})
    sort_order = query.get("sort_order")
    if sort_order is not None:
        if sort_order not in ("Ascending", "Descending"):
            raise ValueError("sort_order must be Ascending or Descending")
        params["SortOrder"] = sort_order
    parent_id = query.get("parent_id")
    if parent_id is not None:
        params["ParentId"] = check_id(parent_id, "parent id")
    since = query.get("min_date_last_saved")
    if since is not None:
        params["MinDateLastSaved"] = emby_datetime(since)
    is_played = query.get("is_played")
    if is_played is not None:  # in the context of `user_id`
        params["IsPlayed"] = "true" if is_played else "false"
    user_id = query.get("user_id")
    path = "/Items" if user_id is None else f"/Users/{check_id(user_id, 'user id')}/Items"
    return path, params


def _validate(model: type[M], payload: Any, path: str) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        # Field locations only: values may be secrets echoed back or hostile text.
        count = exc.error_count()
        raise EmbyResponseError(
            f"Emby GET {path}: payload does not fit {model.__name__} ({count} errors)", path=path, status=200
        ) from None
