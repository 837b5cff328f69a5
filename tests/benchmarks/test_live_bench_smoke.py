"""The live view benchmark at a tiny size (20 browsers, 3 s, 50 cycles), so it cannot rot: a real `serve`, views
delivered to every browser, the naive polling beside it, and no live view left after the cycles. Speed is the
benchmark's to measure, not asserted here."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import live_bench


def test_live_bench_smoke(tmp_path: Path) -> None:
    argv = ["--clients", "20", "--baseline-clients", "5", "--seconds", "3", "--cycles", "50", "--out", str(tmp_path)]
    report = live_bench.main(argv)
    assert json.loads((tmp_path / "live.json").read_text()) == json.loads(json.dumps(report))
    idle, pushed, polled = report["runs"]
    assert (idle["clients"], pushed["clients"], polled["clients"]) == (0, 20, 5)
    assert pushed["views"] >= 1 and pushed["deliveries"] == 20 * pushed["views"], "every browser gets every view"
    assert 0 < pushed["p50_ms"] <= pushed["p99_ms"] <= pushed["max_ms"]
    assert polled["deliveries"] > 0
    assert report["live_views_after_cycles"] == 0 and report["dropped"] == 0
