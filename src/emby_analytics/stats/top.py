"""`/stats/top/items` and `/stats/top/series`: what was watched most in the window, by watch time.

Item statistics leave Live TV and what is not media out, as the original does; episodes display as
`Series - Name (SxxEyy)`; a series ranks by the time spent on all its episodes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import items, plays
from emby_analytics.stats.watch import PlayFilter, Tally, views_by, watched
from emby_analytics.stats.window import Window
from emby_analytics.titles import display_title

# The item types item statistics count: media a person watches or listens to.
MEDIA_TYPES = ("Movie", "Episode", "Audio", "MusicVideo", "Video", "Trailer", "AudioBook")


class TopItem(BaseModel):
    item_id: str
    name: str | None
    type: str | None
    display: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    series_id: str | None = None
    hours: float
    seconds: int
    plays: int = Field(description="Viewings started in the window (resumes once; short plays not).")


class TopSeries(BaseModel):
    series_id: str
    name: str | None
    hours: float
    seconds: int
    plays: int


def _describe(conn: Connection, ids: list[str]) -> dict[str, Any]:
    """The newest play row of each item (its name and episode numbers as recorded), overridden by the library."""
    found: dict[str, Any] = {}
    if not ids:
        return found
    columns = (items.c.id, items.c.name.label("item_name"), items.c.type.label("item_type"), items.c.series_name,
               items.c.series_id, items.c.season_number, items.c.episode_number)  # fmt: skip
    for row in conn.execute(select(*columns).where(items.c.id.in_(ids))):
        found[row.id] = row
    missing = [i for i in ids if i not in found]
    if missing:
        recorded = (plays.c.item_id.label("id"), plays.c.item_name, plays.c.item_type, plays.c.series_name,
                    plays.c.series_id, plays.c.season_number, plays.c.episode_number)  # fmt: skip
        for row in conn.execute(select(*recorded).where(plays.c.item_id.in_(missing)).order_by(plays.c.started_at)):
            found[row.id] = row  # the newest recording wins
    return found


def top_items(conn: Connection, window: Window, *, limit: int, media_type: str | None = None) -> list[TopItem]:
    return top_items_for(conn, window, PlayFilter(item_types=(media_type,) if media_type else None), limit=limit)


def top_items_for(conn: Connection, window: Window, where: PlayFilter, *, limit: int) -> list[TopItem]:
    """The items most watched in the window among the plays `where` selects (media only, never Live TV)."""
    where = replace(where, item_types=where.item_types or MEDIA_TYPES, live_tv=False)
    tallies: dict[str, Tally] = {}
    for w in watched(conn, window, where):
        tallies.setdefault(w.item_id, Tally()).seconds += w.seconds
    for item_id, views in views_by(conn, window, where, plays.c.item_id).items():
        tallies.setdefault(item_id, Tally()).views = views
    ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].seconds, -kv[1].views, kv[0]))[:limit]
    facts = _describe(conn, [item_id for item_id, _ in ranked])
    out = []
    for item_id, tally in ranked:
        row = facts.get(item_id)
        out.append(
            TopItem(
                item_id=item_id,
                name=row.item_name if row is not None else None,
                type=row.item_type if row is not None else None,
                display=display_title(row) if row is not None else None,
                series_id=row.series_id if row is not None else None,
                hours=tally.hours,
                seconds=round(tally.seconds),
                plays=tally.views,
            )
        )
    return out


def top_series(conn: Connection, window: Window, *, limit: int) -> list[TopSeries]:
    where = PlayFilter(item_types=("Episode",), live_tv=False)
    tallies: dict[str, Tally] = {}
    names: dict[str, str | None] = {}
    for w in watched(conn, window, where, plays.c.series_id, plays.c.series_name):
        if w.facts.series_id:
            tallies.setdefault(w.facts.series_id, Tally()).seconds += w.seconds
            names.setdefault(w.facts.series_id, w.facts.series_name)
    for series_id, views in views_by(conn, window, where, plays.c.series_id).items():
        if series_id:
            tallies.setdefault(series_id, Tally()).views = views
    ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].seconds, -kv[1].views, kv[0]))[:limit]
    library = {
        row.id: row.name
        for row in conn.execute(select(items.c.id, items.c.name).where(items.c.id.in_([s for s, _ in ranked])))
    }
    return [
        TopSeries(
            series_id=series_id,
            name=library.get(series_id) or names.get(series_id),
            hours=tally.hours,
            seconds=round(tally.seconds),
            plays=tally.views,
        )
        for series_id, tally in ranked
    ]
