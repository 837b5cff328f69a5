"""History pages are the plain query's answer, whichever index a page is read through: random plays (users,
items of series, clients, play methods, pauses, open plays, plays reaching into a window from before it), random
filters, windows and page sizes; every page walked by its cursor, on the sparse path (the item or user index)
and the dense one (every play newest first), against one filtered, ordered query on the view `plays` with the
window test of every other statistic (`watch.overlapping` or started in it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, and_, or_, select, true
from tests.conftest import migrated_database

from emby_analytics.db.schema import plays
from emby_analytics.stats.history import HistoryFilter, decode_cursor, history_page
from emby_analytics.stats.history_query import Wanted, like, page_ids, resolve
from emby_analytics.stats.watch import overlapping, started_in
from emby_analytics.stats.window import Window
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, Stream, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 3, 29, 15, 30, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
USERS = [f"{n:032x}" for n in range(1, 4)]
SERIES = {"s1": "Lantern Bay", "s2": "Quiet Hours"}
ITEMS = [  # (item id, name, series id)
    ("101", "Lantern Rising", None),
    ("102", "Open Water", None),
    ("201", "Pilot", "s1"),
    ("202", "The Lantern", "s1"),
    ("301", "Dawn", "s2"),
]
CLIENTS = ["Emby Web", "Emby for Android"]
METHODS = ("DirectPlay", "Transcode")


@st.composite
def histories(draw: st.DrawFn) -> list[Play]:
    out = []
    for n in range(draw(st.integers(0, 40))):
        # Some share a start (ties are ordered by id); some start weeks ago and stay open (paused) until now.
        start = NOW - timedelta(hours=draw(st.sampled_from([1, 5, 30, 60, 200, 400, 900, 2000])))
        start += timedelta(minutes=draw(st.integers(0, 2)))
        item_id, name, series = draw(st.sampled_from(ITEMS))
        cursor, position, parts = start, 0, []
        for _ in range(draw(st.integers(0, 3))):
            cursor += timedelta(hours=draw(st.sampled_from([0, 0, 1, 30, 200])))  # long pauses reach into windows
            end = min(cursor + timedelta(minutes=draw(st.integers(1, 90))), NOW)
            if end <= cursor:
                break
            seconds = round((end - cursor).total_seconds())
            parts.append(Segment(cursor, end, position, position + seconds * TICKS_PER_SECOND))
            position += seconds * TICKS_PER_SECOND
            cursor = end
        context = PlayContext(
            draw(st.sampled_from(USERS)),
            item_id,
            item_type="Episode" if series else "Movie",
            item_name=name,
            series_id=series,
            series_name=SERIES.get(series or ""),
            client=draw(st.sampled_from(CLIENTS)),
            stream=Stream(play_method=draw(st.sampled_from(METHODS))),
        )
        last = parts[-1].ended_at if parts else start
        stopped = None if draw(st.integers(0, 5)) == 0 else last
        out.append(Play(f"{n:016x}", f"s{n}", start, max(last, NOW) if stopped is None else last, context,
                        stopped_at=stopped, segments=parts))  # fmt: skip
    return out


filters = st.builds(
    HistoryFilter,
    user_id=st.sampled_from([None, *USERS, "f" * 32]),
    item_id=st.sampled_from([None, "101", "202", "s1", "s2", "999"]),
    media_type=st.sampled_from([None, "Movie", "Episode"]),
    client=st.sampled_from([None, *CLIENTS]),
    play_method=st.sampled_from([None, *METHODS]),
    q=st.sampled_from([None, "lantern", "Quiet", "zz", "_%"]),
    window=st.sampled_from([None, 1, 3, 14, 60]).map(
        lambda days: None if days is None else _window(days, NOW.date() - timedelta(days=2))
    ),
)


def _window(days: int, last: date) -> Window:
    first = last - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return Window(start, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1), UTC_ZONE, first,
                  last)  # fmt: skip


def expected(conn: Connection, where: HistoryFilter) -> list[str]:
    """The plain answer: one query on the view, every filter as a condition, the window as every statistic's."""
    c = plays.c
    conditions = []
    if where.user_id:
        conditions.append(c.user_id == where.user_id)
    if where.item_id:
        conditions.append(or_(c.item_id == where.item_id, c.series_id == where.item_id))
    if where.media_type:
        conditions.append(c.item_type == where.media_type)
    if where.client:
        conditions.append(c.client == where.client)
    if where.play_method:
        conditions.append(c.play_method == where.play_method)
    if where.q:
        pattern = like(where.q)
        conditions.append(or_(c.item_name.like(pattern, escape="\\"), c.series_name.like(pattern, escape="\\")))
    if where.window is not None:
        conditions.append(or_(c.id.in_(overlapping(where.window)), started_in(where.window)))
    query = select(c.id).where(and_(true(), *conditions)).order_by(c.started_at.desc(), c.id.desc())
    return list(conn.execute(query).scalars())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.lists(filters, min_size=1, max_size=4), st.integers(1, 7))
def test_every_page_walk_is_the_plain_answer(history: list[Play], wheres: list[HistoryFilter], limit: int) -> None:
    with migrated_database() as db:
        db.write_sync(lambda conn: PlayWriter().write(conn, TickResult(changed=history), resume_window=timedelta(0)))

        def check(conn: Connection) -> None:
            for where in wheres:
                truth = expected(conn, where)
                walked, cursor = [], None
                while True:
                    page = history_page(conn, where, UTC_ZONE, limit=limit, cursor=cursor)
                    walked += [p.play_id for p in page.plays]
                    assert len(page.plays) <= limit
                    cursor = page.next_cursor
                    if cursor is None:
                        break
                assert walked == truth, where
                wanted = Wanted(
                    where.user_id, where.item_id, where.media_type, where.client, where.play_method, where.q
                )
                refs = resolve(conn, wanted)
                for sparse, many in ((0, 0), (10**9, 10**9)):  # every play newest first; the item or user index
                    got, after = [], None
                    while True:
                        ids = page_ids(conn, refs, where.window, after, limit, sparse=sparse, many_refs=many)
                        got += ids
                        if len(ids) < limit:
                            break
                        row = conn.execute(select(plays.c.started_at).where(plays.c.id == ids[-1])).scalar_one()
                        after = (row, ids[-1])
                    assert got == truth, (where, sparse)

        db.read_sync(check)


def test_a_cursor_round_trips() -> None:
    when = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    from emby_analytics.stats.history import encode_cursor

    assert decode_cursor(encode_cursor(when, "i0a1b")) == (when, "i0a1b")
