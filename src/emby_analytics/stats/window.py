"""The time window a statistic covers: whole local days in `TZ` (DST-aware), ending today, or all time.

`days=7` (or `timeframe=7d`) is today and the six days before it, from local midnight; `from`/`to` are local days,
inclusive; no window is all time. The window's `start`/`end` are UTC instants at local midnights, so every statistic
clips watch time at exactly the same edges and totals agree across endpoints (nothing is recorded after now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Timeframe = Literal["1d", "3d", "7d", "14d", "30d", "90d", "365d", "all-time"]
TIMEFRAME_DAYS: dict[str, int | None] = {
    "1d": 1,
    "3d": 3,
    "7d": 7,
    "14d": 14,
    "30d": 30,
    "90d": 90,
    "365d": 365,
    "all-time": None,
}
MAX_DAYS = 3650


class InvalidWindow(ValueError):
    """The window's parameters contradict each other (the message says how)."""


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, whole local days; `start` None is the beginning of time. `first_day`/`last_day` are the
    local days (`end` is the midnight after `last_day`)."""

    start: datetime | None
    end: datetime
    zone: ZoneInfo
    first_day: date | None
    last_day: date

    @property
    def all_time(self) -> bool:
        return self.start is None

    def days(self) -> list[date]:
        """Every local day of the window (all time: from `first_day` when set by the caller, else none)."""
        if self.first_day is None:
            return []
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]

    def since(self, first_day: date) -> Window:
        """This window, starting no earlier than `first_day` (an all-time window starts there)."""
        first = first_day if self.first_day is None else max(first_day, self.first_day)
        return Window(local_midnight(first, self.zone), self.end, self.zone, first, self.last_day)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day begins, in UTC (DST-aware: a day may be 23 or 25 hours long)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The instant the current month began in TZ (local midnight of its first day), as UTC."""
    return local_midnight(now.astimezone(zone).date().replace(day=1), zone)


def resolve(
    now: datetime,
    zone: ZoneInfo,
    *,
    days: int | None = None,
    timeframe: Timeframe | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    default_days: int | None = 30,
) -> Window:
    """The window the parameters ask for; `timeframe` wins over `days`; `from`/`to` make a custom window.
    With none of them, the endpoint's `default_days` (None: all time)."""
    today = now.astimezone(zone).date()
    if (day_from is not None or day_to is not None) and (days is not None or timeframe is not None):
        raise InvalidWindow("give either from/to or days/timeframe, not both")
    if day_from is not None or day_to is not None:
        last = day_to or today
        if day_from is not None and day_from > last:
            raise InvalidWindow("from must not be after to")
        end = local_midnight(last + timedelta(days=1), zone)
        start = local_midnight(day_from, zone) if day_from is not None else None
        if start is not None and start > now:
            raise InvalidWindow("from is in the future")
        return Window(start, end, zone, day_from, last)
    count = TIMEFRAME_DAYS[timeframe] if timeframe is not None else days if days is not None else default_days
    end = local_midnight(today + timedelta(days=1), zone)
    if count is None:
        return Window(None, end, zone, None, today)
    first = today - timedelta(days=count - 1)
    return Window(local_midnight(first, zone), end, zone, first, today)
