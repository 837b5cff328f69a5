"""Admin debug routes and the Playback Reporting import on demand, through the real app and the simulator: users
that differ between Emby and the store, recorded plays and their filters, Emby's sessions without a secret, one
poll now (shared by concurrent callers), the import started, followed page by page and refused while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update
from tests.conftest import API_KEY, Service, make_settings

from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.db.schema import plays, users
from emby_analytics.simulator.playback import Pause, Play, PlaybackHistory, PlaybackScript
from emby_analytics.simulator.world import MOVIE
from emby_analytics.sync.history import QUERY_PATH

ROUTES = (
    ("GET", "/admin/debug/users"),
    ("GET", "/admin/debug/sessions"),
    ("GET", "/admin/debug/emby-sessions"),
    ("POST", "/admin/debug/ingest-active"),
    ("POST", "/admin/import/playback-reporting"),
    ("GET", "/admin/import/playback-reporting"),
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, HISTORY_DAYS="0")  # the simulated plugin's whole history


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


async def _get(service: Service, path: str, **params: Any) -> httpx.Response:
    return await service.http.get(path, params=params, headers=_admin(service))


async def _post(service: Service, path: str) -> httpx.Response:
    return await service.http.post(path, headers=_admin(service))


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0)


def _long_movie(service: Service, nth: int = 0) -> str:
    world = service.simulator.world
    movies = [str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000]
    return movies[nth]


def _watch(service: Service, clock: ManualClock, user: int = 0, nth: int = 0, *actions: Any) -> str:
    """A simulated session of user `user` playing a long movie from now; its session id."""
    world = service.simulator.world
    script = PlaybackScript(world.users[user].id, clock.now(), actions or (Play(0, _long_movie(service, nth)),))
    return service.simulator.sessions.add_script(script)


def _install_history(service: Service, clock: ManualClock, days: int = 20) -> PlaybackHistory:
    history = PlaybackHistory.generate(service.simulator.world, end=clock.now(), days=days, zone=ZoneInfo("UTC"))
    service.simulator.history = history
    return history


async def test_every_route_needs_the_admin_token(service: Service) -> None:
    for method, path in ROUTES:
        answer = await service.http.request(method, path)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["error"] == "unauthorized"
    assert not service.state.scheduler.jobs["history-import"].triggered, "a refused start starts nothing"


async def test_users_that_differ_between_emby_and_the_store(service: Service) -> None:
    world = service.simulator.world
    await service.state.user_sync.run()
    renamed, gone = world.users[1].id, world.users[2].id
    world.rename_user(renamed, "Renamed in Emby")
    world.remove_user(gone)
    newcomer = world.add_user("Newcomer")
    world.set_user_admin(world.users[3].id)
    same = world.users[0].id

    answer = await _get(service, "/admin/debug/users")
    assert answer.status_code == 200
    body = answer.json()
    listed = {user["user_id"]: user for user in body["users"]}
    assert body["emby_users"] == len(world.users) and body["stored_users"] == len(world.users)
    assert (body["only_in_emby"], body["only_stored"], body["differing"]) == (1, 1, 4)
    assert [user["differs"] for user in body["users"]] == sorted((u["differs"] for u in body["users"]), reverse=True)
    assert listed[newcomer] | {"changed": None} == {
        "user_id": newcomer, "emby_name": "Newcomer", "stored_name": None, "in_emby": True, "stored": False,
        "removed": False, "differs": True, "changed": None,
    }  # fmt: skip
    assert listed[gone]["in_emby"] is False and listed[gone]["stored"] is True and listed[gone]["emby_name"] is None
    assert listed[gone]["differs"] is True and listed[gone]["removed"] is False
    assert listed[renamed]["emby_name"] == "Renamed in Emby" and listed[renamed]["changed"] == ["name"]
    assert listed[renamed]["stored_name"] != "Renamed in Emby"
    assert listed[world.users[3].id]["changed"] == ["is_admin"]
    assert listed[same]["differs"] is False and listed[same]["changed"] == []

    stored = await service.state.db.read(lambda conn: {row.id: row.name for row in conn.execute(select(users))})
    assert newcomer not in stored and stored[renamed] != "Renamed in Emby", "a GET changes nothing"

    await service.state.user_sync.run()
    after = (await _get(service, "/admin/debug/users")).json()
    assert after["differing"] == 0, "after a sync the store says what Emby says (a removed user stays, marked)"
    assert next(u for u in after["users"] if u["user_id"] == gone)["removed"] is True

    # Someone changed the store behind the sync's back: seen too.
    await service.state.db.write(lambda conn: conn.execute(update(users).where(users.c.id == same).values(name="x")))
    again = (await _get(service, "/admin/debug/users")).json()
    assert again["differing"] == 1 and again["users"][0]["user_id"] == same


async def test_users_when_emby_fails_is_a_clean_502(service: Service) -> None:
    service.simulator.faults.unauthorized_next(1, endpoint="/Users")
    answer = await _get(service, "/admin/debug/users")
    assert answer.status_code == 502
    body = answer.json()
    assert body["error"] == "emby_unavailable" and "/Users" in body["message"]
    assert "Access token is invalid" not in body["message"], "Emby's own text is never passed on"
    assert API_KEY not in answer.text


async def test_recorded_plays_and_their_filters(service: Service, clock: ManualClock) -> None:
    history = _install_history(service, clock)
    await service.state.history_import.run()
    session = _watch(service, clock, 0, 0)
    _watch(service, clock, 1, 1)
    clock.advance(30)
    await service.state.feed.poll()
    clock.advance(30)
    await service.state.feed.poll()

    newest = (await _get(service, "/admin/debug/sessions")).json()
    assert len(newest) == 50 < history.row_count()
    starts = [play["started_at"] for play in newest]
    assert starts == sorted(starts, reverse=True), "newest first"
    live = [play for play in newest if play["source"] == "live"]
    assert len(live) == 2 and all(play["tracker_open"] and play["stopped_at"] is None for play in live)
    first = next(play for play in live if play["session_id"] == session)
    assert 0 < first["watch_seconds"] <= 60 and first["is_paused"] is False
    assert first["client"] == "Emby Web" and first["play_method"] and first["last_seen_at"]
    assert not any(play["tracker_open"] for play in newest if play["source"] == "import")

    active = (await _get(service, "/admin/debug/sessions", active="true")).json()
    assert {play["play_id"] for play in active} == {play["play_id"] for play in live}
    user = service.simulator.world.users[0].id
    mine = (await _get(service, "/admin/debug/sessions", active="true", user_id=user.upper())).json()
    assert [play["play_id"] for play in mine] == [first["play_id"]]
    by_user = (await _get(service, "/admin/debug/sessions", user_id=user, limit=500)).json()
    assert by_user and {play["user_id"] for play in by_user} == {user}
    movie = _long_movie(service, 1)
    by_item = (await _get(service, "/admin/debug/sessions", item_id=movie, active="1")).json()
    assert len(by_item) == 1 and by_item[0]["item_id"] == movie and by_item[0]["user_id"] != user
    assert (await _get(service, "/admin/debug/sessions", limit=3)).json() == newest[:3]
    nobody = (await _get(service, "/admin/debug/sessions", user_id="f" * 32, active="true")).json()
    assert nobody == []

    for params, name in (
        ({"user_id": "not-a-user"}, "user_id"),
        ({"item_id": "1; DROP TABLE plays"}, "item_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"active": "perhaps"}, "active"),
    ):
        answer = await _get(service, "/admin/debug/sessions", **params)
        assert answer.status_code == 422, params
        assert answer.json()["error"] == "invalid_parameter" and name in answer.json()["message"]


async def test_emby_sessions_show_a_live_session_and_record_nothing(service: Service, clock: ManualClock) -> None:
    session = _watch(service, clock, 0, 0, Play(0, _long_movie(service)), Pause(20))
    clock.advance(30)
    before = service.simulator.metrics.by_endpoint["/Sessions"]
    answer = await _get(service, "/admin/debug/emby-sessions")
    assert answer.status_code == 200
    body = answer.json()
    assert service.simulator.metrics.by_endpoint["/Sessions"] == before + 1, "asked Emby now"
    assert body["playing"] == 1 and body["skipped"] == 0
    shown = next(s for s in body["sessions"] if s["id"] == session)
    assert shown["is_playing"] is True and shown["user_id"] == service.simulator.world.users[0].id
    assert shown["now_playing_item"]["id"] == _long_movie(service)
    assert shown["play_state"]["is_paused"] is True and shown["position_seconds"] == pytest.approx(20)
    assert shown["client"] == "Emby Web" and "device_id" not in shown and "DeviceId" not in answer.text
    assert "path" not in shown["now_playing_item"] and "media_sources" not in shown["now_playing_item"]
    assert service.state.recorder.status.open_plays == 0, "a look records nothing"
    assert await service.state.db.read(lambda conn: conn.execute(select(plays)).all()) == []


async def test_emby_sessions_never_pass_on_what_we_do_not_model(service: Service) -> None:
    hostile = [
        {
            "Id": "a1b2c3",
            "UserId": "0123456789abcdef0123456789abcdef",
            "UserName": "<script>alert(1)</script>",
            "AccessToken": "leaked-access-token-1",
            "DeviceId": "leaked-device-secret-2",
            "Client": "Emby Web",
            "PlayState": {"PositionTicks": 10_000_000, "IsPaused": False, "Secret": "leaked-3"},
            "NowPlayingItem": {
                "Id": "42", "Name": "Movie", "Type": "Movie", "Path": "/media/leaked-4.mkv",
                "MediaSources": [{"Id": "m", "Path": "http://user:leaked-5@nas/movie.strm"}],
            },
        },
        {"NoId": True},
    ]  # fmt: skip
    body = json.dumps(hostile).encode()
    service.simulator.faults.answer_next(1, body, "application/json", endpoint="/Sessions")
    answer = await _get(service, "/admin/debug/emby-sessions")
    assert answer.status_code == 200
    assert answer.json()["skipped"] == 1 and answer.json()["playing"] == 1
    assert answer.json()["sessions"][0]["user_name"] == "<script>alert(1)</script>", "data, returned as JSON"
    assert "leaked" not in answer.text, "no token, device id, file path or field we do not model"
    assert "AccessToken" not in answer.text and "access_token" not in answer.text

    service.simulator.faults.unauthorized_next(1, endpoint="/Sessions")
    failed = await _get(service, "/admin/debug/emby-sessions")
    assert failed.status_code == 502 and failed.json()["error"] == "emby_unavailable"


async def test_ingest_active_records_a_live_session(service: Service, clock: ManualClock) -> None:
    session = _watch(service, clock)
    clock.advance(10)
    answer = await _post(service, "/admin/debug/ingest-active")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["sessions"], body["playing"], body["open_plays"], body["unsaved_plays"]) == (1, 1, 1, 0)
    stored = await service.state.db.read(lambda conn: conn.execute(select(plays)).one())
    assert stored.session_id == session and stored.stopped_at is None and stored.source == "live"
    active = (await _get(service, "/admin/debug/sessions", active="true")).json()
    assert [(play["play_id"], play["tracker_open"]) for play in active] == [(stored.id, True)]
    assert (await service.http.get("/admin/debug/ingest-active", headers=_admin(service))).status_code == 405

    service.simulator.faults.unauthorized_next(1, endpoint="/Sessions")
    failed = await _post(service, "/admin/debug/ingest-active")
    assert failed.status_code == 502 and failed.json()["error"] == "emby_unavailable"


async def test_concurrent_ingests_share_one_poll(service: Service, clock: ManualClock) -> None:
    _watch(service, clock)
    clock.advance(10)
    requests = service.simulator.metrics.by_endpoint
    before = requests["/Sessions"]
    hold = service.simulator.faults.hold_next(1, endpoint="/Sessions")
    first = asyncio.create_task(_post(service, "/admin/debug/ingest-active"))
    async with asyncio.timeout(10):
        await hold.arrived.wait()
    feed = service.state.feed
    # Everything in-process: each caller runs up to the feed's lock at once, while the first poll is held.
    others = [asyncio.create_task(_post(service, "/admin/debug/ingest-active")) for _ in range(3)]
    direct = [asyncio.create_task(feed.poll_now()), asyncio.create_task(feed.poll())]
    for _ in range(10):
        await asyncio.sleep(0)
    hold.release()
    answers = [await task for task in (first, *others)]
    snapshots = await asyncio.gather(*direct)
    assert requests["/Sessions"] == before + 1, "one request to Emby for all of them"
    assert {answer.json()["polled_at"] for answer in answers} == {answers[0].json()["polled_at"]}
    shared = snapshots[0]
    assert shared is not None and datetime.fromisoformat(answers[0].json()["polled_at"]) == shared.at
    assert all(answer.json()["open_plays"] == 1 for answer in answers)

    clock.advance(5)
    await _post(service, "/admin/debug/ingest-active")
    assert requests["/Sessions"] == before + 2, "a call after the poll ended asks again"


async def test_import_runs_in_the_background_page_by_page(service: Service, clock: ManualClock) -> None:
    history = _install_history(service, clock)
    rows = history.row_count()
    importer = service.state.history_import
    importer.page_size = 20
    assert rows > 3 * importer.page_size
    job = service.state.scheduler.jobs["history-import"]
    idle = (await _get(service, "/admin/import/playback-reporting")).json()
    assert idle == {
        "running": False, "rows_read": 0, "plays_added": 0, "skipped_duplicates": 0, "skipped_live_overlap": 0,
        "skipped_invalid": 0, "played_added": 0, "pages": 0, "started_at": None, "finished_at": None, "error": None,
    }  # fmt: skip

    faults = service.simulator.faults
    faults.stall_next(1, seconds=0, endpoint=QUERY_PATH)  # the first page goes through
    hold = faults.hold_next(1, endpoint=QUERY_PATH)  # the second waits for the test
    loop = asyncio.create_task(job.loop())  # the scheduler's part (jobs are off in tests)
    try:
        started = await _post(service, "/admin/import/playback-reporting")
        assert started.status_code == 202 and started.json() == {"started": True, "job_id": "history-import"}
        busy = await _post(service, "/admin/import/playback-reporting")
        assert busy.status_code == 409 and "GET /admin/import/playback-reporting" in busy.json()["message"]

        async with asyncio.timeout(10):
            await hold.arrived.wait()
        await _until(lambda: importer.progress.counts.pages == 1)
        midway = (await _get(service, "/admin/import/playback-reporting")).json()
        assert midway["running"] is True and midway["pages"] == 1 and midway["finished_at"] is None
        assert midway["rows_read"] == midway["plays_added"] == 20 and midway["started_at"] is not None
        assert (await _post(service, "/admin/import/playback-reporting")).status_code == 409

        hold.release()
        await _until(lambda: job.state.runs == 1 and not job.state.running)
        done = (await _get(service, "/admin/import/playback-reporting")).json()
        assert done["running"] is False and done["error"] is None and done["finished_at"] is not None
        assert done["rows_read"] == done["plays_added"] == rows and done["pages"] == math.ceil(rows / 20)
        stored = await service.state.db.read(lambda conn: conn.execute(select(plays.c.source)).scalars().all())
        assert len(stored) == rows + done["played_added"] and set(stored) == {"import"}

        again = await _post(service, "/admin/import/playback-reporting")
        assert again.status_code == 202, "once it ended it can run again"
        await _until(lambda: job.state.runs == 2 and not job.state.running)
        second = (await _get(service, "/admin/import/playback-reporting")).json()
        assert second["plays_added"] == 0 and second["skipped_duplicates"] == rows, "never a play twice"
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_import_failure_is_reported(service: Service, clock: ManualClock) -> None:
    _install_history(service, clock)
    service.simulator.faults.unauthorized_next(1, endpoint=QUERY_PATH)
    job = service.state.scheduler.jobs["history-import"]
    await job.run_now()  # as the scheduler runs it
    status = (await _get(service, "/admin/import/playback-reporting")).json()
    assert status["running"] is False and status["error"] is not None and "EmbyAuthError" in status["error"]
    assert status["plays_added"] == 0 and status["finished_at"] is not None
    assert API_KEY not in json.dumps(status)
