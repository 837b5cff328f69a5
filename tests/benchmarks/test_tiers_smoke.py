"""The data-tier generator and the statistics benchmark at a tiny size (tier T: 4 users, ~500 items, 600 plays), so
neither can rot: the same seed builds the same database, the cache key names every input, the tier has the shape the
benchmark needs; the benchmark runs the real server on loopback and reports ours beside the naive queries with no
errors. Speed is never asserted; everything goes to tmp_path."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from benchmarks import naive_facts, naive_stats, naive_storage, naive_transcodes, stats_bench, storage_bench, tiers
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import decode_id, to_micros
from emby_analytics.stats import facts, genres, health, library, storage, storage_duplicates, transcodes
from emby_analytics.stats.window import Window

END = date(2026, 1, 15)
TINY = tiers.TIERS["T"]


def _content(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: two databases with equal content compare equal."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        ]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"'), key=repr) for name in names}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tiers.BuiltTier:
    return tiers.ensure_tier(TINY, 1, END, tmp_path_factory.mktemp("tiers"), log=lambda _: None)


def test_the_same_seed_builds_the_same_database(tiny: tiers.BuiltTier, tmp_path: Path) -> None:
    again = tiers.ensure_tier(TINY, 1, END, tmp_path / "again", log=lambda _: None)
    assert again.built_now and again.path.name == tiny.path.name
    assert _content(again.path) == _content(tiny.path)
    other = tiers.ensure_tier(TINY, 2, END, tmp_path / "other", log=lambda _: None)
    assert _content(other.path)["plays"] != _content(tiny.path)["plays"]


def test_a_built_tier_is_reused_and_its_key_names_every_input(tiny: tiers.BuiltTier) -> None:
    cached = tiers.ensure_tier(TINY, 1, END, tiny.path.parent, log=lambda _: None)
    assert not cached.built_now and cached.path == tiny.path and cached.meta == tiny.meta
    key = tiers.cache_key(TINY, 1, END, "0002", "abc")
    assert key != tiers.cache_key(TINY, 1, END, "0003", "abc"), "a new schema revision is a new build"
    assert key != tiers.cache_key(TINY, 1, END, "0002", "abd"), "so is a schema changed within a revision"
    assert key != tiers.cache_key(TINY, 2, END, "0002", "abc")
    assert key != tiers.cache_key(TINY, 1, date(2026, 1, 16), "0002", "abc")
    assert key != tiers.cache_key(tiers.TIERS["S"], 1, END, "0002", "abc")
    assert tiers.schema_digest() in tiny.path.name and tiny.meta["schema_digest"] == tiers.schema_digest()
    assert not list(tiny.path.parent.glob("*.partial")), "only finished builds stay"


def test_a_tier_has_the_shape_the_benchmark_needs(tiny: tiers.BuiltTier) -> None:
    meta = tiny.meta
    assert meta["plays"] == TINY.plays and meta["users"] == TINY.users
    assert meta["imported_plays"] > 0 and meta["live_plays"] > 0
    assert meta["imported_plays"] + meta["live_plays"] == meta["plays"]
    with closing(sqlite3.connect(f"file:{tiny.path}?mode=ro", uri=True)) as conn:

        def values(sql: str) -> dict[Any, int]:
            return {row[0]: row[1] for row in conn.execute(sql)}

        assert set(values("SELECT source, COUNT(*) FROM plays GROUP BY 1")) == {"import", "live", "webhook"}
        assert set(values("SELECT play_method, COUNT(*) FROM plays GROUP BY 1")) >= {
            "DirectPlay",
            "DirectStream",
            "Transcode",
        }
        segments = values("SELECT n, COUNT(*) FROM (SELECT COUNT(*) AS n FROM segments GROUP BY play_id) GROUP BY n")
        assert 1 in segments and max(segments) >= 3, "pauses and seeks split plays"
        resumed = conn.execute("SELECT COUNT(*) FROM plays WHERE view_id != id").fetchone()[0]
        assert resumed > 0, "resumes within a day continue the earlier play's viewing"
        short, live_tv, reasons = conn.execute(
            "SELECT SUM(short), SUM(live_tv), COUNT(DISTINCT transcode_reasons) FROM plays"
        ).fetchone()
        assert short > 0 and live_tv > 0 and reasons > 3
        heights = values("SELECT height, COUNT(*) FROM items WHERE type = 'Movie' GROUP BY 1")
        assert {480, 1080, 2160, 4320} <= set(heights), "SD to 8K, from the simulator's world"
        week, end = (to_micros(datetime(2026, 1, day, tzinfo=UTC)) for day in (8, 15))
        window = conn.execute("SELECT COUNT(*) FROM plays WHERE started_at >= ?", (week,)).fetchone()[0]
        assert window > 0 and conn.execute("SELECT MAX(started_at) < ? FROM plays", (end,)).fetchone()[0]
        sync = conn.execute("SELECT kind, status FROM sync_runs").fetchall()
        assert ("full", "done") in sync, "the library came through the real full sync"


def test_stats_bench_smoke(tiny: tiers.BuiltTier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--tier", "T", "--seed", "1", "--end", END.isoformat(), "--cache", str(tiny.path.parent)]
    argv += ["--clients", "3", "--baseline-clients", "2", "--seconds", "0", "--min-requests", "2", "--cold", "1"]
    argv += ["--settle-timeout", "0"]
    argv += ["--history-depths", "0,100", "--out", str(out), "--work-dir", str(tmp_path)]
    report = stats_bench.main(argv)
    written = json.loads((out / "stats-T.json").read_text())
    assert written == json.loads(json.dumps(report)), "the JSON file is the report the run returned"

    assert report["errors"] == 0
    assert {"/stats/overview", "/stats/users/total", "/stats/history"} <= set(report["endpoints"])
    assert report["skipped"] == []
    cases = report["cases"]
    assert all(case["ours"]["requests"] >= 3 * 2 and case["ours"]["errors"] == 0 for case in cases)
    assert all(case["naive"] is not None and case["naive"]["errors"] == 0 for case in cases)
    assert all(case["naive"]["requests"] >= 2 for case in cases) and report["load"]["baseline_clients"] == 2
    history = [case for case in cases if case["endpoint"] == "/stats/history"]
    assert {case["depth"] for case in history} >= {0, 100}
    assert {case["kind"] for case in history} == {"history", "search"}
    assert any(case["params"].get("cursor") == "(followed)" for case in history)
    colds = [case["cold"] for case in cases if case["cold"]]
    assert len(colds) == 1 and colds[0]["status"] == 200 and colds[0]["first_ms"] > 0
    assert report["server"]["rss_mb_peak"] > 0 and report["tier"]["plays"] == TINY.plays
    # The clients accept gzip as browsers do: big answers come gzipped, checked to decode to the plain answer.
    (heatmap, *_) = [case["ours"] for case in cases if case["endpoint"] == "/stats/heatmap"]
    assert heatmap["encoding"] == "gzip" and 0 < heatmap["wire_bytes"] < heatmap["decoded_bytes"]
    assert all(case["ours"]["decoded_bytes"] > 0 for case in cases)
    table = capsys.readouterr().out
    assert "| `/stats/overview` |" in table and "naive / ours p50" in table and "Errors: 0." in table
    assert "3 clients (naive: 2)" in table
    assert "Accept-Encoding: gzip, deflate" in table and "Answers encoded: " in table


def _naive(db: Path, statements: list[naive_stats.Statement]) -> list[list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return [conn.execute(sql, args).fetchall() for sql, args in statements]


def test_naive_questions_read_the_stored_times_and_ids(tiny: tiers.BuiltTier) -> None:
    """The baseline answers on integer microseconds and compact ids: windows, day ranges and play ids find what
    is there (text times compared with integers would silently find nothing)."""
    db = tiny.path
    (page,) = _naive(db, naive_stats.history({"limit": "50"}, {}))
    newest = page[0]
    (play, parts) = _naive(db, naive_stats.history_play({}, {"play_id": decode_id(newest[0])}))
    assert len(play) == 1 and parts, "a play is found by its id as the API spells it"
    everything = {"timeframe": "all-time"}
    ((total,),) = _naive(db, [("SELECT SUM(ended_at - started_at) / 1e6 FROM segments", ())])[0]
    (ranked,) = _naive(db, naive_stats.top_users(everything, {}))
    assert total > 0 and sum(row[2] for row in ranked) == pytest.approx(total), "every user's seconds, in seconds"
    (days,) = _naive(db, naive_stats.usage(everything, {}))
    assert {row[0][:4] for row in days} >= {"2025", "2026"}, "days are calendar dates"
    (cells,) = _naive(db, naive_stats.heatmap(everything, {}))
    assert len(cells) > 24 and all(0 <= int(w) <= 6 and 0 <= int(h) <= 23 for w, h, _ in cells)
    (month,) = _naive(db, naive_stats.history({"from": "2025-12-01", "to": "2025-12-31", "limit": "500"}, {}))
    low, high = (to_micros(datetime(*d, tzinfo=UTC)) for d in ((2025, 12, 1), (2026, 1, 1)))
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        column = [d[1] for d in conn.execute("PRAGMA table_info(plays)")].index("started_at")
    assert month and all(low <= row[column] < high for row in month)
    (peaks,) = _naive(db, naive_stats.concurrency(everything, {}))
    assert peaks and max(row[1] for row in peaks) >= 1


def test_naive_library_questions_agree_with_ours(tiny: tiers.BuiltTier, tmp_path: Path) -> None:
    """Same classifier, same items: the baseline's library breakdowns are the service's numbers."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(tiny.path, copy)
    db = Database.open(copy)
    try:
        ours_q = db.read_sync(library.qualities).buckets
        ours_c = db.read_sync(library.codecs).codecs
        ours_l = db.read_sync(library.library)
    finally:
        db.close()
    (quality_rows,) = _naive(copy, naive_stats.qualities({}, {}))
    naive_q: dict[str, dict[str, int]] = {}
    for label, item_type, count in quality_rows:
        naive_q.setdefault(label, {})[item_type] = count
    assert {k: v for k, v in ours_q.items() if v} == naive_q
    (codec_rows,) = _naive(copy, naive_stats.codecs({}, {}))
    naive_c: dict[str, dict[str, int]] = {}
    for codec, item_type, count in codec_rows:
        naive_c.setdefault(codec, {})[item_type] = count
    assert ours_c == naive_c
    (library_rows,) = _naive(copy, naive_stats.library({}, {}))
    assert sum(row[2] for row in library_rows) == ours_l.items
    assert sum(row[3] or 0 for row in library_rows) == ours_l.size_bytes


