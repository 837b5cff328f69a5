"""Library and user totals: `/stats/overview` and `/stats/users/total`."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Connection, and_, distinct, func, select

from emby_analytics.db.schema import items, plays, users
from emby_analytics.stats.watch import PlayFilter, counted_views, started_in, watched
from emby_analytics.stats.window import Window


class Overview(BaseModel):
    total_users: int = Field(description="Users known to Emby (not removed).")
    total_items: int = Field(description="Library items (not removed, not placeholders), all types.")
    items_by_type: dict[str, int] = Field(description="Library items per Emby type (Movie, Series, Episode...).")
    total_plays: int = Field(
        description="Viewings started in the window: resumes count once, plays under MIN_PLAY_SECONDS and Live TV not."
    )
    unique_plays: int = Field(description="Distinct items of those viewings.")
    total_hours: float = Field(description="Watch time in the window, hours (0.01). Live TV only with COUNT_LIVE_TV.")
    total_seconds: int = Field(description="The same watch time in whole seconds.")


class UsersTotal(BaseModel):
    total_users: int


def count_users(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users).where(users.c.removed_at.is_(None))).scalar_one()


def items_by_type(conn: Connection) -> dict[str, int]:
    """Live items per type. Placeholder (missing or unaired) episodes are not in the library, so not counted."""
    rows = conn.execute(
        select(items.c.type, func.count())
        .where(items.c.removed_at.is_(None), items.c.is_placeholder.is_(False))
        .group_by(items.c.type)
        .order_by(items.c.type)
    )
    return {row[0]: row[1] for row in rows}


def overview(conn: Connection, window: Window, *, count_live_tv: bool) -> Overview:
    """Totals; plays and hours within `window` (all time: straight from the plays, each one's watch time)."""
    by_type = items_by_type(conn)
    counted = and_(counted_views(), started_in(window))
    views, unique = conn.execute(
        select(func.count(distinct(plays.c.view_id)), func.count(distinct(plays.c.item_id))).where(counted)
    ).one()
    if window.all_time:
        timed = select(func.coalesce(func.sum(plays.c.watch_seconds), 0.0))
        seconds = conn.execute(timed if count_live_tv else timed.where(plays.c.live_tv.is_(False))).scalar_one()
    else:
        seconds = sum(w.seconds for w in watched(conn, window, PlayFilter(live_tv=count_live_tv)))
    return Overview(
        total_users=count_users(conn),
        total_items=sum(by_type.values()),
        items_by_type=by_type,
        total_plays=views,
        unique_plays=unique,
        total_hours=round(seconds / 3600, 2),
        total_seconds=round(seconds),
    )


def users_total(conn: Connection) -> UsersTotal:
    return UsersTotal(total_users=count_users(conn))
