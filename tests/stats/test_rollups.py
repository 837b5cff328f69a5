"""The rollups agree with the raw segments: every statistic read through them gives the same answer whether none,
some or all of the plays were folded, or the rollups were cut in another time zone (then they are ignored).
Plays are generated at random with everything a statistic groups by (users, movies and episodes of series, Live
TV, clients and devices, play methods, short plays, resumes of one viewing), in random zones and windows.

Also: the pure cutting into local days and hours, and the busiest moment, by tables of cases."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects import sqlite
from tests.conftest import migrated_database

from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import play_rows, to_micros
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.rollups.job import FoldJob
from emby_analytics.rollups.pieces import busiest, day_start, hour_pieces
from emby_analytics.stats.activity import concurrency, heatmap
from emby_analytics.stats.methods import clients, play_methods
from emby_analytics.stats.overview import overview
from emby_analytics.stats.rolled import UNFOLDED, Rolled, RollupCache
from emby_analytics.stats.top import top_items, top_series
from emby_analytics.stats.usage import top_users, usage
from emby_analytics.stats.user_folded import _ITEMS, _SUMMARY, _USER_DAYS, folded_items
from emby_analytics.stats.users import UnknownUser, active_users, user_detail
from emby_analytics.stats.watch import PlayFilter
from emby_analytics.stats.window import resolve
from emby_analytics.testing import Service
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, Stream, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 10, 25, 11, 0, tzinfo=UTC)  # Europe leaves summer time that night
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
USERS = [f"{n:032x}" for n in range(1, 4)]
H = 3_600_000_000


ITEMS = [
    {"item_id": "m1", "item_type": "Movie", "item_name": "One"},
    {"item_id": "m2", "item_type": "Movie", "item_name": "Two"},
    {"item_id": "e1", "item_type": "Episode", "item_name": "Pilot", "series_id": "s1", "series_name": "Show"},
    {"item_id": "e2", "item_type": "Episode", "item_name": "Next", "series_id": "s1", "series_name": "Show"},
    {"item_id": "c1", "item_type": "TvChannel", "item_name": "News", "live_tv": True},
    {"item_id": "v1", "item_type": "Video", "item_name": "Match", "live_tv": True},  # Live TV of a media type
]
STREAMS = [
    Stream(play_method="DirectPlay"),
    Stream(
        play_method="Transcode",
        video_method="transcode",
        audio_method="direct",
        transcode_reasons=("VideoCodecNotSupported",),
    ),
    Stream(play_method="DirectStream", video_method="direct", audio_method="transcode"),
    # The same method and decisions from other codecs, and the same method decided otherwise: the rollups count
    # per method and per decision, not per interned delivery.
    Stream(
        play_method="Transcode",
        video_method="transcode",
        audio_method="direct",
        video_codec_from="hevc",
        transcode_reasons=("VideoCodecNotSupported",),
    ),
    Stream(play_method="Transcode", video_method="transcode", audio_method="direct", transcode_reasons=("X",)),
    Stream(play_method="Transcode", video_method="direct", audio_method="transcode"),
    Stream(),
]
# Client, device and address: the rollups count per client and device, whatever the address.
CLIENTS = [
    ("Emby Web", "Chrome", "10.0.0.1"),
    ("Roku", "Roku Ultra", None),
    ("Emby Web", "Firefox", "10.0.0.1"),
    ("Emby Web", "Chrome", "10.0.0.2"),
    ("Emby Theater", "Chrome", None),
    (None, None, None),
]


@st.composite
def histories(draw: st.DrawFn) -> list[Play]:
    """Plays over the last ten days, some resuming an earlier play of the same user and item."""
    out: list[Play] = []
    for n in range(draw(st.integers(1, 14))):
        start = NOW - timedelta(seconds=draw(st.integers(60, 10 * 86_400)))
        cursor, position, parts = start, 0, []
        for _ in range(draw(st.integers(1, 3))):
            cursor += timedelta(seconds=draw(st.integers(0, 2_000)))
            end = min(cursor + timedelta(seconds=draw(st.one_of(st.integers(1, 40), st.integers(600, 10_000)))), NOW)
            if end <= cursor:
                break
            seconds = round((end - cursor).total_seconds())
            parts.append(Segment(cursor, end, position, position + seconds * TICKS_PER_SECOND))
            position += seconds * TICKS_PER_SECOND
            cursor = end
        item = draw(st.sampled_from(ITEMS))
        client, device, address = draw(st.sampled_from(CLIENTS))
        context = PlayContext(draw(st.sampled_from(USERS)), client=client, device_name=device, remote_address=address,
                              stream=draw(st.sampled_from(STREAMS)), **item)  # type: ignore[arg-type]  # fmt: skip
        stopped = parts[-1].ended_at if parts else start
        still_open = draw(st.booleans()) and n % 5 == 0
        play = Play(f"{n + 1:032x}", f"s{n}", start, stopped, context, stopped_at=None if still_open else stopped,
                    segments=parts)  # fmt: skip
        play.short = play.watch_seconds < 30
        out.append(play)
    return out


def store(db: Database, rows: list[Play], resumes: list[tuple[int, int]]) -> None:
    """Write the plays through the store, then let some continue an earlier play's viewing (rule 11)."""
    db.write_sync(lambda conn: PlayWriter().write(conn, TickResult(rows, rows, rows), resume_window=timedelta(0)))
    by_start = sorted(rows, key=lambda p: p.started_at)

    def group(conn: Any) -> None:
        for later, earlier in resumes:
            if earlier < later < len(by_start):
                a, b = by_start[earlier], by_start[later]
                if (a.context.user_id, a.context.item_id) == (b.context.user_id, b.context.item_id):
                    conn.execute(update(play_rows).where(play_rows.c.id == b.play_id).values(view_id=a.play_id))

    db.write_sync(group)