def test_naive_facts_agree_with_ours(tiny: tiers.BuiltTier, tmp_path: Path) -> None:
    """The baseline of the movie facts and genre lists counts what the service counts, genres whole."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(tiny.path, copy)
    db = Database.open(copy)
    since = datetime(END.year, END.month, 1, tzinfo=UTC)
    try:
        movies = db.read_sync(lambda conn: facts.shelf(conn, "Movie", since))
        drama = db.read_sync(lambda conn: genres.items_by_genre(conn, "Drama", page=1, page_size=50))
        shows = db.read_sync(lambda conn: genres.series_by_genre(conn, "Drama", page=1, page_size=50))
    finally:
        db.close()
    totals, *_, genre_rows, _most, _genre_time = _naive(copy, naive_facts.movies({}, {}))
    assert totals[0][:2] == (movies.count, movies.size_bytes)
    assert dict(genre_rows) == movies.genres and movies.genres
    listed, (count,) = _naive(copy, naive_facts.items_by_genre({}, {"genre": "Drama"}))
    assert count == (drama.total,) and [row[0] for row in listed] == [item.id for item in drama.items]
    series_rows, (series_count,), _totals = _naive(copy, naive_facts.series_by_genre({}, {"genre": "Drama"}))
    assert series_count == (shows.total,) and {row[0] for row in series_rows} == {s.id for s in shows.items}


def test_naive_storage_reports_agree_with_ours(tiny: tiers.BuiltTier, tmp_path: Path) -> None:
    """The baseline of the storage reports and library health counts what the service counts."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(tiny.path, copy)
    db = Database.open(copy)
    try:
        never = db.read_sync(lambda conn: storage.stale(conn, None, days=None, page=1, page_size=50))
        posters = db.read_sync(lambda conn: health.without_poster(conn, page=1, page_size=50))
        unnamed = db.read_sync(lambda conn: health.without_provider_ids(conn, page=1, page_size=50))
        found = db.read_sync(storage_duplicates.duplicate_list)
    finally:
        db.close()
    listed, (counted,) = _naive(copy, naive_storage.stale({}, {}))
    assert counted == (never.total, never.total_size_bytes) and never.total > 0
    assert [row[0] for row in listed] == [item.id for item in never.items]
    (_rows, (poster_count,)) = _naive(copy, naive_storage.no_poster({}, {}))
    assert poster_count == (posters.total,) and posters.total > 0
    (_rows, (ids_count,)) = _naive(copy, naive_storage.no_provider_ids({}, {}))
    assert ids_count == (unnamed.total,)
    by_path, *by_ids = _naive(copy, naive_storage.duplicates({}, {}))
    assert {item for row in by_path + [r for rows in by_ids for r in rows] for item in row[-1].split(",")} == {
        item for group in found for item in group.ids
    }


