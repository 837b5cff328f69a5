"""The order of things in a scenario run, shared by both runners: polls every `poll_sec`, restarts, Emby's webhook
bodies at their exact moments (the simulator renders its engine's notices) and websocket pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from emby_analytics.accuracy.scenarios import Scenario
from emby_analytics.clock import ManualClock
from emby_analytics.simulator.playback import PlaybackScript, PlayTruth, SessionEngine
from emby_analytics.simulator.render import render_webhook
from emby_analytics.simulator.world import World

StepKind = Literal["restart", "webhook", "poll", "push"]
_ORDER: dict[StepKind, int] = {"restart": 0, "webhook": 1, "poll": 2, "push": 2}  # at the same instant


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: StepKind
    body: dict[str, Any] | None = None  # a webhook's JSON body


def truth_ahead(world: World, scripts: list[PlaybackScript], t0: datetime, end: datetime) -> SessionEngine:
    """The whole run played out up front on a throwaway engine: its truth and notices are what will happen."""
    probe = SessionEngine(world, ManualClock(t0))
    for script in scripts:
        probe.add_script(script)
    probe.advance(end)
    return probe


def timeline(scn: Scenario, world: World, t0: datetime, end: datetime, scripts: list[PlaybackScript]) -> list[Step]:
    """Polls every `scn.poll_sec`, restarts, webhook bodies and websocket pushes, in the order they happen."""
    steps: list[Step] = []
    k = 0
    while (t := t0 + timedelta(seconds=k * scn.poll_sec)) <= end:
        steps.append(Step(t, "poll"))
        k += 1
    if steps[-1].at != end:
        steps.append(Step(end, "poll"))
    steps += [Step(t0 + timedelta(seconds=r), "restart") for r in scn.restarts]
    if scn.webhooks or scn.websocket:
        future = truth_ahead(world, scripts, t0, end)
        if scn.webhooks:
            late = timedelta(seconds=scn.webhook_delay_sec)
            steps += [Step(n.at + late, "webhook", render_webhook(world, n)) for n in future.notices if n.at <= end]
        if scn.websocket:
            steps += [Step(t, "push") for t in transition_times(future.truth(end), scripts) if t <= end]
    return sorted(steps, key=lambda step: (step.at, _ORDER[step.kind]))  # stable: notices keep their order


def transition_times(truth: list[PlayTruth], scripts: list[PlaybackScript]) -> list[datetime]:
    """Moments a websocket "Sessions" push would arrive: every scripted action and every play end."""
    times = {s.start + timedelta(seconds=a.at) for s in scripts for a in s.actions}
    times |= {p.stopped for p in truth if p.stopped is not None}
    return sorted(times)


def in_outage(scn: Scenario, t0: datetime, at: datetime) -> bool:
    return any(t0 + timedelta(seconds=a) <= at < t0 + timedelta(seconds=b) for a, b in scn.outages)
