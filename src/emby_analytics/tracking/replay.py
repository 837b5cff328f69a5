"""A pure scenario driver: the simulator's sessions → `/Sessions` JSON → `observations()` → `Tracker`, on a
`ManualClock`, compared with the engine's truth (watch-time.md "Accuracy, measured").

Polls every `poll_interval_sec`; polls inside an outage get no answer (nothing happens); at a restart the tracker
is rebuilt from `state_dict()`-round-tripped open plays and polls are missed for `restart_down_sec`; webhook events are
delivered at their exact times (before a poll at the same instant); websocket variants add an observation at every
transition. Reusable by the end-to-end runner: `run_scenario` returns per-play and per-user-day comparisons.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from emby_analytics.clock import ManualClock
from emby_analytics.emby.models import SessionsSnapshot
from emby_analytics.simulator.playback import PlaybackScript, PlayTruth, SessionEngine
from emby_analytics.simulator.render import SessionRenderer
from emby_analytics.simulator.scenarios import TRANSITIONS, Scenario
from emby_analytics.simulator.world import World

from .days import seconds_by_day
from .model import Play, TrackerConfig
from .observe import idle_sessions, observations
from .tracker import Tracker

DEFAULT_START = datetime(2025, 1, 1, 20, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")  # the simulator's truth counts days in UTC


@dataclass
class PlayCheck:
    user_id: str
    item_id: str
    started: datetime
    truth_s: float
    recorded_s: float
    budget_s: float

    @property
    def error_s(self) -> float:
        return self.recorded_s - self.truth_s


@dataclass
class ScenarioResult:
    name: str
    truth_s: float
    recorded_s: float
    plays_truth: int
    plays_recorded: int
    checks: list[PlayCheck] = field(default_factory=list)
    lost: list[PlayTruth] = field(default_factory=list)
    duplicated: list[Play] = field(default_factory=list)
    truth_by_user_day: dict[tuple[str, date], float] = field(default_factory=dict)
    recorded_by_user_day: dict[tuple[str, date], float] = field(default_factory=dict)
    plays: list[Play] = field(default_factory=list)

    @property
    def abs_error_s(self) -> float:
        return sum(abs(c.error_s) for c in self.checks) + sum(p.watched_seconds for p in self.lost)

    @property
    def over_budget(self) -> list[PlayCheck]:
        return [c for c in self.checks if abs(c.error_s) > c.budget_s + 1e-6]


def _poll(engine: SessionEngine, renderer: SessionRenderer, at: datetime, stamps: bool = True) -> SessionsSnapshot:
    payload = renderer.render(engine.runtimes(at), at)
    if not stamps:  # a server that does not send LastActivityDate
        payload = [{k: v for k, v in session.items() if k != "LastActivityDate"} for session in payload]
    return SessionsSnapshot.from_payload(json.loads(json.dumps(payload)))  # the wire, as the poller sees it


def _restore(tracker: Tracker) -> Tracker:
    blobs = json.loads(json.dumps([p.state_dict() for p in tracker.open_plays()]))
    return Tracker(tracker.config, [Play.from_state_dict(b) for b in blobs])


def by_user_day(plays: list[Play], zone: ZoneInfo = UTC_ZONE) -> dict[tuple[str, date], float]:
    """Watch seconds per (user, local day), segments split at local midnights (rule 12)."""
    out: dict[tuple[str, date], float] = defaultdict(float)
    for play in plays:
        for day, seconds in seconds_by_day(((s.started_at, s.ended_at) for s in play.segments), zone).items():
            out[(play.user_id, day)] += seconds
    return dict(out)


def _budget(scn: Scenario, t0: datetime, play: PlayTruth, scripts: list[PlaybackScript]) -> float:
    """1 s for a play without state change, plus 2 s per transition (1 s when events are exact), and 2 per
    outage or restart during the play (their offsets count from the scenario's start `t0`)."""
    end = play.stopped or datetime.max.replace(tzinfo=UTC)
    n = 0
    for s in scripts:
        if s.user_id == play.user_id and s.device.device_id == play.device_id:
            n += sum(
                1
                for a in s.actions
                if isinstance(a, TRANSITIONS) and play.started < s.start + timedelta(seconds=a.at) <= end
            )
    n += sum(2 for a, b in scn.outages if t0 + timedelta(seconds=a) < end and play.started < t0 + timedelta(seconds=b))
    n += sum(2 for r in scn.restarts if play.started < t0 + timedelta(seconds=r) <= end)
    per = 1.0 if scn.webhooks or scn.websocket else 2.0
    # A play resumed from a saved position by a client that reports more often than we poll: nothing tells when
    # in the poll interval it started, so polling alone places the start within half a poll.
    resumed = bool(play.segments) and play.segments[0].pos_start >= 1
    continuous = any(
        s.report_interval < scn.poll_sec
        for s in scripts
        if (s.user_id, s.device.device_id) == (play.user_id, play.device_id)
    )
    guess = scn.poll_sec / 2 if resumed and continuous and not (scn.webhooks or scn.websocket) else 0.0
    return 1.0 + n * per + guess


Step = tuple[datetime, int, str, Any]  # (when, order at that instant, kind, payload)


def truth_ahead(world: World, scripts: list[PlaybackScript], t0: datetime, end: datetime) -> list[PlayTruth]:
    """The truth of the whole run, computed up front on a throwaway engine (exact events need it)."""
    probe = SessionEngine(world, ManualClock(t0))
    for script in scripts:
        probe.add_script(script)
    return probe.truth(end)


def timeline(
    scn: Scenario, poll_sec: float, t0: datetime, end: datetime, future: list[PlayTruth], scripts: list[PlaybackScript]
) -> list[Step]:
    """Polls every `poll_sec`, restarts, exact webhook events and websocket pushes, in the order they happen."""
    steps: list[Step] = []
    k = 0
    while (t := t0 + timedelta(seconds=k * poll_sec)) <= end:
        steps.append((t, 2, "poll", None))
        k += 1
    if steps[-1][0] != end:
        steps.append((end, 2, "poll", None))
    steps += [(t0 + timedelta(seconds=r), 0, "restart", None) for r in scn.restarts]
    if scn.webhooks:
        steps += [(e.at, 1, "event", e) for e in scn.webhook_events(future, scripts)]
    if scn.websocket:
        steps += [(t, 2, "push", None) for t in scn.transition_times(future, scripts) if t <= end]
    steps.sort(key=lambda x: (x[0], x[1]))
    return steps


def in_outage(scn: Scenario, t0: datetime, at: datetime) -> bool:
    return any(t0 + timedelta(seconds=a) <= at < t0 + timedelta(seconds=b) for a, b in scn.outages)


def run_scenario(
    scn: Scenario,
    world: World,
    config: TrackerConfig | None = None,
    start: datetime = DEFAULT_START,
    *,
    stamps: bool = True,
) -> ScenarioResult:
    """Replay `scn`; `stamps=False` runs it against a server that sends no LastActivityDate."""
    cfg = config or TrackerConfig(poll_interval_sec=scn.poll_sec)
    t0 = scn.clock_start(start)
    clock = ManualClock(t0)
    engine = SessionEngine(world, clock)
    renderer = SessionRenderer(world.server_id)
    scripts = scn.scripts(world, t0)
    for script in scripts:
        engine.add_script(script)
    end = t0 + timedelta(seconds=scn.duration)
    future = truth_ahead(world, scripts, t0, end)
    tracker = Tracker(cfg)
    recorded: dict[str, Play] = {}
    down_until: datetime | None = None
    for at, _, kind, payload in timeline(scn, cfg.poll_interval_sec, t0, end, future, scripts):
        clock.set(max(at, clock.now()))
        if kind == "restart":
            tracker = _restore(tracker)
            down_until = at + timedelta(seconds=scn.restart_down_sec)
            continue
        if down_until is not None and at < down_until:
            continue  # the service is down: nothing is polled or received
        if kind == "event":
            result = tracker.event(payload)
        elif in_outage(scn, t0, at):
            continue  # the poll fails: plays stay open, the next answer settles the gap (rule 6)
        else:
            snap = _poll(engine, renderer, at, stamps)
            result = tracker.observe(at, observations(snap), idle_sessions(snap))
        for play in result.changed:
            recorded[play.play_id] = play
    return compare(
        scn, t0, cfg, scripts, engine.truth(end), engine.watch_seconds_by_user_day(end), list(recorded.values())
    )


def compare(
    scn: Scenario,
    t0: datetime,
    cfg: TrackerConfig,
    scripts: list[PlaybackScript],
    truth: list[PlayTruth],
    truth_by_user_day: dict[tuple[str, date], float],
    recorded: list[Play],
) -> ScenarioResult:
    """Match recorded plays to true ones (same user, item, session, start within two polls) and measure errors."""
    plays = sorted(recorded, key=lambda p: p.started_at)
    result_obj = ScenarioResult(
        scn.name,
        truth_s=sum(p.watched_seconds for p in truth),
        recorded_s=sum(p.watch_seconds for p in plays),
        plays_truth=len(truth),
        plays_recorded=len(plays),
        truth_by_user_day=truth_by_user_day,
        recorded_by_user_day=by_user_day(plays),
        plays=plays,
    )
    unmatched = list(plays)
    for tp in truth:
        candidates = [
            p
            for p in unmatched
            if p.user_id == tp.user_id
            and p.item_id == tp.item_id
            and p.session_id == tp.session_id
            and abs((p.started_at - tp.started).total_seconds()) <= 2 * cfg.poll_interval_sec
        ]
        if not candidates:
            result_obj.lost.append(tp)
            continue
        best = min(candidates, key=lambda p: abs((p.started_at - tp.started).total_seconds()))
        unmatched.remove(best)
        result_obj.checks.append(
            PlayCheck(
                tp.user_id,
                tp.item_id,
                tp.started,
                tp.watched_seconds,
                best.watch_seconds,
                _budget(scn, t0, tp, scripts),
            )
        )
    result_obj.duplicated = unmatched
    return result_obj


def table(results: list[ScenarioResult]) -> str:
    lines = [f"{'scenario':34} {'truth s':>9} {'recorded s':>10} {'error s':>8} {'worst/budget':>13} {'plays t/r':>9}"]
    for r in results:
        worst = max(r.checks, key=lambda c: abs(c.error_s) - c.budget_s, default=None)
        wb = f"{worst.error_s:+.2f}/{worst.budget_s:.0f}" if worst else "-"
        lines.append(
            f"{r.name:34} {r.truth_s:9.1f} {r.recorded_s:10.1f} {r.recorded_s - r.truth_s:+8.2f} {wb:>13} "
            f"{r.plays_truth:>4}/{r.plays_recorded:<4}"
        )
    total_t = sum(r.truth_s for r in results)
    total_abs = sum(r.abs_error_s for r in results)
    lines.append(f"{'TOTAL |error|':34} {total_t:9.1f} {total_abs:10.2f} {100 * total_abs / total_t:7.3f}%")
    return "\n".join(lines)
