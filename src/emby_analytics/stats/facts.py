"""Facts about one kind of title in the library, shared by `/stats/movies` and `/stats/series`: counts, sizes,
the largest, longest, shortest and newest, what was added this month, genres, and watch time per title and genre.

Two halves, cached apart because they change apart: what the library holds (`Shelf`, recomputed only after a
library write: `stats.library_cache`; kept in the database meanwhile: `stats.library_answers`) and what was
watched (all time, from the rollups plus the plays not yet folded, through `Rolled`; the rollup rows are cached
per fold). "Newest" is Emby's own DateCreated as synced, not when this service first saw the item, so a first sync
does not make everything new. Items in the library only: not removed, not missing or unaired placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, func, select

from emby_analytics.db.schema import items
from emby_analytics.stats.genres import genre_counts, genres_of
from emby_analytics.stats.library import in_library
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.posters import row_poster
from emby_analytics.stats.rolled import Rolled, hours, seconds
from emby_analytics.titles import display

TICKS = 10_000_000
GIB = 1024**3  # the original's "GB" (1073741824 bytes)


class ItemFact(BaseModel):
    id: str
    name: str
    display: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    production_year: int | None
    size_bytes: int | None = Field(description="Its file's size, in bytes.")
    runtime_seconds: int | None
    runtime_minutes: int | None = Field(description="The runtime in whole minutes (the original's unit).")
    date: datetime | None = Field(description="When Emby added it (its DateCreated), UTC.")
    poster: str | None = Field(
        None, description="Our image proxy's poster URL (an episode's own, else its series'); null without one."
    )


class Watched(BaseModel):
    id: str
    name: str
    poster: str | None = Field(None, description="Our image proxy's poster URL; null when Emby has none.")
    hours: float = Field(description="All-time watch time (time really playing), hours to 0.01.")
    seconds: int = Field(description="The same watch time in whole seconds.")
    plays: int = Field(description="Viewings (resumes once; short plays not).")


class GenreFact(BaseModel):
    genre: str = Field(description="The genre as Emby names it (never split at a comma).")
    count: int = Field(description="Titles in the library with this genre.")
    hours: float = Field(description="All-time watch time of those titles, hours to 0.01.")
    seconds: int = Field(description="The same watch time in whole seconds.")


def gib(size: int | None) -> float | None:
    return None if size is None else round(size / GIB, 2)


def minutes(fact: ItemFact | None) -> int | None:
    return None if fact is None or fact.runtime_seconds is None else fact.runtime_seconds // 60


# -- what the library holds ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shelf:
    """One item type's titles in the library: totals, the notable ones, and titles per genre."""

    count: int
    size_bytes: int
    runtime_ticks: int
    added_since: int  # added (DateCreated) since the month began
    largest: ItemFact | None
    longest: ItemFact | None
    shortest: ItemFact | None  # of those with a runtime
    newest: ItemFact | None
    genres: dict[str, int]


_FACT_COLUMNS = (
    items.c.id, items.c.name, items.c.type, items.c.series_name, items.c.season_number, items.c.episode_number,
    items.c.production_year, items.c.size_bytes, items.c.runtime_ticks, items.c.date_created, items.c.series_id,
    items.c.primary_image_tag, items.c.series_primary_image_tag,
)  # fmt: skip


def shelf(conn: Connection, item_type: str, since: datetime, *, genres: bool = True) -> Shelf:
    """The titles of `item_type` in the library; `since`: when this month began; `genres`: count them (not for
    episodes: Emby gives them none, their series carry them)."""
    where = (in_library(), items.c.type == item_type)
    count, size, runtime, added = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(items.c.size_bytes), 0),
            func.coalesce(func.sum(items.c.runtime_ticks), 0),
            func.count().filter(items.c.date_created >= since),
        ).where(*where)
    ).one()

    def first(*order: Any, having: ColumnElement[bool]) -> ItemFact | None:
        row = conn.execute(select(*_FACT_COLUMNS).where(*where, having).order_by(*order, items.c.id).limit(1)).first()
        return item_fact(row) if row is not None else None

    return Shelf(
        count=count,
        size_bytes=int(size),
        runtime_ticks=int(runtime),
        added_since=added,
        largest=first(items.c.size_bytes.desc(), having=items.c.size_bytes > 0),
        longest=first(items.c.runtime_ticks.desc(), having=items.c.runtime_ticks > 0),
        shortest=first(items.c.runtime_ticks, having=items.c.runtime_ticks > 0),
        newest=first(items.c.date_created.desc(), having=items.c.date_created.is_not(None)),
        genres=genre_counts(conn, item_type) if genres else {},
    )


