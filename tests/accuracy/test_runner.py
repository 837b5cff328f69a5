"""The end-to-end runner: every scenario through the real service (the feed's HTTP poll, tracker, SQLite store,
webhook route with Emby's own bodies, real restarts), compared with the simulator's truth. The targets are those
of docs/watch-time.md."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from emby_analytics.accuracy.compare import PlayCheck, ScenarioResult, failures, table
from emby_analytics.accuracy.runner import run_all
from emby_analytics.accuracy.scenarios import SCENARIOS


async def test_every_scenario_meets_the_watch_time_targets(tmp_path: Path) -> None:
    results = await run_all(tmp_path)
    print("\n" + table(results))
    assert len(results) == len(SCENARIOS) >= 22
    assert failures(results) == []
    for result in results:
        assert result.plays_recorded == result.plays_truth, result.name
        for key, truth in result.truth_by_user_day.items():
            assert abs(result.recorded_by_user_day.get(key, 0.0) - truth) <= 5.0, (result.name, key)


def test_failures_are_reported_in_words() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    bad = ScenarioResult("made_up", truth_s=100.0, recorded_s=110.0, plays_truth=1, plays_recorded=1)
    bad.checks.append(PlayCheck("u", "i", start, 100.0, 110.0, 2.0))
    problems = failures([bad])
    assert any("off by +10.00 s" in p for p in problems)
    assert any("total error" in p for p in problems)
