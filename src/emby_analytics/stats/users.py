"""`/stats/active-users` and `/stats/user/{id}`: who is most active, and one user's whole picture."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import play_users, plays, to_micros, users
from emby_analytics.rollups.pieces import day_of
from emby_analytics.stats.history import HistoryFilter, HistoryPlay, history_page
from emby_analytics.stats.rolled import MEDIA_TYPES, MICROS, Loose, Rolled, hours, seconds
from emby_analytics.stats.top import TopItem, ranked_items
from emby_analytics.stats.usage import user_names

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


def _duration(total: float) -> tuple[int, int, int]:
    minutes = int(total // 60)
    return minutes // 1440, minutes % 1440 // 60, minutes % 60


def active_users(rolled: Rolled, *, count_live_tv: bool, limit: int) -> list[ActiveUser]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    days: dict[str, int] = defaultdict(int)
    for (user, _day), (micros, views) in rolled.by_user_day(live_tv=count_live_tv).items():
        totals[user][0] += micros
        totals[user][1] += views
        days[user] += 1 if micros else 0
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]
    ids = {u for u, _ in ranked}
    names = user_names(rolled.conn, ids)
    last = _last_seen(rolled.conn, ids)
    out = []
    for user, (micros, views) in ranked:
        d, h, m = _duration(micros // MICROS)
        out.append(
            ActiveUser(
                user_id=user,
                user=names.get(user),
                days=d,
                hours=h,
                minutes=m,
                seconds=seconds(micros),
                total_hours=hours(micros),
                active_days=days[user],
                plays=views,
                last_seen=last.get(user),
            )
        )
    return out


def _last_seen(conn: Connection, ids: set[str]) -> dict[str, datetime]:
    """When each user's latest play ended (or was last seen, if open): among their last few plays, the one
    that ended last (a long play can end after a shorter one begun later)."""
    found: dict[str, datetime] = {}
    for user_id in ids:
        query = (
            select(func.coalesce(plays.c.stopped_at, plays.c.last_seen_at))
            .where(plays.c.user_id == user_id)
            .order_by(plays.c.started_at.desc())
            .limit(20)
        )
        ends = [value for (value,) in conn.execute(query) if value is not None]
        if ends:
            found[user_id] = max(ends)
    return found


def user_detail(rolled: Rolled, user_id: str, *, count_live_tv: bool, recent: int = 10, top: int = 10) -> UserDetail:
    conn, window = rolled.conn, rolled.window
    known = conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is not None
    if not known and conn.execute(select(play_users.c.ref).where(play_users.c.user_id == user_id)).first() is None:
        raise UnknownUser(user_id)
    per_day = {day: value for (_user, day), value in rolled.by_user_day(live_tv=count_live_tv, user_id=user_id).items()}
    days_from = rolled.last - BY_DAY_MAX + 1
    own = rolled.plays_of(user_id)
    timed = [p for p in own if count_live_tv or not p.row.live_tv]
    per_hour: dict[int, int] = defaultdict(int)
    for play in timed:
        for _day, hour, micros in play.pieces:
            per_hour[hour] += micros
    viewings = _viewings(rolled, own)
    items: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for play in own:
        if not play.row.live_tv and play.row.item_type in MEDIA_TYPES and play.micros:
            items[play.row.item_id][0] += play.micros
    distinct: dict[str, set[str]] = defaultdict(set)
    for first in viewings:
        distinct[first.item_type].add(first.item_id)
        if first.item_type in MEDIA_TYPES:
            items[first.item_id][1] += 1
    total = sum(micros for micros, _ in per_day.values())
    history = history_page(conn, HistoryFilter(user_id=user_id), window.zone, limit=recent, cursor=None)
    return UserDetail(
        user_id=user_id,
        name=user_names(conn, {user_id}).get(user_id),
        total_hours=hours(total),
        total_seconds=seconds(total),
        plays=sum(views for _, views in per_day.values()),
        movies=len(distinct["Movie"]),
        episodes=len(distinct["Episode"]),
        top_items=ranked_items(conn, dict(items), limit=top),
        recent_plays=history.plays,
        by_day=[
            DayHours(day=date.fromordinal(day), hours=hours(micros), seconds=seconds(micros))
            for day, (micros, _views) in sorted(per_day.items())
            if day >= days_from and micros
        ],
        by_hour=[HourHours(hour=h, hours=hours(per_hour[h]), seconds=seconds(per_hour[h])) for h in range(24)],
        devices=_uses(timed, viewings, lambda row: row.device_name),
        clients=_uses(timed, viewings, lambda row: row.client),
    )


def _viewings(rolled: Rolled, own: list[Loose]) -> list[Any]:
    """The first plays of the viewings counted in the window (begun in it, with a play that counts)."""
    by_id = {play.row.id: play.row for play in own}
    counting = {play.row.view_id for play in own if not play.row.short and not play.row.live_tv}
    firsts = [by_id[view] for view in counting if view in by_id]
    return [
        row for row in firsts if rolled.first <= day_of(to_micros(row.started_at), rolled.window.zone) <= rolled.last
    ]


def _uses(timed: list[Loose], viewings: list[Any], key: Callable[[Any], str | None]) -> list[NamedUse]:
    """Watch time, viewings (by their first play) and last use per device (or client), most used first."""
    micros: dict[str | None, int] = defaultdict(int)
    views: dict[str | None, int] = defaultdict(int)
    last: dict[str | None, datetime] = {}
    for play in timed:
        name = key(play.row)
        micros[name] += play.micros
        end = play.row.stopped_at or play.row.last_seen_at
        if end is not None and (name not in last or end > last[name]):
            last[name] = end
    for first in viewings:
        views[key(first)] += 1
    ranked = sorted(set(micros) | set(views), key=lambda n: (-micros.get(n, 0), -views.get(n, 0), str(n)))
    return [
        NamedUse(
            name=name,
            plays=views.get(name, 0),
            hours=hours(micros.get(name, 0)),
            seconds=seconds(micros.get(name, 0)),
            last_seen=last.get(name),
        )
        for name in ranked
        if micros.get(name) or views.get(name)
    ]
