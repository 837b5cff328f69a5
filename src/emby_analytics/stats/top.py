"""`/stats/top/items` and `/stats/top/series`: what was watched most in the window, by watch time.

Item statistics leave Live TV and what is not media out, as the original does; episodes display as
`Series - Name (SxxEyy)`; a series ranks by the time spent on all its episodes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import items, play_items
from emby_analytics.stats.posters import poster_url, row_poster
from emby_analytics.stats.rolled import Rolled, hours, seconds
from emby_analytics.titles import display_title


class TopItem(BaseModel):
    item_id: str
    name: str | None
    type: str | None
    display: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    series_id: str | None = None
    poster: str | None = Field(
        None, description="Our image proxy's poster URL (an episode's own, else its series'); null without one."
    )
    hours: float
    seconds: int
    plays: int = Field(description="Viewings started in the window (resumes once; short plays not).")


class TopSeries(BaseModel):
    series_id: str
    name: str | None
    poster: str | None = Field(None, description="Our image proxy's poster URL; null when Emby has none.")
    hours: float
    seconds: int
    plays: int


def _describe(conn: Connection, ids: list[str]) -> dict[str, Any]:
    """Each item as the library has it, else as it was last recorded with a play."""
    found: dict[str, Any] = {}
    if not ids:
        return found
    columns = (items.c.id, items.c.name.label("item_name"), items.c.type.label("item_type"), items.c.series_name,
               items.c.series_id, items.c.season_number, items.c.episode_number, items.c.primary_image_tag,
               items.c.series_primary_image_tag)  # fmt: skip
    for row in conn.execute(select(*columns).where(items.c.id.in_(ids))):
        found[row.id] = row
    missing = [i for i in ids if i not in found]
    if missing:
        recorded = (play_items.c.item_id.label("id"), play_items.c.item_name, play_items.c.item_type,
                    play_items.c.series_name, play_items.c.series_id, play_items.c.season_number,
                    play_items.c.episode_number)  # fmt: skip
        query = select(*recorded).where(play_items.c.item_id.in_(missing)).order_by(play_items.c.ref)
        for played in conn.execute(query):
            found[played.id] = played  # the newest description wins
    return found


def top_items(rolled: Rolled, *, limit: int, media_type: str | None = None) -> list[TopItem]:
    """The items most watched in the window (media only, never Live TV)."""
    return ranked_items(rolled.conn, rolled.top_items(limit, item_type=media_type), limit=limit)


def ranked_items(conn: Connection, totals: dict[str, list[int]], *, limit: int) -> list[TopItem]:
    """The first `limit` of [microseconds, viewings] per item, described."""
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    facts = _describe(conn, [item_id for item_id, _ in ranked])
    out = []
    for item_id, (micros, views) in ranked:
        row = facts.get(item_id)
        out.append(
            TopItem(
                item_id=item_id,
                name=row.item_name if row is not None else None,
                type=row.item_type if row is not None else None,
                display=display_title(row) if row is not None else None,
                series_id=row.series_id if row is not None else None,
                poster=row_poster(row),
                hours=hours(micros),
                seconds=seconds(micros),
                plays=views,
            )
        )
    return out


def top_series(rolled: Rolled, *, limit: int) -> list[TopSeries]:
    totals = rolled.top_series(limit)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    ids = [series_id for series_id, _ in ranked]
    library: dict[str, str | None] = {}
    posters: dict[str, str | None] = {}
    for row in rolled.conn.execute(
        select(items.c.id, items.c.name, items.c.primary_image_tag).where(items.c.id.in_(ids))
    ):
        library[row.id] = row.name
        posters[row.id] = poster_url(row.id) if row.primary_image_tag else None
    missing = [series_id for series_id in ids if series_id not in library]
    if missing:  # not in the library (any more): the name recorded with its episodes' plays
        recorded = select(play_items.c.series_id, play_items.c.series_name).where(play_items.c.series_id.in_(missing))
        for played in rolled.conn.execute(recorded.order_by(play_items.c.ref)):
            library[played.series_id] = played.series_name or library.get(played.series_id)
    return [
        TopSeries(
            series_id=series_id,
            name=library.get(series_id),
            poster=posters.get(series_id),
            hours=hours(m),
            seconds=seconds(m),
            plays=v,
        )
        for series_id, (m, v) in ranked
    ]
