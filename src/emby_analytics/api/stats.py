"""`/stats/*` routes about watching: thin wrappers over the functions in `emby_analytics.stats`.

Windows (`days`, `timeframe`, `from`/`to`) are whole local days in TZ ending today; every route says its default.
The seed's paths stay as aliases (`/stats/top-users`, `/stats/top-items`, `/stats/users/{id}`,
`/stats/playback-methods`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Path, Query

from emby_analytics.api.deps import State
from emby_analytics.api.params import (
    USER_ID_PATTERN,
    ItemIdParam,
    ItemLimitParam,
    LimitParam,
    MediaType,
    PlayMethod,
    TopUsersParam,
    UserIdParam,
    WindowParams,
)
from emby_analytics.reasons import TranscodeReason
from emby_analytics.stats.activity import Concurrency, HeatCell, concurrency, heatmap
from emby_analytics.stats.history import HistoryFilter, HistoryPage, InvalidCursor, history_page
from emby_analytics.stats.methods import ClientUse, PlayMethods, clients, play_methods
from emby_analytics.stats.overview import Overview, UsersTotal, overview, users_total
from emby_analytics.stats.play import PlayDetail, UnknownPlay, play_detail
from emby_analytics.stats.rolled import Rolled
from emby_analytics.stats.top import TopItem, TopSeries, top_items, top_series
from emby_analytics.stats.transcodes import (
    ClientTranscodes,
    FixList,
    TranscodeFilter,
    by_client,
    fix_list,
)
from emby_analytics.stats.usage import TopUser, UserDay, top_users, usage
from emby_analytics.stats.users import ActiveUser, UnknownUser, UserDetail, active_users, user_detail
from emby_analytics.stats.watch import PlayFilter
from emby_analytics.stats.window import Window

T = TypeVar("T")
USAGE_MAX_DAYS = 366  # a row per user and day: a year of them is what a chart shows
router = APIRouter(prefix="/stats", tags=["stats"])
# Live plays have hex ids; imported ones start with "i" (sync.history.play_id_for).
PLAY_ID_PATTERN = r"^i?[0-9a-f]{1,64}$"


def _window(state: State, query: WindowParams, default_days: int | None, max_days: int | None = None) -> Window:
    return query.resolve(state.clock.now(), state.settings.zone, default_days=default_days, max_days=max_days)


async def _ask(state: State, window: Window, question: Callable[[Rolled], T]) -> T:
    """Answer from the rollups and the unfolded plays, in one read."""
    return await state.db.read(lambda conn: question(Rolled(conn, window, state.rollup_cache)))


@router.get(
    "/overview",
    response_model=Overview,
    summary="Library and user totals",
    description="Users and library items stored from Emby (items per type), and plays and watch time in the window "
    "(default: all time).",
)
async def stats_overview(state: State, window: WindowParams) -> Overview:
    span, live = _window(state, window, None), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: overview(rolled, count_live_tv=live))


@router.get("/users/total", response_model=UsersTotal, summary="Number of users", description="Users known to Emby.")
async def stats_users_total(state: State) -> UsersTotal:
    return await state.db.read(users_total)


@router.get(
    "/usage",
    response_model=list[UserDay],
    summary="Hours per user per day",
    description="Watch time of each user on each local day of the window (default 30 days, at most 366: a row per "
    "user and day; longer windows are 422), a play across midnight split at midnight in TZ. Days without watching "
    "are left out. With `top`, only the N users who watched most in the window keep rows of their own; everyone "
    "else's watch time comes as one row a day with `user_id` null (`top=0`: each day's total alone).",
)
async def stats_usage(
    state: State, window: WindowParams, user_id: UserIdParam = None, top: TopUsersParam = None
) -> list[UserDay]:
    span, live = _window(state, window, 30, max_days=USAGE_MAX_DAYS), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: usage(rolled, count_live_tv=live, user_id=user_id, top=top))


@router.get(
    "/top/users",
    response_model=list[TopUser],
    summary="Top users",
    description="Users by watch time in the window (default 30 days), with their viewings.",
)
@router.get(
    "/top-users",
    response_model=list[TopUser],
    summary="Top users (the original's path)",
    description="Alias of /stats/top/users.",
    operation_id="stats_top_users_alias",
)
async def stats_top_users(state: State, window: WindowParams, limit: ItemLimitParam = 10) -> list[TopUser]:
    span, live = _window(state, window, 30), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: top_users(rolled, count_live_tv=live, limit=limit))


@router.get(
    "/top/items",
    response_model=list[TopItem] | list[TopSeries],
    summary="Top items",
    description="Items by watch time in the window (default 30 days), with their viewings; Live TV left out. "
    "`group=series` ranks series by the time spent on their episodes (as /stats/top/series).",
)
@router.get(
    "/top-items",
    response_model=list[TopItem] | list[TopSeries],
    summary="Top items (the original's path)",
    description="Alias of /stats/top/items.",
    operation_id="stats_top_items_alias",
)
async def stats_top_items(
    state: State,
    window: WindowParams,
    limit: ItemLimitParam = 10,
    media_type: Annotated[MediaType | None, Query(description="Only this Emby item type.")] = None,
    group: Annotated[Literal["item", "series"], Query(description="Rank items, or series.")] = "item",
) -> list[TopItem] | list[TopSeries]:
    span = _window(state, window, 30)
    if group == "series":
        return await _ask(state, span, lambda rolled: top_series(rolled, limit=limit))
    return await _ask(state, span, lambda rolled: top_items(rolled, limit=limit, media_type=media_type))


@router.get(
    "/top/series",
    response_model=list[TopSeries],
    summary="Top series",
    description="Series by the watch time of their episodes in the window (default 30 days).",
)
async def stats_top_series(state: State, window: WindowParams, limit: ItemLimitParam = 10) -> list[TopSeries]:
    span = _window(state, window, 30)
    return await _ask(state, span, lambda rolled: top_series(rolled, limit=limit))


@router.get(
    "/active-users",
    response_model=list[ActiveUser],
    summary="Most active users",
    description="Users by watch time in the window (default 30 days), as days, hours and minutes, with the days "
    "they were active and when they were last seen.",
)
async def stats_active_users(state: State, window: WindowParams, limit: ItemLimitParam = 10) -> list[ActiveUser]:
    span, live = _window(state, window, 30), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: active_users(rolled, count_live_tv=live, limit=limit))


UserPath = Annotated[str, Path(pattern=USER_ID_PATTERN, description="Emby user id (32 hex digits).")]


@router.get(
    "/user/{user_id}",
    response_model=UserDetail,
    summary="One user",
    description="A user's watch time, viewings, top items, recent plays, hours per day and per hour of the day, "
    "devices and clients, over the window (default: all time). 404 for an unknown user.",
)
@router.get(
    "/users/{user_id}",
    response_model=UserDetail,
    summary="One user (the original's path)",
    description="Alias of /stats/user/{user_id}.",
    operation_id="stats_user_alias",
)
async def stats_user(state: State, user_id: UserPath, window: WindowParams) -> UserDetail:
    span, live = _window(state, window, None), state.settings.count_live_tv
    try:
        return await _ask(state, span, lambda rolled: user_detail(rolled, user_id.lower(), count_live_tv=live))
    except UnknownUser:
        raise HTTPException(404, "no such user") from None


@router.get(
    "/play-methods",
    response_model=PlayMethods,
    summary="Play methods",
    description="Plays started in the window (default 30 days; short plays left out) per play method, per video/audio "
    "decision and per transcode reason, and the plays themselves, newest first: only those that were not played "
    "directly unless `show_all`.",
)
@router.get(
    "/playback-methods",
    response_model=PlayMethods,
    summary="Play methods (the original's path)",
    description="Alias of /stats/play-methods.",
    operation_id="stats_play_methods_alias",
)
async def stats_play_methods(
    state: State,
    window: WindowParams,
    user_id: UserIdParam = None,
    media_type: Annotated[MediaType | None, Query(description="Only this Emby item type.")] = None,
    show_all: Annotated[bool, Query(description="List direct plays too.")] = False,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Plays to skip.")] = 0,
    limit: LimitParam = 50,
) -> PlayMethods:
    span = _window(state, window, 30)
    where = PlayFilter(user_id=user_id, item_types=(media_type,) if media_type else None)
    return await _ask(
        state, span, lambda rolled: play_methods(rolled, where, show_all=show_all, offset=offset, limit=limit)
    )


@router.get(
    "/clients",
    response_model=list[ClientUse],
    summary="Clients and devices",
    description="Watch time and plays per client app, each with its devices and play methods, in the window "
    "(default 30 days).",
)
async def stats_clients(state: State, window: WindowParams, limit: ItemLimitParam = 50) -> list[ClientUse]:
    span, live = _window(state, window, 30), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: clients(rolled, count_live_tv=live, limit=limit))


@router.get(
    "/heatmap",
    response_model=list[HeatCell],
    summary="Weekday × hour",
    description="Watch time per weekday and hour of the day in TZ over the window (default 90 days): all 168 cells.",
)
async def stats_heatmap(state: State, window: WindowParams) -> list[HeatCell]:
    span, live = _window(state, window, 90), state.settings.count_live_tv
    return await _ask(state, span, lambda rolled: heatmap(rolled, count_live_tv=live))


@router.get(
    "/concurrency",
    response_model=Concurrency,
    summary="Streams at once",
    description="The most plays open at the same moment on each local day of the window (default 30 days), and the "
    "all-time peak with when it was first reached.",
)
async def stats_concurrency(state: State, window: WindowParams) -> Concurrency:
    span = _window(state, window, 30)
    return await _ask(state, span, concurrency)


@router.get(
    "/history",
    response_model=HistoryPage,
    summary="Play history",
    description=(
        "Every recorded play, open or closed, newest first. Keyset-paged: pass `next_cursor` back as `cursor`. "
        "Filters combine with AND; `item_id` also matches a series' episodes; `q` searches titles. With a window "
        "(`days`, `timeframe` or `from`/`to`), the plays with watch time in it, and `watch_seconds` counts only "
        "the time inside it (`play_watch_seconds` is the whole play), so totals agree with every other statistic."
    ),
)
async def stats_history(
    state: State,
    window: WindowParams,
    user_id: UserIdParam = None,
    item_id: ItemIdParam = None,
    media_type: Annotated[MediaType | None, Query(description="Emby item type.")] = None,
    client: Annotated[str | None, Query(max_length=128, description="Client name, exactly.")] = None,
    play_method: Annotated[PlayMethod | None, Query(description="How Emby delivered the stream.")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Title search.")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")] = None,
) -> HistoryPage:
    given = window.days or window.timeframe or window.day_from or window.day_to
    span = _window(state, window, None) if given else None
    where = HistoryFilter(user_id, item_id, media_type, client, play_method, q=q, window=span)
    zone = state.settings.zone
    try:
        return await state.db.read(lambda conn: history_page(conn, where, zone, limit=limit, cursor=cursor))
    except InvalidCursor as exc:
        raise HTTPException(422, str(exc)) from None


@router.get(
    "/history/{play_id}",
    response_model=PlayDetail,
    summary="One play, explained",
    description="A play with its segments (the stretches it was really playing) and, in plain words, why its watch "
    "time is what it is: what was left out (pauses, stalls, seeks) and how it ended. 404 for an unknown id.",
)
async def stats_play(
    state: State, play_id: Annotated[str, Path(pattern=PLAY_ID_PATTERN, description="A play's id.")]
) -> PlayDetail:
    try:
        return await state.db.read(lambda conn: play_detail(conn, play_id))
    except UnknownPlay:
        raise HTTPException(404, "no such play") from None


ClientParam = Annotated[
    str | None, Query(min_length=1, max_length=128, description="Only this client app, exactly as Emby names it.")
]
ReasonParam = Annotated[TranscodeReason | None, Query(description="Only transcodes Emby gave this reason for.")]


@router.get(
    "/transcodes/fix-list",
    response_model=FixList,
    summary="Transcode fix-list",
    description="Which files make which clients transcode, and what would let them play directly: transcoded plays "
    "(Transcode, or DirectStream with reasons: a remux) begun in the window (default 30 days; short plays too, Live TV "
    "left out), grouped by item × client × Emby's reasons and ranked by their watch time, each with its cause and "
    "fix in plain words (from the reasons and the file as the library sync saw it). Paged with `offset`/`limit`.",
)
async def stats_transcode_fix_list(
    state: State,
    window: WindowParams,
    user_id: UserIdParam = None,
    client: ClientParam = None,
    item_id: ItemIdParam = None,
    reason: ReasonParam = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Groups to skip.")] = 0,
    limit: LimitParam = 50,
) -> FixList:
    span = _window(state, window, 30)
    where = TranscodeFilter(user_id=user_id, client=client, item_id=item_id, reason=reason)
    return await state.db.read(
        lambda conn: fix_list(conn, span, where, offset=offset, limit=limit, cache=state.rollup_cache)
    )


@router.get(
    "/transcodes/by-client",
    response_model=list[ClientTranscodes],
    summary="Transcodes per client",
    description="Per client app, over the plays begun in the window (default 30 days; short plays too, Live TV left "
    "out): how many there were, how many transcoded (as in the fix-list) and what share, their watch time, the "
    "files transcoded and the reasons Emby gave most, in plain words. Most transcoded watch time first.",
)
async def stats_transcodes_by_client(
    state: State,
    window: WindowParams,
    user_id: UserIdParam = None,
    limit: ItemLimitParam = 50,
) -> list[ClientTranscodes]:
    span = _window(state, window, 30)
    where = TranscodeFilter(user_id=user_id)
    return await state.db.read(lambda conn: by_client(conn, span, where, limit=limit, cache=state.rollup_cache))
