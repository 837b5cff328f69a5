"""The pure replay (watch-time.md "Accuracy, measured"): every scenario straight into the tracker, against the
simulator's truth; the same suite without LastActivityDate; flags and the shape of every recorded play."""

from __future__ import annotations

import itertools

from emby_analytics.accuracy.compare import ScenarioResult, table
from emby_analytics.accuracy.replay import run_scenario
from emby_analytics.accuracy.scenarios import SCENARIOS, scenario
from emby_analytics.simulator import World

REQUIRED = {
    "plain", "one_pause", "several_pauses", "seek_forward", "seek_back", "stalled_client", "autoplay", "two_users",
    "one_user_two_devices", "transcode_switch", "short_play", "across_midnight", "emby_outage", "service_restart",
    "missing_one_poll", "live_tv", "slow_reporter", "rate_1_5", "pause_between_polls", "one_pause+webhooks",
    "one_pause+websocket", "pause_between_polls+webhooks",
}  # fmt: skip


def _check_suite(results: list[ScenarioResult], limit_percent: float) -> None:
    print("\n" + table(results))
    for r in results:
        assert not r.lost, (r.name, r.lost)
        assert not r.duplicated, (r.name, r.duplicated)
        assert r.plays_truth == r.plays_recorded, r.name
    total = sum(r.truth_s for r in results)
    assert sum(r.abs_error_s for r in results) <= total * limit_percent / 100


def test_catalogue_is_complete() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names)) and len(names) >= 22
    assert set(names) >= REQUIRED
    assert all(s.description for s in SCENARIOS)


def test_suite_meets_the_targets(sim_world: World) -> None:
    results = [run_scenario(s, sim_world) for s in SCENARIOS]
    _check_suite(results, 0.5)
    for r in results:
        assert not r.over_budget, (r.name, r.over_budget)
        for key, seconds in r.truth_by_user_day.items():  # per user-day, within the play budgets
            budget = sum(c.budget_s for c in r.checks if c.user_id == key[0])
            assert abs(r.recorded_by_user_day.get(key, 0.0) - seconds) <= budget, (r.name, key)


def test_without_report_stamps_the_suite_still_holds(sim_world: World) -> None:
    """A server that sends no LastActivityDate: poll times and the coarse tolerance only (stops at the last poll).
    Scenarios about reading those stamps are left out: without them their plays are placed to the poll."""
    runs = [run_scenario(s, sim_world, stamps=False) for s in SCENARIOS if "stamps" not in s.tags]
    _check_suite(runs, 0.5)


def test_flags_short_live_and_completion(sim_world: World) -> None:
    short = run_scenario(scenario("short_play"), sim_world).plays[0]
    assert short.short and short.end_reason == "stopped" and not short.completed
    live = run_scenario(scenario("live_tv"), sim_world).plays[0]
    assert live.context.live_tv and live.context.item_type == "TvChannel" and live.runtime_ticks is None
    ended = run_scenario(scenario("natural_end"), sim_world).plays[0]
    assert ended.completed and ended.end_reason == "ended"
    switch = run_scenario(scenario("transcode_switch"), sim_world).plays[0]
    assert switch.context.stream.play_method == "DirectPlay" and switch.stream_latest.play_method == "Transcode"
    assert switch.transcode_changed and switch.stream_latest.video_method == "transcode"
    autoplay = run_scenario(scenario("autoplay"), sim_world).plays
    assert [p.end_reason for p in autoplay] == ["ended", "item_change", "stopped"]
    for r in (run_scenario(s, sim_world) for s in SCENARIOS):
        for play in r.plays:  # rule 12: no overlap, never more than the wall span
            segs = play.segments
            assert all(a.ended_at <= b.started_at for a, b in itertools.pairwise(segs))
            span = ((play.stopped_at or play.last_seen_at) - play.started_at).total_seconds()
            assert play.watch_seconds <= span + 1e-6
            assert all(not s.open for s in segs) or play.is_open


def test_the_docs_describe_every_scenario() -> None:
    """docs/watch-time.md lists each scenario of the catalogue (the 1 s variants as one `…@1s` row)."""
    from tests.processes import ROOT

    text = (ROOT / "docs" / "watch-time.md").read_text()
    missing = [s.name for s in SCENARIOS if "@" not in s.name and f"| `{s.name}` |" not in text]
    assert missing == [], "describe these scenarios in docs/watch-time.md"
    assert "| `…@1s` |" in text or not any("@1s" in s.name for s in SCENARIOS)
