"""When people watch: `/stats/heatmap` (weekday × hour in TZ) and `/stats/concurrency` (streams at once)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from emby_analytics.db.schema import from_micros
from emby_analytics.rollups.fold import day_peak
from emby_analytics.rollups.pieces import day_of
from emby_analytics.stats.rolled import Rolled, hours, seconds

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


def heatmap(rolled: Rolled, *, count_live_tv: bool) -> list[HeatCell]:
    micros = [[0] * 24 for _ in range(7)]
    for (day, hour), value in rolled.by_hour(live_tv=count_live_tv).items():
        micros[date.fromordinal(day).weekday()][hour] += value
    return [
        HeatCell(weekday=d, day=WEEKDAYS[d], hour=h, hours=hours(micros[d][h]), seconds=seconds(micros[d][h]))
        for d in range(7)
        for h in range(24)
    ]


def concurrency(rolled: Rolled) -> Concurrency:
    """Per local day of the window, the most plays open at once: from the rollups, except the days an unfolded
    play touches, which are counted afresh from every play open that day (so is everything, if the rollups were
    cut in another time zone)."""
    window, zone = rolled.window, rolled.window.zone
    stored = rolled.peaks()
    fresh: dict[int, tuple[int, int | None]] = {}
    for start, end in rolled.unfolded_spans():  # in the window or not: the all-time peak may be among them
        for day in range(day_of(start, zone), day_of(end, zone) + 1):
            if day not in fresh:
                fresh[day] = day_peak(rolled.conn, day, zone)
    first = rolled.first
    if window.first_day is None:  # all time: from the first day anything was played
        earliest = rolled.conn.exec_driver_sql("SELECT min(started_at) FROM play_rows").scalar()
        first = day_of(earliest, zone) if earliest is not None else rolled.last + 1
    days = []
    for day in range(first, rolled.last + 1):
        if day not in fresh and not rolled.usable:
            fresh[day] = day_peak(rolled.conn, day, zone)
        peak, at = fresh.get(day) or stored.get(day) or (0, None)
        days.append(DayPeak(day=date.fromordinal(day), peak=peak, at=_moment(at)))
    best = rolled.all_time_peak()
    for peak, at in fresh.values():
        if peak > best[0] or (peak == best[0] and at is not None and (best[1] is None or at < best[1])):
            best = (peak, at)
    return Concurrency(days=days, peak=best[0], peak_at=_moment(best[1]))


def _moment(micros: int | None) -> datetime | None:
    return from_micros(micros) if micros is not None else None
