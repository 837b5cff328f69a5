"""Genres as Emby gives them: a list of names per item (`Genres`), stored as that JSON array (`items.genres`, by
`sync.item_rows`) and read back as the list. A name is never split: "Action, Adventure" is one genre, as Emby
named it, and does not count as Action or Adventure.

Matching and counting happen in SQL through `json_each`, element by element, so a name with a comma, a quote or
any other character is compared whole. Matching ignores ASCII case (`drama` finds `Drama`), as Emby's own genre
lookup does; counts keep each name as stored.

`/stats/items/by-genre/{genre}` lists video items by their own genres (Emby leaves episodes' genres empty: their
series carry them), `/stats/series/by-genre/{genre}` lists series with their episodes' totals.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, and_, exists, func, literal_column, select

from emby_analytics.db.schema import items
from emby_analytics.stats.library import VIDEO_TYPES, ListedItem, in_library, listed_item
from emby_analytics.stats.posters import poster_url, row_poster

GENRE_MAX = 128  # what the sync keeps of a name (`sync.item_rows`): a longer one cannot be stored


class InvalidGenre(ValueError):
    """The genre asked for cannot be a stored genre (the message says why)."""


def clean_genre(text: str) -> str:
    """The genre a path names, surrounding blanks dropped; InvalidGenre when no stored genre could be it (empty,
    longer than the sync keeps, or with control characters: Emby's names have none, and they would only garble
    logs and answers)."""
    genre = text.strip()
    if not genre:
        raise InvalidGenre("the genre is empty")
    if len(genre) > GENRE_MAX:
        raise InvalidGenre(f"a genre has at most {GENRE_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in genre):
        raise InvalidGenre("a genre has no control or invisible format characters")
    return genre


def genres_of(stored: str | None) -> list[str]:
    """A stored `genres` column as its list of names, in Emby's order, each once. Tolerant of what older rows or
    other writers may hold (null, not JSON, not a list, blank names): what cannot be read is left out, and nothing
    is ever split."""
    if not stored:
        return []
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(g for g in value if isinstance(g, str) and g.strip()))


def has_genre(genre: str) -> ColumnElement[bool]:
    """Items whose genres include `genre` whole, ASCII case ignored."""
    each = func.json_each(items.c.genres).table_valued("value").alias("g")
    return and_(
        items.c.genres.is_not(None),
        items.c.genres != "[]",  # most items (every episode) have none: skip them before json_each
        exists(select(literal_column("1")).select_from(each).where(each.c.value.collate("NOCASE") == genre)),
    )


def genre_counts(conn: Connection, item_type: str) -> dict[str, int]:
    """Items of this type in the library per genre (each item once per genre, however Emby repeated it)."""
    sql = (
        "SELECT g.value, COUNT(DISTINCT i.id) FROM items i, json_each(i.genres) g WHERE i.type = ? "
        "AND i.removed_at IS NULL AND i.is_placeholder = 0 AND i.genres IS NOT NULL AND i.genres != '[]' "
        "AND g.type = 'text' AND trim(g.value) != '' GROUP BY g.value"
    )
    return {name: count for name, count in conn.exec_driver_sql(sql, (item_type,))}


def spelled(conn: Connection, genre: str, item_types: tuple[str, ...]) -> str:
    """`genre` as the library spells it (the first item found with it, in any ASCII case), or as asked when no item
    of these types has it. The first one found, not the most common: this stops at one match instead of reading
    every item's genres (a name spelled two ways in one library is rare, and either is right)."""
    sql = (
        "SELECT g.value FROM items i, json_each(i.genres) g WHERE i.type IN (SELECT value FROM json_each(?)) "
        "AND i.removed_at IS NULL AND i.is_placeholder = 0 AND i.genres IS NOT NULL AND i.genres != '[]' "
        "AND g.value = ? COLLATE NOCASE LIMIT 1"
    )
    found = conn.exec_driver_sql(sql, (json.dumps(item_types), genre)).scalar()
    return str(found) if found is not None else genre


