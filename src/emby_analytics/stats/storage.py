"""Storage reports: what takes space and is not watched (`/stats/storage/stale`), watch hours per GB
(`/stats/storage/roi`), and how the library grew (`/stats/storage/growth`, from the daily snapshots of
`rollups.snapshots`); the same file or title kept twice is `stats.storage_duplicates`.

Items in the library (not removed, not placeholders) with a file size, video types only (movies, episodes, music
videos, videos, trailers). "Played" is any recorded play of the item, short ones and imported ones (Emby's played
flags) included: a file someone opened is not forgotten. Sizes in bytes; "GB" is GiB (1024³ bytes), as the
original's `*_gb` fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import from_micros, library_snapshots, to_micros
from emby_analytics.quality import quality
from emby_analytics.stats.library import VIDEO_TYPES
from emby_analytics.stats.library_cache import cached
from emby_analytics.stats.posters import row_poster
from emby_analytics.stats.rolled import MICROS, Rolled, hours, seconds
from emby_analytics.stats.trend import FORECAST_MONTHS, MIN_SNAPSHOTS, forecast, least_squares
from emby_analytics.titles import display

GIB = 1024**3
_VIDEO = "(" + ", ".join(f"'{t}'" for t in VIDEO_TYPES) + ")"
ON_DISK = f"i.removed_at IS NULL AND i.is_placeholder = 0 AND i.size_bytes > 0 AND i.type IN {_VIDEO}"
STORED_COLUMNS = (
    "i.id, i.name, i.type, i.series_name, i.season_number, i.episode_number, i.size_bytes, i.width, i.height, "
    "i.series_id, i.primary_image_tag, i.series_primary_image_tag"
)


class StoredItem(BaseModel):
    id: str
    name: str
    media_type: str = Field(description="The item's Emby type (Movie, Episode, ...).")
    display: str = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    size_bytes: int = Field(description="Its file's size, in bytes.")
    size_gb: float = Field(description="The same in GiB (1024³ bytes), to 0.01.")
    quality: str
    poster: str | None = Field(
        None, description="Our image proxy's poster URL (an episode's own, else its series'); null without one."
    )


class StaleItem(StoredItem):
    last_played: datetime | None = Field(description="When its last play began (UTC); null: never played.")


class StalePage(BaseModel):
    items: list[StaleItem] = Field(description="Largest first.")
    total: int = Field(description="Items not played in the window (never, without `days`).")
    total_size_bytes: int = Field(description="Their files together, in bytes: what deleting them all would free.")
    days: int | None = Field(description="Not played for this many local days (null: never played).")
    since: datetime | None = Field(description="The window's start (UTC): no play began since; null: never.")
    page: int
    page_size: int


class RoiItem(StoredItem):
    hours: float = Field(description="All-time watch time (time really playing), hours to 0.01.")
    seconds: int = Field(description="The same watch time in whole seconds.")
    hours_per_gb: float = Field(description="Watch hours per GiB of its file, to 0.001.")


class RoiPage(BaseModel):
    items: list[RoiItem]
    total: int = Field(description="Items with a file size.")
    order: str = Field(description="worst: fewest watch hours per GiB first (ties: largest first); best: most.")
    page: int
    page_size: int


def stored_item(row: Any) -> dict[str, Any]:
    size = int(row.size_bytes)
    return {
        "id": row.id,
        "name": row.name,
        "media_type": row.type,
        "display": display(row.type, row.name, row.series_name, row.season_number, row.episode_number) or row.name,
        "size_bytes": size,
        "size_gb": round(size / GIB, 2),
        "quality": quality(row.width, row.height),
        "poster": row_poster(row),
    }


def _files(conn: Connection, only: str, only_args: tuple[Any, ...]) -> int:
    """How many video items have a file (of the type `only` picks)."""
    return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM items i WHERE {ON_DISK}{only}", only_args).scalar_one())  # noqa: S608


def _type_filter(media_type: str | None) -> tuple[str, tuple[Any, ...]]:
    return ("", ()) if media_type is None else (" AND i.type = ?", (media_type,))


# -- stale -----------------------------------------------------------------------------------------------------
# Whether a play description `pi` has a play (begun since ?), through the (item_ref, started_at) index.
_HAS_PLAY = "EXISTS (SELECT 1 FROM play_rows p WHERE p.item_ref = pi.ref)"
_HAS_PLAY_SINCE = "EXISTS (SELECT 1 FROM play_rows p WHERE p.item_ref = pi.ref AND p.started_at >= ?)"
# The descriptions in ref order, so that their `_HAS_PLAY` probes walk the play index forwards, page after page
# (NOT INDEXED: the covering item-id index would hand them out in item-id order, the probes all over it).
_BY_REF = "play_items pi NOT INDEXED"
# Library items `i` never played: those without a description (the item-id index says so), and those whose
# descriptions have all lost their plays (deleted: the few refs without a play, found in one walk).
_NEVER_PLAYED = (
    "(NOT EXISTS (SELECT 1 FROM play_items pi WHERE pi.item_id = i.id) "  # noqa: S608
    f"OR (i.id IN (SELECT pi.item_id FROM {_BY_REF} WHERE NOT {_HAS_PLAY}) "
    f"AND NOT EXISTS (SELECT 1 FROM play_items pi WHERE pi.item_id = i.id AND {_HAS_PLAY})))"
)
# Library items `i` not played since ?: not among the items played since, collected in one walk (few for a
# recent window; every item played for a window of years, still one walk).
_NOT_PLAYED_SINCE = f"i.id NOT IN (SELECT pi.item_id FROM {_BY_REF} WHERE {_HAS_PLAY_SINCE})"  # noqa: S608
# The same for a recent window, from its plays by time (a few thousand in a week at tier L: 15 ms, where the walk
# over every description takes 50-130 ms; past a month or so the walk is the quicker). SQLite would rather scan
# the item index whole.
_RECENT_DAYS = 31
_NOT_PLAYED_RECENTLY = (
    "i.id NOT IN (SELECT pi.item_id FROM (SELECT DISTINCT p.item_ref AS ref FROM play_rows p "
    "INDEXED BY ix_play_rows_started_at WHERE p.started_at >= ?) x JOIN play_items pi ON pi.ref = x.ref)"
)


def stale(
    conn: Connection,
    since: datetime | None,
    *,
    days: int | None,
    page: int,
    page_size: int,
    media_type: str | None = None,
) -> StalePage:
    """Items with no play begun since `since` (None: never played), largest first, a page at a time.

    One statement: the unplayed files are found as a set (`_NEVER_PLAYED`, `_NOT_PLAYED_SINCE`, for `days` up to
    a month `_NOT_PLAYED_RECENTLY`) and kept as
    (id, size), then counted, summed and their largest taken for the page, whose rows alone are read whole. The
    page's last plays are then looked up one item at a time."""
    only, only_args = _type_filter(media_type)
    unplayed, since_args = (_NEVER_PLAYED, ()) if since is None else (_NOT_PLAYED_SINCE, (to_micros(since),))
    if since is not None and days is not None and days <= _RECENT_DAYS:
        unplayed = _NOT_PLAYED_RECENTLY
    sql = (
        f"WITH s AS MATERIALIZED (SELECT i.id, i.size_bytes FROM items i WHERE {ON_DISK}{only} AND {unplayed}) "  # noqa: S608
        f"SELECT {STORED_COLUMNS}, t.total, t.total_size "
        "FROM (SELECT COUNT(*) AS total, coalesce(SUM(size_bytes), 0) AS total_size FROM s) t "
        "LEFT JOIN (SELECT id, size_bytes FROM s ORDER BY size_bytes DESC, id LIMIT ? OFFSET ?) pg ON 1 "
        "LEFT JOIN items i ON i.id = pg.id ORDER BY pg.size_bytes DESC, pg.id"
    )
    found = conn.exec_driver_sql(sql, (*only_args, *since_args, page_size, (page - 1) * page_size)).all()
    rows = [row for row in found if row.id is not None]  # past the last page: the totals alone, on one row
    total, total_size = found[0].total, int(found[0].total_size)
    last = last_played(conn, [row.id for row in rows]) if since is not None else {}
    listed = [StaleItem(**stored_item(row), last_played=last.get(row.id)) for row in rows]
    return StalePage(
        items=listed, total=total, total_size_bytes=total_size, days=days, since=since, page=page, page_size=page_size
    )


