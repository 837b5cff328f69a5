"""The accuracy runner: every scenario through the real service (HTTP poller, tracker, SQLite store, webhook
route, real restarts), compared with the simulator's truth. The targets are those of docs/watch-time.md."""

from __future__ import annotations

from pathlib import Path

from emby_analytics import accuracy
from emby_analytics.simulator.scenarios import SCENARIOS
from emby_analytics.tracking.replay import table


async def test_every_scenario_meets_the_watch_time_targets(tmp_path: Path) -> None:
    results = await accuracy.run_all(tmp_path)
    print("\n" + table(results))
    assert len(results) == len(SCENARIOS) >= 22
    assert accuracy.failures(results) == []
    for result in results:
        assert result.plays_recorded == result.plays_truth, result.name
        for key, truth in result.truth_by_user_day.items():
            assert abs(result.recorded_by_user_day.get(key, 0.0) - truth) <= 5.0, (result.name, key)


def test_failures_are_reported_in_words() -> None:
    from datetime import UTC, datetime

    from emby_analytics.tracking.replay import PlayCheck, ScenarioResult

    start = datetime(2025, 1, 1, tzinfo=UTC)
    bad = ScenarioResult("made_up", truth_s=100.0, recorded_s=110.0, plays_truth=1, plays_recorded=1)
    bad.checks.append(PlayCheck("u", "i", start, 100.0, 110.0, 2.0))
    problems = accuracy.failures([bad])
    assert any("off by +10.00 s" in p for p in problems)
    assert any("total error" in p for p in problems)


def test_webhook_body_is_what_the_intake_parses() -> None:
    from datetime import UTC, datetime

    from emby_analytics.tracking.model import PlaybackEvent
    from emby_analytics.tracking.observe import playback_event
    from emby_analytics.tracking.webhooks import parse_body

    at = datetime(2025, 1, 1, 20, 5, 3, 250000, tzinfo=UTC)
    event = PlaybackEvent(at, "pause", "u" * 32, "1234", "s" * 32, "device-1", 12_345_678)
    import json

    parsed, _ = parse_body(json.dumps(accuracy.webhook_body(event)))
    back = playback_event(parsed, at)
    assert back is not None
    assert (back.at, back.kind, back.user_id, back.item_id, back.session_id, back.device_id, back.position_ticks) == (
        at,
        "pause",
        "u" * 32,
        "1234",
        "s" * 32,
        "device-1",
        12_345_678,
    )
