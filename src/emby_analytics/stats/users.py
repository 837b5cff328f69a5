"""`/stats/active-users` and `/stats/user/{id}`: who is most active, and one user's whole picture."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import from_micros, play_users, plays, users
from emby_analytics.stats.history import HistoryFilter, HistoryPlay, history_page
from emby_analytics.stats.rolled import MEDIA_TYPES, MICROS, Loose, Rolled, hours, seconds
from emby_analytics.stats.top import TopItem, ranked_items
from emby_analytics.stats.usage import user_names
from emby_analytics.stats.user_folded import add_item, folded_items, folded_user, user_days, user_total

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
    totals = rolled.by_user(live_tv=count_live_tv)
    days = rolled.active_days(live_tv=count_live_tv)
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
                active_days=days.get(user, 0),
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


@dataclass
class _Use:
    micros: int = 0
    views: int = 0
    last: datetime | None = None

    def add(self, micros: int, views: int, last: datetime | None) -> None:
        self.micros += micros
        self.views += views
        if last is not None and (self.last is None or last > self.last):
            self.last = last


@dataclass
class _Ledger:
    """One user's watch time and viewings in the window, per item, device, client and hour of the day."""

    items: dict[str, _Use] = field(default_factory=lambda: defaultdict(_Use))
    types: dict[str | None, set[str]] = field(default_factory=lambda: defaultdict(set))  # item ids viewed, per type
    counted: dict[str | None, int] = field(default_factory=dict)  # more items viewed, per type (not in `types`)
    devices: dict[str | None, _Use] = field(default_factory=lambda: defaultdict(_Use))
    clients: dict[str | None, _Use] = field(default_factory=lambda: defaultdict(_Use))
    hours: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def played(self, row: Any, micros: int, last: datetime | None, *, timed: bool) -> None:
        """Time of plays of one item on one device (Live TV only in devices and clients, and only if timed)."""
        if not row.live_tv and row.item_type in MEDIA_TYPES and micros:
            self.items[row.item_id].add(micros, 0, None)
        if timed:  # a device's last use is its latest play's end, however short
            self.devices[row.device_name].add(micros, 0, last)
            self.clients[row.client].add(micros, 0, last)

    def played_from_segments(self, play: Loose, count_live_tv: bool) -> None:
        """A play read from its segments: its time, and its hours of the day when its time counts."""
        timed = count_live_tv or not play.row.live_tv
        self.played(play.row, play.micros, play.row.stopped_at or play.row.last_seen_at, timed=timed)
        if timed:
            for _day, hour, micros in play.pieces:
                self.hours[hour] += micros

    def viewed(self, first: Any, views: int) -> None:
        """Viewings counted in the window, by their first play's item, device and client."""
        if not views:
            return
        self.types[first.item_type].add(first.item_id)
        if first.item_type in MEDIA_TYPES:
            self.items[first.item_id].add(0, views, None)
        self.devices[first.device_name].add(0, views, None)
        self.clients[first.client].add(0, views, None)

    def distinct(self, item_type: str) -> int:
        return self.counted.get(item_type, 0) + len(self.types[item_type])


def user_detail(rolled: Rolled, user_id: str, *, count_live_tv: bool, recent: int = 10, top: int = 10) -> UserDetail:
    conn = rolled.conn
    known = conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is not None
    if not known and conn.execute(select(play_users.c.ref).where(play_users.c.user_id == user_id)).first() is None:
        raise UnknownUser(user_id)
    days_from = rolled.last - BY_DAY_MAX + 1
    if rolled.usable and rolled.all_time:
        per_day = user_days(rolled, user_id, days_from, live_tv=count_live_tv)
        total, views = user_total(rolled, user_id, live_tv=count_live_tv)
        ledger = _rolled_ledger(rolled, user_id, count_live_tv, top)
    else:
        per_day = user_days(rolled, user_id, rolled.first, live_tv=count_live_tv)
        total, views = sum(m for m, _ in per_day.values()), sum(v for _, v in per_day.values())
        ledger = _raw_ledger(rolled, user_id, count_live_tv)
    # The user's latest plays through the (user, start) index, newest first: a page of `recent`.
    history = history_page(conn, HistoryFilter(user_id=user_id), rolled.window.zone, limit=recent, cursor=None)
    items = {item_id: [use.micros, use.views] for item_id, use in ledger.items.items()}
    return UserDetail(
        user_id=user_id,
        name=user_names(conn, {user_id}).get(user_id),
        total_hours=hours(total),
        total_seconds=seconds(total),
        plays=views,
        movies=ledger.distinct("Movie"),
        episodes=ledger.distinct("Episode"),
        top_items=ranked_items(conn, items, limit=top),
        recent_plays=history.plays,
        by_day=[
            DayHours(day=date.fromordinal(day), hours=hours(micros), seconds=seconds(micros))
            for day, (micros, _views) in sorted(per_day.items())
            if day >= days_from and micros
        ],
        by_hour=[HourHours(hour=h, hours=hours(ledger.hours[h]), seconds=seconds(ledger.hours[h])) for h in range(24)],
        devices=_uses(ledger.devices),
        clients=_uses(ledger.clients),
    )