Question = Callable[[Rolled], BaseModel | list[Any]]
QUESTIONS: dict[str, Callable[[bool], Question]] = {
    "usage": lambda live: lambda r: usage(r, count_live_tv=live),
    "top users": lambda live: lambda r: top_users(r, count_live_tv=live, limit=50),
    "overview": lambda live: lambda r: overview(r, count_live_tv=live),
    "top items": lambda live: lambda r: top_items(r, limit=50),
    "top movies": lambda live: lambda r: top_items(r, limit=50, media_type="Movie"),
    "top series": lambda live: lambda r: top_series(r, limit=50),
    # the rollups' top few plus what unfolded plays add must still be the true top few
    "first item": lambda live: lambda r: top_items(r, limit=1),
    "first two episodes": lambda live: lambda r: top_items(r, limit=2, media_type="Episode"),
    "first series": lambda live: lambda r: top_series(r, limit=1),
    "active users": lambda live: lambda r: active_users(r, count_live_tv=live, limit=50),
    "heatmap": lambda live: lambda r: heatmap(r, count_live_tv=live),
    "clients": lambda live: lambda r: clients(r, count_live_tv=live, limit=50),
    "play methods": lambda live: lambda r: play_methods(r, PlayFilter(), show_all=True, offset=0, limit=50),
    "concurrency": lambda live: concurrency,
    "user": lambda live: lambda r: one_user(r, live),
}


def one_user(rolled: Rolled, live: bool) -> BaseModel | list[Any]:
    try:
        return user_detail(rolled, USERS[0], count_live_tv=live)
    except UnknownUser:
        return []


def answers(db: Database, window: Any, live: bool) -> dict[str, Any]:
    cache = RollupCache()

    def ask(question: Question) -> Any:
        answer = db.read_sync(lambda conn: question(Rolled(conn, window, cache)))
        return [a.model_dump() for a in answer] if isinstance(answer, list) else answer.model_dump()

    return {name: ask(make(live)) for name, make in QUESTIONS.items()}


