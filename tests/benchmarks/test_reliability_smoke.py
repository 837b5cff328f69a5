"""The reliability run at a tiny size (one kill per phase, a small world, a few hostile strings), so it cannot rot:
real `serve` and `migrate` processes killed and restarted, Emby's faults, the sweep of every route; every figure a
self-hoster counts must be zero (or true). The full run is `benchmarks/reliability.py` (docs/reliability.md)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.tiers import _tier

from benchmarks import reliability
from emby_analytics.simulator.world import WorldSpec

SMALL = WorldSpec(seed=5, users=4, movies=200, series=3, seasons_per_series=2, episodes_per_season=6, music_tracks=5)


def test_reliability_smoke(tmp_path: Path) -> None:
    figures = reliability.run(
        len(reliability.PHASES), seed=3, tier=_tier("T"), work_dir=tmp_path / "work", cache=tmp_path / "tiers",
        hostile=reliability.HOSTILE[:3], spec=SMALL, history_days=120,
    )  # fmt: skip
    assert figures.problems == []
    assert dict(figures.kills) == {phase: 1 for phase in reliability.PHASES}
    assert figures.restarts_ok == len(reliability.PHASES) - 1  # every service phase but the first restarts
    assert figures.plays_checked > 0
    assert (figures.plays_lost, figures.plays_duplicated, figures.corrupt_databases) == (0, 0, 0)
    assert (figures.half_backups, figures.half_migrations) == (0, 0)
    assert figures.library_complete and figures.import_exact
    assert figures.emby_faults == {fault: True for fault in reliability.EMBY_FAULTS}
    assert figures.hostile_tried > 100 and figures.hostile_5xx == 0
    assert figures.routes_checked > 40 and figures.routes_without_auth == 0
    assert figures.secrets_found == 0
    assert "| plays lost | 0 |" in reliability.table(figures)
