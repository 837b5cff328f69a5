"""`/stats/active-users` and `/stats/user/{id}`: who is most active, and one user's whole picture."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Connection, func, select

from emby_analytics.db.schema import plays, users
from emby_analytics.stats.history import HistoryFilter, HistoryPlay, history_page
from emby_analytics.stats.top import TopItem, top_items_for
from emby_analytics.stats.usage import user_names
from emby_analytics.stats.watch import (
    PlayFilter,
    Tally,
    counted_views,
    seconds_by,
    split_days,
    split_hours,
    started_in,
    views_by,
    watched,
)
from emby_analytics.stats.window import Window

BY_DAY_MAX = 366  # a user page's daily series covers at most the last year of its window


class ActiveUser(BaseModel):
    user_id: str
    user: str | None
    days: int = Field(description="Whole days of the watch time (with `hours` and `minutes`: 2 d 3 h 15 min).")
    hours: int = Field(description="Hours beyond the whole days (0-23).")
    minutes: int = Field(description="Minutes beyond the whole hours (0-59).")
    seconds: int = Field(description="The whole watch time in the window, in seconds.")
    total_hours: float = Field(description="The whole watch time in hours (0.01).")
    active_days: int = Field(description="Local days with any watch time in the window.")
    plays: int
    last_seen: datetime | None = Field(description="The end of the user's latest play (or now, if it is open).")


class DayHours(BaseModel):
    day: date
    hours: float
    seconds: int


class HourHours(BaseModel):
    hour: int = Field(description="Hour of the day in TZ (0-23).")
    hours: float
    seconds: int


class NamedUse(BaseModel):
    name: str | None
    plays: int
    hours: float
    seconds: int
    last_seen: datetime | None


class UserDetail(BaseModel):
    user_id: str
    name: str | None
    total_hours: float
    total_seconds: int
    plays: int = Field(description="Viewings in the window (resumes once; short plays and Live TV not).")
    movies: int = Field(description="Distinct movies watched in the window.")
    episodes: int = Field(description="Distinct episodes watched in the window.")
    top_items: list[TopItem]
    recent_plays: list[HistoryPlay]
    by_day: list[DayHours] = Field(description="Watch time per local day (at most the window's last year).")
    by_hour: list[HourHours] = Field(description="Watch time per hour of the day, all 24, over the window.")
    devices: list[NamedUse]
    clients: list[NamedUse]


class UnknownUser(LookupError):
    """No such user in Emby's list and no play by that id."""


