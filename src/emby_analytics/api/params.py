"""Query parameters shared by several routes, each validated by its type: bad input is a 422 with a clear message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query

from emby_analytics.stats.window import MAX_DAYS, InvalidWindow, Timeframe, Window, resolve

ID_PATTERN = r"^(?:[0-9a-fA-F]{32}|\d{1,20})$"
USER_ID_PATTERN = r"^[0-9a-fA-F]{32}$"

UserIdParam = Annotated[
    str | None, Query(pattern=ID_PATTERN, description="Emby user id (32 hex digits).", examples=["0" * 32])
]
ItemIdParam = Annotated[str | None, Query(pattern=ID_PATTERN, description="Emby item id.", examples=["4784184"])]
LimitParam = Annotated[int, Query(ge=1, le=500, description="Rows per page (1-500).")]
# Bounded so that a day's edges in any time zone stay representable.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9999, 12, 30)
FromParam = Annotated[
    date | None,
    Query(alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First day (YYYY-MM-DD, in TZ), inclusive."),
]
ToParam = Annotated[
    date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Last day (YYYY-MM-DD, in TZ), inclusive.")
]
PlayMethod = Literal["DirectPlay", "DirectStream", "Transcode"]
MediaType = Literal["Movie", "Episode", "Audio", "Video", "MusicVideo", "TvChannel", "Trailer", "AudioBook", "Book"]

DaysParam = Annotated[
    int | None, Query(ge=1, le=MAX_DAYS, description=f"The window: this many local days up to today (1-{MAX_DAYS}).")
]
TimeframeParam = Annotated[
    Timeframe | None, Query(description="The window by name; wins over `days`. `all-time` has no start.")
]


@dataclass(frozen=True)
class WindowQuery:
    """The window parameters as given: `days` or `timeframe`, or `from`/`to` (local days in TZ, inclusive)."""

    days: int | None
    timeframe: Timeframe | None
    day_from: date | None
    day_to: date | None

    def resolve(
        self, now: datetime, zone: ZoneInfo, *, default_days: int | None, max_days: int | None = None
    ) -> Window:
        """The window, or a 422 saying which parameters contradict each other (or that it is longer than
        `max_days`, for answers given per day)."""
        try:
            window = resolve(
                now, zone, days=self.days, timeframe=self.timeframe, day_from=self.day_from, day_to=self.day_to,
                default_days=default_days,
            )  # fmt: skip
        except InvalidWindow as exc:
            raise HTTPException(422, str(exc)) from None
        if max_days is not None and (window.first_day is None or (window.last_day - window.first_day).days >= max_days):
            raise HTTPException(422, f"this answer is per day: ask for at most {max_days} days (from/to for others)")
        return window


def window_query(
    days: DaysParam = None, timeframe: TimeframeParam = None, day_from: FromParam = None, to: ToParam = None
) -> WindowQuery:
    if days is not None and timeframe is not None:
        days = None  # `timeframe` wins, as documented
    return WindowQuery(days, timeframe, day_from, to)


WindowParams = Annotated[WindowQuery, Depends(window_query)]
ItemLimitParam = Annotated[int, Query(ge=1, le=500, description="How many rows (1-500).")]

# A dashboard charts a few users and sums the rest: 500 users' own rows for a month are ~660 KB of JSON to draw.
TopUsersParam = Annotated[
    int | None,
    Query(ge=0, le=100, description="Keep the N users who watched most (0-100); the rest summed, `user_id` null."),
]