_NOTABLE = ("largest", "longest", "shortest", "newest")


def load_fact(dumped: dict[str, Any] | None) -> ItemFact | None:
    return None if dumped is None else ItemFact.model_validate(dumped)


def load_shelf(dumped: dict[str, Any]) -> Shelf:
    return Shelf(**{**dumped, **{name: load_fact(dumped[name]) for name in _NOTABLE}})


def item_fact(row: Any) -> ItemFact:
    runtime = round(row.runtime_ticks / TICKS) if row.runtime_ticks else None
    return ItemFact(
        id=row.id,
        name=row.name,
        display=display(row.type, row.name, row.series_name, row.season_number, row.episode_number),
        production_year=row.production_year,
        size_bytes=row.size_bytes,
        runtime_seconds=runtime,
        runtime_minutes=None if runtime is None else runtime // 60,
        date=row.date_created,
        poster=row_poster(row),
    )


# -- what was watched ------------------------------------------------------------------------------------------
def rows_with_library(rolled: Rolled, sql: str, *args: Any) -> list[Any]:
    """`Rolled.rows` for a rollup query that also reads the library: cached until the next fold or library
    write, whichever comes first (none when the rollups are unusable)."""
    if not rolled.usable:
        return []
    key = (sql, args, rolled.generation, library_version(rolled.conn))
    return rolled.cache.get(key, lambda: list(rolled.conn.exec_driver_sql(sql, args)))


def loose_micros(rolled: Rolled, item_type: str, key: str = "item_id") -> dict[str, int]:
    """Watch time of the plays not yet folded, per item (or per `series_id`) of this type (never Live TV)."""
    out: dict[str, int] = {}
    for play in rolled.loose():
        row = play.row
        found = getattr(row, key)
        if not row.live_tv and row.item_type == item_type and found and play.micros:
            out[found] = out.get(found, 0) + play.micros
    return out


def ranked_genres(counts: dict[str, int], micros: dict[str, int], *, by_time: bool, limit: int) -> list[GenreFact]:
    """Genres by titles (then watch time) or by watch time (then titles), then name; those with no title left out.
    Watch time of a genre no title in the library has any more is not shown: it has no count to stand beside."""
    names = [name for name, count in counts.items() if count > 0]
    if by_time:
        names.sort(key=lambda n: (-micros.get(n, 0), -counts[n], n))
        names = [n for n in names if micros.get(n, 0) > 0]
    else:
        names.sort(key=lambda n: (-counts[n], -micros.get(n, 0), n))
    return [
        GenreFact(genre=n, count=counts[n], hours=hours(micros.get(n, 0)), seconds=seconds(micros.get(n, 0)))
        for n in names[:limit]
    ]


def add_genre_time(into: dict[str, int], genres: list[str], micros: int) -> None:
    """A title's watch time to each of its genres (whole names: a title in two genres counts in both)."""
    for name in dict.fromkeys(genres):
        into[name] = into.get(name, 0) + micros


def library_genres(conn: Connection, ids: list[str], item_type: str) -> dict[str, list[str]]:
    """The genres of these items of this type that are in the library (the others are left out)."""
    out: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(items.c.id, items.c.genres).where(in_library(), items.c.type == item_type, items.c.id.in_(chunk))
        out.update({row.id: genres_of(row.genres) for row in conn.execute(query)})
    return out
