"""Emby webhooks through the real app: encodings, exact transitions, replays, hostile bodies, tokens, files.

The `service` fixture is the whole service wired in-process to the simulator with a ManualClock; the simulator
plays a scripted session, polls run explicitly, and webhook bodies are built from the real 4.7/4.8 samples.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import stat
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, func, select
from tests.conftest import Service, make_settings, running_service
from tests.fixture_files import EMBY_SAMPLES as SAMPLES

from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.db.schema import plays, segments, sync_runs, webhook_receipts
from emby_analytics.scheduler import Job
from emby_analytics.simulator.playback import Device, Pause, Play, PlaybackScript, Resume, Stop
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.tracking.recorder import MAX_WEBHOOK_AGE

TICKS = 10_000_000
MiB = 1024 * 1024
PATHS = ("/webhooks/emby", "/admin/webhook/emby")


def _samples() -> dict[str, dict[str, Any]]:
    found = sorted(SAMPLES.glob("webhook_*.json"))
    assert found, f"no webhook samples in {SAMPLES}"
    out: dict[str, dict[str, Any]] = {}
    for path in found:
        data = json.loads(path.read_text(encoding="utf-8"))
        for n, body in enumerate(data if isinstance(data, list) else [data]):
            out[f"{path.stem}#{n}"] = body
    return out


def _expected(event: str) -> str:
    if event.startswith("playback.") or event.startswith("library."):
        return "applied"
    return "ignored"


def _url(service: Service, path: str = PATHS[0]) -> str:
    return f"{path}?token={service.state.webhook_token}"


async def _post(
    service: Service, body: dict[str, Any] | str, encoding: str = "json", path: str = PATHS[0]
) -> httpx.Response:
    text = body if isinstance(body, str) else json.dumps(body)
    url = _url(service, path)
    if encoding == "json":
        return await service.http.post(url, content=text, headers={"content-type": "application/json; charset=utf-8"})
    if encoding == "multipart":  # Emby 4.7: multipart/form-data, the JSON in the `data` field
        return await service.http.post(url, files={"data": (None, text)})
    assert encoding == "urlencoded"
    return await service.http.post(url, data={"data": text})


# -- every real sample, every encoding ---------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["json", "multipart", "urlencoded"])
async def test_every_real_sample_is_accepted_in_every_encoding(service: Service, encoding: str) -> None:
    samples = _samples()
    for name, body in samples.items():
        response = await _post(service, body, encoding)
        assert response.status_code == 200, (name, response.text)
        assert response.json() == {"outcome": _expected(body["Event"])}, name
    # The same deliveries again, in the other encodings too: Emby retried, nothing is applied twice.
    for other in ("json", "multipart", "urlencoded"):
        for name, body in samples.items():
            again = await _post(service, body, other, path=PATHS[1])
            assert again.status_code == 200, (name, again.text)
            assert again.json() == {"outcome": "duplicate"}, (name, other)
    stats = service.state.webhooks.stats
    assert stats.duplicates == 3 * len(samples)
    assert sum(stats.received.values()) == 4 * len(samples)
    receipts = await service.state.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(webhook_receipts)).scalar_one()
    )
    assert receipts == len(samples)


# -- exact transitions from a session the simulator is playing -------------------------------------------
@dataclass
class Scripted:
    session_id: str
    user_id: str
    item_id: str
    runtime_ticks: int
    device: Device
    start: datetime


def _scripted_session(service: Service, clock: ManualClock, actions: Callable[[str], tuple[Any, ...]]) -> Scripted:
    world = service.simulator.world
    movie = next(
        rec
        for item_id in world.ids_of_type(MOVIE)
        if (rec := world.item(item_id)) is not None and rec.runtime and rec.runtime > 3600 * TICKS
    )
    user = next(u for u in world.users if not u.is_disabled)
    device = Device(device_id="5f0e1d2c-3b4a-4958-8a7b-6c5d4e3f2a1b", device_name="Chrome macOS")
    script = PlaybackScript(user.id, clock.now(), actions(str(movie.id)), device, report_interval=10.0)
    session_id = service.simulator.sessions.add_script(script)
    return Scripted(session_id, user.id, str(movie.id), int(movie.runtime), device, clock.now())


def _webhook(s: Scripted, event: str, at: datetime, position_ticks: int, **playback: Any) -> dict[str, Any]:
    """A 4.8-style body (the real pause sample as template) about the simulator's session."""
    body = copy.deepcopy(_samples()["webhook_playback.pause_movie_emby4.8.11#0"])
    body["Event"] = event
    body["Date"] = at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # Emby sends 7 fractional digits
    body["User"] = {"Name": "someone", "Id": s.user_id}
    body["Item"] = {**body["Item"], "Id": s.item_id, "RunTimeTicks": s.runtime_ticks}
    body["Session"] = {
        **body["Session"],
        "Id": s.session_id,
        "DeviceId": s.device.device_id,
        "DeviceName": s.device.device_name,
    }
    body["PlaybackInfo"] = {**body["PlaybackInfo"], "PositionTicks": position_ticks, **playback}
    return body