windows = st.one_of(
    st.builds(lambda d: {"days": d}, st.integers(1, 12)),
    st.just({"timeframe": "all-time"}),
    st.builds(
        lambda a, b: {"day_from": min(a, b), "day_to": max(a, b)},
        st.dates(date(2026, 10, 14), date(2026, 10, 25)),
        st.dates(date(2026, 10, 14), date(2026, 10, 25)),
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=histories(),
    resumes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),
    asked=windows,
    zone=st.sampled_from(ZONES),
    live=st.booleans(),
    some=st.integers(1, 8),
)
def test_answers_do_not_depend_on_what_was_folded(
    rows: list[Play], resumes: list[tuple[int, int]], asked: dict[str, Any], zone: str, live: bool, some: int
) -> None:
    window = resolve(NOW, ZoneInfo(zone), default_days=None, **asked)
    with migrated_database() as db:
        store(db, rows, resumes)
        raw = answers(db, window, live)  # nothing folded: every play from its segments
        db.write_sync(lambda conn: ensure_zone(conn, ZoneInfo("Asia/Tokyo")))
        db.write_sync(lambda conn: fold(conn, ZoneInfo("Asia/Tokyo")))
        assert answers(db, window, live) == raw, "rollups cut in another zone are ignored"
        db.write_sync(lambda conn: ensure_zone(conn, window.zone))  # TZ changed: everything unfolded again
        db.write_sync(lambda conn: fold(conn, window.zone, batch=some))
        assert answers(db, window, live) == raw, f"the oldest {some} plays folded"
        while db.write_sync(lambda conn: fold(conn, window.zone, batch=3)):
            pass
        assert answers(db, window, live) == raw, "every closed play folded"


def user_pages(db: Database, window: Any, live: bool, top: int) -> dict[str, Any]:
    """Every user's page (None: unknown), `top` items each."""
    cache = RollupCache()

    def page(user: str) -> Any:
        try:
            return db.read_sync(
                lambda conn: user_detail(Rolled(conn, window, cache), user, count_live_tv=live, top=top).model_dump()
            )
        except UnknownUser:
            return None

    return {user: page(user) for user in USERS}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=histories(),
    resumes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),
    zone=st.sampled_from(ZONES),
    live=st.booleans(),
    top=st.integers(1, 3),
    some=st.integers(1, 8),
)
def test_all_time_user_pages_from_the_folded_summary_are_the_raw_ones(
    rows: list[Play], resumes: list[tuple[int, int]], zone: str, live: bool, top: int, some: int
) -> None:
    """All time, a user page reads its folded plays as a summary (the top few items, items viewed per type, device
    and client use) and adds the unfolded ones: every user's page, cut to fewer items than they watched, equals the
    page computed from every play's segments (no rollups yet), whatever was folded."""
    window = resolve(NOW, ZoneInfo(zone), default_days=None)
    with migrated_database() as db:
        store(db, rows, resumes)
        raw = user_pages(db, window, live, top)  # no rollups: every play from its segments
        db.write_sync(lambda conn: ensure_zone(conn, window.zone))
        assert user_pages(db, window, live, top) == raw, "nothing folded yet"
        db.write_sync(lambda conn: fold(conn, window.zone, batch=some))
        assert user_pages(db, window, live, top) == raw, f"the oldest {some} plays folded"
        while db.write_sync(lambda conn: fold(conn, window.zone, batch=3)):
            pass
        assert user_pages(db, window, live, top) == raw, "every closed play folded"


