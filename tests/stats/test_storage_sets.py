"""The storage reports' set-based SQL against plain references computed here from the stored rows, on libraries and
plays generated at random: the duplicate groups found in SQL are `duplicate_groups` over every stored file (paths
and provider ids close to each other: case, blanks, separators, ids whose numbers meet), and the stale list holds
every file with no play in the window, where any recorded play counts (short, imported, folded into the rollups or
not) and a deleted one does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from tests.conftest import migrated_database

from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, plays
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.stats.duplicates import Copy, duplicate_groups
from emby_analytics.stats.storage import stale
from emby_analytics.stats.storage_duplicates import duplicate_list
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Berlin")
VIDEO = ("Movie", "Episode", "MusicVideo", "Video", "Trailer")


def _item(n: int, item_type: str, size: int, path: str | None, ids: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"i{n}",
        "type": item_type,
        "name": f"Item {n}",
        "is_placeholder": False,
        "size_bytes": size,
        "path": path,
        "provider_ids": ids,
        "first_seen_at": NOW,
        "updated_at": NOW,
        **extra,
    }


def _on_disk(row: dict[str, Any]) -> bool:
    return (
        row["removed_at"] is None
        and not row["is_placeholder"]
        and (row["size_bytes"] or 0) > 0
        and row["type"] in VIDEO
    )


# -- duplicates ------------------------------------------------------------------------------------------------
# NUL bytes too, which SQLite's json_each cuts short in an id.
_PATHS = [
    None,
    "",
    "/",
    "/m/A.mkv",
    "/M/a.mkv",
    "\\m\\a.mkv",
    "/m/a.mkv/",
    "/m/b.mkv",
    "/m/ÉTÉ.mkv",
    "/m/été.mkv",
    "/m/\0",
]
_VALUES = ["tt1", "TT1", " tt1 ", "1", "01", "tt2", " ", "", "X", "ttt", "99999999999999999999", "t\0"]


def _provider_ids(draw: st.DrawFn) -> str | None:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return None
    if kind == 1:
        return "{}"
    # Each provider once, whatever its case (the sync stores a JSON object with lower-case keys).
    keys = draw(
        st.lists(st.sampled_from(["imdb", "tmdb", "tvdb", "IMDB", "Tvdb", "other"]), max_size=3, unique_by=str.lower)
    )
    return json.dumps({key: draw(st.one_of(st.sampled_from(_VALUES), st.integers(0, 3))) for key in keys})


@st.composite
def libraries(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for n in range(draw(st.integers(0, 14))):
        item_type = draw(st.sampled_from(["Movie", "Movie", "Episode", "Episode", "Video", "Audio"]))
        size = draw(st.sampled_from([0, 1, 5, 5, 8, 40]))
        removed = NOW if draw(st.integers(0, 9)) == 0 else None
        placeholder = draw(st.integers(0, 9)) == 0
        path = draw(st.sampled_from(_PATHS))
        rows.append(
            _item(n, item_type, size, path, _provider_ids(draw), removed_at=removed, is_placeholder=placeholder)
        )
    return rows


def _ids(stored: str | None) -> dict[str, str]:
    """Provider ids as the rows hold them: lower-case keys, string or number values."""
    value = json.loads(stored or "{}")
    return {k.lower(): str(v) for k, v in value.items() if isinstance(v, str | int)}


def _figures(groups: list[Any]) -> list[tuple[Any, ...]]:
    return [(list(g.ids), g.keep_id, list(g.matched_by), g.files, g.size_bytes, g.reclaimable_bytes) for g in groups]


def _found(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    with migrated_database() as db:
        if rows:
            db.write_sync(lambda conn: conn.execute(insert(items), rows))
        return _figures(db.read_sync(duplicate_list))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=libraries())
def test_duplicates_found_in_sql_are_the_plain_grouping_of_every_file(rows: list[dict[str, Any]]) -> None:
    copies = [
        Copy(r["id"], r["type"], r["path"], r["size_bytes"], _ids(r["provider_ids"])) for r in rows if _on_disk(r)
    ]
    expected = _figures(duplicate_groups(copies))
    assert _found(rows) == expected


def test_duplicates_whose_ids_only_look_alike_are_not_grouped() -> None:
    """`tt1`, `1` and `01` are the same number to the SQL's first look, and one type's id is not another's; case
    and blanks aside, ` TT1` is `tt1`."""
    rows = [
        _item(1, "Movie", 5, "/a", '{"imdb": "tt1"}'),
        _item(2, "Movie", 5, "/b", '{"tmdb": "1"}'),
        _item(3, "Movie", 5, "/c", '{"tmdb": "01"}'),
        _item(4, "Episode", 5, "/d", '{"imdb": "tt1"}'),
        _item(5, "Movie", 7, "/e", '{"IMDB": " TT1"}'),
    ]
    expected = [(["i5", "i1"], "i5", ["imdb:tt1"], 2, 12, 5)]
    assert _found(rows) == expected


def test_duplicates_when_keys_hold_nul_bytes() -> None:
    """A NUL byte in a path or an id: the blobs do not split back, and SQLite groups the keys instead."""
    rows = [
        _item(1, "Movie", 5, "/m/a\0b", '{"imdb": "tt1"}'),
        _item(2, "Movie", 3, "/M/A\0B", '{"tmdb": "7"}'),
        _item(3, "Movie", 4, "/c", '{"imdb": "tt1"}'),
        _item(4, "Movie", 2, "/d", '{"tmdb": "x\\u0000y"}'),
        _item(5, "Movie", 1, "/e", '{"tmdb": "X\\u0000Y "}'),
    ]
    expected = [
        (["i1", "i3", "i2"], "i1", ["path", "imdb:tt1"], 2, 9, 4),
        (["i4", "i5"], "i4", ["tmdb:x\0y"], 2, 3, 1),
    ]
    assert _found(rows) == expected


# -- stale -----------------------------------------------------------------------------------------------------
KINDS = ("long", "short", "imported", "deleted")


def _play(n: int, item_id: str, start: datetime, kind: str) -> Play:
    seconds = 10 if kind == "short" else 1800
    end = start + timedelta(seconds=seconds)
    segment = Segment(start, end, 0, seconds * TICKS_PER_SECOND)
    context = PlayContext(f"{1 + n % 3:032x}", item_id, item_type="Movie", item_name=item_id)
    play = Play(f"{n:032x}", f"s{n}", start, end, context, stopped_at=end, segments=[segment])
    play.short = play.watch_seconds < 30
    return play


def _imported(n: int, item_id: str, start: datetime) -> dict[str, Any]:
    """A played flag the history import turned into a play: no time, no segment."""
    return {
        "id": f"{n:032x}",
        "view_id": f"{n:032x}",
        "source": "import",
        "user_id": f"{1 + n % 3:032x}",
        "item_id": item_id,
        "started_at": start,
        "stopped_at": start,
        "last_seen_at": start,
        "watch_seconds": 0.0,
        "completed": True,
        "short": True,
    }


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[str, datetime, str]]]:
    rows = []
    for n in range(draw(st.integers(0, 10))):
        item_type = draw(st.sampled_from(["Movie", "Episode", "Video", "Audio"]))
        size = draw(st.sampled_from([0, 3, 3, 9, 20]))
        rows.append(_item(n, item_type, size, f"/m/{n}.mkv", "{}", removed_at=None))
    ids = [r["id"] for r in rows] + ["gone"]  # plays of an item no longer in the library count for nothing
    history = [
        (draw(st.sampled_from(ids)), NOW - timedelta(hours=draw(st.integers(1, 24 * 60))), draw(st.sampled_from(KINDS)))
        for _ in range(draw(st.integers(0, 12)))
    ]
    return rows, history


def _write_history(db: Database, history: list[tuple[str, datetime, str]], folded: int) -> None:
    live = [_play(n, item_id, at, kind) for n, (item_id, at, kind) in enumerate(history) if kind != "imported"]
    imported = [_imported(n, item_id, at) for n, (item_id, at, kind) in enumerate(history) if kind == "imported"]
    deleted = [f"{n:032x}" for n, (_item_id, _at, kind) in enumerate(history) if kind == "deleted"]

    def work(conn: Any) -> None:
        PlayWriter().write(conn, TickResult(live, live, live), resume_window=timedelta(0))
        if imported:
            conn.execute(insert(plays), imported)
        ensure_zone(conn, ZONE)
        fold(conn, ZONE, batch=folded)
        if deleted:  # after the fold: its rollups keep its time, its description stays, the play is gone
            conn.execute(delete(plays).where(plays.c.id.in_(deleted)))

    db.write_sync(work)


def test_stale_counts_short_imported_and_folded_plays_but_not_deleted_ones() -> None:
    rows = [_item(n, "Movie", 10 * n, f"/m/{n}.mkv", "{}") for n in range(1, 7)]
    history = [
        ("i1", NOW - timedelta(days=3), "short"),  # 10 seconds: no view, a play all the same
        ("i2", NOW - timedelta(days=400), "imported"),  # Emby's played flag: no time, no segment
        ("i3", NOW - timedelta(days=1), "long"),  # folded into the rollups below
        ("i4", NOW - timedelta(hours=2), "long"),  # not yet folded
        ("i5", NOW - timedelta(days=2), "deleted"),  # gone: its description stays, no play does
    ]
    with migrated_database() as db:
        db.write_sync(lambda conn: conn.execute(insert(items), rows))
        _write_history(db, history, folded=4)  # all but the newest: i4

        def ids(days: int | None) -> list[str]:
            since = None if days is None else NOW - timedelta(days=days)
            page = db.read_sync(lambda conn: stale(conn, since, days=days, page=1, page_size=50))
            return [item.id for item in page.items]

        assert ids(None) == ["i6", "i5"]
        assert ids(2) == ["i6", "i5", "i2", "i1"]
        assert ids(4) == ["i6", "i5", "i2"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=histories(),
    days=st.sampled_from([None, 1, 7, 30, 90]),
    folded=st.sampled_from([0, 1, 100]),
    page_size=st.sampled_from([1, 3, 50]),
    media_type=st.sampled_from([None, "Movie"]),
)
def test_stale_lists_every_file_with_no_play_in_the_window(
    drawn: tuple[list[dict[str, Any]], list[tuple[str, datetime, str]]],
    days: int | None,
    folded: int,
    page_size: int,
    media_type: str | None,
) -> None:
    rows, history = drawn
    since = None if days is None else NOW - timedelta(days=days)
    with migrated_database() as db:
        if rows:
            db.write_sync(lambda conn: conn.execute(insert(items), rows))
        _write_history(db, history, folded)
        pages = []
        for page in range(1, 12):
            pages.append(
                db.read_sync(
                    lambda conn, page=page: stale(
                        conn, since, days=days, page=page, page_size=page_size, media_type=media_type
                    )
                )
            )
    played = {item_id for item_id, at, kind in history if kind != "deleted" and (since is None or at >= since)}
    expected = sorted(
        (r for r in rows if _on_disk(r) and r["id"] not in played and media_type in (None, r["type"])),
        key=lambda r: (-r["size_bytes"], r["id"]),
    )
    listed = [item for page in pages for item in page.items]
    assert [i.id for i in listed] == [r["id"] for r in expected]
    assert {(p.total, p.total_size_bytes) for p in pages} == {(len(expected), sum(r["size_bytes"] for r in expected))}
    for item in listed:
        last = [at for item_id, at, kind in history if item_id == item.id and kind != "deleted"]
        assert item.last_played == (max(last) if last and since is not None else None)