def _position_ticks(service: Service, s: Scripted) -> int:
    runtime = service.simulator.sessions.session(s.session_id)
    assert runtime is not None
    return round(runtime.position(service.state.clock.now()) * TICKS)


async def _poll_until(service: Service, clock: ManualClock, s: Scripted, until: float, step: float = 5.0) -> None:
    """Polls every `step` seconds of script time while the next poll is before `until` (script seconds)."""
    while (clock.now() - s.start).total_seconds() + step < until:
        clock.advance(step)
        await service.state.feed.poll()


def _at(clock: ManualClock, s: Scripted, seconds: float) -> datetime:
    clock.set(s.start + timedelta(seconds=seconds))
    return clock.now()


async def _play_rows(service: Service, session_id: str) -> list[dict[str, Any]]:
    def read(conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(plays).where(plays.c.session_id == session_id).order_by(plays.c.started_at))
        out = []
        for row in rows.mappings():
            segs = conn.execute(
                select(segments).where(segments.c.play_id == row["id"]).order_by(segments.c.seq)
            ).mappings()
            out.append({**row, "segments": [dict(seg) for seg in segs]})
        return out

    return await service.state.db.read(read)


def _close(a: datetime, b: datetime, tolerance: float = 1.0) -> bool:
    return abs((a - b).total_seconds()) <= tolerance


PAUSE_AT, RESUME_AT, STOP_AT = 23.4, 61.7, 97.2


def _pause_resume_stop(item_id: str) -> tuple[Any, ...]:
    return (Play(0, item_id), Pause(PAUSE_AT), Resume(RESUME_AT), Stop(STOP_AT))


