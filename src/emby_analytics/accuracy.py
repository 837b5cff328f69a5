"""The watch-time accuracy runner: every scenario through the real service, compared with the simulator's truth.

Unlike the pure replay (`tracking/replay.py`), this runs what production runs: the app's lifespan, the poller's
HTTP request to the simulated Emby, the tracker, the SQLite store, the webhook route, and a real restart of the
service on the same database. Time is a manual clock stepped from event to event, so a 20-minute scenario takes
a fraction of a second. What is compared is what the database holds afterwards.

    emby-analytics accuracy        # prints the table; exits 1 if a target of docs/watch-time.md is missed
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Connection, select

from emby_analytics.app import create_app
from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings, load_settings
from emby_analytics.db.schema import plays, segments
from emby_analytics.emby.errors import EmbyError
from emby_analytics.simulator.scenarios import SCENARIOS, Scenario
from emby_analytics.simulator.server import Simulator, create_simulator_app
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.state import AppState
from emby_analytics.tracking.model import Play, PlaybackEvent, Segment, TrackerConfig
from emby_analytics.tracking.replay import DEFAULT_START, ScenarioResult, compare, in_outage, timeline, truth_ahead

API_KEY = "accuracy-runner-api-key-0123456789"
WEBHOOK_TOKEN = "accuracy-runner-webhook-token"  # noqa: S105 (a throwaway token for an in-process run)
TARGET_PERCENT = 0.5


def world_for(start: datetime) -> World:
    """A small library: scenarios pick their items from it."""
    return World.generate(WorldSpec(seed=7, start=start, movies=60, series=6), ManualClock(start))


def webhook_body(event: PlaybackEvent) -> dict[str, Any]:
    """The JSON Emby would post for this transition (the fields our intake reads)."""
    body: dict[str, Any] = {
        "Title": f"playback {event.kind}",
        "Date": event.at.isoformat().replace("+00:00", "Z"),
        "Event": f"playback.{event.kind}",
        "User": {"Id": event.user_id, "Name": "viewer"},
        "Item": {"Id": event.item_id, "Name": "item"},
        "Server": {"Id": "simulated", "Name": "Simulated Emby"},
        "Session": {"Id": event.session_id, "DeviceId": event.device_id, "Client": "Emby Web"},
        "PlaybackInfo": {},
    }
    if event.position_ticks is not None:
        body["PlaybackInfo"]["PositionTicks"] = event.position_ticks
    if event.played_to_completion is not None:
        body["PlaybackInfo"]["PlayedToCompletion"] = event.played_to_completion
    return body


def _settings(db_path: Path, poll_sec: float) -> Settings:
    return load_settings(
        {
            "EMBY_BASE_URL": "http://emby.sim:8096",
            "EMBY_API_KEY": API_KEY,
            "SQLITE_PATH": str(db_path),
            "NOW_POLL_SEC": str(int(poll_sec)),
            "EMBY_WEBSOCKET": "false",  # pushes are delivered by the runner at the exact transition times
            "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        }
    )


@asynccontextmanager
async def _service(
    settings: Settings, clock: ManualClock, sim: Simulator
) -> AsyncIterator[tuple[AppState, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=create_simulator_app(sim))
    app: FastAPI = create_app(settings, clock=clock, emby_transport=transport, run_jobs=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as http,
    ):
        yield app.state.emby_analytics, http


class _Restartable:
    """The service, started on demand and stoppable at any moment (a restart is a stop, then a start)."""

    def __init__(self, settings: Settings, clock: ManualClock, sim: Simulator) -> None:
        self._settings, self._clock, self._sim = settings, clock, sim
        self._stack: AsyncExitStack | None = None
        self._running: tuple[AppState, httpx.AsyncClient] | None = None

    async def running(self) -> tuple[AppState, httpx.AsyncClient]:
        if self._running is None:
            self._stack = AsyncExitStack()
            self._running = await self._stack.enter_async_context(_service(self._settings, self._clock, self._sim))
        return self._running

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._stack, self._running = None, None


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
            user_id=row.user_id,
            item_id=row.item_id,
            started_at=row.started_at,
            last_seen_at=row.last_seen_at,
            stopped_at=row.stopped_at,
            segments=by_play.get(row.id, []),
        )
        for row in conn.execute(select(plays))
    ]


async def run_scenario(scn: Scenario, workdir: Path) -> ScenarioResult:
    poll_sec = scn.poll_sec
    t0 = scn.clock_start(DEFAULT_START)
    clock = ManualClock(t0)
    world = world_for(DEFAULT_START)
    sim = Simulator(world, clock, api_key=API_KEY)
    scripts = scn.scripts(world, t0)
    for script in scripts:
        sim.sessions.add_script(script)
    end = t0 + timedelta(seconds=scn.duration)
    future = truth_ahead(world, scripts, t0, end)
    settings = _settings(workdir / f"{scn.name.replace('+', '_')}.db", poll_sec)

    service = _Restartable(settings, clock, sim)
    try:
        down_until: datetime | None = None
        for at, _, kind, payload in timeline(scn, poll_sec, t0, end, future, scripts):
            clock.set(max(at, clock.now()))
            if kind == "restart":
                await service.stop()  # its open plays are already on disk
                down_until = at + timedelta(seconds=scn.restart_down_sec)
                continue
            if down_until is not None and at < down_until:
                continue
            state, http = await service.running()
            if kind == "event":
                response = await http.post(f"/webhooks/emby?token={WEBHOOK_TOKEN}", json=webhook_body(payload))
                response.raise_for_status()
            elif kind == "push":
                await state.feed.pushed(await state.emby.sessions(), clock.now())
            else:
                if in_outage(scn, t0, at):
                    sim.faults.fail_next(1, status=503, endpoint="/Sessions")
                with contextlib.suppress(EmbyError):  # recorded by the poller; plays stay open (rule 6)
                    await state.feed.poll()
        state, _ = await service.running()
        stored = await state.db.read(_stored_plays)
    finally:
        await service.stop()

    config = TrackerConfig(poll_interval_sec=poll_sec)
    return compare(
        scn, t0, config, scripts, sim.sessions.truth(end), sim.sessions.watch_seconds_by_user_day(end), stored
    )


async def run_all(workdir: Path, scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[ScenarioResult]:
    return [await run_scenario(scn, workdir) for scn in scenarios]


def failures(results: list[ScenarioResult]) -> list[str]:
    """Every target of watch-time.md that the results miss, in words."""
    problems = []
    for r in results:
        if r.lost:
            problems.append(f"{r.name}: {len(r.lost)} play(s) lost")
        if r.duplicated:
            problems.append(f"{r.name}: {len(r.duplicated)} play(s) duplicated")
        problems += [
            f"{r.name}: play at {c.started:%H:%M:%S} off by {c.error_s:+.2f} s (budget {c.budget_s:.1f} s)"
            for c in r.over_budget
        ]
    total = sum(r.truth_s for r in results)
    error = sum(r.abs_error_s for r in results)
    if total and error > total * TARGET_PERCENT / 100:
        problems.append(f"total error {error:.1f} s is over {TARGET_PERCENT} % of {total:.0f} s")
    return problems


def user_day_rows(results: list[ScenarioResult]) -> list[tuple[str, str, str, float, float]]:
    """(scenario, user, day, truth s, recorded s) for every user-day of every scenario."""
    rows = []
    for r in results:
        for key in sorted(set(r.truth_by_user_day) | set(r.recorded_by_user_day)):
            user, day = key
            rows.append(
                (
                    r.name,
                    user[:8],
                    day.isoformat(),
                    r.truth_by_user_day.get(key, 0.0),
                    r.recorded_by_user_day.get(key, 0.0),
                )
            )
    return rows


async def main_async() -> int:
    from emby_analytics.tracking.replay import table

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
