"""Cutting watch time into local days and hours, and finding the busiest moment (pure; times in microseconds).

Days are the proleptic ordinals of local dates (`date.toordinal()`); hours are local (0-23). Cuts follow the
zone's real edges, so a daylight-saving day is 23 or 25 hours long and a repeated hour counts under its number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from emby_analytics.db.schema import from_micros, to_micros

HOUR = 3_600_000_000


def day_of(moment: int, zone: ZoneInfo) -> int:
    """The local day (ordinal) of a moment."""
    return from_micros(moment).astimezone(zone).date().toordinal()


def day_start(day: int, zone: ZoneInfo) -> int:
    """The moment a local day begins (DST-aware)."""
    return to_micros(datetime.combine(date.fromordinal(day), time(), zone).astimezone(UTC))


def hour_pieces(start: int, end: int, zone: ZoneInfo) -> Iterator[tuple[int, int, int]]:
    """(local day, local hour, microseconds) of [start, end), cut at every local hour edge."""
    cursor = start
    while cursor < end:
        local = from_micros(cursor).astimezone(zone)
        hour_start = local.replace(minute=0, second=0, microsecond=0)
        edge = to_micros((hour_start + timedelta(hours=1)).astimezone(UTC))
        if edge <= cursor:  # the repeated hour at the end of daylight saving time
            edge = cursor + HOUR
        piece_end = min(end, edge)
        yield local.date().toordinal(), local.hour, piece_end - cursor
        cursor = piece_end


def busiest(spans: Iterable[tuple[int, int]], start: int, end: int) -> tuple[int, int | None]:
    """The most spans open at once within [start, end), and the first moment that many were open (None when no
    span is). A span is [a, b): one ending at the moment another begins is not open with it."""
    events: list[tuple[int, int]] = []
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if b > a:
            events += ((a, 1), (b, -1))
    events.sort()  # at one moment, ends (-1) before starts (+1)
    peak, at, open_now = 0, None, 0
    for moment, step in events:
        open_now += step
        if open_now > peak:
            peak, at = open_now, moment
    return peak, at