def test_storage_bench_smoke(tiny: tiers.BuiltTier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--tier", "T", "--end", END.isoformat(), "--cache", str(tiny.path.parent), "--out", str(out)]
    report = storage_bench.main([*argv, "--work-dir", str(tmp_path)])
    assert json.loads((out / "storage-T.json").read_text()) == json.loads(json.dumps(report))
    ours, compacted, naive = report["layouts"]
    assert ours["plays"] == compacted["plays"] == naive["plays"] == tiny.meta["plays"]
    assert ours["segments"] == compacted["segments"] == tiny.meta["segments"]
    # The compaction job's copy: the same content in no more pages, none of them free.
    assert compacted["pages"] <= ours["pages"] and compacted["free_pages"] == 0
    if report["dbstat"]:
        trees = {tree["name"]: tree for tree in ours["trees"]}
        assert {"play_rows", "segment_rows", "ix_play_rows_started_at", "items"} <= trees.keys()
        # Every b-tree of the file is listed: together they are the file, less its free pages.
        assert sum(t["pages"] for t in ours["trees"]) + ours["free_pages"] == ours["pages"]
        assert 0 < ours["play_bytes_per_play"] < ours["bytes_per_play"]
        assert {"rollup_user_days", "rollup_item_days"} <= trees.keys()  # rollups count as growing with plays
        assert 0 < compacted["play_bytes_per_play"] <= ours["play_bytes_per_play"]
    assert ours["file_bytes"] == ours["pages"] * ours["page_size"] > 0
    assert naive["bytes_per_play"] > ours["bytes_per_play"] > 0
    table = capsys.readouterr().out
    assert "| play_rows | play_rows | table |" in table or not report["dbstat"]
    assert "| ours, as built (tier T) |" in table and "| ours, compacted (the weekly job) |" in table
    assert "Naive / ours compacted (the weekly job), same plays" in table

    # Without dbstat (some SQLite builds), only the file total: still a report.
    argv = ["--db", str(tiny.path), "--no-dbstat", "--no-baseline", "--no-compacted", "--no-write"]
    only_file = storage_bench.main(argv)
    (layout,) = only_file["layouts"]
    assert layout["trees"] == [] and layout["play_bytes_per_play"] is None
    assert layout["bytes_per_play"] == ours["bytes_per_play"]
    assert "no dbstat" in capsys.readouterr().out


def test_a_naive_question_past_the_cap_is_cut_and_counted_at_the_cap(tiny: tiers.BuiltTier) -> None:
    endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n", ())
    began = time.perf_counter()
    latencies, errors, _end, _cpu, capped = naive_stats.client(str(tiny.path), [endless], time.time(), 0.0, 3, 0.2)
    assert latencies == [0.2] and capped == 1 and errors == []
    assert time.perf_counter() - began < 5, "cut at the cap, warm-up included"
    quick = ("SELECT COUNT(*) FROM play_rows", ())
    latencies, errors, _end, _cpu, capped = naive_stats.client(str(tiny.path), [quick], time.time(), 0.0, 3, 30.0)
    assert len(latencies) == 3 and capped == 0 and errors == []


def test_naive_transcodes_agree_with_ours(tiny: tiers.BuiltTier, tmp_path: Path) -> None:
    """The baseline of the fix-list and transcodes per client groups the plays the service groups (all time)."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(tiny.path, copy)
    db = Database.open(copy)
    span = Window(None, datetime(2100, 1, 1, tzinfo=UTC), ZoneInfo("UTC"), None, date(2099, 12, 31))
    try:
        ours = db.read_sync(lambda conn: transcodes.fix_list(conn, span, transcodes.TranscodeFilter(), offset=0,
                                                              limit=500))  # fmt: skip
        clients = db.read_sync(lambda conn: transcodes.by_client(conn, span, transcodes.TranscodeFilter(), limit=500))
    finally:
        db.close()
    everything = {"timeframe": "all-time", "limit": "500"}
    page, ((total,),) = _naive(copy, naive_transcodes.fix_list(everything, {}))
    assert total == ours.total > 0
    assert {(r[0], r[1], tuple((r[2] or "").split()), r[3]) for r in page} == {
        (f.item_id, f.client, tuple(f.reasons), f.plays) for f in ours.fixes
    }
    assert {f.client for f in ours.fixes} >= {"Roku SG"} and any(
        "ContainerNotSupported" in f.reasons for f in ours.fixes
    )
    grouped, files = _naive(copy, naive_transcodes.by_client(everything, {}))
    plays: dict[str, int] = {}
    for client, _transcoded, _reasons, count, _watch in grouped:
        plays[client] = plays.get(client, 0) + count
    assert plays == {c.client: c.plays for c in clients}
    assert dict(files) == {c.client: c.files for c in clients if c.files}
