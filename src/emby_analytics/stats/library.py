"""The library's make-up: `/stats/qualities`, `/stats/codecs`, their item lists, and `/stats/library` totals.

Items in the library now (not removed, not placeholder episodes). Quality and codec count video items only
(movies, episodes, music videos, videos, trailers); codec names lower-case.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, and_, func, select

from emby_analytics.db.schema import items, libraries
from emby_analytics.quality import QUALITIES, Quality, quality, quality_condition, quality_sql

VIDEO_TYPES = ("Movie", "Episode", "MusicVideo", "Video", "Trailer")


class Qualities(BaseModel):
    buckets: dict[str, dict[str, int]] = Field(
        description="Items per quality (8K only when present, 4K, 1080p, 720p, SD, Unknown) and per type."
    )


class Codecs(BaseModel):
    codecs: dict[str, dict[str, int]] = Field(description="Items per video codec (lower-case) and per type.")


class ListedItem(BaseModel):
    id: str
    name: str
    media_type: str = Field(description="The item's Emby type (Movie, Episode, ...).")
    width: int | None
    height: int | None
    codec: str | None
    quality: str


class ItemPage(BaseModel):
    items: list[ListedItem]
    total: int
    page: int
    page_size: int


class TypeTotals(BaseModel):
    type: str
    items: int
    size_bytes: int
    runtime_hours: float
    runtime_seconds: int


class LibraryTotals(BaseModel):
    library_id: str | None
    name: str | None
    collection_type: str | None
    items: int
    size_bytes: int
    runtime_hours: float
    runtime_seconds: int
    by_type: list[TypeTotals]


class Library(BaseModel):
    items: int
    size_bytes: int
    runtime_hours: float
    runtime_seconds: int
    by_type: list[TypeTotals]
    libraries: list[LibraryTotals]


def in_library() -> ColumnElement[bool]:
    return and_(items.c.removed_at.is_(None), items.c.is_placeholder.is_(False))


def _video() -> ColumnElement[bool]:
    return and_(in_library(), items.c.type.in_(VIDEO_TYPES))


def qualities(conn: Connection) -> Qualities:
    label = quality_sql(items.c.width, items.c.height)
    rows = conn.execute(select(label, items.c.type, func.count()).where(_video()).group_by(label, items.c.type))
    buckets: dict[str, dict[str, int]] = {q: {} for q in QUALITIES if q != "8K"}
    for name, item_type, count in rows:
        buckets.setdefault(name, {})[item_type] = count
    return Qualities(buckets={q: buckets[q] for q in QUALITIES if q in buckets})


def codecs(conn: Connection) -> Codecs:
    codec = func.lower(func.coalesce(items.c.video_codec, "unknown"))
    rows = conn.execute(select(codec, items.c.type, func.count()).where(_video()).group_by(codec, items.c.type))
    out: dict[str, dict[str, int]] = {}
    for name, item_type, count in rows:
        out.setdefault(name, {})[item_type] = count
    return Codecs(codecs=dict(sorted(out.items(), key=lambda kv: -sum(kv[1].values()))))


def video_page(conn: Connection, condition: ColumnElement[bool], page: int, page_size: int) -> ItemPage:
    """The video items in the library `condition` picks, by name, a page at a time (the item lists behind a bar)."""
    where = and_(_video(), condition)
    total = conn.execute(select(func.count()).select_from(items).where(where)).scalar_one()
    columns = (items.c.id, items.c.name, items.c.type, items.c.width, items.c.height, items.c.video_codec)
    rows = conn.execute(
        select(*columns).where(where).order_by(items.c.sort_name, items.c.id).offset((page - 1) * page_size)
        .limit(page_size)
    )  # fmt: skip
    return ItemPage(items=[listed_item(row) for row in rows], total=total, page=page, page_size=page_size)


def listed_item(row: Any) -> ListedItem:
    return ListedItem(
        id=row.id,
        name=row.name,
        media_type=row.type,
        width=row.width,
        height=row.height,
        codec=row.video_codec.lower() if row.video_codec else None,
        quality=quality(row.width, row.height),
    )


def items_by_quality(conn: Connection, label: Quality, *, page: int, page_size: int) -> ItemPage:
    return video_page(conn, quality_condition(label, items.c.width, items.c.height), page, page_size)


def items_by_codec(conn: Connection, codec: str, *, page: int, page_size: int) -> ItemPage:
    condition = func.lower(func.coalesce(items.c.video_codec, "unknown")) == codec.lower()
    return video_page(conn, condition, page, page_size)


def library(conn: Connection) -> Library:
    size = func.coalesce(func.sum(items.c.size_bytes), 0)
    runtime = func.coalesce(func.sum(items.c.runtime_ticks), 0)
    count = func.count()
    rows = conn.execute(
        select(items.c.library_id, items.c.type, count, size, runtime)
        .where(in_library(), items.c.type.not_in(("Folder", "CollectionFolder", "UserView")))
        .group_by(items.c.library_id, items.c.type)
    ).all()
    names = {row.id: row for row in conn.execute(select(libraries).where(libraries.c.removed_at.is_(None)))}
    per_library: dict[str | None, list[TypeTotals]] = {}
    overall: dict[str, list[int]] = {}
    for library_id, item_type, n, s, r in rows:
        per_library.setdefault(library_id, []).append(_type_totals(item_type, n, s, r))
        sums = overall.setdefault(item_type, [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + n, sums[1] + int(s), sums[2] + int(r)
    by_type = sorted((_type_totals(t, *v) for t, v in overall.items()), key=lambda t: -t.items)
    out = []
    for library_id, types in per_library.items():
        lib = names.get(library_id)
        types.sort(key=lambda t: -t.items)
        out.append(
            LibraryTotals(
                library_id=library_id,
                name=lib.name if lib is not None else None,
                collection_type=lib.collection_type if lib is not None else None,
                items=sum(t.items for t in types),
                size_bytes=sum(t.size_bytes for t in types),
                runtime_hours=round(sum(t.runtime_seconds for t in types) / 3600, 2),
                runtime_seconds=sum(t.runtime_seconds for t in types),
                by_type=types,
            )
        )
    out.sort(key=lambda lib: (-lib.items, str(lib.name)))
    return Library(
        items=sum(t.items for t in by_type),
        size_bytes=sum(t.size_bytes for t in by_type),
        runtime_hours=round(sum(t.runtime_seconds for t in by_type) / 3600, 2),
        runtime_seconds=sum(t.runtime_seconds for t in by_type),
        by_type=by_type,
        libraries=out,
    )


def _type_totals(item_type: str, n: int, size: int, runtime: int) -> TypeTotals:
    seconds = round(runtime / 10_000_000)
    return TypeTotals(
        type=item_type, items=n, size_bytes=int(size), runtime_hours=round(seconds / 3600, 2), runtime_seconds=seconds
    )
