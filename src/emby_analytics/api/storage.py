"""Storage reports (`/stats/storage/...`), library health (`/stats/library/health/...`) and the admin's library
lists that show file paths or judge runtimes (`/admin/library/...`).

Readers see titles, sizes and counts; file paths are the server's folders and stay behind the admin token
(docs/security.md), so the missing-files list and the runtime outliers are admin routes, and the duplicates report
compares paths without showing them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import Connection

from emby_analytics.api.deps import State
from emby_analytics.stats.health import (
    HealthPage,
    MissingFilePage,
    OutlierPage,
    PlaceholderPage,
    PosterPage,
    missing_files,
    placeholders,
    runtime_outliers,
    without_poster,
    without_provider_ids,
)
from emby_analytics.stats.library_cache import cached
from emby_analytics.stats.rolled import Rolled
from emby_analytics.stats.storage import Growth, RoiPage, StalePage, growth, roi, stale
from emby_analytics.stats.storage_duplicates import DuplicatePage, duplicates, duplicates_found
from emby_analytics.stats.window import MAX_DAYS, resolve

router = APIRouter(tags=["storage"])
PageParam = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")]
PageSizeParam = Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")]
VideoType = Literal["Movie", "Episode", "MusicVideo", "Video", "Trailer"]
VideoTypeParam = Annotated[VideoType | None, Query(description="Only this Emby item type.")]
Order = Literal["worst", "best"]


@router.get(
    "/stats/storage/stale",
    response_model=StalePage,
    summary="Stale files",
    description="Video items with a file that nobody played: never (without `days`), or not in the last `days` "
    "local days (today and the days before it, in TZ); largest first, a page at a time, each with its size and "
    "when its last play began. Any recorded play counts, short and imported ones too. `total_size_bytes`: what "
    "deleting them all would free.",
)
async def stats_storage_stale(
    state: State,
    days: Annotated[
        int | None, Query(ge=1, le=MAX_DAYS, description=f"Not played for this many local days (1-{MAX_DAYS}).")
    ] = None,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    media_type: VideoTypeParam = None,
) -> StalePage:
    since = None
    if days is not None:
        since = resolve(state.clock.now(), state.settings.zone, days=days).start
    return await state.db.read(
        lambda conn: stale(conn, since, days=days, page=page, page_size=page_size, media_type=media_type)
    )


@router.get(
    "/stats/storage/roi",
    response_model=RoiPage,
    summary="Watch hours per GB",
    description="Video items with a file by all-time watch hours (time really playing) per GiB of file: `worst` "
    "first (what costs the most space for the least watching; ties: the largest first) or `best` first "
    "(`order`, or `sort` as the original named it).",
)
async def stats_storage_roi(
    state: State,
    order: Annotated[Order | None, Query(description="worst (the default) or best first.")] = None,
    sort: Annotated[Order | None, Query(description="The same as `order` (the original's name).")] = None,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    media_type: VideoTypeParam = None,
) -> RoiPage:
    if order is not None and sort is not None and order != sort:
        raise HTTPException(422, "give order or sort, not both with different values")
    chosen: Order = order or sort or "worst"
    window = resolve(state.clock.now(), state.settings.zone, timeframe="all-time")
    return await state.db.read(
        lambda conn: roi(
            Rolled(conn, window, state.rollup_cache),
            order=chosen,
            page=page,
            page_size=page_size,
            media_type=media_type,
        )
    )


@router.get(
    "/stats/storage/duplicates",
    response_model=DuplicatePage,
    summary="Duplicates",
    description="Groups of video items that are the same file (the same path once normalised: case, separators) "
    "or the same movie or episode by a provider id (Imdb, Tmdb, Tvdb) across versions and files, with their sizes "
    "and what removing every copy but the largest would free (a file listed twice frees nothing). Most reclaimable "
    "space first; paths are compared, not shown.",
)
async def stats_storage_duplicates(state: State, page: PageParam = 1, page_size: PageSizeParam = 50) -> DuplicatePage:
    def answer(conn: Connection) -> DuplicatePage:
        return duplicates(conn, cached(conn, "duplicates", duplicates_found), page=page, page_size=page_size)

    return await state.db.read(answer)


@router.get(
    "/stats/storage/growth",
    response_model=Growth,
    summary="Library growth",
    description="The daily library snapshots (size, and counts by type and quality, one per local day the "
    "service ran), the least-squares trend of the size and its forecast for the next 6 months. Below 7 "
    "snapshots there is no trend, and `message` says so.",
)
async def stats_storage_growth(
    state: State,
    days: Annotated[
        int | None, Query(ge=1, le=MAX_DAYS, description=f"Only the last this many local days (1-{MAX_DAYS}).")
    ] = None,
) -> Growth:
    today = state.clock.now().astimezone(state.settings.zone).date()
    return await state.db.read(lambda conn: growth(conn, days=days, today=today))


# -- library health ------------------------------------------------------------------------------------------
@router.get(
    "/stats/library/health/no-poster",
    response_model=PosterPage,
    summary="Items without a poster",
    description="Movies, series, seasons, episodes and other videos in the library without a Primary image of "
    "their own (as the last sync saw them); `series_poster` says whether the UI shows the series' instead.",
)
async def stats_health_no_poster(
    state: State,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    media_type: Annotated[
        Literal["Movie", "Series", "Season", "Episode", "MusicVideo", "Video", "Trailer"] | None,
        Query(description="Only this Emby item type."),
    ] = None,
) -> PosterPage:
    key = ("no-poster", media_type, page, page_size)
    return await state.db.read(
        lambda conn: cached(
            conn, key, lambda c: without_poster(c, page=page, page_size=page_size, media_type=media_type)
        )
    )


@router.get(
    "/stats/library/health/no-provider-ids",
    response_model=HealthPage,
    summary="Items without provider ids",
    description="Movies, series and episodes in the library with no provider id at all (Imdb, Tmdb, Tvdb, ...): "
    "titles Emby's metadata providers did not identify.",
)
async def stats_health_no_provider_ids(
    state: State,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    media_type: Annotated[
        Literal["Movie", "Series", "Episode"] | None, Query(description="Only this Emby item type.")
    ] = None,
) -> HealthPage:
    key = ("no-provider-ids", media_type, page, page_size)
    return await state.db.read(
        lambda conn: cached(
            conn, key, lambda c: without_provider_ids(c, page=page, page_size=page_size, media_type=media_type)
        )
    )


@router.get(
    "/stats/library/health/placeholders",
    response_model=PlaceholderPage,
    summary="Missing and unaired episodes",
    description="Per series, the placeholder episodes Emby lists without a file: missing (premiered already) and "
    "unaired (premieres later, or has no date), the series with the most first, each with its first "
    "placeholders by season and episode.",
)
async def stats_health_placeholders(
    state: State, page: PageParam = 1, page_size: PageSizeParam = 50
) -> PlaceholderPage:
    hour = state.clock.now().replace(minute=0, second=0, microsecond=0)
    key = ("placeholders", hour, page, page_size)
    return await state.db.read(
        lambda conn: cached(conn, key, lambda c: placeholders(c, hour, page=page, page_size=page_size))
    )


admin_router = APIRouter(prefix="/admin/library", tags=["admin"])


@admin_router.get(
    "/missing-files",
    response_model=MissingFilePage,
    summary="Items whose files are missing",
    description="Video items in the library that are not placeholders but whose file Emby gives no path or no "
    "size for (a file that went away before Emby's next scan noticed), with the path Emby gives. Admin only: "
    "paths are the server's folders.",
)
async def admin_missing_files(
    state: State, page: PageParam = 1, page_size: PageSizeParam = 50, media_type: VideoTypeParam = None
) -> MissingFilePage:
    key = ("missing-files", media_type, page, page_size)
    return await state.db.read(
        lambda conn: cached(
            conn, key, lambda c: missing_files(c, page=page, page_size=page_size, media_type=media_type)
        )
    )


@admin_router.get(
    "/runtime-outliers",
    response_model=OutlierPage,
    summary="Runtime outliers",
    description="Video items whose runtime is implausible for their type, longest first, each with the rule it "
    "breaks in plain words: over 24 hours (any item), a movie under 20 minutes or over 6 hours, an episode over 3 "
    "hours, or an episode more than twice its season's median and at least 30 minutes longer (3 siblings with a "
    "runtime needed). Items without a runtime are not judged.",
)
async def admin_runtime_outliers(
    state: State,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    rule: Annotated[
        Literal["over_24h", "movie_short", "movie_long", "episode_long", "episode_vs_siblings"] | None,
        Query(description="Only the items this rule flags."),
    ] = None,
) -> OutlierPage:
    found = await state.db.read(lambda conn: cached(conn, "runtime-outliers", runtime_outliers))
    chosen = [item for item in found if rule is None or item.rule == rule]
    start = (page - 1) * page_size
    return OutlierPage(items=chosen[start : start + page_size], total=len(chosen), page=page, page_size=page_size)