def test_a_users_folded_items_and_days_are_read_by_key() -> None:
    """An item an unfolded play touches has its folded share read from the user's item rollup by key; the page's
    summary reads the user's rows of both user rollups, never the plays; a user's days are looked up by (day,
    user)."""
    start = NOW - timedelta(days=3)
    rows = []
    for n, (user, item) in enumerate((user, item) for item in ITEMS for user in USERS[:2]):  # each plays each item
        begin, end = start + timedelta(hours=n), start + timedelta(hours=n, minutes=50)
        fields = {k: v for k, v in item.items() if k != "item_id"}
        context = PlayContext(user, item["item_id"], client="Roku", device_name="TV", **fields)  # type: ignore[arg-type]
        rows.append(
            Play(f"{n + 1:032x}", f"s{n}", begin, end, context, stopped_at=end, segments=[Segment(begin, end, 0, 0)])
        )
    zone = ZoneInfo("UTC")
    window = resolve(NOW, zone, default_days=None)
    with migrated_database() as db:
        store(db, rows, [])
        db.write_sync(lambda conn: ensure_zone(conn, zone))
        while db.write_sync(lambda conn: fold(conn, zone)):
            pass
        wanted = {"m1", "e2", "c1", "nothing"}
        found = db.read_sync(lambda conn: folded_items(Rolled(conn, window, RollupCache()), USERS[0], wanted))
        assert sorted(row[0] for row in found) == ["c1", "e2", "m1"], "every item the user played, not 'nothing'"
        assert {row[3] for row in found} == {50 * 60 * 1_000_000}, "each item's 50 minutes, once"
        plans = {
            "items": (_ITEMS, (json.dumps(sorted(wanted)), USERS[0])),
            "summary": (_SUMMARY, (USERS[0], "[]", 3, USERS[0], USERS[0])),
            "days": (_USER_DAYS, (1, 2, 3, USERS[0], 3, False)),
        }
        steps = {
            name: " ".join(
                str(step)
                for step in db.read_sync(lambda c, q=q, a=a: c.exec_driver_sql(f"EXPLAIN QUERY PLAN {q}", a).all())
            )
            for name, (q, a) in plans.items()
        }
        assert "SEARCH r USING PRIMARY KEY (user_ref=? AND item_ref=?)" in steps["items"]
        assert "play_rows" not in steps["summary"] and steps["summary"].count("(user_ref=?)") == 3
        assert "(day=? AND user_ref=?)" in steps["days"]


