"""`/stats/*` routes about the library's make-up: qualities, codecs, genres, their item lists, totals, and the
movie and series facts (what the library holds is cached until it is next written: `stats.library_cache`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from emby_analytics.api.deps import State
from emby_analytics.quality import QUALITIES, Quality
from emby_analytics.stats.genres import (
    GENRE_MAX,
    GenreItemPage,
    InvalidGenre,
    ItemSort,
    Order,
    SeriesPage,
    SeriesSort,
    clean_genre,
    items_by_genre,
    series_by_genre,
)
from emby_analytics.stats.library import (
    Codecs,
    ItemPage,
    Library,
    Qualities,
    codecs,
    items_by_codec,
    items_by_quality,
    library,
    qualities,
)
from emby_analytics.stats.library_cache import cached
from emby_analytics.stats.movies import MovieFacts, movie_facts
from emby_analytics.stats.rolled import Rolled
from emby_analytics.stats.series import SeriesFacts, series_facts
from emby_analytics.stats.window import month_start, resolve

router = APIRouter(prefix="/stats", tags=["library"])
PageParam = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")]
PageSizeParam = Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")]
GenresParam = Annotated[int, Query(ge=1, le=100, description="How many genres each genre ranking lists (1-100).")]
# `:path`, so a genre with a slash in its name ("Sci-Fi/Fantasy", sent as %2F or as it is) is one genre too.
GenrePath = Annotated[
    str,
    Path(
        max_length=4 * GENRE_MAX,
        description="A genre, whole, as Emby names it (URL-encoded; ASCII case does not matter).",
        examples=["Drama"],
    ),
]
OrderParam = Annotated[
    Order | None,
    Query(description="asc or desc; by default names A to Z, every figure largest or newest first."),
]
VideoType = Literal["Movie", "Episode", "MusicVideo", "Video", "Trailer"]


@router.get(
    "/qualities",
    response_model=Qualities,
    summary="Video qualities",
    description="Video items in the library per quality and type. One classifier for this chart and its item "
    "lists: width or height, whichever says more, so letterboxed encodes keep their class (3840×1600 is 4K, "
    "1920×800 is 1080p); 8K only above 4K and only when present.",
)
async def stats_qualities(state: State) -> Qualities:
    return await state.db.read(lambda conn: cached(conn, "qualities", qualities))


@router.get(
    "/codecs",
    response_model=Codecs,
    summary="Video codecs",
    description="Video items in the library per video codec (lower-case) and type, most common first.",
)
async def stats_codecs(state: State) -> Codecs:
    return await state.db.read(lambda conn: cached(conn, "codecs", codecs))


@router.get(
    "/items/by-quality/{quality}",
    response_model=ItemPage,
    summary="Items of one quality",
    description=f"The video items a quality bucket counts, by name, a page at a time. Qualities: {', '.join(QUALITIES)}"
    " (400 for another label).",
)
async def stats_items_by_quality(
    state: State,
    quality: Annotated[str, Path(max_length=16, description="A quality label, as /stats/qualities names it.")],
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
) -> ItemPage:
    label = next((q for q in QUALITIES if q.lower() == quality.lower()), None)
    if label is None:
        raise HTTPException(400, f"unknown quality {quality[:16]!r}; one of {', '.join(QUALITIES)}")
    chosen: Quality = label
    key = ("by-quality", chosen, page, page_size)
    return await state.db.read(
        lambda conn: cached(conn, key, lambda c: items_by_quality(c, chosen, page=page, page_size=page_size))
    )


@router.get(
    "/items/by-codec/{codec}",
    response_model=ItemPage,
    summary="Items of one codec",
    description="The video items with this video codec (case does not matter; `unknown` for none), by name.",
)
async def stats_items_by_codec(
    state: State,
    codec: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]{1,32}$", description="A codec name, e.g. hevc.")],
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
) -> ItemPage:
    key = ("by-codec", codec.lower(), page, page_size)
    return await state.db.read(
        lambda conn: cached(conn, key, lambda c: items_by_codec(c, codec, page=page, page_size=page_size))
    )


@router.get(
    "/library",
    response_model=Library,
    summary="Library totals",
    description="Items, total file size and runtime in the library, per type and per library.",
)
async def stats_library(state: State) -> Library:
    return await state.db.read(lambda conn: cached(conn, "library", library))


def _genre(text: str) -> str:
    try:
        return clean_genre(text)
    except InvalidGenre as exc:
        raise HTTPException(422, f"invalid genre: {exc}") from None


@router.get(
    "/items/by-genre/{genre:path}",
    response_model=GenreItemPage,
    summary="Items of one genre",
    description="The video items (movies, episodes, music videos, videos, trailers) whose own genres include this "
    "one, by name, a page at a time, in the shape of /stats/items/by-quality. A genre is matched whole, never split "
    'at a comma ("Action, Adventure" is one genre); episodes rarely have genres of their own (their series '
    "carry them: /stats/series/by-genre). A genre no item has gives an empty page; an empty or malformed one 422. "
    "`sort`: name, year, size, runtime or added (Emby's DateCreated), then by name; items without the figure last.",
)
async def stats_items_by_genre(
    state: State,
    genre: GenrePath,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    media_type: Annotated[VideoType | None, Query(description="Only this Emby item type.")] = None,
    sort: Annotated[ItemSort, Query(description="What to order by (then by name).")] = "name",
    order: OrderParam = None,
) -> GenreItemPage:
    wanted = _genre(genre)
    key = ("by-genre", wanted, media_type, page, page_size, sort, order)
    return await state.db.read(
        lambda conn: cached(
            conn,
            key,
            lambda c: items_by_genre(
                c, wanted, page=page, page_size=page_size, media_type=media_type, sort=sort, order=order
            ),
        )
    )


@router.get(
    "/series/by-genre/{genre:path}",
    response_model=SeriesPage,
    summary="Series of one genre",
    description="The series whose genres include this one, by name, a page at a time, each with its seasons, "
    "episodes, and their size and runtime. Matched whole, as /stats/items/by-genre; a genre no series has gives an "
    "empty page. `sort`: name, year, size, runtime, episodes or added (the series' DateCreated), then by name.",
)
async def stats_series_by_genre(
    state: State,
    genre: GenrePath,
    page: PageParam = 1,
    page_size: PageSizeParam = 50,
    sort: Annotated[SeriesSort, Query(description="What to order by (then by name).")] = "name",
    order: OrderParam = None,
) -> SeriesPage:
    wanted = _genre(genre)
    key = ("series-by-genre", wanted, page, page_size, sort, order)
    return await state.db.read(
        lambda conn: cached(
            conn,
            key,
            lambda c: series_by_genre(c, wanted, page=page, page_size=page_size, sort=sort, order=order),
        )
    )


@router.get(
    "/movies",
    response_model=MovieFacts,
    summary="Movie facts",
    description="The movie library at a glance: how many, their size and runtime; the largest, longest, shortest "
    "and newest (by Emby's DateCreated); the most watched by all-time watch time (time really playing, not plays); "
    "movies added this month (in TZ); genres by number of movies and by watch time, each genre whole. The "
    "original's field names are kept beside the whole items.",
)
async def stats_movies(state: State, genres: GenresParam = 10) -> MovieFacts:
    now, zone = state.clock.now(), state.settings.zone
    window, since = resolve(now, zone, timeframe="all-time"), month_start(now, zone)
    return await state.db.read(lambda conn: movie_facts(Rolled(conn, window, state.rollup_cache), since, genres=genres))


@router.get(
    "/series",
    response_model=SeriesFacts,
    summary="Series facts",
    description="The TV library at a glance: series, seasons and episodes, the episodes' size and runtime; the "
    "largest and longest series (by their episodes), the largest, longest and shortest episode; the newest series "
    "and episode (by Emby's DateCreated); the most watched series by its episodes' all-time watch time; episodes "
    "and series added this month (in TZ); genres (the series' own) by number of series and by watch time.",
)
async def stats_series(state: State, genres: GenresParam = 10) -> SeriesFacts:
    now, zone = state.clock.now(), state.settings.zone
    window, since = resolve(now, zone, timeframe="all-time"), month_start(now, zone)
    return await state.db.read(
        lambda conn: series_facts(Rolled(conn, window, state.rollup_cache), since, genres=genres)
    )