# -- the lists behind a genre ----------------------------------------------------------------------------------
ItemSort = Literal["name", "year", "size", "runtime", "added"]
SeriesSort = Literal["name", "year", "size", "runtime", "episodes", "added"]
Order = Literal["asc", "desc"]


def default_order(sort: str) -> Order:
    """Names A to Z; every figure (year, size, runtime, episodes, date added) largest or newest first."""
    return "asc" if sort == "name" else "desc"


class GenreItem(ListedItem):
    production_year: int | None
    size_bytes: int | None = Field(description="Its file's size, in bytes.")
    runtime_seconds: int | None
    date: datetime | None = Field(description="When Emby added it (its DateCreated), UTC.")
    poster: str | None = Field(
        description="Our image proxy's poster URL (an episode's own, else its series'); null without one."
    )


class GenreItemPage(BaseModel):
    items: list[GenreItem]
    total: int
    page: int
    page_size: int
    genre: str = Field(description="The genre, as the library spells it (as asked when no item has it).")
    sort: ItemSort = Field(description="What the items are ordered by (then by name).")
    order: Order


SERIES_COLUMNS = (
    items.c.id, items.c.name, items.c.production_year, items.c.genres, items.c.date_created, items.c.primary_image_tag,
)  # fmt: skip


class ListedSeries(BaseModel):
    id: str
    name: str
    production_year: int | None
    genres: list[str] = Field(description="The series' genres, as Emby lists them.")
    seasons: int = Field(description="Seasons in the library.")
    episodes: int = Field(description="Episodes in the library (missing and unaired placeholders not).")
    size_bytes: int = Field(description="The episodes' files, in bytes.")
    runtime_seconds: int = Field(description="The episodes' runtime, in seconds.")
    date: datetime | None = Field(description="When Emby added the series (its DateCreated), UTC.")
    poster: str | None = Field(description="Our image proxy's poster URL; null when Emby has none.")

    @classmethod
    def of(cls, row: Any, totals: Any) -> ListedSeries:
        """A series row (`SERIES_COLUMNS`) with its `series_totals` row (None: no episodes)."""
        return cls(
            id=row.id,
            name=row.name,
            production_year=row.production_year,
            genres=genres_of(row.genres),
            seasons=totals.seasons if totals is not None else 0,
            episodes=totals.episodes if totals is not None else 0,
            size_bytes=int(totals.size) if totals is not None else 0,
            runtime_seconds=round(int(totals.runtime) / 10_000_000) if totals is not None else 0,
            date=row.date_created,
            poster=poster_url(row.id) if row.primary_image_tag else None,
        )


class SeriesPage(BaseModel):
    items: list[ListedSeries]
    total: int
    genre: str = Field(description="The genre, as the library spells it (as asked when no series has it).")
    page: int
    page_size: int
    sort: SeriesSort = Field(description="What the series are ordered by (then by name).")
    order: Order


_ITEM_COLUMNS = (
    items.c.id, items.c.name, items.c.type, items.c.width, items.c.height, items.c.video_codec, items.c.production_year,
    items.c.size_bytes, items.c.runtime_ticks, items.c.date_created, items.c.series_id, items.c.primary_image_tag,
    items.c.series_primary_image_tag,
)  # fmt: skip
_ITEM_KEYS: dict[str, Any] = {
    "year": items.c.production_year,
    "size": items.c.size_bytes,
    "runtime": items.c.runtime_ticks,
    "added": items.c.date_created,
}


def _ordered(column: Any, order: Order) -> Any:
    """A figure in this order, items without one last either way."""
    return (column.asc() if order == "asc" else column.desc()).nulls_last()


