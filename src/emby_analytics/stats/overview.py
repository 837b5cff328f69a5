"""Library and user totals: `/stats/overview` and `/stats/users/total`."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import items, users
from emby_analytics.stats.rolled import Rolled, hours, seconds


class Overview(BaseModel):
    total_users: int = Field(description="Users known to Emby (not removed).")
    total_items: int = Field(description="Library items (not removed, not placeholders), all types.")
    items_by_type: dict[str, int] = Field(description="Library items per Emby type (Movie, Series, Episode...).")
    total_plays: int = Field(
        description="Viewings begun in the window (on their first play's day): resumes count once, plays under "
        "MIN_PLAY_SECONDS and Live TV not."
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


def overview(rolled: Rolled, *, count_live_tv: bool) -> Overview:
    """Library totals; viewings and hours within the window."""
    by_type = items_by_type(rolled.conn)
    by_user = rolled.by_user(live_tv=count_live_tv)
    micros = sum(m for m, _ in by_user.values())
    return Overview(
        total_users=count_users(rolled.conn),
        total_items=sum(by_type.values()),
        items_by_type=by_type,
        total_plays=sum(v for _, v in by_user.values()),
        unique_plays=rolled.unique_items(),
        total_hours=hours(micros),
        total_seconds=seconds(micros),
    )


def users_total(conn: Connection) -> UsersTotal:
    return UsersTotal(total_users=count_users(conn))
