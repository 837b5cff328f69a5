"""Totals agree: over any window and in any time zone, Σ usage = Σ top users = Σ history (window seconds) =
overview's hours, and all equal the watch time a plain reference computes from the segments (clip, sum). Plays are
generated at random (users, items, several segments, plays across midnights and window edges, short plays, Live TV)
and written through the tracker's own store; none, some or all of them are folded into the rollups first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import migrated_database

from emby_analytics.db.engine import Database
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.stats.history import HistoryFilter, history_page
from emby_analytics.stats.overview import overview
from emby_analytics.stats.rolled import Rolled, RollupCache
from emby_analytics.stats.usage import top_users, usage
from emby_analytics.stats.window import Window, resolve
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 3, 29, 15, 30, tzinfo=UTC)  # the day Europe goes to summer time
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe"]
USERS = [f"{n:032x}" for n in range(1, 5)]


def plays(edges: list[datetime]) -> st.SearchStrategy[list[Play]]:
    """Plays that start near the given instants (window edges, local midnights): where counting goes wrong."""

    @st.composite
    def build(draw: st.DrawFn) -> list[Play]:
        out = []
        for n in range(draw(st.integers(0, 12))):
            anchor = draw(st.sampled_from(edges))
            before_or_after = st.one_of(st.integers(-14_400, -1), st.integers(0, 14_400))
            start = min(NOW - timedelta(seconds=60), anchor + timedelta(seconds=draw(before_or_after)))
            cursor, position, parts = start, 0, []
            for _ in range(draw(st.integers(1, 4))):
                cursor += timedelta(seconds=draw(st.integers(0, 3_000)))  # a pause, or none
                length = draw(st.one_of(st.integers(1, 600), st.integers(3_600, 14_000)))
                end = min(cursor + timedelta(seconds=length), NOW)
                if end <= cursor:
                    break
                seconds = round((end - cursor).total_seconds())
                parts.append(Segment(cursor, end, position, position + seconds * TICKS_PER_SECOND))
                position += seconds * TICKS_PER_SECOND
                cursor = end
            live = draw(st.booleans()) and n % 4 == 0
            user = draw(st.sampled_from(USERS))
            context = PlayContext(user, str(100 + n % 5), item_type="TvChannel" if live else "Movie", live_tv=live)
            stopped = parts[-1].ended_at if parts else start
            play = Play(f"{n:032x}", f"s{n}", start, stopped, context, stopped_at=stopped, segments=parts)
            play.short = play.watch_seconds < 30
            out.append(play)
        return out

    return build()


def edges_of(window: Window) -> list[datetime]:
    """The window's start and the local midnights around it and inside it (and now)."""
    first = window.first_day or (NOW.astimezone(window.zone).date() - timedelta(days=5))
    days = [first + timedelta(days=k) for k in range(-1, (window.last_day - first).days + 2)]
    return [*[datetime.combine(d, time(), window.zone).astimezone(UTC) for d in days][:40], NOW]


def reference(rows: list[Play], window: Window, *, count_live_tv: bool) -> float:
    """Watch time inside the window, the plain way."""
    total = 0.0
    for play in rows:
        if play.context.live_tv and not count_live_tv:
            continue
        for s in play.segments:
            start = s.started_at if window.start is None else max(s.started_at, window.start)
            end = min(s.ended_at, window.end)
            total += max(0.0, (end - start).total_seconds())
    return total


# How much the rollups hold when the question is asked: nothing, everything, the oldest few plays, or everything
# cut in another time zone (a TZ change not yet refolded). The answers must not depend on it.
folds = st.one_of(st.just(0), st.just(1000), st.integers(1, 6), st.just(-1))


def fold_some(db: Database, zone: ZoneInfo, how_many: int) -> None:
    """Fold `how_many` of the oldest plays into the rollups (-1: all of them, in another zone)."""
    if how_many == 0:
        return
    cut_in = ZoneInfo("Asia/Tokyo" if zone.key != "Asia/Tokyo" else "UTC") if how_many < 0 else zone
    db.write_sync(lambda conn: ensure_zone(conn, cut_in))
    db.write_sync(lambda conn: fold(conn, cut_in, batch=abs(how_many) if how_many > 0 else 1000))


windows = st.one_of(
    st.builds(lambda d: {"days": d}, st.integers(1, 30)),
    st.builds(lambda t: {"timeframe": t}, st.sampled_from(["1d", "3d", "7d", "14d", "30d", "all-time"])),
    st.builds(
        lambda a, b: {"day_from": min(a, b), "day_to": max(a, b)},
        st.dates(date(2026, 3, 5), date(2026, 3, 29)),
        st.dates(date(2026, 3, 5), date(2026, 4, 2)),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), asked=windows, zone=st.sampled_from(ZONES), count_live_tv=st.booleans())
def test_every_total_is_the_same_watch_time(
    data: st.DataObject, asked: dict[str, object], zone: str, count_live_tv: bool
) -> None:
    window = resolve(NOW, ZoneInfo(zone), default_days=None, **asked)  # type: ignore[arg-type]
    rows = data.draw(plays(edges_of(window)))
    with migrated_database() as db:
        changed = TickResult(list(rows), list(rows), list(rows))
        db.write_sync(lambda conn: PlayWriter().write(conn, changed, resume_window=timedelta(0)))
        fold_some(db, window.zone, data.draw(folds))
        expected = reference(rows, window, count_live_tv=count_live_tv)
        cache = RollupCache()
        days = db.read_sync(lambda conn: usage(Rolled(conn, window, cache), count_live_tv=count_live_tv))
        users = db.read_sync(
            lambda conn: top_users(Rolled(conn, window, cache), count_live_tv=count_live_tv, limit=500)
        )
        totals = db.read_sync(lambda conn: overview(Rolled(conn, window, cache), count_live_tv=count_live_tv))
        page = db.read_sync(
            lambda conn: history_page(conn, HistoryFilter(window=window), window.zone, limit=500, cursor=None)
        )
    listed = [p for p in page.plays if count_live_tv or not p.live_tv]
    # Each figure is rounded to whole seconds: sums of n of them are within n/2 of the exact total.
    assert abs(sum(d.seconds for d in days) - expected) <= len(days) / 2 + 0.01
    assert abs(sum(u.seconds for u in users) - expected) <= len(users) / 2 + 0.01
    assert abs(sum(p.watch_seconds for p in listed) - expected) <= len(listed) / 2 + 0.01
    assert abs(totals.total_seconds - expected) <= 0.51
    assert all(window.first_day is None or window.first_day <= d.day <= window.last_day for d in days)
    for user in users:  # per user, usage and top users agree
        per_day = sum(d.seconds for d in days if d.user_id == user.user_id)
        assert abs(per_day - user.seconds) <= sum(1 for d in days if d.user_id == user.user_id) / 2 + 0.51
