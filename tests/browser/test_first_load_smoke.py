"""The first-load benchmark's real entry point on the tiny tier, so it cannot rot: a real `serve`, the built UI and
chromium, the dashboard opened in fresh profiles with the answer cache on and off. Speed is not asserted here; the
benchmark measures it (docs/benchmarks.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import first_load_bench

if not (first_load_bench.ROOT / "src" / "emby_analytics" / "web" / "index.html").is_file():
    pytest.skip("the web UI is not built: run scripts/build-web", allow_module_level=True)
if not first_load_bench.CHROMIUM.is_file():
    pytest.skip("Debian's chromium is missing: apt-get install chromium (scripts/test does)", allow_module_level=True)


def test_first_load_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    argv = ["--tier", "T", "--runs", "1", "--cache", str(tmp_path / "tiers"), "--out", str(out)]
    report = first_load_bench.main([*argv, "--work-dir", str(tmp_path)])
    assert json.loads((out / "first-load-T.json").read_text()) == json.loads(json.dumps(report))
    ours, naive = report["runs"]
    assert ours["name"].startswith("ours") and naive["name"].startswith("baseline")
    for run in (ours, naive):
        for visit, count in (("cold", 1), ("warm", 1)):
            row = run[visit]
            assert row["visits"] == count and row["errors"] == [], "every card drew, none failed"
            assert 0 < row["first_paint_ms_median"] <= row["ready_ms_median"] <= row["ready_ms_max"]
            assert row["requests"] >= 10 and row["transferred_kb"] > 0
    table = capsys.readouterr().out
    assert "| ours: answer cache on | first after start |" in table
    assert "| baseline: answer cache off | later (1 fresh browser) |" in table
    assert "Target: ready in under 2 s" in table
