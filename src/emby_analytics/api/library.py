"""`/stats/*` routes about the library's make-up: qualities, codecs, their item lists, and totals (cached until the
library is next written: `stats.library_cache`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from emby_analytics.api.deps import State
from emby_analytics.quality import QUALITIES, Quality
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

router = APIRouter(prefix="/stats", tags=["library"])
PageParam = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")]
PageSizeParam = Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")]


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