async def test_playback_webhooks_give_exact_pause_resume_and_stop_times(service: Service, clock: ManualClock) -> None:
    s = _scripted_session(service, clock, _pause_resume_stop)
    await _poll_until(service, clock, s, PAUSE_AT)
    live = await _play_rows(service, s.session_id)
    assert len(live) == 1 and live[0]["stopped_at"] is None

    # The client paused between two polls, and reports only every 10 s: the webhook knows the moment.
    pause_at = _at(clock, s, PAUSE_AT)
    response = await _post(service, _webhook(s, "playback.pause", pause_at, _position_ticks(service, s)))
    assert response.json() == {"outcome": "applied"}
    (paused,) = await _play_rows(service, s.session_id)
    assert paused["is_paused"] and paused["segments"][-1]["ended_at"] == pause_at

    await _poll_until(service, clock, s, RESUME_AT)
    resume_at = _at(clock, s, RESUME_AT)
    response = await _post(service, _webhook(s, "playback.unpause", resume_at, _position_ticks(service, s)))
    assert response.json() == {"outcome": "applied"}

    await _poll_until(service, clock, s, STOP_AT)
    stop_at = _at(clock, s, STOP_AT)
    stop = _webhook(s, "playback.stop", stop_at, _position_ticks(service, s), PlayedToCompletion=False)
    assert (await _post(service, stop, "multipart")).json() == {"outcome": "applied"}
    clock.advance(3)
    await service.state.feed.poll()  # the session is listed idle now: the play stays closed where it was

    (play,) = await _play_rows(service, s.session_id)
    segs = play["segments"]
    assert len(segs) == 2, segs
    assert _close(segs[0]["ended_at"], pause_at)
    assert _close(segs[1]["started_at"], resume_at)
    assert _close(segs[1]["ended_at"], stop_at)
    assert _close(play["stopped_at"], stop_at)
    assert play["end_reason"] == "event_stop"
    assert play["tracker_state"] is None
    expected = PAUSE_AT + (STOP_AT - RESUME_AT)
    assert play["watch_seconds"] == pytest.approx(expected, abs=2.0)
    (truth,) = [t for t in service.simulator.sessions.truth() if t.session_id == s.session_id]
    assert play["watch_seconds"] == pytest.approx(truth.watched_seconds, abs=2.0)


async def test_webhook_dates_ahead_of_our_clock_are_not_believed(service: Service, clock: ManualClock) -> None:
    """Emby's clock running ahead (or a bogus Date) must not place a pause or stop in the future."""
    s = _scripted_session(service, clock, _pause_resume_stop)
    await _poll_until(service, clock, s, PAUSE_AT)
    pause_at = _at(clock, s, PAUSE_AT)
    skewed = _webhook(s, "playback.pause", pause_at + timedelta(hours=3), _position_ticks(service, s))
    assert (await _post(service, skewed)).json() == {"outcome": "applied"}
    (paused,) = await _play_rows(service, s.session_id)
    assert paused["segments"][-1]["ended_at"] == pause_at  # when it arrived
    await _poll_until(service, clock, s, RESUME_AT)
    (still,) = await _play_rows(service, s.session_id)
    assert still["watch_seconds"] == pytest.approx(PAUSE_AT, abs=1.0)
    assert still["watch_seconds"] <= (still["last_seen_at"] - still["started_at"]).total_seconds()

    stop_at = _at(clock, s, RESUME_AT - 1)  # stopped while paused
    stop = _webhook(s, "playback.stop", stop_at + timedelta(days=2), _position_ticks(service, s))
    assert (await _post(service, stop)).json() == {"outcome": "applied"}
    (play,) = await _play_rows(service, s.session_id)
    assert play["stopped_at"] == stop_at
    assert play["watch_seconds"] == pytest.approx(PAUSE_AT, abs=1.0)


async def test_old_webhook_dates_are_bounded(service: Service, clock: ManualClock) -> None:
    """Emby's clock running behind must not start a play hours before anyone pressed play."""
    s = _scripted_session(service, clock, _pause_resume_stop)
    clock.advance(2)
    received = clock.now()
    start = _webhook(s, "playback.start", received - timedelta(hours=3), 0)
    assert (await _post(service, start)).json() == {"outcome": "applied"}
    (play,) = await _play_rows(service, s.session_id)
    assert received - MAX_WEBHOOK_AGE <= play["started_at"] <= received


