"""The pure scenario driver: the simulator's sessions → `/Sessions` JSON → `observations()` → `Tracker`, on a
`ManualClock`, compared with the engine's truth. Fast, and the same timeline as the end-to-end runner.

Polls every `poll_sec`; polls inside an outage get no answer (nothing happens); at a restart the tracker is
rebuilt from `state_dict()`-round-tripped open plays and polls are missed for `restart_down_sec`; webhook bodies
go through the intake's parser at their exact times (before a poll at the same instant); websocket variants add
an observation at every transition. `stamps=False` runs against a server that sends no LastActivityDate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from emby_analytics.accuracy.compare import ScenarioResult, compare
from emby_analytics.accuracy.scenarios import Scenario
from emby_analytics.accuracy.timeline import in_outage, timeline
from emby_analytics.clock import ManualClock
from emby_analytics.emby.models import SessionsSnapshot
from emby_analytics.simulator.playback import SessionEngine
from emby_analytics.simulator.render import SessionRenderer
from emby_analytics.simulator.world import World
from emby_analytics.tracking.model import Play, TrackerConfig
from emby_analytics.tracking.observe import idle_sessions, observations, playback_event
from emby_analytics.tracking.tracker import Tracker
from emby_analytics.tracking.webhooks import parse_body

DEFAULT_START = datetime(2025, 1, 1, 20, 0, tzinfo=UTC)


def _poll(engine: SessionEngine, renderer: SessionRenderer, at: datetime, stamps: bool = True) -> SessionsSnapshot:
    payload = renderer.render(engine.runtimes(at), at)
    if not stamps:  # a server that does not send LastActivityDate
        payload = [{k: v for k, v in session.items() if k != "LastActivityDate"} for session in payload]
    return SessionsSnapshot.from_payload(json.loads(json.dumps(payload)))  # the wire, as the poller sees it


def _restore(tracker: Tracker) -> Tracker:
    blobs = json.loads(json.dumps([p.state_dict() for p in tracker.open_plays()]))
    return Tracker(tracker.config, [Play.from_state_dict(b) for b in blobs])


def run_scenario(
    scn: Scenario,
    world: World,
    config: TrackerConfig | None = None,
    start: datetime = DEFAULT_START,
    *,
    stamps: bool = True,
) -> ScenarioResult:
    """Replay `scn` straight into a `Tracker`; `stamps=False`: a server that sends no LastActivityDate."""
    cfg = config or TrackerConfig(poll_interval_sec=scn.poll_sec)
    t0 = scn.clock_start(start)
    clock = ManualClock(t0)
    engine = SessionEngine(world, clock)
    renderer = SessionRenderer(world.server_id)
    scripts = scn.scripts(world, t0)
    for script in scripts:
        engine.add_script(script)
    end = t0 + timedelta(seconds=scn.duration)
    tracker = Tracker(cfg)
    recorded: dict[str, Play] = {}
    down_until: datetime | None = None
    for step in timeline(scn, world, t0, end, scripts):
        at = step.at
        clock.set(max(at, clock.now()))
        if step.kind == "restart":
            tracker = _restore(tracker)
            down_until = at + timedelta(seconds=scn.restart_down_sec)
            continue
        if down_until is not None and at < down_until:
            continue  # the service is down: nothing is polled or received
        if step.body is not None:  # a webhook, parsed as the intake parses it
            event, key = parse_body(json.dumps(step.body))
            playback = playback_event(event, at, key)
            result = tracker.event(playback) if playback is not None else None
        elif in_outage(scn, t0, at):
            continue  # the poll fails: plays stay open, the next answer settles the gap (rule 6)
        else:
            snap = _poll(engine, renderer, at, stamps)
            result = tracker.observe(at, observations(snap), idle_sessions(snap))
        for play in result.changed if result is not None else ():
            recorded[play.play_id] = play
    return compare(
        scn, t0, cfg, scripts, engine.truth(end), engine.watch_seconds_by_user_day(end), list(recorded.values())
    )