_FOLDED_HOURS = (
    "SELECT r.hour, SUM(r.micros) FROM rollup_user_hours r JOIN play_users u ON u.ref = r.user_ref "
    "WHERE u.user_id = ? AND (? OR r.live_tv = 0) GROUP BY r.hour"
)


def _rolled_ledger(rolled: Rolled, user_id: str, count_live_tv: bool, top: int) -> _Ledger:
    """All time: the folded plays summed (`user_folded`), the unfolded ones from segments."""
    ledger = _Ledger()
    mine = [play for play in rolled.loose() if play.row.user_id == user_id]
    views = [view for view in rolled.loose_views() if view.user_id == user_id]
    folded = folded_user(rolled, user_id, top)
    # The items unfolded plays add to: their folded share replaces the summary's (which has only the top ones).
    touched = {play.row.item_id for play in mine} | {view.item_id for view in views}
    extra: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    seen: set[tuple[str | None, str]] = set()
    for item_id, item_type, live, micros, counted in folded_items(rolled, user_id, touched):
        add_item(extra, item_id, item_type, bool(live), micros or 0, counted)
        if counted:
            seen.add((item_type, item_id))
    for item_id, (micros, counted) in {**folded.items, **extra}.items():
        ledger.items[item_id].add(micros, counted, None)
    ledger.counted.update(folded.kinds)
    for use in folded.uses:
        last = from_micros(use.last) if use.last else None
        if count_live_tv or not use.live_tv:
            ledger.devices[use.device].add(use.micros, 0, last)
            ledger.clients[use.client].add(use.micros, 0, last)
        if use.views:
            ledger.devices[use.device].add(0, use.views, None)
            ledger.clients[use.client].add(0, use.views, None)
    for hour, micros in rolled.rows(_FOLDED_HOURS, user_id, count_live_tv):
        ledger.hours[hour] += micros
    for play in mine:
        ledger.played_from_segments(play, count_live_tv)
    for view in views:
        ledger.viewed(view, 1)
    for item_type, item_id in seen:  # viewed in the folded plays already: counted in `counted`
        ledger.types[item_type].discard(item_id)
    return ledger


def _raw_ledger(rolled: Rolled, user_id: str, count_live_tv: bool) -> _Ledger:
    """Any window: every play of the user in it, from segments."""
    ledger = _Ledger()
    own = rolled.plays_of(user_id)
    for play in own:
        ledger.played_from_segments(play, count_live_tv)
    by_id = {play.row.id: play.row for play in own}
    counting = {play.row.view_id for play in own if not play.row.short and not play.row.live_tv}
    for view in counting:
        first = by_id.get(view)
        if first is not None and rolled.begun_inside(first):
            ledger.viewed(first, 1)
    return ledger


def _uses(uses: dict[str | None, _Use]) -> list[NamedUse]:
    """Watch time, viewings and last use per device (or client), most used first."""
    ranked = sorted(uses.items(), key=lambda kv: (-kv[1].micros, -kv[1].views, str(kv[0])))
    return [
        NamedUse(name=name, plays=use.views, hours=hours(use.micros), seconds=seconds(use.micros), last_seen=use.last)
        for name, use in ranked
        if use.micros or use.views
    ]
