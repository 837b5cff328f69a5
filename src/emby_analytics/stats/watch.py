"""Watch time inside a window, from segments (watch-time.md: pauses, stalls and seeks are not in any segment).

Every "hours" statistic reads time through here: the segments that overlap the window, clipped at its edges and
split at local midnights (and hours) in `TZ`, so one play that crosses midnight, or a window edge, is counted
exactly once, on the right side. Which plays count:

- hours: every play, Live TV only with COUNT_LIVE_TV (`live_tv=False` leaves it out);
- play counts ("views"): resumes of one viewing count once (their shared view id), short plays and Live TV never.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, true

from emby_analytics.db.schema import plays, segments
from emby_analytics.stats.window import Window
from emby_analytics.tracking.days import local_midnight_after

# A segment is one stretch of continuous playing; none is assumed longer than this when looking for the ones that
# reach into a window from before it (an index bound: a week of uninterrupted playing is not a viewer).
MAX_SEGMENT = timedelta(days=7)


@dataclass(frozen=True)
class PlayFilter:
    """Which plays a statistic looks at (None: any)."""

    user_id: str | None = None
    item_id: str | None = None  # also matches a series' episodes
    item_types: tuple[str, ...] | None = None
    live_tv: bool = True  # False: leave Live TV out
    play_ids: tuple[str, ...] | None = None

    def where(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.play_ids is not None:
            conditions.append(plays.c.id.in_(self.play_ids))
        if self.user_id is not None:
            conditions.append(plays.c.user_id == self.user_id)
        if self.item_id is not None:
            conditions.append((plays.c.item_id == self.item_id) | (plays.c.series_id == self.item_id))
        if self.item_types is not None:
            conditions.append(plays.c.item_type.in_(self.item_types))
        if not self.live_tv:
            conditions.append(plays.c.live_tv.is_(False))
        return and_(true(), *conditions)


@dataclass(frozen=True)
class Watched:
    """One segment's time inside the window: [start, end), with its play's facts."""

    play_id: str
    user_id: str
    item_id: str
    start: datetime
    end: datetime
    facts: Any  # the row: the columns the caller asked for

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def watched(conn: Connection, window: Window, where: PlayFilter, *columns: ColumnElement[Any]) -> Iterator[Watched]:
    """Every segment's time inside the window (clipped), with the play columns asked for."""
    query = (
        select(plays.c.id, plays.c.user_id, plays.c.item_id, segments.c.started_at, segments.c.ended_at, *columns)
        .select_from(segments.join(plays, plays.c.id == segments.c.play_id))
        .where(where.where(), _overlaps(window))
    )
    for row in conn.execute(query):
        start = row.started_at if window.start is None else max(row.started_at, window.start)
        end = min(row.ended_at, window.end)
        if end > start:
            yield Watched(row.id, row.user_id, row.item_id, start, end, row)


def _overlaps(window: Window) -> ColumnElement[bool]:
    if window.start is None:
        return segments.c.started_at < window.end
    return and_(
        segments.c.started_at < window.end,
        segments.c.started_at >= window.start - MAX_SEGMENT,
        segments.c.ended_at > window.start,
    )


def overlapping(window: Window) -> Select[tuple[str]]:
    """The ids of the plays with watch time inside the window (a subquery)."""
    return select(segments.c.play_id).where(_overlaps(window), segments.c.ended_at > segments.c.started_at)


def watched_plays(conn: Connection, window: Window, play_ids: list[str]) -> Iterator[Watched]:
    """`watched` for these plays only."""
    if not play_ids:
        return iter(())
    return watched(conn, window, PlayFilter(play_ids=tuple(play_ids)))


def split_days(start: datetime, end: datetime, window: Window) -> Iterator[tuple[date, datetime, datetime]]:
    """(local day, piece start, piece end) of [start, end), cut at each local midnight."""
    cursor = start
    while cursor < end:
        piece_end = min(end, local_midnight_after(cursor, window.zone))
        yield cursor.astimezone(window.zone).date(), cursor, piece_end
        cursor = piece_end


def split_hours(start: datetime, end: datetime, window: Window) -> Iterator[tuple[datetime, float]]:
    """(local start of the hour, seconds) of [start, end), cut at each local hour."""
    cursor = start
    while cursor < end:
        local = cursor.astimezone(window.zone)
        hour_start = local.replace(minute=0, second=0, microsecond=0)
        piece_end = min(end, (hour_start + timedelta(hours=1)).astimezone(cursor.tzinfo))
        if piece_end <= cursor:  # a repeated hour at the end of daylight saving time
            piece_end = min(end, cursor + timedelta(hours=1))
        yield hour_start, (piece_end - cursor).total_seconds()
        cursor = piece_end


def seconds_by(pieces: Iterable[tuple[Any, float]]) -> dict[Any, float]:
    totals: dict[Any, float] = defaultdict(float)
    for key, seconds in pieces:
        totals[key] += seconds
    return dict(totals)


def counted_views() -> ColumnElement[bool]:
    """Plays that count as plays: not short, not Live TV (rule 9 and the seed)."""
    return and_(plays.c.short.is_(False), plays.c.live_tv.is_(False))


def started_in(window: Window) -> ColumnElement[bool]:
    if window.start is None:
        return plays.c.started_at < window.end
    return and_(plays.c.started_at >= window.start, plays.c.started_at < window.end)


def views_by(conn: Connection, window: Window, where: PlayFilter, key: ColumnElement[Any]) -> dict[Any, int]:
    """Viewings started in the window per `key`: resumes of one viewing count once, short plays and Live TV not."""
    query = (
        select(key, func.count(plays.c.view_id.distinct()))
        .where(where.where(), counted_views(), started_in(window))
        .group_by(key)
    )
    return {row[0]: row[1] for row in conn.execute(query)}


@dataclass
class Tally:
    """Seconds and viewings of one thing (a user, an item...)."""

    seconds: float = 0.0
    views: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)