@pytest.mark.parametrize(
    ("asked", "now", "seconds"),
    [
        ({}, NOW - timedelta(days=1), 3600),  # all time as of yesterday (a clock set back): the second play is after it
        ({"day_from": date(2026, 10, 14), "day_to": date(2026, 10, 15)}, NOW, 0),  # days before every folded day
    ],
)
def test_a_user_page_counts_no_folded_day_after_its_window(asked: dict[str, Any], now: datetime, seconds: int) -> None:
    """The days a user page reads by key stop at its window's last day, like its days summed from the plays."""
    zone = ZoneInfo("UTC")
    rows = []
    for n, start in enumerate((NOW - timedelta(days=2), NOW - timedelta(hours=3))):
        end = start + timedelta(hours=1)
        context = PlayContext(USERS[0], "m1", item_type="Movie", item_name="One")
        rows.append(
            Play(f"{n + 1:032x}", f"s{n}", start, end, context, stopped_at=end, segments=[Segment(start, end, 0, 0)])
        )
    window = resolve(now, zone, default_days=None, **asked)
    with migrated_database() as db:
        store(db, rows, [])
        raw = user_pages(db, window, False, 10)[USERS[0]]
        db.write_sync(lambda conn: ensure_zone(conn, zone))
        while db.write_sync(lambda conn: fold(conn, zone)):
            pass
        rolled = user_pages(db, window, False, 10)[USERS[0]]
    assert (rolled["total_seconds"], rolled["plays"], rolled["by_day"]) == (seconds, seconds // 3600, raw["by_day"])
    assert (raw["total_seconds"], raw["plays"]) == (seconds, seconds // 3600)


def test_a_user_pages_top_items_break_ties_as_the_ranking_does() -> None:
    """Items with the same watch time rank by viewings, then by id, in the folded summary's cut as in the page."""
    zone = ZoneInfo("UTC")
    start = NOW - timedelta(days=1)
    spans = [("m1", 0, 60), ("m2", 120, 30), ("m2", 240, 30), ("e1", 360, 60)]  # (item, from minute, minutes)
    rows = []
    for n, (item_id, at, minutes) in enumerate(spans):
        begin = start + timedelta(minutes=at)
        end = begin + timedelta(minutes=minutes)
        item = next(item for item in ITEMS if item["item_id"] == item_id)
        context = PlayContext(USERS[0], **item)  # type: ignore[arg-type]
        rows.append(
            Play(f"{n + 1:032x}", f"s{n}", begin, end, context, stopped_at=end, segments=[Segment(begin, end, 0, 0)])
        )
    window = resolve(NOW, zone, default_days=None)
    with migrated_database() as db:
        store(db, rows, [])
        raw = {top: user_pages(db, window, False, top)[USERS[0]]["top_items"] for top in (1, 2)}
        db.write_sync(lambda conn: ensure_zone(conn, zone))
        while db.write_sync(lambda conn: fold(conn, zone)):
            pass
        rolled = {top: user_pages(db, window, False, top)[USERS[0]]["top_items"] for top in (1, 2)}
    assert rolled == raw
    assert [item["item_id"] for item in raw[2]] == ["m2", "e1"], "an hour each: two viewings first, then by id"


def test_each_play_is_folded_once_and_open_plays_wait(tmp_path: Path) -> None:
    zone = ZoneInfo("Europe/Berlin")
    start = NOW - timedelta(hours=3)
    context = PlayContext(USERS[0], "m1", item_type="Movie", item_name="One")
    closed = Play(f"{1:032x}", "s1", start, start + timedelta(hours=1), context, stopped_at=start + timedelta(hours=1),
                  segments=[Segment(start, start + timedelta(hours=1), 0, 3600 * TICKS_PER_SECOND)])  # fmt: skip
    still = Play(f"{2:032x}", "s2", start, NOW, context, segments=[Segment(start, NOW, 0, 0)])
    with migrated_database() as db:
        store(db, [closed, still], [])
        db.write_sync(lambda conn: ensure_zone(conn, zone))
        assert db.write_sync(lambda conn: fold(conn, zone)) == 1
        assert db.write_sync(lambda conn: fold(conn, zone)) == 0, "folded once; the open play waits until it closes"
        micros = db.read_sync(lambda conn: conn.exec_driver_sql("SELECT SUM(micros) FROM rollup_user_days").scalar())
        assert micros == H


async def test_the_job_folds_what_closed_and_a_new_zone_refolds(service: Service, clock: ManualClock) -> None:
    start = clock.now() - timedelta(hours=5)
    rows = [
        Play(f"{n:032x}", f"s{n}", start, start + timedelta(hours=1), PlayContext(USERS[0], "m1", item_type="Movie"),
             stopped_at=start + timedelta(hours=1), segments=[Segment(start, start + timedelta(hours=1), 0, 0)])
        for n in (1, 2)
    ]  # fmt: skip
    store(service.state.db, rows, [])
    job = service.state.rollups
    await job.run_once()
    assert job.folded == 2
    total = "SELECT SUM(micros) FROM rollup_user_totals"
    assert await service.state.db.read(lambda conn: conn.exec_driver_sql(total).scalar()) == 2 * H
    body = (await service.http.get("/stats/top/users")).json()
    assert body[0]["seconds"] == 7200

    moved = FoldJob(service.state.db, ZoneInfo("Asia/Tokyo"), clock)  # as after a restart with another TZ
    await moved.run_once()
    assert moved.folded == 2, "cut again in the new zone"
    zone = "SELECT zone FROM rollup_state"
    assert await service.state.db.read(lambda conn: conn.exec_driver_sql(zone).scalar()) == "Asia/Tokyo"


def test_unfolded_plays_are_found_through_their_partial_index() -> None:
    with migrated_database() as db:
        query = select(play_rows.c.id).where(UNFOLDED, play_rows.c.started_at < NOW)
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = db.read_sync(lambda conn: conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all())
    assert "ix_play_rows_unfolded" in " ".join(str(step) for step in plan)


BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> int:
    return to_micros(datetime(*args, tzinfo=UTC))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "end", "zone", "pieces"),
    [
        # an hour and a half in UTC: two hours touched
        (utc(2026, 1, 5, 10, 30), utc(2026, 1, 5, 12), ZoneInfo("UTC"), [(5, 10, H // 2), (5, 11, H)]),
        # across local midnight in Berlin (UTC+1 in winter): 23:30-00:30 local
        (utc(2026, 1, 5, 22, 30), utc(2026, 1, 5, 23, 30), BERLIN, [(5, 23, H // 2), (6, 0, H // 2)]),
        # India is UTC+5:30: local hours begin at half past in UTC
        (utc(2026, 1, 5, 0, 0), utc(2026, 1, 5, 1, 0), ZoneInfo("Asia/Kolkata"), [(5, 5, H // 2), (5, 6, H // 2)]),
        # the night Berlin leaves summer time: 02:00-03:00 happens twice, both count as hour 2 (two hours)
        (utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 2, 0), BERLIN, [(25, 2, 2 * H)]),
        # the night Berlin enters summer time: 01:30 CET to 03:30 CEST is one hour of playing
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), BERLIN, [(29, 1, H // 2), (29, 3, H // 2)]),
    ],
)
def test_hour_pieces(start: int, end: int, zone: ZoneInfo, pieces: list[tuple[int, int, int]]) -> None:
    month = 10 if pieces[0][0] == 25 else 3 if pieces[0][0] == 29 else 1
    got = [(date.fromordinal(d).day, h, m) for d, h, m in hour_pieces(start, end, zone)]
    assert all(date.fromordinal(d).month == month for d, _, _ in hour_pieces(start, end, zone))
    assert got == pieces
    assert sum(m for _, _, m in got) == end - start, "nothing lost or counted twice"


def test_day_start_follows_daylight_saving() -> None:
    day = date(2026, 10, 25).toordinal()
    assert day_start(day + 1, BERLIN) - day_start(day, BERLIN) == 25 * H
    assert day_start(day, BERLIN) == utc(2026, 10, 24, 22, 0)


@pytest.mark.parametrize(
    ("spans", "peak", "at"),
    [
        ([], 0, None),
        ([(0, 10)], 1, 0),
        ([(0, 10), (5, 15), (8, 9)], 3, 8),
        ([(0, 10), (10, 20)], 1, 0),  # one ends as the next begins: never two at once
        ([(-5, 3), (2, 30)], 2, 2),  # a span from before the window counts from its start
        ([(20, 40), (25, 35)], 0, None),  # after the window
    ],
)
def test_busiest(spans: list[tuple[int, int]], peak: int, at: int | None) -> None:
    assert busiest(spans, 0, 20) == (peak, at)


def _user_rollups(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    def read(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
        return {
            table: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2, 3").all()]
            for table in ("rollup_user_items", "rollup_user_clients")
        }

    return db.read_sync(read)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=histories(),
    resumes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=6),
    some=st.integers(1, 8),
)
def test_migration_0007_fills_the_user_rollups_as_the_fold_does(
    rows: list[Play], resumes: list[tuple[int, int]], some: int
) -> None:
    """Revision 0007 adds the per-user rollups and fills them from the plays folded already: the same rows as
    folding those plays writes."""
    zone = ZoneInfo("Europe/Berlin")
    with migrated_database() as db:
        store(db, rows, resumes)
        db.write_sync(lambda conn: ensure_zone(conn, zone))
        db.write_sync(lambda conn: fold(conn, zone, batch=some))  # some folded, the rest not yet
        folded = _user_rollups(db)
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        with db.writer.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0006")
            command.upgrade(config, "0007")
            conn.commit()
        assert _user_rollups(db) == folded
