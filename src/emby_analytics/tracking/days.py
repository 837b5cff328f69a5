"""Watch time per local day (watch-time rule 12): segments split at midnight in the configured time zone.

Pure functions. Segments are stored whole, in UTC; splitting happens when days are counted, so changing `TZ`
re-buckets all history correctly, daylight-saving days (23 or 25 hours long) included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight_after(when: datetime, zone: ZoneInfo) -> datetime:
    """The first local midnight strictly after `when`, as an aware datetime in `zone`."""
    local = when.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), time(), zone)


def split_by_day(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[date, float]]:
    """(local day, seconds) pieces of the interval [start, end), cut at each local midnight."""
    cursor = start
    while cursor < end:
        piece_end = min(end, local_midnight_after(cursor, zone))
        yield cursor.astimezone(zone).date(), (piece_end - cursor).total_seconds()
        cursor = piece_end


def seconds_by_day(intervals: Iterable[tuple[datetime, datetime]], zone: ZoneInfo) -> dict[date, float]:
    """Total seconds per local day over many (start, end) intervals."""
    totals: dict[date, float] = {}
    for start, end in intervals:
        for day, seconds in split_by_day(start, end, zone):
            totals[day] = totals.get(day, 0.0) + seconds
    return totals
