"""`/stats/usage` (hours per user per local day) and `/stats/top/users`: who watched how much."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import play_users, users
from emby_analytics.stats.rolled import Rolled, hours, seconds


class UserDay(BaseModel):
    day: date = Field(description="Local day in TZ.")
    user_id: str | None = Field(description="null: everyone outside the `top` users, together.")
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


def usage(rolled: Rolled, *, count_live_tv: bool, user_id: str | None = None, top: int | None = None) -> list[UserDay]:
    by_user = rolled.by_user_day(live_tv=count_live_tv, user_id=user_id)
    per_day = _top_and_the_rest(by_user, top) if top is not None else {k: m for k, (m, _views) in by_user.items()}
    names = user_names(rolled.conn, {user for user, _ in per_day if user is not None})
    return [
        UserDay(day=date.fromordinal(day), user_id=user, user=names.get(user) if user else None, hours=hours(micros),
                seconds=seconds(micros))
        for (user, day), micros in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0] or ""))
        if micros
    ]  # fmt: skip


def _top_and_the_rest(per_day: Mapping[tuple[str, int], Sequence[int]], top: int) -> dict[tuple[str | None, int], int]:
    """The `top` users' days as they are, everyone else's summed per day under None."""
    totals: Counter[str] = Counter()
    for (user, _day), (micros, _views) in per_day.items():
        totals[user] += micros
    kept = {user for user, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]}
    merged: Counter[tuple[str | None, int]] = Counter()
    for (user, day), (micros, _views) in per_day.items():
        merged[user if user in kept else None, day] += micros
    return dict(merged)


def top_users(rolled: Rolled, *, count_live_tv: bool, limit: int) -> list[TopUser]:
    totals = rolled.by_user(live_tv=count_live_tv)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    names = user_names(rolled.conn, {user for user, _ in ranked})
    return [TopUser(user_id=u, name=names.get(u), hours=hours(m), seconds=seconds(m), plays=v) for u, (m, v) in ranked]
