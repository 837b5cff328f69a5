"""The simulator announces playback transitions as Emby's webhooks do: one notice per start, pause, resume from a
pause and stop (none for stalls, seeks or a vanishing session), rendered as Emby's body, which our intake parses."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.fixture_files import EMBY_SAMPLES

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.playback import (
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    Resume,
    Seek,
    SessionEngine,
    Stall,
    Stop,
)
from emby_analytics.simulator.render import render_webhook
from emby_analytics.simulator.world import MOVIE, World
from emby_analytics.tracking.observe import playback_event
from emby_analytics.tracking.webhooks import parse_body


def _movies(world: World) -> list[str]:
    return [str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000]


def test_notices_are_the_transitions_emby_announces(world: World, clock: ManualClock) -> None:
    a, b = _movies(world)[:2]
    engine = SessionEngine(world, clock)
    script = PlaybackScript(
        world.users[0].id,
        clock.now(),
        (Play(0, a, 60), Pause(10), Resume(20), Stall(30), Resume(40), Seek(50, 500), Play(60, b), Stop(70)),
    )
    session = engine.add_script(script)
    engine.add_script(PlaybackScript(world.users[1].id, clock.now(), (Play(0, a), Disappear(30))))
    engine.advance(clock.now() + timedelta(seconds=100))
    mine = [
        (n.kind, (n.at - clock.now()).total_seconds(), n.item_id) for n in engine.notices if n.session_id == session
    ]
    assert mine == [
        ("start", 0, a), ("pause", 10, a), ("unpause", 20, a), ("stop", 60, a), ("start", 60, b), ("stop", 70, b)
    ]  # fmt: skip
    other = [n.kind for n in engine.notices if n.session_id != session]
    assert other == ["start"], "a session that vanishes announces no stop"
    pause = next(n for n in engine.notices if n.kind == "pause")
    assert pause.position == 70.0  # resumed at 60 s of content, paused 10 s later


def test_bodies_parse_as_the_intake_reads_them(world: World, clock: ManualClock) -> None:
    movie = _movies(world)[0]
    runtime = world.item(movie).runtime / 10_000_000  # type: ignore[union-attr]
    engine = SessionEngine(world, clock)
    start = runtime - 30
    engine.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie, start), Pause(10), Resume(12))))
    engine.advance(clock.now() + timedelta(seconds=60))
    kinds = []
    for notice in engine.notices:
        body = render_webhook(world, notice)
        assert body["Date"].endswith("Z") and len(body["Date"].split(".")[1]) == 8  # 7 digits and the Z
        event, key = parse_body(json.dumps(body))
        parsed = playback_event(event, clock.now(), key)
        assert parsed is not None
        assert (parsed.at, parsed.kind, parsed.user_id, parsed.item_id) == (
            notice.at, notice.kind, notice.user_id, notice.item_id,
        )  # fmt: skip
        assert (parsed.session_id, parsed.device_id) == (notice.session_id, notice.device.device_id)
        kinds.append(parsed.kind)
        if notice.kind == "stop":  # the natural end: played to completion, no position (Emby says 0)
            assert parsed.played_to_completion is True and parsed.position_ticks is None
        else:
            assert parsed.position_ticks == round(notice.position * 10_000_000)
    assert kinds == ["start", "pause", "unpause", "stop"]
    assert body["User"]["Name"] == world.users[0].name and body["Item"]["Type"] == "Movie"


@pytest.mark.parametrize(
    ("kind", "sample"),
    [
        ("pause", "webhook_playback.pause_movie_emby4.8.11.json"),
        ("stop", "webhook_playback.stop_movie_emby4.7.13.json"),
    ],
)
def test_bodies_have_the_keys_real_emby_sends(world: World, clock: ManualClock, kind: str, sample: str) -> None:
    real = json.loads((EMBY_SAMPLES / sample).read_text())
    real = real[0] if isinstance(real, list) else real
    engine = SessionEngine(world, clock)
    engine.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, _movies(world)[0]), Pause(5), Stop(9))))
    engine.advance(clock.now() + timedelta(seconds=10))
    body = render_webhook(world, next(n for n in engine.notices if n.kind == kind))
    assert set(body) == set(real) - {"Description"}  # Emby 4.8 adds a human-readable date; nothing reads it
    for part in ("User", "Server", "Session"):
        assert set(body[part]) == set(real[part]), part
    assert set(body["PlaybackInfo"]) <= set(real["PlaybackInfo"]) | {"PlayedToCompletion"}
    assert {"Id", "Name", "Type", "RunTimeTicks"} <= set(body["Item"])