async def test_replayed_and_concurrent_deliveries_count_once(service: Service, clock: ManualClock) -> None:
    s = _scripted_session(service, clock, _pause_resume_stop)
    await _poll_until(service, clock, s, PAUSE_AT)
    pause = _webhook(s, "playback.pause", _at(clock, s, PAUSE_AT), _position_ticks(service, s))
    assert (await _post(service, pause)).json() == {"outcome": "applied"}
    assert (await _post(service, pause)).json() == {"outcome": "duplicate"}
    assert (await _post(service, pause, "urlencoded")).json() == {"outcome": "duplicate"}

    await _poll_until(service, clock, s, RESUME_AT)
    unpause = _webhook(s, "playback.unpause", _at(clock, s, RESUME_AT), _position_ticks(service, s))
    outcomes = await asyncio.gather(*(_post(service, unpause, enc) for enc in ("json", "multipart", "json")))
    assert sorted(r.json()["outcome"] for r in outcomes) == ["applied", "duplicate", "duplicate"]

    await _poll_until(service, clock, s, STOP_AT)
    stop = _webhook(s, "playback.stop", _at(clock, s, STOP_AT), _position_ticks(service, s), PlayedToCompletion=False)
    outcomes = await asyncio.gather(*(_post(service, stop) for _ in range(4)))
    assert sorted(r.json()["outcome"] for r in outcomes) == ["applied", "duplicate", "duplicate", "duplicate"]
    clock.advance(30)
    await service.state.feed.poll()
    assert (await _post(service, stop)).json() == {"outcome": "duplicate"}  # a late retry after the play closed

    (play,) = await _play_rows(service, s.session_id)
    assert len(play["segments"]) == 2
    (truth,) = [t for t in service.simulator.sessions.truth() if t.session_id == s.session_id]
    assert play["watch_seconds"] == pytest.approx(truth.watched_seconds, abs=2.0)
    assert play["watch_seconds"] <= (play["stopped_at"] - play["started_at"]).total_seconds()
    assert service.state.webhooks.stats.duplicates == 2 + 2 + 3 + 1
    keys = await service.state.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(webhook_receipts)).scalar_one()
    )
    assert keys == 3


async def test_a_stop_webhook_replayed_after_a_restart_is_still_a_duplicate(
    service: Service, settings: Settings, clock: ManualClock
) -> None:
    s = _scripted_session(service, clock, _pause_resume_stop)
    await _poll_until(service, clock, s, PAUSE_AT)
    pause = _webhook(s, "playback.pause", _at(clock, s, PAUSE_AT), _position_ticks(service, s))
    assert (await _post(service, pause)).json() == {"outcome": "applied"}
    # A second service on the same database (a restart): the receipt was committed with the pause.
    async with running_service(settings, service.simulator, clock) as again:
        assert again.state.webhook_token == service.state.webhook_token
        assert (await _post(again, pause)).json() == {"outcome": "duplicate"}


# -- hostile bodies -------------------------------------------------------------------------------------------
MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("not json", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
    ("binary", {"content": b"\xff\xfe\x00garbage", "headers": {"content-type": "application/json"}}),
    ("empty", {"content": b"", "headers": {"content-type": "application/json"}}),
    ("nested too deep", {"content": b"[" * 100_000, "headers": {"content-type": "application/json"}}),
    ("json array", {"content": b'[{"Event": "playback.pause"}]', "headers": {"content-type": "application/json"}}),
    ("json string", {"content": b'"playback.pause"', "headers": {"content-type": "application/json"}}),
    ("missing Event", {"content": b'{"Title": "x", "Date": "2025-06-06T19:21:05Z"}'}),
    ("Event not a string", {"content": b'{"Event": 42}'}),
    ("form without data", {"data": {"payload": '{"Event": "playback.pause"}'}}),
    ("multipart without data", {"files": {"other": (None, '{"Event": "playback.pause"}')}}),
    ("form data not json", {"data": {"data": "not json"}}),
    ("multipart data is a file", {"files": {"data": ("x.json", b'{"Event": "library.new"}', "application/json")}}),
]
# Ids are checked as strictly as path ids: they are stored and later go into Emby URLs.
_PAUSE = "webhook_playback.pause_movie_emby4.8.11#0"
HOSTILE_IDS: list[tuple[str, tuple[str, ...], Any]] = [
    ("item id traversal", ("Item", "Id"), "../../System/Info"),
    ("item id query", ("Item", "Id"), "4916?api_key=x"),
    ("item id markup", ("Item", "Id"), "<script>alert(1)</script>"),
    ("series id", ("Item", "SeriesId"), "56/../57"),
    ("user id", ("User", "Id"), "aac3a78d9f184ea480fb1629e76aad57/../x"),
    ("user id too long", ("User", "Id"), "a" * 33),
    ("session id", ("Session", "Id"), "4c7be753%2F..%2F"),
    ("event name", ("Event",), "playback.pause<script>"),
]


