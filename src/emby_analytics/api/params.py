"""Query parameters shared by several routes, each validated by its type: bad input is a 422 with a clear message."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query

ID_PATTERN = r"^(?:[0-9a-fA-F]{32}|\d{1,20})$"

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
