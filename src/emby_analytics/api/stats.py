"""`/stats/*` routes: thin wrappers over the functions in `emby_analytics.stats`."""

from __future__ import annotations

from fastapi import APIRouter

from emby_analytics.api.deps import State
from emby_analytics.stats.overview import Overview, UsersTotal, overview, users_total

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get(
    "/overview",
    response_model=Overview,
    summary="Library and user totals",
    description="Users and library items stored from Emby, with items counted per type.",
)
async def stats_overview(state: State) -> Overview:
    return await state.db.read(overview)


@router.get("/users/total", response_model=UsersTotal, summary="Number of users", description="Users known to Emby.")
async def stats_users_total(state: State) -> UsersTotal:
    return await state.db.read(users_total)