def last_played(conn: Connection, ids: Iterable[str]) -> dict[str, datetime]:
    """When the last play of each of these items began (items never played are absent)."""
    wanted = list(ids)
    if not wanted:
        return {}
    sql = (
        "SELECT pi.item_id, MAX(p.started_at) FROM play_items pi JOIN play_rows p ON p.item_ref = pi.ref "
        "WHERE pi.item_id IN (SELECT value FROM json_each(?)) GROUP BY pi.item_id"
    )
    return {item_id: from_micros(at) for item_id, at in conn.exec_driver_sql(sql, (json.dumps(wanted),))}


# -- hours per GB ----------------------------------------------------------------------------------------------
def roi(rolled: Rolled, *, order: str, page: int, page_size: int, media_type: str | None = None) -> RoiPage:
    """Items with a file by all-time watch hours per GiB: the rollup's per-item totals plus the plays not yet
    folded (given to SQL as one JSON object, looked up by an index SQLite builds on it), sorted in SQL. How many
    files there are is the library's alone: counted once per library version."""
    loose: dict[str, int] = {}
    for play in rolled.loose():
        row = play.row
        if not row.live_tv and row.item_id and play.micros:
            loose[row.item_id] = loose.get(row.item_id, 0) + play.micros
    only, only_args = _type_filter(media_type)
    watched = "(coalesce(r.micros, 0) + coalesce(l.value, 0))"
    direction = "ASC" if order == "worst" else "DESC"
    size_tie = "DESC" if order == "worst" else "ASC"
    sql = (
        "WITH l AS MATERIALIZED (SELECT key, value FROM json_each(?)) "  # noqa: S608
        f"SELECT {STORED_COLUMNS}, {watched} AS micros FROM items i "
        "LEFT JOIN rollup_item_totals r ON r.item_id = i.id AND ? LEFT JOIN l ON l.key = i.id "
        f"WHERE {ON_DISK}{only} ORDER BY {watched} * 1.0 / i.size_bytes {direction}, i.size_bytes {size_tie}, i.id "
        "LIMIT ? OFFSET ?"
    )
    args = (json.dumps(loose), rolled.usable, *only_args, page_size, (page - 1) * page_size)
    rows = rolled.conn.exec_driver_sql(sql, args).all()
    total: int = cached(rolled.conn, ("files", media_type), lambda conn: _files(conn, only, only_args))
    listed = []
    for row in rows:
        micros = int(row.micros)
        per_gb = micros / MICROS / 3600 / (int(row.size_bytes) / GIB)
        listed.append(
            RoiItem(**stored_item(row), hours=hours(micros), seconds=seconds(micros), hours_per_gb=round(per_gb, 3))
        )
    return RoiPage(items=listed, total=total, order=order, page=page, page_size=page_size)


