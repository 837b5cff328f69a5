"""`/stats/*` routes: thin wrappers over the functions in `emby_analytics.stats`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from emby_analytics.api.deps import State
from emby_analytics.api.params import FromParam, ItemIdParam, LimitParam, MediaType, PlayMethod, ToParam, UserIdParam
from emby_analytics.stats.history import HistoryFilter, HistoryPage, InvalidCursor, history_page
from emby_analytics.stats.overview import Overview, UsersTotal, overview, users_total

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get(
    "/overview",
    response_model=Overview,
    summary="Library and user totals",
    description="Users and library items stored from Emby (items per type), and all-time plays and watch time.",
)
async def stats_overview(state: State) -> Overview:
    count_live_tv = state.settings.count_live_tv
    return await state.db.read(lambda conn: overview(conn, count_live_tv=count_live_tv))


@router.get("/users/total", response_model=UsersTotal, summary="Number of users", description="Users known to Emby.")
async def stats_users_total(state: State) -> UsersTotal:
    return await state.db.read(users_total)


@router.get(
    "/history",
    response_model=HistoryPage,
    summary="Play history",
    description=(
        "Every recorded play, open or closed, newest first. Keyset-paged: pass `next_cursor` back as `cursor`. "
        "Filters combine with AND; `item_id` also matches a series' episodes; `q` searches titles."
    ),
)
async def stats_history(
    state: State,
    user_id: UserIdParam = None,
    item_id: ItemIdParam = None,
    media_type: Annotated[MediaType | None, Query(description="Emby item type.")] = None,
    client: Annotated[str | None, Query(max_length=128, description="Client name, exactly.")] = None,
    play_method: Annotated[PlayMethod | None, Query(description="How Emby delivered the stream.")] = None,
    day_from: FromParam = None,
    to: ToParam = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Title search.")] = None,
    limit: LimitParam = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")] = None,
) -> HistoryPage:
    if day_from and to and day_from > to:
        raise HTTPException(422, "from must not be after to")
    where = HistoryFilter(user_id, item_id, media_type, client, play_method, day_from, to, q)
    zone = state.settings.zone
    try:
        return await state.db.read(lambda conn: history_page(conn, where, zone, limit=limit, cursor=cursor))
    except InvalidCursor as exc:
        raise HTTPException(422, str(exc)) from None
