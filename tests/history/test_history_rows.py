"""The import's per-row shortcuts agree with the plain way: times from a per-day cache, ids from the key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from emby_analytics.db.schema import encode_id, to_micros
from emby_analytics.sync.history_rows import local_times, local_to_utc, parse_page, plugin_key, plugin_play_id

ZONES = [ZoneInfo(name) for name in ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")]
# Days on which these zones change their offset, and ordinary ones.
DAYS = [datetime(2025, 3, 30), datetime(2025, 10, 26), datetime(2025, 3, 9), datetime(2025, 11, 2),
        datetime(2025, 4, 6), datetime(2025, 10, 5), datetime(2025, 7, 14), datetime(2024, 2, 29)]  # fmt: skip


@given(
    day=st.sampled_from(DAYS),
    seconds=st.integers(0, 86_399),
    micros=st.integers(0, 999_999),
    zone=st.sampled_from(ZONES),
    layout=st.sampled_from(["{d} {t}.{f}0", "{d} {t}.{f}", "{d}T{t}", "{d} {t}", "{d} {t}.{s}"]),
)
def test_local_times_are_local_to_utc(day: datetime, seconds: int, micros: int, zone: ZoneInfo, layout: str) -> None:
    when = day + timedelta(seconds=seconds)
    text = layout.format(d=f"{when:%Y-%m-%d}", t=f"{when:%H:%M:%S}", f=f"{micros:06d}", s=str(micros)[:3])
    utc, local_second = local_times(text, zone)
    assert utc == to_micros(local_to_utc(text, zone))
    assert local_second == int(when.replace(tzinfo=UTC).timestamp())


def test_a_rows_id_is_its_key_and_local_start() -> None:
    user, item = "a" * 32, "1001"
    page = {
        "colums": ["RowId", "DateCreated", "UserId", "ItemId", "PlayDuration", "PauseDuration"],
        "results": [["7", "2025-10-26 02:30:00.1234567", user.upper(), item, "600", "60"]],
    }
    (row,), invalid, last, count = parse_page(page, ZoneInfo("Europe/Berlin"))
    assert (invalid, last, count) == (0, 7, 1)
    assert encode_id(plugin_play_id("2025-10-26 02:30:00.1234567", user, item)) == row.play_id
    assert plugin_play_id("2025-10-26 02:30:00.1234567", user, item).startswith(
        f"{int(datetime(2025, 10, 26, 2, 30, tzinfo=UTC).timestamp()):08x}"
    )
    assert plugin_key("2025-10-26 02:30:00.1234567", user, item) == f"pr:2025-10-26 02:30:00.1234567:{user}:{item}"
    # 02:30 happened twice that night in Berlin: the first (summer time) is taken, as local_to_utc does.
    assert row.started == to_micros(datetime(2025, 10, 26, 0, 30, 0, 123456, tzinfo=UTC))
    assert (row.stopped - row.started, row.watch_seconds, row.pause_seconds) == (600_000_000, 540, 60)
