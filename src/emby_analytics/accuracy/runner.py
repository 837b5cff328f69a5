"""The end-to-end accuracy runner: every scenario through the real service, compared with the simulator's truth.

Unlike the pure replay (`accuracy/replay.py`), this runs what production runs: the app's lifespan, the session
feed's HTTP request to the simulated Emby, the tracker, the SQLite store, the webhook route with Emby's own bodies,
and a real restart of the service on the same database. Time is a manual clock stepped from event to event, so a
20-minute scenario takes a fraction of a second. What is compared is what the database holds afterwards.

    emby-analytics accuracy        # prints the table; exits 1 if a target of docs/watch-time.md is missed
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select

from emby_analytics.accuracy.compare import ScenarioResult, compare, failures, table, user_day_rows
from emby_analytics.accuracy.replay import DEFAULT_START
from emby_analytics.accuracy.scenarios import SCENARIOS, Scenario
from emby_analytics.accuracy.timeline import in_outage, timeline
from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import plays, segments
from emby_analytics.emby.errors import EmbyError
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.testing import RestartableService, service_settings
from emby_analytics.tracking.model import Play, PlayContext, Segment, TrackerConfig

API_KEY = "accuracy-runner-api-key-0123456789"
WEBHOOK_TOKEN = "accuracy-runner-webhook-token"  # noqa: S105 (a throwaway token for an in-process run)


def world_for(start: datetime) -> World:
    """A small library: scenarios pick their items from it."""
    return World.generate(WorldSpec(seed=7, start=start, movies=60, series=6), ManualClock(start))


def _stored_plays(conn: Connection) -> list[Play]:
    by_play: dict[str, list[Segment]] = {}
    for row in conn.execute(select(segments).order_by(segments.c.play_id, segments.c.seq)):
        by_play.setdefault(row.play_id, []).append(
            Segment(row.started_at, row.ended_at, row.position_start_ticks or 0, row.position_end_ticks or 0, False)
        )
    return [
        Play(
            play_id=row.id,
            session_id=row.session_id or "",
            context=PlayContext(row.user_id, row.item_id),
            started_at=row.started_at,
            last_seen_at=row.last_seen_at,
            stopped_at=row.stopped_at,
            segments=by_play.get(row.id, []),
        )
        for row in conn.execute(select(plays))
    ]


async def run_scenario(scn: Scenario, workdir: Path) -> ScenarioResult:
    t0 = scn.clock_start(DEFAULT_START)
    clock = ManualClock(t0)
    world = world_for(DEFAULT_START)
    sim = Simulator(world, clock, api_key=API_KEY)
    scripts = scn.scripts(world, t0)
    for script in scripts:
        sim.sessions.add_script(script)
    end = t0 + timedelta(seconds=scn.duration)
    settings = service_settings(
        workdir / f"{scn.name.replace('+', '_').replace('@', '_')}.db",
        api_key=API_KEY,
        NOW_POLL_SEC=str(int(scn.poll_sec)),
        EMBY_WEBSOCKET="false",  # pushes are delivered by the runner at the exact transition times
        WEBHOOK_TOKEN=WEBHOOK_TOKEN,
    )
    service = RestartableService(settings, sim, clock)
    try:
        down_until: datetime | None = None
        for step in timeline(scn, world, t0, end, scripts):
            clock.set(max(step.at, clock.now()))
            if step.kind == "restart":
                await service.stop()  # its open plays are already on disk
                down_until = step.at + timedelta(seconds=scn.restart_down_sec)
                continue
            if down_until is not None and step.at < down_until:
                continue
            running = await service.running()
            feed = running.state.feed
            if step.body is not None:
                response = await running.http.post(f"/webhooks/emby?token={WEBHOOK_TOKEN}", json=step.body)
                response.raise_for_status()
            elif step.kind == "push":
                await feed.pushed(await running.state.emby.sessions(), clock.now())
            else:
                if in_outage(scn, t0, step.at):
                    sim.faults.fail_next(1, status=503, endpoint="/Sessions")
                with contextlib.suppress(EmbyError):  # as the poll job would: plays stay open (rule 6)
                    await feed.poll()
        stored = await (await service.running()).state.db.read(_stored_plays)
    finally:
        await service.stop()

    config = TrackerConfig(poll_interval_sec=scn.poll_sec)
    return compare(
        scn, t0, config, scripts, sim.sessions.truth(end), sim.sessions.watch_seconds_by_user_day(end), stored
    )


async def run_all(workdir: Path, scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[ScenarioResult]:
    return [await run_scenario(scn, workdir) for scn in scenarios]


async def main_async() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        results = await run_all(Path(tmp))
    print(table(results))
    print()
    header = ("scenario", "user", "item", "started", "truth s", "recorded s", "error s", "budget")
    print("{:34} {:8} {:>8} {:8} {:>9} {:>10} {:>8} {:>6}".format(*header))
    for r in results:
        for c in r.checks:
            print(
                f"{r.name:34} {c.user_id[:8]:8} {c.item_id:>8} {c.started:%H:%M:%S} {c.truth_s:9.1f} "
                f"{c.recorded_s:10.1f} {c.error_s:+8.2f} {c.budget_s:6.1f}"
            )
    print()
    print(f"{'scenario':34} {'user':8} {'day':10} {'truth s':>9} {'recorded s':>10} {'error s':>8}")
    for name, user, day, truth, recorded in user_day_rows(results):
        print(f"{name:34} {user:8} {day:10} {truth:9.1f} {recorded:10.1f} {recorded - truth:+8.2f}")
    problems = failures(results)
    for problem in problems:
        print("MISSED:", problem)
    print(json.dumps({"scenarios": len(results), "missed": len(problems)}), flush=True)
    return 1 if problems else 0