def _duration(seconds: float) -> tuple[int, int, int]:
    minutes = int(seconds // 60)
    return minutes // 1440, minutes % 1440 // 60, minutes % 60


def active_users(conn: Connection, window: Window, *, count_live_tv: bool, limit: int) -> list[ActiveUser]:
    where = PlayFilter(live_tv=count_live_tv)
    tallies: dict[str, Tally] = {}
    days: dict[str, set[date]] = defaultdict(set)
    for w in watched(conn, window, where):
        tallies.setdefault(w.user_id, Tally()).seconds += w.seconds
        days[w.user_id].update(day for day, _, _ in split_days(w.start, w.end, window))
    for user, views in views_by(conn, window, where, plays.c.user_id).items():
        tallies.setdefault(user, Tally()).views = views
    ranked = sorted(tallies.items(), key=lambda kv: (-kv[1].seconds, -kv[1].views, kv[0]))[:limit]
    ids = {u for u, _ in ranked}
    names = user_names(conn, ids)
    last = _last_seen(conn, ids)
    out = []
    for user, tally in ranked:
        d, h, m = _duration(tally.seconds)
        out.append(
            ActiveUser(
                user_id=user,
                user=names.get(user),
                days=d,
                hours=h,
                minutes=m,
                seconds=round(tally.seconds),
                total_hours=tally.hours,
                active_days=len(days[user]),
                plays=tally.views,
                last_seen=last.get(user),
            )
        )
    return out


def _last_seen(conn: Connection, ids: set[str]) -> dict[str, datetime]:
    if not ids:
        return {}
    latest = func.max(func.coalesce(plays.c.stopped_at, plays.c.last_seen_at))
    query = select(plays.c.user_id, latest).where(plays.c.user_id.in_(ids)).group_by(plays.c.user_id)
    return {user_id: value for user_id, value in conn.execute(query) if value is not None}


def user_detail(
    conn: Connection, user_id: str, window: Window, *, count_live_tv: bool, recent: int = 10, top: int = 10
) -> UserDetail:
    known = conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is not None
    if not known and conn.execute(select(plays.c.id).where(plays.c.user_id == user_id).limit(1)).first() is None:
        raise UnknownUser(user_id)
    where = PlayFilter(user_id=user_id, live_tv=count_live_tv)
    total = 0.0
    days_from = window.last_day - timedelta(days=BY_DAY_MAX - 1)
    per_day: dict[date, float] = defaultdict(float)
    per_hour: dict[int, float] = defaultdict(float)
    for w in watched(conn, window, where):
        total += w.seconds
        for day, a, b in split_days(w.start, w.end, window):
            if day >= days_from:
                per_day[day] += (b - a).total_seconds()
        for hour_start, seconds in split_hours(w.start, w.end, window):
            per_hour[hour_start.hour] += seconds
    views = views_by(conn, window, PlayFilter(user_id=user_id), plays.c.item_type)
    distinct = _distinct_items(conn, window, user_id)
    history = history_page(conn, HistoryFilter(user_id=user_id), window.zone, limit=recent, cursor=None)
    return UserDetail(
        user_id=user_id,
        name=user_names(conn, {user_id}).get(user_id),
        total_hours=round(total / 3600, 2),
        total_seconds=round(total),
        plays=sum(views.values()),
        movies=distinct.get("Movie", 0),
        episodes=distinct.get("Episode", 0),
        top_items=top_items_for(conn, window, PlayFilter(user_id=user_id), limit=top),
        recent_plays=history.plays,
        by_day=[DayHours(day=d, hours=round(s / 3600, 2), seconds=round(s)) for d, s in sorted(per_day.items())],
        by_hour=[HourHours(hour=h, hours=round(per_hour[h] / 3600, 2), seconds=round(per_hour[h])) for h in range(24)],
        devices=_uses(conn, window, where, plays.c.device_name),
        clients=_uses(conn, window, where, plays.c.client),
    )


def _distinct_items(conn: Connection, window: Window, user_id: str) -> dict[str, int]:
    query = (
        select(plays.c.item_type, func.count(plays.c.item_id.distinct()))
        .where(plays.c.user_id == user_id, counted_views(), started_in(window))
        .group_by(plays.c.item_type)
    )
    return {row[0]: row[1] for row in conn.execute(query) if row[0]}


def _uses(conn: Connection, window: Window, where: PlayFilter, column: ColumnElement[Any]) -> list[NamedUse]:
    """Watch time, viewings and last use per device (or client), most used first."""
    seconds = seconds_by((w.facts.key, w.seconds) for w in watched(conn, window, where, column.label("key")))
    views = views_by(conn, window, where, column)
    latest = func.max(func.coalesce(plays.c.stopped_at, plays.c.last_seen_at))
    last = {row[0]: row[1] for row in conn.execute(select(column, latest).where(where.where()).group_by(column))}
    ranked = sorted(set(seconds) | set(views), key=lambda n: (-seconds.get(n, 0.0), -views.get(n, 0), str(n)))
    return [
        NamedUse(
            name=name,
            plays=views.get(name, 0),
            hours=round(seconds.get(name, 0.0) / 3600, 2),
            seconds=round(seconds.get(name, 0.0)),
            last_seen=last.get(name),
        )
        for name in ranked
    ]