# -- growth ----------------------------------------------------------------------------------------------------
class Snapshot(BaseModel):
    day: date = Field(description="The local day (TZ).")
    taken_at: datetime = Field(description="When the day's last look was taken (UTC).")
    items: int
    size_bytes: int
    by_type: dict[str, dict[str, int]] = Field(description="{type: {items, size_bytes}}")
    by_quality: dict[str, int] = Field(description="Video items per quality.")


class Trend(BaseModel):
    bytes_per_day: float = Field(description="The least-squares slope through the snapshots' sizes.")
    gb_per_month: float = Field(description="The same per 30 days, GiB to 0.01.")
    r2: float | None = Field(description="How much of the size's variation the line explains (0-1; null: flat).")


class ForecastPoint(BaseModel):
    day: date
    size_bytes: int


class Growth(BaseModel):
    snapshots: list[Snapshot] = Field(description="One per local day with a snapshot, oldest first.")
    trend: Trend | None = Field(description=f"Null until there are {MIN_SNAPSHOTS} snapshots.")
    forecast: list[ForecastPoint] = Field(
        description=f"The trend's size a month, two, ... {FORECAST_MONTHS} months after the last snapshot."
    )
    message: str | None = Field(description="Why there is no trend yet, in plain words (null once there is).")


def growth(conn: Connection, *, days: int | None, today: date) -> Growth:
    """The snapshots (of the last `days` local days, or all), their trend and forecast once there are enough."""
    query = select(library_snapshots).order_by(library_snapshots.c.day)
    if days is not None:
        query = query.where(library_snapshots.c.day > today.toordinal() - days)
    snapshots = [
        Snapshot(
            day=date.fromordinal(row.day),
            taken_at=row.taken_at,
            items=row.items,
            size_bytes=row.size_bytes,
            by_type=json.loads(row.by_type),
            by_quality=json.loads(row.by_quality),
        )
        for row in conn.execute(query)
    ]
    if len(snapshots) < MIN_SNAPSHOTS:
        have = len(snapshots)
        noun = "snapshot" if have == 1 else "snapshots"
        more = MIN_SNAPSHOTS - have
        message = (
            f"{have} daily {noun} so far: a trend needs at least {MIN_SNAPSHOTS}, and the library is recorded once "
            f"a day, so about {more} more day{'s' if more != 1 else ''}."
        )
        return Growth(snapshots=snapshots, trend=None, forecast=[], message=message)
    points = [(s.day.toordinal(), s.size_bytes) for s in snapshots]
    fit = least_squares(points)
    assert fit is not None  # seven distinct days
    trend = Trend(bytes_per_day=round(fit.slope, 1), gb_per_month=round(fit.slope * 30 / GIB, 2), r2=_rounded(fit.r2))
    ahead = [ForecastPoint(day=date.fromordinal(d), size_bytes=s) for d, s in forecast(fit, points[-1][0])]
    return Growth(snapshots=snapshots, trend=trend, forecast=ahead, message=None)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
