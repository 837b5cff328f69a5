"""When people watch: `/stats/heatmap` (weekday × hour in TZ) and `/stats/concurrency` (streams at once)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import plays
from emby_analytics.stats.watch import PlayFilter, split_hours, watched
from emby_analytics.stats.window import Window, local_midnight

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HeatCell(BaseModel):
    weekday: int = Field(description="0 = Monday … 6 = Sunday, in TZ.")
    day: str
    hour: int = Field(description="0-23, in TZ.")
    hours: float
    seconds: int


class DayPeak(BaseModel):
    day: date
    peak: int = Field(description="Most plays open at the same moment that day.")
    at: datetime | None = Field(description="When that peak was first reached.")


class Concurrency(BaseModel):
    days: list[DayPeak]
    peak: int = Field(description="The highest number of plays open at once, all time.")
    peak_at: datetime | None


def heatmap(conn: Connection, window: Window, *, count_live_tv: bool) -> list[HeatCell]:
    seconds = [[0.0] * 24 for _ in range(7)]
    for w in watched(conn, window, PlayFilter(live_tv=count_live_tv)):
        for hour_start, piece in split_hours(w.start, w.end, window):
            seconds[hour_start.weekday()][hour_start.hour] += piece
    return [
        HeatCell(weekday=d, day=WEEKDAYS[d], hour=h, hours=round(seconds[d][h] / 3600, 2), seconds=round(seconds[d][h]))
        for d in range(7)
        for h in range(24)
    ]


def _spans(conn: Connection, window: Window) -> list[tuple[datetime, datetime]]:
    """Each play's [start, end) (open plays: until now), clipped to the window."""
    end_of = func.coalesce(plays.c.stopped_at, plays.c.last_seen_at)
    query = select(plays.c.started_at, plays.c.stopped_at, plays.c.last_seen_at).where(plays.c.started_at < window.end)
    if window.start is not None:
        query = query.where(end_of > window.start)
    spans = []
    for row in conn.execute(query):
        start = row.started_at if window.start is None else max(row.started_at, window.start)
        end = min(row.stopped_at or row.last_seen_at, window.end)  # an open play: as far as it was seen
        if end > start:
            spans.append((start, end))
    return spans


def _peaks(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, int]]:
    """(moment, plays open from then on), at every change; ends before starts at the same moment."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    out, open_now = [], 0
    for moment, step in events:
        open_now += step
        out.append((moment, open_now))
    return out


def concurrency(conn: Connection, window: Window) -> Concurrency:
    spans = _spans(conn, window)
    changes = _peaks(spans)
    if window.first_day is None and spans:  # all time: from the first play's day
        window = window.since(min(a for a, _ in spans).astimezone(window.zone).date())
    days, index, open_now = [], 0, 0
    for day in window.days():
        day_start, day_end = local_midnight(day, window.zone), local_midnight(day + timedelta(days=1), window.zone)
        while index < len(changes) and changes[index][0] < day_start:
            open_now = changes[index][1]
            index += 1
        peak, at = open_now, (day_start if open_now else None)  # a play carried over from the day before
        while index < len(changes) and changes[index][0] < day_end:
            moment, open_now = changes[index]
            index += 1
            if open_now > peak:
                peak, at = open_now, moment
        days.append(DayPeak(day=day, peak=peak, at=at))
    everything = _peaks(_spans(conn, Window(None, window.end, window.zone, None, window.last_day)))
    top = max(everything, key=lambda c: c[1], default=None)
    return Concurrency(days=days, peak=top[1] if top else 0, peak_at=top[0] if top else None)