@pytest.mark.parametrize(("where", "value"), [c[1:] for c in HOSTILE_IDS], ids=[c[0] for c in HOSTILE_IDS])
async def test_hostile_ids_in_a_body_get_a_400_and_nothing_is_stored(
    service: Service, where: tuple[str, ...], value: Any
) -> None:
    body = copy.deepcopy(_samples()[_PAUSE])
    target = body
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    response = await service.http.post(_url(service), json=body)
    assert response.status_code == 400 and response.json()["error"] == "bad_request", response.text
    assert "invalid" in response.json()["message"]
    stored = await service.state.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(plays)).scalar_one()
    )
    assert stored == 0 and service.state.webhooks.stats.malformed == 1


@pytest.mark.parametrize("case", [c[1] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
async def test_malformed_bodies_get_a_400_json_error(service: Service, case: dict[str, Any]) -> None:
    response = await service.http.post(_url(service), **case)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "bad_request"
    assert service.state.webhook_token not in response.text


async def test_malformed_counts_and_no_receipt(service: Service) -> None:
    for _ in range(3):
        assert (await service.http.post(_url(service), content=b"[1, 2]")).status_code == 400
    assert service.state.webhooks.stats.malformed == 3
    receipts = await service.state.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(webhook_receipts)).scalar_one()
    )
    assert receipts == 0


