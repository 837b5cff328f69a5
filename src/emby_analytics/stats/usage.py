"""`/stats/usage` (hours per user per local day) and `/stats/top/users`: who watched how much."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import play_users, users
from emby_analytics.stats.rolled import Rolled, hours, seconds


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
    plays: int = Field(description="Viewings begun in the window (resumes once; short plays and Live TV not).")


def user_names(conn: Connection, ids: set[str]) -> dict[str, str | None]:
    """Each user's current name (Emby's), else the name recorded with their plays."""
    if not ids:
        return {}
    names: dict[str, str | None] = {
        row.id: row.name for row in conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(ids)))
    }
    missing = ids - set(names)
    if missing:
        recorded = select(play_users.c.user_id, play_users.c.user_name).where(play_users.c.user_id.in_(missing))
        names.update({row.user_id: row.user_name for row in conn.execute(recorded)})
    return names


def usage(rolled: Rolled, *, count_live_tv: bool, user_id: str | None = None) -> list[UserDay]:
    per_day = rolled.by_user_day(live_tv=count_live_tv, user_id=user_id)
    names = user_names(rolled.conn, {user for user, _ in per_day})
    return [
        UserDay(day=date.fromordinal(day), user_id=user, user=names.get(user), hours=hours(micros),
                seconds=seconds(micros))
        for (user, day), (micros, _views) in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        if micros
    ]  # fmt: skip


def top_users(rolled: Rolled, *, count_live_tv: bool, limit: int) -> list[TopUser]:
    totals = rolled.by_user(live_tv=count_live_tv)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    names = user_names(rolled.conn, {user for user, _ in ranked})
    return [TopUser(user_id=u, name=names.get(u), hours=hours(m), seconds=seconds(m), plays=v) for u, (m, v) in ranked]