def items_by_genre(
    conn: Connection,
    genre: str,
    *,
    page: int,
    page_size: int,
    media_type: str | None = None,
    sort: ItemSort = "name",
    order: Order | None = None,
) -> GenreItemPage:
    """The video items with this genre (their own genres), a page at a time, by `sort` (then by name)."""
    direction = order or default_order(sort)
    where = and_(in_library(), items.c.type.in_(VIDEO_TYPES), has_genre(genre))
    if media_type is not None:
        where = and_(where, items.c.type == media_type)
    total = conn.execute(select(func.count()).select_from(items).where(where)).scalar_one()
    by_name = (
        (_ordered(items.c.sort_name, direction), items.c.id) if sort == "name" else (items.c.sort_name, items.c.id)
    )
    keys = by_name if sort == "name" else (_ordered(_ITEM_KEYS[sort], direction), *by_name)
    rows = conn.execute(
        select(*_ITEM_COLUMNS).where(where).order_by(*keys).offset((page - 1) * page_size).limit(page_size)
    )
    name = spelled(conn, genre, (media_type,) if media_type else VIDEO_TYPES)
    listed = [_genre_item(row) for row in rows]
    return GenreItemPage(
        items=listed, total=total, page=page, page_size=page_size, genre=name, sort=sort, order=direction
    )


def _genre_item(row: Any) -> GenreItem:
    runtime = round(row.runtime_ticks / 10_000_000) if row.runtime_ticks else None
    return GenreItem(
        **listed_item(row).model_dump(),
        production_year=row.production_year,
        size_bytes=row.size_bytes,
        runtime_seconds=runtime,
        date=row.date_created,
        poster=row_poster(row),
    )


def series_by_genre(
    conn: Connection,
    genre: str,
    *,
    page: int,
    page_size: int,
    sort: SeriesSort = "name",
    order: Order | None = None,
) -> SeriesPage:
    """The series with this genre, a page at a time, each with its seasons' and episodes' totals, by `sort` (then
    by name). By name, year or date the database orders and pages; by a figure of the episodes, every series of
    the genre is totalled first (one pass over the episodes), then ordered here."""
    direction = order or default_order(sort)
    where = and_(in_library(), items.c.type == "Series", has_genre(genre))
    total = conn.execute(select(func.count()).select_from(items).where(where)).scalar_one()
    start = (page - 1) * page_size
    by_name = (items.c.sort_name, items.c.id)
    if sort in ("name", "year", "added"):
        if sort == "name":
            keys: tuple[Any, ...] = (_ordered(items.c.sort_name, direction), items.c.id)
        else:
            column = items.c.production_year if sort == "year" else items.c.date_created
            keys = (_ordered(column, direction), *by_name)
        rows = conn.execute(select(*SERIES_COLUMNS).where(where).order_by(*keys).offset(start).limit(page_size)).all()
        totals = series_totals(conn, [row.id for row in rows])
        listed = [ListedSeries.of(row, totals.get(row.id)) for row in rows]
    else:
        every = conn.execute(select(*SERIES_COLUMNS).where(where).order_by(*by_name)).all()
        totals = series_totals(conn, None) if len(every) > 500 else series_totals(conn, [row.id for row in every])
        shows = [ListedSeries.of(row, totals.get(row.id)) for row in every]  # by name: ties keep it
        figure = {"size": "size_bytes", "runtime": "runtime_seconds", "episodes": "episodes"}[sort]
        shows.sort(key=lambda show: getattr(show, figure), reverse=direction == "desc")
        listed = shows[start : start + page_size]
    name = spelled(conn, genre, ("Series",))
    return SeriesPage(items=listed, total=total, genre=name, page=page, page_size=page_size, sort=sort, order=direction)


def series_totals(conn: Connection, ids: list[str] | None) -> dict[str, Any]:
    """Per series (these, or all with None): seasons and episodes in the library, the episodes' bytes and runtime
    (a few series through the series index; all of them in one pass)."""
    if ids is not None and not ids:
        return {}
    is_episode = items.c.type == "Episode"
    query = (
        select(
            items.c.series_id,
            func.count().filter(items.c.type == "Season").label("seasons"),
            func.count().filter(is_episode).label("episodes"),
            func.coalesce(func.sum(items.c.size_bytes).filter(is_episode), 0).label("size"),
            func.coalesce(func.sum(items.c.runtime_ticks).filter(is_episode), 0).label("runtime"),
        )
        .where(in_library(), items.c.series_id.in_(ids) if ids is not None else items.c.series_id.is_not(None))
        .group_by(items.c.series_id)
    )
    return {row.series_id: row for row in conn.execute(query)}