async def test_bodies_over_one_mebibyte_get_413(service: Service) -> None:
    test_body = _samples()["webhook_system.webhooktest_emby4.7.14#0"]
    big = json.dumps({**test_body, "Description": "x" * (MiB + 10)})
    url = _url(service)
    declared = await service.http.post(url, content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and declared.json()["error"] == "too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap holds while reading
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024].encode()

    streamed = await service.http.post(url, content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert (await service.http.post(url, data={"data": big})).status_code == 413
    assert (await service.http.post(url, files={"data": (None, big)})).status_code == 413
    lying = await service.http.post(url, content=b"{}", headers={"content-length": "99999999999999999999"})
    assert lying.status_code in (400, 413)
    # Just under the cap is fine.
    fits = json.dumps({**test_body, "Description": "x" * (MiB - 4096)})
    assert (await _post(service, fits)).json() == {"outcome": "ignored"}


async def test_chunked_form_bodies_over_the_cap_get_413(service: Service) -> None:
    big = "data=" + "x" * (2 * MiB)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024].encode()

    response = await service.http.post(
        _url(service), content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


# -- tokens ---------------------------------------------------------------------------------------------------
async def test_wrong_or_missing_token_is_401_and_counted(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = service.state.webhook_token
    assert len(token) >= 32
    body = json.dumps(_samples()["webhook_library.new_movie_emby4.7.14#0"])
    near_misses = ["", "x", token[:-1], token + "x", token.upper() if token.upper() != token else token.lower()]
    responses = []
    for path in PATHS:
        responses.append(await service.http.post(path, content=body))
        for wrong in near_misses:
            responses.append(await service.http.post(path, params={"token": wrong}, content=body))
    responses.append(await service.http.post(PATHS[0], params={"token": "t" * 300}, content=body))
    for response in responses:
        assert response.status_code in (401, 422), response.text
        assert token not in response.text
    unauthorised = [r for r in responses if r.status_code == 401]
    assert len(unauthorised) >= 2 * (1 + len(near_misses))  # an over-long token may be refused by validation
    assert all(r.json()["error"] == "unauthorized" for r in unauthorised)
    assert service.state.webhooks.stats.rejected == len(unauthorised)
    assert sum(service.state.webhooks.stats.received.values()) == 0  # nothing was even parsed

    ok = await service.http.post(PATHS[1], params={"token": token}, content=body)
    assert ok.json() == {"outcome": "applied"} and token not in ok.text
    bad = await service.http.post(PATHS[0], params={"token": token}, content=b"{")
    assert bad.status_code == 400 and token not in bad.text

    # The test's own client logs the URLs it asks for (the token in the query); everything else is the service's.
    ours = str(service.http.base_url)
    service_records = [
        r for r in caplog.records if not (r.name.startswith(("httpx", "httpcore")) and ours in r.getMessage())
    ]
    for record in service_records:
        assert token not in record.getMessage()
        assert all(token not in str(value) for value in record.__dict__.values()), record


async def test_webhook_token_is_not_exposed_by_other_routes(service: Service) -> None:
    token = service.state.webhook_token
    for path in ("/health", "/config", "/version", "/openapi.json"):
        response = await service.http.get(path)
        assert token not in response.text, path


async def test_generated_token_file_is_private_and_stable(service: Service, settings: Settings) -> None:
    path = settings.data_dir / "webhook_token"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").strip() == service.state.webhook_token
    async with running_service(settings, service.simulator, service.state.clock) as again:
        assert again.state.webhook_token == service.state.webhook_token


async def test_webhook_token_setting_is_used_when_set(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    secret = "configured-webhook-secret-0123456789"
    settings = make_settings(tmp_path, WEBHOOK_TOKEN=secret)
    async with running_service(settings, simulator, clock) as service:
        assert service.state.webhook_token == secret
        assert not (settings.data_dir / "webhook_token").exists()
        body = _samples()["webhook_system.webhooktest_emby4.7.14#0"]
        response = await service.http.post(PATHS[0], params={"token": secret}, json=body)
        assert response.json() == {"outcome": "ignored"}
        generated = await service.http.post(PATHS[0], params={"token": "not-" + secret}, json=body)
        assert generated.status_code == 401


# -- library and unknown events -------------------------------------------------------------------------------
async def _one_pass(job: Job) -> None:
    """The job's own loop, as the scheduler runs it (jobs are off in these tests), until it finished a run."""
    runs = job.state.runs
    loop = asyncio.create_task(job.loop())
    try:
        async with asyncio.timeout(10):
            while job.state.runs == runs or job.state.running:
                await asyncio.sleep(0.01)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_library_new_triggers_the_incremental_sync(service: Service) -> None:
    job = service.state.scheduler.jobs["library-incremental"]
    samples = _samples()
    assert not job.triggered
    for n, name in enumerate(("webhook_library.new_movie_emby4.7.14#0", "webhook_library.new_episode_emby4.7.14#0"), 1):
        assert (await _post(service, samples[name], "multipart")).json() == {"outcome": "applied"}
        assert job.triggered, name  # the job's sleep ends at once
        await _one_pass(job)  # the loop takes the trigger and syncs the library
        assert not job.triggered and job.state.runs == n and job.state.last_error is None
    runs = await service.state.db.read(lambda c: c.execute(select(func.count()).select_from(sync_runs)).scalar_one())
    assert runs == 2
    assert (await _post(service, samples["webhook_library.new_movie_emby4.7.14#0"])).json() == {"outcome": "duplicate"}
    assert not job.triggered  # a replay does not trigger again


@pytest.mark.parametrize("event", ["system.webhooktest", "system.notificationtest", "item.rate", "some.future.event"])
async def test_unknown_and_informational_events_are_ignored(service: Service, event: str) -> None:
    body = {**_samples()["webhook_system.webhooktest_emby4.7.14#0"], "Event": event}
    before = dict(service.state.webhooks.stats.received)
    assert (await _post(service, body)).json() == {"outcome": "ignored"}
    assert service.state.webhooks.stats.received[event] == before.get(event, 0) + 1
    played = await service.state.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(plays)).scalar_one()
    )
    assert played == 0
