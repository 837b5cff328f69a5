"""Every benchmark's real entry point at a tiny size, so none can rot: it runs, reports ours beside the naive
baseline, and its numbers make sense. Speed itself is never asserted here (benchmarks do the measuring); results
go to tmp_path, never to benchmarks/results/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import history_bench, memory_bench, sync_bench, tick_bench


def _written(out: Path, name: str, report: dict[str, Any]) -> dict[str, Any]:
    written: dict[str, Any] = json.loads((out / name).read_text())
    assert written == json.loads(json.dumps(report)), "the JSON file is the report the run returned"
    return written


def test_tick_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--sessions", "6", "--users", "6", "--ticks", "6", "--warmup", "2", "--out", str(out)]
    report = _written(out, "tick.json", tick_bench.main([*argv, "--work-dir", str(tmp_path)]))
    ours, naive = report["runs"]
    assert ours["name"].startswith("ours") and naive["name"].startswith("naive")
    for run in (ours, naive):
        assert run["subscriber_errors"] == 0
        assert run["ticks"] == 6
        assert run["playing_sessions_mean"] > 0
        assert run["plays_opened"] > 0 and run["play_rows"] > 0 and run["segment_rows"] > 0
        assert run["plays_in_db"] >= run["plays_opened"]
        assert 0 < run["tick_to_commit"]["p50_ms"] <= run["tick_to_commit"]["max_ms"]
        assert run["poll"]["p99_ms"] > 0 and run["updates_per_s_sustained"] > 0
    # The same load, written two ways: the same plays and rows.
    fields = ("plays_opened", "plays_closed", "play_rows", "segment_rows", "plays_in_db", "segments_in_db")
    assert [ours[f] for f in fields] == [naive[f] for f in fields]
    table = capsys.readouterr().out
    assert "| ours: one transaction per tick (6 ticks) |" in table
    assert "| naive: one transaction per play (6 ticks) |" in table
    assert "Naive / ours, same run" in table


def test_history_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--rows", "300", "--repeat", "2", "--out", str(out), "--work-dir", str(tmp_path)]
    report = _written(out, "history.json", history_bench.main(argv))
    ours, naive = report["runs"]
    assert ours["name"].startswith("ours") and naive["name"].startswith("naive")
    for run in (ours, naive):
        assert run["rows"] == 300
        assert run["plays_stored"] == run["plays_added"] == 300 and run["skipped"] == 0
        assert run["segments_stored"] == 300
        assert run["whole_rows_per_s"] > 0 and run["insert_rows_per_s"] > 0
        assert run["runs"] == 2 and run["slowest_rows_per_s"] <= run["whole_rows_per_s"] <= run["fastest_rows_per_s"]
        # The simulated Emby is a process of its own: its CPU is counted apart (in 10 ms ticks, so a page of 300
        # rows may show 0.0).
        assert run["cpu_seconds"] > 0 and run["emby_cpu_seconds"] >= 0
    table = capsys.readouterr().out
    assert "| ours: batched page writer | 300 |" in table and "| naive: row at a time | 300 |" in table
    assert "Naive / ours, same run" in table


def test_sync_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The simulator listens on a loopback port; each run is a real `emby-analytics sync` (or naive) process.
    out = tmp_path / "results"
    no_latency = ["--latency-ms", "0", "--jitter-ms", "0", "--other-latency-ms", "0", "--other-jitter-ms", "0"]
    argv = ["--items", "300", "--changed", "20", *no_latency, "--out", str(out), "--work-dir", str(tmp_path)]
    report = _written(out, "sync.json", sync_bench.main(argv))
    runs = {run["name"]: run for run in report["runs"]}
    library = report["items_in_emby"]
    assert library > 0
    full, naive = runs["full sync"], runs["naive: one page at a time"]
    for run in (full, naive, runs["incremental, 20 changed"], runs["... restarted (resumes)"]):
        assert run["exit_code"] == 0
        assert run["items_stored"] == library
        assert run["items_calls"] > 0 and 1 <= run["max_concurrent"] <= 4
        assert run["peak_rss_mb"] > 0
    assert naive["max_concurrent"] == 1
    # Killed at an arbitrary point of a tiny sync: anything from nothing stored to all of it.
    assert 0 <= runs["full sync killed half-way"]["items_stored"] <= library
    table = capsys.readouterr().out
    assert "| full sync |" in table and "| naive: one page at a time |" in table
    assert "Naive / ours, same run" in table


def test_memory_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Real processes: `emby-analytics simulate` with a tiny library and `serve` started three times against it.
    out = tmp_path / "results"
    argv = ["--items", "100", "--history-days", "3", "--idle-seconds", "0.5", "--settle-timeout", "120"]
    argv += ["--python", sys.executable]  # the runtime-only venv would need PyPI
    report = _written(out, "memory.json", memory_bench.main([*argv, "--out", str(out), "--work-dir", str(tmp_path)]))
    first, restart, eager = report["runs"]
    assert first["name"].startswith("first start") and restart["name"] == "restart"
    assert eager["name"].startswith("baseline")
    for run in (first, restart, eager):
        assert 0 < run["idle_min_mb"] <= run["idle_mb"] <= run["idle_max_mb"] <= run["peak_mb"]
        assert run["items"] > 0 and run["startup_s"] > 0
    assert first["items"] == restart["items"] == eager["items"], "the restarts found the library the first stored"
    table = capsys.readouterr().out
    assert "| first start (empty database) |" in table and "| restart |" in table
    assert "Everything imported eagerly, same restart" in table
