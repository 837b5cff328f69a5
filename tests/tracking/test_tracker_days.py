"""Days are local: a segment crossing midnight in TZ is split there, on ordinary and daylight-saving days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from emby_analytics.tracking.days import seconds_by_day, split_by_day

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "end", "zone", "expected"),
    [
        # 20 minutes from 23:50 UTC: 10 min on each UTC day.
        (utc(2025, 3, 1, 23, 50), utc(2025, 3, 2, 0, 10), UTC_ZONE, {date(2025, 3, 1): 600, date(2025, 3, 2): 600}),
        # The same minutes in Berlin (UTC+1) are 00:50-01:10 on one local day.
        (utc(2025, 3, 1, 23, 50), utc(2025, 3, 2, 0, 10), BERLIN, {date(2025, 3, 2): 1200}),
        # Berlin midnight is 23:00 UTC in winter.
        (utc(2025, 1, 10, 22, 30), utc(2025, 1, 10, 23, 30), BERLIN,
         {date(2025, 1, 10): 1800, date(2025, 1, 11): 1800}),
        # Spring forward: 2025-03-30 in Berlin has 23 hours; a whole-day play is 23 h on that day.
        (utc(2025, 3, 29, 23, 0), utc(2025, 3, 30, 22, 0), BERLIN, {date(2025, 3, 30): 23 * 3600}),
        # Fall back: 2025-11-02 in New York has 25 hours.
        (utc(2025, 11, 2, 4, 0), utc(2025, 11, 3, 5, 0), NEW_YORK, {date(2025, 11, 2): 25 * 3600}),
        # Three days: the middle one whole.
        (utc(2025, 6, 1, 12, 0), utc(2025, 6, 3, 12, 0), UTC_ZONE,
         {date(2025, 6, 1): 43200, date(2025, 6, 2): 86400, date(2025, 6, 3): 43200}),
        # Empty and reversed intervals count nothing.
        (utc(2025, 6, 1, 12, 0), utc(2025, 6, 1, 12, 0), BERLIN, {}),
        (utc(2025, 6, 1, 13, 0), utc(2025, 6, 1, 12, 0), BERLIN, {}),
    ],
)  # fmt: skip
def test_split_by_day(start: datetime, end: datetime, zone: ZoneInfo, expected: dict[date, float]) -> None:
    assert seconds_by_day([(start, end)], zone) == expected
    assert sum(seconds for _, seconds in split_by_day(start, end, zone)) == max(0.0, (end - start).total_seconds())


def test_days_never_exceed_their_length_with_overlapping_streams() -> None:
    # Two devices all day: 48 h of watching on one 24 h day is possible only with two streams (rule 12's bound).
    day = [(utc(2025, 6, 2, 0, 0), utc(2025, 6, 3, 0, 0))] * 2
    assert seconds_by_day(day, UTC_ZONE) == {date(2025, 6, 2): 2 * 86400}
