"""Session engine: exact truth for table-driven scripts on a ManualClock, rendering, remote control, household."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from emby_analytics.clock import ManualClock
from emby_analytics.simulator import (
    ChangeTranscode,
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    Resume,
    Seek,
    SessionEngine,
    SetRate,
    Simulator,
    Stall,
    Stop,
    Transcode,
    World,
    household_scripts,
)
from emby_analytics.simulator.playback import Action
from emby_analytics.simulator.world import MOVIE

from .conftest import START


def _long_movies(world: World, n: int = 2) -> list[str]:
    ids = [str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 5400 * 10_000_000]
    return ids[:n]


@dataclass(frozen=True)
class Case:
    name: str
    actions: tuple[Any, ...]
    watched: list[float]  # per play
    content: list[float]
    reasons: list[str | None]
    advance: float = 4000.0


A, B = "A", "B"  # placeholders for two long movies
CASES = [
    Case("plain", (Play(0, A), Stop(600)), [600], [600], ["stopped"]),
    Case(
        "pauses", (Play(0, A), Pause(100), Resume(160), Pause(300), Resume(400), Stop(500)), [340], [340], ["stopped"]
    ),
    Case("seek forward", (Play(0, A), Seek(100, 1000), Stop(200)), [200], [200], ["stopped"]),
    Case("seek back", (Play(0, A, 500), Seek(100, 100), Stop(300)), [300], [300], ["stopped"]),
    Case("stall", (Play(0, A), Stall(100), Resume(400), Stop(500)), [200], [200], ["stopped"]),
    Case("autoplay", (Play(0, A), Play(300, B), Stop(500)), [300, 200], [300, 200], ["item_change", "stopped"]),
    Case("rate", (Play(0, A), SetRate(100, 2.0), Stop(200)), [200], [300], ["stopped"]),
    Case("hidden but playing", (Play(0, A), Disappear(100, 50), Stop(300)), [300], [300], ["stopped"]),
    Case("gone for good", (Play(0, A), Pause(50), Resume(80), Disappear(100)), [70], [70], ["disappeared"]),
    Case(
        "transcode change",
        (Play(0, A), ChangeTranscode(100, "Transcode", Transcode()), Stop(200)),
        [200],
        [200],
        ["stopped"],
    ),
    Case("still open", (Play(0, A), Pause(100), Resume(200)), [3900], [3900], [None]),
    Case("pause while stalled", (Play(0, A), Stall(10), Pause(20), Resume(50), Stop(60)), [20], [20], ["stopped"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_truth_is_exact(world: World, clock: ManualClock, case: Case) -> None:
    a, b = _long_movies(world)
    engine = SessionEngine(world, clock)

    def sub(action: Action) -> Action:
        if isinstance(action, Play):
            return Play(action.at, {A: a, B: b}[action.item_id], action.position, action.method, action.transcode)
        return action

    engine.add_script(PlaybackScript(world.users[0].id, clock.now(), tuple(sub(x) for x in case.actions)))
    clock.advance(case.advance)
    plays = engine.truth()
    assert [p.watched_seconds for p in plays] == pytest.approx(case.watched)
    assert [p.content_seconds for p in plays] == pytest.approx(case.content)
    assert [p.end_reason for p in plays] == case.reasons
    for play in plays:
        span = ((play.stopped or clock.now()) - play.started).total_seconds()
        assert play.watched_seconds <= span + 1e-6


def test_natural_end_and_methods(world: World, clock: ManualClock) -> None:
    (a,) = _long_movies(world, 1)
    runtime = world.item(a).runtime / 10_000_000  # type: ignore[union-attr]
    engine = SessionEngine(world, clock)
    engine.add_script(
        PlaybackScript(
            world.users[0].id,
            clock.now(),
            (Play(0, a, runtime - 100), ChangeTranscode(50, "Transcode", Transcode()), Stop(1000)),
        )
    )
    clock.advance(2000)
    (play,) = engine.truth()
    assert play.watched_seconds == pytest.approx(100) and play.end_reason == "ended"
    assert [m for _, m in play.methods] == ["DirectPlay", "Transcode"]
    assert play.max_position == pytest.approx(runtime) and play.completion == pytest.approx(1.0)


def test_day_split_and_user_totals(world: World) -> None:
    clock = ManualClock(datetime(2025, 3, 1, 23, 50, tzinfo=UTC))
    (a,) = _long_movies(world, 1)
    engine = SessionEngine(world, clock)
    user = world.users[1].id
    engine.add_script(PlaybackScript(user, clock.now(), (Play(0, a), Stop(1200))))
    clock.advance(3000)
    by_day = engine.watch_seconds_by_user_day()
    assert by_day == {(user, datetime(2025, 3, 1).date()): 600.0, (user, datetime(2025, 3, 2).date()): 600.0}
    assert engine.total_watch_seconds(user) == 1200


async def test_rendered_states(client: httpx.AsyncClient, sim: Simulator, clock: ManualClock) -> None:
    a, _ = _long_movies(sim.world)
    sid = sim.sessions.add_script(
        PlaybackScript(
            sim.world.users[0].id,
            clock.now() + timedelta(seconds=10),
            (Play(5, a, 100), Pause(60), Resume(90), Stall(200), Resume(300), Disappear(400, 60), Stop(900)),
            report_interval=10,
        )
    )

    async def state() -> dict[str, Any] | None:
        sessions = (await client.get("/Sessions")).json()
        return next((s for s in sessions if s["Id"] == sid), None)

    assert await state() is None  # not started yet
    clock.advance(12)
    idle = await state()
    assert idle is not None and "NowPlayingItem" not in idle
    clock.advance(3 + 27)  # 25 s into the play; the client reports every 10 s
    playing = await state()
    assert playing is not None and playing["PlayState"]["PositionTicks"] == 120 * 10_000_000
    assert playing["NowPlayingItem"]["Id"] == a and playing["PlayState"]["IsPaused"] is False
    clock.advance(40)  # t = 80: paused since 60 (position exact at the pause)
    paused = await state()
    assert paused is not None and paused["PlayState"]["IsPaused"] is True
    assert paused["PlayState"]["PositionTicks"] == 155 * 10_000_000
    clock.advance(170)  # t = 250: stalled since 200, still "playing"
    stalled = await state()
    assert stalled is not None and stalled["PlayState"]["IsPaused"] is False
    frozen = stalled["PlayState"]["PositionTicks"]
    clock.advance(30)
    again = await state()
    assert again is not None and again["PlayState"]["PositionTicks"] == frozen
    clock.advance(150)  # t = 430: hidden between 400 and 460
    assert await state() is None
    clock.advance(40)
    back = await state()
    assert back is not None and back["NowPlayingItem"]["Id"] == a
    clock.advance(600)
    stopped = await state()
    assert stopped is not None and "NowPlayingItem" not in stopped
    (play,) = sim.sessions.truth()
    assert play.watched_seconds == pytest.approx((60 - 5) + (200 - 90) + (900 - 300))


async def test_remote_control_applies_and_records(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    a, _ = _long_movies(sim.world)
    sid = sim.sessions.add_script(PlaybackScript(sim.world.users[0].id, clock.now(), (Play(0, a), Stop(5000))))
    clock.advance(100)
    assert (await client.post(f"/emby/Sessions/{sid}/Playing/Pause")).status_code == 204
    clock.advance(50)
    assert (await client.post(f"/Sessions/{sid}/Playing/Unpause")).status_code == 204
    clock.advance(10)
    r = await client.post(f"/Sessions/{sid}/Playing/Seek?SeekPositionTicks={3000 * 10_000_000}")
    assert r.status_code == 204
    clock.advance(20)
    r = await client.post(f"/Sessions/{sid}/Playing/PlayPause", json={"Command": "PlayPause"})
    assert r.status_code == 204
    session = next(s for s in (await client.get("/Sessions")).json() if s["Id"] == sid)
    assert session["PlayState"]["IsPaused"] is True
    assert session["PlayState"]["PositionTicks"] == 3020 * 10_000_000
    clock.advance(30)
    await client.post(f"/Sessions/{sid}/Playing/PlayPause")
    clock.advance(40)
    assert (await client.post(f"/Sessions/{sid}/Message?Header=Hi&Text=Bedtime&TimeoutMs=5000")).status_code == 204
    body = {"Name": "DisplayMessage", "Arguments": {"Header": "H", "Text": "T", "TimeoutMs": "5000"}}
    assert (await client.post(f"/Sessions/{sid}/Command", json=body)).status_code == 204
    assert (await client.post(f"/Sessions/{sid}/Message", json={"Header": "J", "Text": "json"})).status_code == 204
    assert (await client.post(f"/Sessions/{sid}/Playing/Stop")).status_code == 204
    (play,) = sim.sessions.truth()
    assert play.watched_seconds == pytest.approx(100 + 10 + 20 + 40)
    assert play.end_reason == "remote_stop"
    kinds = [(c.kind, c.name) for c in sim.commands]
    assert kinds == [
        ("Playing", "Pause"),
        ("Playing", "Unpause"),
        ("Playing", "Seek"),
        ("Playing", "PlayPause"),
        ("Playing", "PlayPause"),
        ("Message", "DisplayMessage"),
        ("Command", "DisplayMessage"),
        ("Message", "DisplayMessage"),
        ("Playing", "Stop"),
    ]
    assert sim.commands[5].arguments["Text"] == "Bedtime" and sim.commands[7].arguments["Text"] == "json"
    assert all(c.applied for c in sim.commands if c.kind == "Playing")
    r = await client.post("/Sessions/ffffffffffffffffffffffffffffffff/Message?Header=a&Text=b")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")


def _household_run(world: World, seed: int, hours: int) -> tuple[list[Any], int]:
    clock = ManualClock(START)
    engine = SessionEngine(world, clock)
    engine.attach(household_scripts(world, clock, seed=seed, max_concurrent=3))
    max_playing = 0
    for _ in range(hours * 60):
        clock.advance(60)
        playing = [rt for rt in engine.runtimes() if rt.play is not None]
        max_playing = max(max_playing, len(playing))
    return engine.truth(), max_playing


def test_household_is_lively_bounded_and_deterministic(world: World) -> None:
    plays, max_playing = _household_run(world, seed=4, hours=30)
    assert len(plays) >= 5 and 1 <= max_playing <= 3
    assert {p.item_type for p in plays} >= {"Episode", "Movie"}
    assert any(len(p.segments) > 1 for p in plays)  # pauses/seeks/stalls happened
    assert any(p.end_reason == "item_change" or p.end_reason == "ended" for p in plays)
    for play in plays:
        assert play.watched_seconds <= ((play.stopped or START + timedelta(hours=30)) - play.started).total_seconds()
    again, _ = _household_run(world, seed=4, hours=30)
    assert [(p.item_id, p.started, p.watched_seconds) for p in again] == [
        (p.item_id, p.started, p.watched_seconds) for p in plays
    ]
    scripts = household_scripts(world, ManualClock(START), seed=9)
    starts = [next(scripts).start for _ in range(40)]  # endless and ordered
    assert starts == sorted(starts) and starts[-1] - starts[0] > timedelta(days=2)


def test_the_demo_household_keeps_sessions_playing_at_every_hour() -> None:
    """`min_live=2, max_concurrent=4` (the demo's): at every minute of two days, midday and night included, two to
    four sessions play, mixing direct plays and transcodes, pauses and autoplayed episodes."""
    from emby_analytics.simulator import WorldSpec

    clock = ManualClock(START)
    world = World.generate(WorldSpec.demo(42), clock)
    engine = SessionEngine(world, clock)
    engine.attach(household_scripts(world, clock, seed=42, max_concurrent=4, min_live=2))
    counts, methods = [], set()
    clock.advance(60)  # the first sittings start within seconds
    for _ in range(48 * 60):
        clock.advance(60)
        playing = [rt for rt in engine.runtimes() if rt.play is not None]
        counts.append(len(playing))
        methods.update(rt.method for rt in playing)
    short = sum(1 for n in counts if n < 2)
    assert short <= len(counts) * 0.02, f"fewer than two playing in {short} of {len(counts)} minutes"
    assert max(counts) <= 4
    assert {"DirectPlay", "Transcode"} <= methods
    plays = engine.truth()
    assert any(len(p.segments) > 1 for p in plays) and any(p.end_reason == "item_change" for p in plays)


async def test_demo_simulator_serves_live_household() -> None:
    from emby_analytics.simulator import WorldSpec
    from emby_analytics.simulator.demo import build_simulator

    clock = ManualClock(START)
    sim = build_simulator(WorldSpec(seed=3, movies=60, series=6, start=START), clock, api_key="k")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app()), base_url="http://sim") as client:
        clock.advance(300)  # the immediate sessions have started
        sessions = (await client.get("/emby/Sessions", params={"api_key": "k"})).json()
        assert any("NowPlayingItem" in s for s in sessions)
    assert sim.sessions.total_watch_seconds() > 0
