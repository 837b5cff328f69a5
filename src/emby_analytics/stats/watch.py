"""Plays and their segments' time inside a window, read straight from the plays (watch-time.md: pauses,
stalls and seeks are not in any segment): what the history lists. Statistics over many plays read the rollups
instead (`stats.rolled`), which agree with this to the microsecond.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, select, true

from emby_analytics.db.schema import plays, segments
from emby_analytics.stats.window import Window

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


def seconds_by(pieces: Iterable[tuple[Any, float]]) -> dict[Any, float]:
    totals: dict[Any, float] = defaultdict(float)
    for key, seconds in pieces:
        totals[key] += seconds
    return dict(totals)


def started_in(window: Window) -> ColumnElement[bool]:
    if window.start is None:
        return plays.c.started_at < window.end
    return and_(plays.c.started_at >= window.start, plays.c.started_at < window.end)
