"""The 4K transcode guard against the simulated Emby, through the real service: a 4K video transcode gets Emby's
message, then Stop, once, and its play is closed with its watch time; a 4K direct play and a 1080p transcode are left
alone; off (the default) nothing is sent; the admin turns it on at run time (kept across restarts); a failing Emby is
retried with backoff and counted, and never holds up the feed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select
from tests.conftest import Service, make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import plays
from emby_analytics.guard import MESSAGE_TEXT, TranscodeGuard
from emby_analytics.quality import Quality
from emby_analytics.simulator.playback import Device, Play, PlaybackScript, PlayMethod, Transcode
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import RestartableService

VIDEO_TRANSCODE = Transcode(reasons=("VideoCodecNotSupported",), width=1920, height=1080, bitrate=8_000_000)
STOP_ROUTE = "/Sessions/{Id}/Playing/{Command}"


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


def _start(
    sim: Simulator, clock: ManualClock, label: Quality, method: PlayMethod, transcode: Transcode | None, n: int = 0
) -> str:
    """A session playing a film of `label` quality as `method`; its id."""
    film = sim.world.ids_of_quality(MOVIE, label)[n]
    user = next(u for u in sim.world.users if not u.is_disabled)
    device = Device(device_id=f"6b1f9a0e-2c3d-4e5f-8a9b-0c1d2e3f4a{n:02d}", device_name=f"Lounge TV {n}")
    play = Play(0, str(film), method=method, transcode=transcode)
    return sim.sessions.add_script(PlaybackScript(user.id, clock.now(), (play,), device))


def _commands(sim: Simulator) -> list[tuple[str, str, str]]:
    return [(c.session_id, c.kind, c.name) for c in sim.commands]


async def _settle(guard: TranscodeGuard, clock: ManualClock) -> None:
    """Let the guard finish, moving the manual clock to each of its waits (the grace after the message, retries)."""

    async def drive() -> None:
        while True:
            await asyncio.sleep(0)
            if (deadline := clock.next_deadline) is not None:
                clock.set(deadline)

    driver = asyncio.create_task(drive())
    try:
        await asyncio.wait_for(guard.settle(), 30)  # a bound for a hang, not a speed
    finally:
        driver.cancel()
        await asyncio.gather(driver, return_exceptions=True)


async def _tick(service: Service, clock: ManualClock, seconds: float = 5) -> None:
    clock.advance(seconds)
    await service.state.feed.poll()


@pytest.fixture
async def guarded(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> Any:
    async with running_service(make_settings(tmp_path, PREVENT_4K_VIDEO_TRANSCODING="true"), simulator, clock) as s:
        yield s


async def test_a_4k_transcode_gets_the_message_then_stop(
    guarded: Service, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    sim = guarded.simulator
    session_id = _start(sim, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    await guarded.state.feed.poll()
    await _tick(guarded, clock, 1)  # a second poll while the first is still being acted on: acted on once
    with caplog.at_level(logging.INFO, logger="emby_analytics.guard"):
        await _settle(guarded.state.guard, clock)
    assert _commands(sim) == [(session_id, "Message", "DisplayMessage"), (session_id, "Playing", "Stop")]
    assert sim.commands[0].arguments["Text"] == MESSAGE_TEXT
    runtime = sim.sessions.session(session_id)
    assert runtime is not None and runtime.play is None, "the session stopped"
    (line,) = [r for r in caplog.records if r.getMessage() == "4K transcode stopped"]
    named = vars(line)  # the log line's fields (`extra`)
    assert (named["session"], named["quality"], named["client"]) == (session_id, "4K", "Emby Web")
    assert named["user"] and named["title"]

    await _tick(guarded, clock)
    assert guarded.state.live.latest == [] and guarded.state.recorder.tracker.open_plays() == []
    await _tick(guarded, clock)
    assert len(sim.commands) == 2, "a stopped play is not acted on again"
    health = (await guarded.http.get("/health")).json()["guard"]
    assert (health["enabled"], health["stopped"], health["failures"], health["pending"]) == (True, 1, 0, 0)
    assert health["last_stopped_at"] is not None


async def test_a_4k_direct_play_and_a_1080p_transcode_are_left_alone(guarded: Service, clock: ManualClock) -> None:
    sim = guarded.simulator
    _start(sim, clock, "4K", "DirectPlay", None)
    _start(sim, clock, "4K", "Transcode", Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",)), 1)
    _start(sim, clock, "1080p", "Transcode", VIDEO_TRANSCODE, 2)
    _start(sim, clock, "4K", "DirectStream", None, 3)
    for _ in range(3):
        await _tick(guarded, clock)
        await _settle(guarded.state.guard, clock)
    assert sim.commands == []
    assert len(guarded.state.live.latest) == 4


async def test_off_by_default_nothing_is_sent(service: Service, clock: ManualClock) -> None:
    _start(service.simulator, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    for _ in range(3):
        await _tick(service, clock)
    assert service.state.guard.pending == 0 and service.simulator.commands == []
    info = (await service.http.get("/admin/guard", headers=_admin(service))).json()
    assert (info["prevent_4k_video_transcoding"], info["setting"], info["stopped"]) == (False, False, 0)


async def test_the_admin_turns_it_on_and_the_watch_time_is_kept(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    service = RestartableService(make_settings(tmp_path), simulator, clock)
    running = await service.running()
    session_id = _start(simulator, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    await running.state.feed.poll()
    await _tick(running, clock, 10)
    await _tick(running, clock, 10)
    assert simulator.commands == []

    assert (await running.http.post("/admin/guard", json={"prevent_4k_video_transcoding": True})).status_code in (
        401,
        403,
    ), "the admin only"
    answer = await running.http.post(
        "/admin/guard", json={"prevent_4k_video_transcoding": True}, headers=_admin(running)
    )
    assert answer.status_code == 200 and answer.json()["prevent_4k_video_transcoding"] is True
    assert running.state.feed.poll_job.triggered, "a poll is asked for at once"
    await running.state.feed.poll()
    await _settle(running.state.guard, clock)
    assert _commands(simulator) == [(session_id, "Message", "DisplayMessage"), (session_id, "Playing", "Stop")]
    await _tick(running, clock)
    assert running.state.recorder.tracker.open_plays() == []

    def closed(conn: Connection) -> list[Any]:
        return list(conn.execute(select(plays.c.stopped_at, plays.c.watch_seconds)))

    (play,) = await running.state.db.read(closed)
    assert play.stopped_at is not None and play.watch_seconds >= 20, "the time watched before the stop is kept"
    info = (await running.http.get("/admin/guard", headers=_admin(running))).json()
    assert (info["stopped"], info["setting"]) == (1, False)

    await service.stop()  # the admin's choice is kept beside the database: it wins over the setting after a restart
    running = await service.running()
    try:
        info = (await running.http.get("/admin/guard", headers=_admin(running))).json()
        assert (info["prevent_4k_video_transcoding"], info["setting"]) == (True, False)
        off = await running.http.post(
            "/admin/guard", json={"prevent_4k_video_transcoding": False}, headers=_admin(running)
        )
        assert off.json()["prevent_4k_video_transcoding"] is False
    finally:
        await service.stop()
    running = await service.running()
    try:
        assert running.state.guard.enabled is False, "turned off is kept too"
    finally:
        await service.stop()


@pytest.mark.parametrize("body", [{}, {"prevent_4k_video_transcoding": "yes"}, {"prevent_4k_video_transcoding": 1},
                                  {"prevent_4k_video_transcoding": True, "other": 1}])  # fmt: skip
async def test_bad_changes_are_refused(service: Service, body: dict[str, Any]) -> None:
    answer = await service.http.post("/admin/guard", json=body, headers=_admin(service))
    assert answer.status_code == 422 and service.state.guard.enabled is False


async def test_a_choice_that_cannot_be_saved_changes_nothing(service: Service) -> None:
    (service.state.settings.data_dir / "guard.json.tmp").mkdir(parents=True)  # the write cannot happen
    answer = await service.http.post(
        "/admin/guard", json={"prevent_4k_video_transcoding": True}, headers=_admin(service)
    )
    assert answer.status_code == 503 and "could not be saved" in answer.json()["message"]
    assert service.state.guard.enabled is False


async def test_a_failing_emby_is_retried_and_counted(guarded: Service, clock: ManualClock) -> None:
    sim = guarded.simulator
    sim.faults.fail_next(2, status=500, endpoint=STOP_ROUTE)
    session_id = _start(sim, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    await guarded.state.feed.poll()
    await _settle(guarded.state.guard, clock)
    assert _commands(sim) == [(session_id, "Message", "DisplayMessage"), (session_id, "Playing", "Stop")]
    status = guarded.state.guard.status
    assert (status.stopped, status.failures, status.gave_up) == (1, 2, 0)
    assert status.last_error is not None and status.last_error.startswith("stop: ")


async def test_an_emby_that_refuses_every_stop_is_given_up_on_and_the_feed_goes_on(
    guarded: Service, clock: ManualClock
) -> None:
    sim = guarded.simulator
    sim.faults.fail_next(100, status=500, endpoint=STOP_ROUTE)
    sim.faults.fail_next(100, status=500, endpoint="/Sessions/{Id}/Message")
    _start(sim, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    await guarded.state.feed.poll()
    await _settle(guarded.state.guard, clock)
    status = guarded.state.guard.status
    assert (status.stopped, status.gave_up, status.failures) == (0, 1, 2 + 5)
    await _tick(guarded, clock)
    assert guarded.state.feed.ok and guarded.state.feed.subscriber_errors == 0
    assert len(guarded.state.live.latest) == 1, "still playing, still shown"
    health = (await guarded.http.get("/health")).json()
    assert health["guard"]["gave_up"] == 1


async def test_turned_off_while_retrying_it_stops_trying(guarded: Service, clock: ManualClock) -> None:
    sim = guarded.simulator
    sim.faults.fail_next(100, status=500, endpoint="/Sessions/{Id}/Message")
    _start(sim, clock, "4K", "Transcode", VIDEO_TRANSCODE)
    await guarded.state.feed.poll()
    for _ in range(50):  # until the first message failed and the retry waits
        await asyncio.sleep(0)
    guarded.state.guard.set_enabled(False)
    await _settle(guarded.state.guard, clock)
    status = guarded.state.guard.status
    assert sim.commands == [] and (status.stopped, status.gave_up, status.failures) == (0, 0, 1)
