"""Library health: what an admin may want to fix in Emby. Items without a poster, without provider ids, missing
and unaired placeholder episodes per series, items whose files Emby reports none of, and runtimes implausible for
their type (`stats.outliers`). Each a page with its count; what Emby stores is read as the last sync saw it.

- A poster: the item's own Primary image. Episodes and seasons without one show their series' in the UI
  (`series_poster` says whether there is one to show).
- Provider ids: the metadata ids (Imdb, Tmdb, Tvdb, ...) that tie an item to a title; movies, series and episodes
  without any were not identified by Emby's metadata providers.
- Placeholders: episodes Emby lists without a file (`LocationType` Virtual, a Placeholder media source). Missing:
  premiered already; unaired: premieres later, or has no premiere date (announced without one).
- Missing files: items in the library, not placeholders, whose file Emby gives no path or no size for.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from emby_analytics.stats.library import VIDEO_TYPES
from emby_analytics.stats.outliers import TICKS_PER_SECOND, Runtime, outliers
from emby_analytics.titles import display

_LIVE = "i.removed_at IS NULL AND i.is_placeholder = 0"
_POSTER_TYPES = ("Movie", "Series", "Season", "Episode", "MusicVideo", "Video", "Trailer")
_IDENTIFIED_TYPES = ("Movie", "Series", "Episode")
_COLUMNS = "i.id, i.name, i.type, i.series_id, i.series_name, i.season_number, i.episode_number"
EPISODES_SHOWN = 50  # placeholder episodes listed per series (the counts are whole)


def _in(types: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{t}'" for t in types) + ")"


class HealthItem(BaseModel):
    id: str
    name: str
    media_type: str = Field(description="The item's Emby type.")
    display: str = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    series_id: str | None


class PosterItem(HealthItem):
    series_poster: bool = Field(description="An episode or season whose series has a poster (the UI shows that).")


class PosterPage(BaseModel):
    items: list[PosterItem]
    total: int
    page: int
    page_size: int


class HealthPage(BaseModel):
    items: list[HealthItem]
    total: int
    page: int
    page_size: int


class Placeholder(BaseModel):
    id: str
    name: str
    season_number: int | None
    episode_number: int | None
    premiere_date: datetime | None
    kind: str = Field(description="missing (premiered already) or unaired (later, or no date).")


class SeriesPlaceholders(BaseModel):
    series_id: str | None
    series_name: str | None
    missing: int
    unaired: int
    episodes: list[Placeholder] = Field(description=f"By season and episode, the first {EPISODES_SHOWN}.")


class PlaceholderPage(BaseModel):
    series: list[SeriesPlaceholders] = Field(description="Most placeholders first, then by name.")
    total: int = Field(description="Series with placeholder episodes.")
    missing: int = Field(description="Missing episodes in all series.")
    unaired: int = Field(description="Unaired episodes in all series.")
    page: int
    page_size: int


class MissingFileItem(HealthItem):
    path: str | None = Field(description="The path Emby gives (admin only).")
    size_bytes: int | None
    location_type: str | None


class MissingFilePage(BaseModel):
    items: list[MissingFileItem]
    total: int
    page: int
    page_size: int


class OutlierItem(HealthItem):
    runtime_seconds: int
    rule: str = Field(
        description="over_24h, movie_short, movie_long, episode_long or episode_vs_siblings (docs/api.md)."
    )
    reason: str = Field(description="The rule in plain words, with this item's figures.")
    expected_seconds: int | None = Field(description="The season's other episodes' median runtime, when compared.")


class OutlierPage(BaseModel):
    items: list[OutlierItem]
    total: int
    page: int
    page_size: int


def _item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "media_type": row.type,
        "display": display(row.type, row.name, row.series_name, row.season_number, row.episode_number) or row.name,
        "series_id": row.series_id,
    }


def _page(conn: Connection, where: str, args: tuple[Any, ...], page: int, page_size: int, extra: str = "") -> Any:
    sql = (
        f"SELECT {_COLUMNS}{extra}, COUNT(*) OVER () AS total FROM items i WHERE {where} "  # noqa: S608
        "ORDER BY i.type, coalesce(i.series_name, ''), coalesce(i.season_number, 0), coalesce(i.episode_number, 0), "
        "i.sort_name, i.id LIMIT ? OFFSET ?"
    )
    rows = conn.exec_driver_sql(sql, (*args, page_size, (page - 1) * page_size)).all()
    if rows:
        return rows, rows[0].total
    total = conn.exec_driver_sql(f"SELECT COUNT(*) FROM items i WHERE {where}", args).scalar_one()  # noqa: S608
    return rows, total


def _typed(types: tuple[str, ...], media_type: str | None) -> tuple[str, tuple[Any, ...]]:
    return (f"i.type IN {_in(types)}", ()) if media_type is None else ("i.type = ?", (media_type,))


def without_poster(conn: Connection, *, page: int, page_size: int, media_type: str | None = None) -> PosterPage:
    typed, args = _typed(_POSTER_TYPES, media_type)
    where = f"{_LIVE} AND {typed} AND i.primary_image_tag IS NULL"
    rows, total = _page(conn, where, args, page, page_size, ", i.series_primary_image_tag AS series_tag")
    listed = [PosterItem(**_item(r), series_poster=r.series_tag is not None) for r in rows]
    return PosterPage(items=listed, total=total, page=page, page_size=page_size)


def without_provider_ids(conn: Connection, *, page: int, page_size: int, media_type: str | None = None) -> HealthPage:
    typed, args = _typed(_IDENTIFIED_TYPES, media_type)
    where = f"{_LIVE} AND {typed} AND (i.provider_ids IS NULL OR i.provider_ids IN ('{{}}', '[]', 'null', ''))"
    rows, total = _page(conn, where, args, page, page_size)
    return HealthPage(items=[HealthItem(**_item(r)) for r in rows], total=total, page=page, page_size=page_size)


def missing_files(conn: Connection, *, page: int, page_size: int, media_type: str | None = None) -> MissingFilePage:
    typed, args = _typed(VIDEO_TYPES, media_type)
    where = (
        f"{_LIVE} AND {typed} AND coalesce(lower(i.location_type), '') != 'virtual' "
        "AND (i.path IS NULL OR i.path = '' OR i.size_bytes IS NULL OR i.size_bytes <= 0)"
    )
    rows, total = _page(conn, where, args, page, page_size, ", i.path, i.size_bytes, i.location_type")
    listed = [
        MissingFileItem(**_item(r), path=r.path, size_bytes=r.size_bytes, location_type=r.location_type) for r in rows
    ]
    return MissingFilePage(items=listed, total=total, page=page, page_size=page_size)


def placeholders(conn: Connection, now: datetime, *, page: int, page_size: int) -> PlaceholderPage:
    """Series with missing or unaired placeholder episodes, most first; `now` decides which is which."""
    # premiere_date is stored as UTC text (`UTCDateTime` on SQLite): compared with `now` spelled the same way.
    moment = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    unaired = "(e.premiere_date IS NULL OR e.premiere_date > ?)"
    where = "e.type = 'Episode' AND e.is_placeholder = 1 AND e.removed_at IS NULL"
    counts = conn.exec_driver_sql(
        f"SELECT e.series_id, max(e.series_name) AS series_name, SUM(NOT {unaired}) AS missing, "  # noqa: S608
        f"SUM({unaired}) AS unaired, COUNT(*) AS n, COUNT(*) OVER () AS total FROM items e WHERE {where} "
        "GROUP BY e.series_id ORDER BY n DESC, coalesce(max(e.series_name), ''), e.series_id LIMIT ? OFFSET ?",
        (moment, moment, page_size, (page - 1) * page_size),
    ).all()
    totals = conn.exec_driver_sql(
        f"SELECT COUNT(DISTINCT coalesce(e.series_id, '')), coalesce(SUM(NOT {unaired}), 0), "  # noqa: S608
        f"coalesce(SUM({unaired}), 0) FROM items e WHERE {where}",
        (moment, moment),
    ).one()
    listed = []
    for row in counts:
        same = "e.series_id = ?" if row.series_id is not None else "e.series_id IS NULL"
        episodes = conn.exec_driver_sql(
            f"SELECT e.id, e.name, e.season_number, e.episode_number, e.premiere_date, {unaired} AS unaired "  # noqa: S608
            f"FROM items e WHERE {where} AND {same} ORDER BY coalesce(e.season_number, 0), "
            "coalesce(e.episode_number, 0), e.id LIMIT ?",
            (moment, *((row.series_id,) if row.series_id is not None else ()), EPISODES_SHOWN),
        ).all()
        listed.append(
            SeriesPlaceholders(
                series_id=row.series_id,
                series_name=row.series_name,
                missing=row.missing,
                unaired=row.unaired,
                episodes=[
                    Placeholder(
                        id=e.id,
                        name=e.name,
                        season_number=e.season_number,
                        episode_number=e.episode_number,
                        premiere_date=_utc(e.premiere_date),
                        kind="unaired" if e.unaired else "missing",
                    )
                    for e in episodes
                ],
            )
        )
    return PlaceholderPage(
        series=listed, total=totals[0], missing=int(totals[1]), unaired=int(totals[2]), page=page, page_size=page_size
    )


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def runtime_outliers(conn: Connection) -> list[OutlierItem]:
    """Every video item whose runtime breaks a rule of `stats.outliers`, longest first."""
    sql = (
        f"SELECT i.id, i.type, i.season_id, i.runtime_ticks FROM items i WHERE {_LIVE} "  # noqa: S608
        f"AND i.type IN {_in(VIDEO_TYPES)} AND i.runtime_ticks > 0"
    )
    found = outliers(
        Runtime(row[0], row[1], row[2], round(row[3] / TICKS_PER_SECOND)) for row in conn.exec_driver_sql(sql)
    )
    rows = {
        row.id: row
        for row in conn.exec_driver_sql(
            f"SELECT {_COLUMNS}, i.runtime_ticks FROM items i WHERE i.id IN (SELECT value FROM json_each(?))",  # noqa: S608
            (json.dumps([o.id for o in found]),),
        )
    }
    listed = [
        OutlierItem(
            **_item(rows[o.id]),
            runtime_seconds=round(rows[o.id].runtime_ticks / TICKS_PER_SECOND),
            rule=o.rule,
            reason=o.reason,
            expected_seconds=o.expected_seconds,
        )
        for o in found
    ]
    listed.sort(key=lambda item: (-item.runtime_seconds, item.id))
    return listed
