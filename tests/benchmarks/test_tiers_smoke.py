"""The data-tier generator and the statistics benchmark at a tiny size (tier T: 4 users, ~500 items, 600 plays), so
neither can rot: the same seed builds the same database, the cache key names every input, the tier has the shape the
benchmark needs; the benchmark runs the real server on loopback and reports ours beside the naive queries with no
errors. Speed is never asserted; everything goes to tmp_path."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks import stats_bench, storage_bench, tiers
from emby_analytics.db.schema import to_micros

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
    key = tiers.cache_key(TINY, 1, END, "0002")
    assert key != tiers.cache_key(TINY, 1, END, "0003"), "a new schema revision is a new build"
    assert key != tiers.cache_key(TINY, 2, END, "0002")
    assert key != tiers.cache_key(TINY, 1, date(2026, 1, 16), "0002")
    assert key != tiers.cache_key(tiers.TIERS["S"], 1, END, "0002")
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
    argv += ["--clients", "3", "--seconds", "0", "--min-requests", "2", "--cold", "1", "--settle-timeout", "0"]
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
    history = [case for case in cases if case["endpoint"] == "/stats/history"]
    assert {case["depth"] for case in history} >= {0, 100}
    assert {case["kind"] for case in history} == {"history", "search"}
    assert any(case["params"].get("cursor") == "(followed)" for case in history)
    colds = [case["cold"] for case in cases if case["cold"]]
    assert len(colds) == 1 and colds[0]["status"] == 200 and colds[0]["first_ms"] > 0
    assert report["server"]["rss_mb_peak"] > 0 and report["tier"]["plays"] == TINY.plays
    table = capsys.readouterr().out
    assert "| `/stats/overview` |" in table and "naive / ours p50" in table and "Errors: 0." in table


def test_storage_bench_smoke(tiny: tiers.BuiltTier, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--tier", "T", "--end", END.isoformat(), "--cache", str(tiny.path.parent), "--out", str(out)]
    report = storage_bench.main([*argv, "--work-dir", str(tmp_path)])
    assert json.loads((out / "storage-T.json").read_text()) == json.loads(json.dumps(report))
    ours, naive = report["layouts"]
    assert ours["plays"] == naive["plays"] == tiny.meta["plays"] and ours["segments"] == tiny.meta["segments"]
    if report["dbstat"]:
        trees = {tree["name"]: tree for tree in ours["trees"]}
        assert {"play_rows", "segments", "ix_play_rows_started_at", "items"} <= trees.keys()
        # Every b-tree of the file is listed: together they are the file, less its free pages.
        assert sum(t["pages"] for t in ours["trees"]) + ours["free_pages"] == ours["pages"]
        assert 0 < ours["play_bytes_per_play"] < ours["bytes_per_play"]
    assert ours["file_bytes"] == ours["pages"] * ours["page_size"] > 0
    assert naive["bytes_per_play"] > ours["bytes_per_play"] > 0
    table = capsys.readouterr().out
    assert "| play_rows | play_rows | table |" in table or not report["dbstat"]
    assert "| ours: compact plays (tier T) |" in table and "Naive / ours, same plays" in table

    # Without dbstat (some SQLite builds), only the file total: still a report.
    only_file = storage_bench.main(["--db", str(tiny.path), "--no-dbstat", "--no-baseline", "--no-write"])
    (layout,) = only_file["layouts"]
    assert layout["trees"] == [] and layout["play_bytes_per_play"] is None
    assert layout["bytes_per_play"] == ours["bytes_per_play"]
    assert "no dbstat" in capsys.readouterr().out
