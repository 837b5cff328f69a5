"""`/stats/usage` (hours per user per local day) and `/stats/top/users`: who watched how much, from segments."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import plays, users
from emby_analytics.stats.watch import PlayFilter, Tally, seconds_by, split_days, views_by, watched
from emby_analytics.stats.window import Window


class UserDay(BaseModel):
    day: date = Field(description="Local day in TZ.")
    user_id: str
    user: str | None
    hours: float = Field(description="Watch time that day, in hours (0.01); a play across midnight is split.")
    seconds: int = Field(description="The same watch time in whole seconds.")


class TopUser(BaseModel):
    user_id: str
    name: str | None
    hours: float
    seconds: int
    plays: int = Field(description="Viewings started in the window (resumes once; short plays and Live TV not).")


def user_names(conn: Connection, ids: set[str]) -> dict[str, str | None]:
    """Each user's current name (Emby's), else the name recorded with their plays."""
    if not ids:
        return {}
    names: dict[str, str | None] = {
        row.id: row.name for row in conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(ids)))
    }
    missing = ids - set(names)
    if missing:
        query = select(plays.c.user_id, plays.c.user_name).where(plays.c.user_id.in_(missing)).distinct()
        for row in conn.execute(query):
            names.setdefault(row.user_id, row.user_name)
    return names


def usage(conn: Connection, window: Window, *, count_live_tv: bool, user_id: str | None = None) -> list[UserDay]:
    where = PlayFilter(user_id=user_id, live_tv=count_live_tv)
    per_day = seconds_by(
        ((w.user_id, day), (b - a).total_seconds())
        for w in watched(conn, window, where)
        for day, a, b in split_days(w.start, w.end, window)
    )
    names = user_names(conn, {user for user, _ in per_day})
    return [
        UserDay(day=day, user_id=user, user=names.get(user), hours=round(s / 3600, 2), seconds=round(s))
        for (user, day), s in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def top_users(conn: Connection, window: Window, *, count_live_tv: bool, limit: int) -> list[TopUser]:
    where = PlayFilter(live_tv=count_live_tv)
    tallies: dict[str, Tally] = {}
    for w in watched(conn, window, where):
        tallies.setdefault(w.user_id, Tally()).seconds += w.seconds
    for user, views in views_by(conn, window, where, plays.c.user_id).items():
        tallies.setdefault(user, Tally()).views = views
    ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].seconds, -kv[1].views, kv[0]))[:limit]
    names = user_names(conn, {user for user, _ in ranked})
    return [
        TopUser(user_id=u, name=names.get(u), hours=t.hours, seconds=round(t.seconds), plays=t.views) for u, t in ranked
    ]
