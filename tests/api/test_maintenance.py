"""Admin maintenance through the real app and real SQLite files: the resets (their confirmation bodies, what each
keeps, the tracker starting afresh), and each repair: GET reports and changes nothing, POST repairs, the statistics
follow once the rollups are rebuilt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Connection, func, select, update
from tests.conftest import Service, make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items, play_rows, plays, segment_rows, users
from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE

TICKS = 10_000_000
SECOND = 1_000_000  # microseconds
HOUR_TICKS = 3600 * TICKS


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


async def _get(service: Service, path: str) -> Any:
    answer = await service.http.get(path, headers=_admin(service))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _post(service: Service, path: str, body: Any = None) -> httpx.Response:
    return await service.http.post(path, headers=_admin(service), json=body)


def _play(n: int, started: datetime, **columns: Any) -> dict[str, Any]:
    return {
        "id": f"{n:016x}", "source": "live", "user_id": f"{n % 3:032x}", "item_id": f"item{n}",
        "item_type": "Movie", "item_name": f"Film {n}", "runtime_ticks": HOUR_TICKS, "started_at": started,
        "stopped_at": started + timedelta(minutes=40), "watch_seconds": 600.0, **columns,
    }  # fmt: skip


async def _insert(service: Service, *rows: dict[str, Any]) -> None:
    def write(conn: Connection) -> None:
        for row in rows:  # one at a time: the rows set different columns
            conn.execute(plays.insert().values(**row))

    await service.state.db.write(write)


async def _segment(service: Service, play_id: str, seq: int, start_s: float, end_s: float) -> None:
    """Segment `seq` of a play at seconds after its start (0: the one its row holds)."""

    def write(conn: Connection) -> None:
        started = conn.execute(select(play_rows.c.started_at).where(play_rows.c.id == play_id)).scalar_one()
        if seq == 0:
            values = {"first_start_micros": int(start_s * SECOND), "first_end_micros": int(end_s * SECOND)}
            conn.execute(update(play_rows).where(play_rows.c.id == play_id).values(**values))
        else:
            conn.execute(
                segment_rows.insert().values(
                    play_id=play_id, seq=seq, started_at=started + timedelta(seconds=start_s),
                    ended_at=started + timedelta(seconds=end_s),
                )
            )  # fmt: skip

    await service.state.db.write(write)


async def _fold(service: Service) -> None:
    await service.state.rollups.run_once()


async def _all_time_seconds(service: Service) -> int:
    overview = (await service.http.get("/stats/overview?timeframe=all-time")).json()
    return int(overview["total_seconds"])


async def _row(service: Service, play_id: str) -> Any:
    return await service.state.db.read(lambda conn: conn.execute(select(plays).where(plays.c.id == play_id)).one())


async def _count(service: Service, table: Any) -> int:
    return int(await service.state.db.read(lambda c: c.execute(select(func.count()).select_from(table)).scalar_one()))


ROUTES = (
    ("POST", "/admin/reset-all"),
    ("POST", "/admin/reset-lifetime"),
    ("GET", "/admin/fix-pos-units"),
    ("POST", "/admin/fix-pos-units"),
    ("POST", "/admin/recover-intervals"),
    ("GET", "/admin/cleanup/intervals/dedupe"),
    ("POST", "/admin/cleanup/intervals/dedupe"),
    ("GET", "/admin/cleanup/backfill-playmethods"),
    ("POST", "/admin/cleanup/backfill-playmethods"),
)


async def test_every_maintenance_route_needs_the_admin_token(service: Service, clock: ManualClock) -> None:
    await _insert(service, _play(1, clock.now() - timedelta(days=1)))
    for method, path in ROUTES:
        answer = await service.http.request(method, path, json={"confirm": path.rsplit("/", 1)[1]})
        assert answer.status_code == 401, (method, path)
    assert await _count(service, play_rows) == 1


async def test_a_reset_needs_its_confirmation(service: Service, clock: ManualClock) -> None:
    await _insert(service, _play(1, clock.now() - timedelta(days=1)))
    for path in ("/admin/reset-all", "/admin/reset-lifetime"):
        missing = await _post(service, path)
        assert missing.status_code == 422
        other = await _post(service, path, {"confirm": "yes"})
        assert other.status_code == 400 and path.rsplit("/", 1)[1] in other.json()["message"]
        extra = await _post(service, path, {"confirm": path.rsplit("/", 1)[1], "and": "more"})
        assert extra.status_code == 422
    assert await _count(service, play_rows) == 1


def _movie_script(simulator: Simulator, clock: ManualClock, n: int = 0) -> tuple[str, str]:
    """(user id, item id) of a film the simulator's `n`th user starts playing now, on a device of their own."""
    world = simulator.world
    movies = [r for i in world.ids_of_type(MOVIE) if (r := world.item(i)) is not None and (r.runtime or 0) > HOUR_TICKS]
    user = [u for u in world.users if not u.is_disabled][n]
    device = Device(device_id=f"0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d{n}", device_name=f"TV {n}")
    script = PlaybackScript(user.id, clock.now(), (Play(0, str(movies[n].id)),), device, report_interval=10.0)
    simulator.sessions.add_script(script)
    return user.id, str(movies[n].id)


async def test_reset_lifetime_deletes_the_history_and_the_tracker_starts_afresh(
    service: Service, clock: ManualClock
) -> None:
    await service.state.user_sync.run()
    await service.state.library_sync.full()
    stored_users, stored_items = await _count(service, users), await _count(service, items)
    assert stored_users and stored_items
    await _insert(service, *(_play(n, clock.now() - timedelta(days=n)) for n in range(1, 6)))
    # The writer now knows these users and items by refs that the reset deletes (and numbers again from 1).
    for n in range(1, 6):
        await _segment(service, f"{n:016x}", 0, 0, 600)
    await _fold(service)
    assert await _all_time_seconds(service) == 3000
    _, movie = _movie_script(service.simulator, clock)
    await service.state.feed.poll()
    clock.advance(30)
    await service.state.feed.poll()
    assert service.state.recorder.status.open_plays == 1

    answer = await _post(service, "/admin/reset-lifetime", {"confirm": "reset-lifetime"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "plays_deleted": 6,
        "items_deleted": 0,
        "users_deleted": 0,
        "kept": "library, users, settings",
    }
    assert await _count(service, play_rows) == 0
    assert await _all_time_seconds(service) == 0
    assert (await _count(service, users), await _count(service, items)) == (stored_users, stored_items)

    # A session still playing becomes a new play, counted from the reset on.
    clock.advance(30)
    await service.state.feed.poll()
    clock.advance(60)
    await service.state.feed.poll()
    assert service.state.recorder.status.open_plays == 1
    assert 55 <= await _all_time_seconds(service) <= 65
    # The reset numbers descriptions from 1 again: a user met first after it takes ref 1, and a user the writer
    # knew before it, met again, must not be taken for them.
    for runtime in service.simulator.sessions.runtimes():
        service.simulator.sessions.command(runtime.id, "Stop")
    clock.advance(10)
    await service.state.feed.poll()
    assert (await _post(service, "/admin/reset-lifetime", {"confirm": "reset-lifetime"})).status_code == 200
    other, film = _movie_script(service.simulator, clock, 1)
    await service.state.feed.poll()
    clock.advance(10)
    again, _ = _movie_script(service.simulator, clock, 0)
    await service.state.feed.poll()
    clock.advance(10)
    await service.state.feed.poll()
    stored = await service.state.db.read(lambda conn: conn.execute(select(plays.c.user_id, plays.c.item_id)).all())
    assert sorted(stored) == sorted([(other, film), (again, movie)])


async def test_reset_all_deletes_everything_collected(service: Service, clock: ManualClock) -> None:
    await service.state.user_sync.run()
    await service.state.library_sync.full()
    await _insert(service, _play(1, clock.now() - timedelta(days=1)))
    stored_items = await _count(service, items)
    answer = await _post(service, "/admin/reset-all", {"confirm": "reset-all"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["plays_deleted"] == 1 and body["items_deleted"] == stored_items and body["users_deleted"] > 0
    assert [await _count(service, t) for t in (play_rows, items, users)] == [0, 0, 0]
    overview = (await service.http.get("/stats/overview?timeframe=all-time")).json()
    assert (overview["total_items"], overview["total_plays"], overview["total_seconds"]) == (0, 0, 0)
    # The syncs it starts fill the library again.
    await service.state.library_sync.full()
    assert await _count(service, items) == stored_items


async def test_fix_pos_units_reports_then_repairs(service: Service, clock: ManualClock) -> None:
    start = clock.now() - timedelta(days=2)
    await _insert(
        service,
        _play(1, start, last_position_ticks=HOUR_TICKS // 2 * TICKS),  # converted to ticks twice
        _play(2, start, last_position_ticks=-5, max_position_ticks=3 * HOUR_TICKS),  # negative; past the end
        _play(3, start, watch_seconds=5000.0),  # longer than the 40 minutes it lasted
        _play(4, start, last_position_ticks=HOUR_TICKS // 2),  # fine
        _play(5, start, stopped_at=None, last_seen_at=start, last_position_ticks=-1),  # open: the tracker's
    )
    for n in (1, 2, 3, 4):
        await _segment(service, f"{n:016x}", 0, 0, 600 if n != 3 else 2000)
    await _segment(service, f"{2:016x}", 1, 900, 800)  # ends before it starts
    await _fold(service)
    seconds = await _all_time_seconds(service)

    report = await _get(service, "/admin/fix-pos-units")
    expected = {
        "negative_positions": 1, "beyond_runtime": 2, "unit_mixups": 1, "negative_durations": 0,
        "watch_beyond_span": 1, "backwards_segments": 1, "plays": 3, "repaired": False,
    }  # fmt: skip
    assert {k: report[k] for k in expected} == expected
    assert report["sample_play_ids"] == [f"{n:016x}" for n in (1, 2, 3)]
    assert await _get(service, "/admin/fix-pos-units") == report  # a report changes nothing

    repaired = await _post(service, "/admin/fix-pos-units")
    assert repaired.status_code == 200
    assert repaired.json() == {**report, "repaired": True, "statistics_rebuilt": True}  # a segment went
    rows = {n: await _row(service, f"{n:016x}") for n in (1, 2, 3, 4, 5)}
    assert rows[1].last_position_ticks == HOUR_TICKS // 2
    assert rows[2].last_position_ticks is None and rows[2].max_position_ticks is None
    assert rows[3].watch_seconds == 2000.0
    assert rows[4].last_position_ticks == HOUR_TICKS // 2
    assert rows[5].last_position_ticks == -1  # open plays are left to the tracker
    await _fold(service)
    assert await _all_time_seconds(service) == seconds  # the time was the segments' all along
    again = await _get(service, "/admin/fix-pos-units")
    assert again["plays"] == 0


async def test_dedupe_merges_overlapping_segments_and_the_hours_follow(service: Service, clock: ManualClock) -> None:
    start = clock.now() - timedelta(days=2)
    await _insert(service, _play(1, start, watch_seconds=1200.0), _play(2, start + timedelta(hours=1)))
    await _segment(service, f"{1:016x}", 0, 0, 600)
    await _segment(service, f"{1:016x}", 1, 300, 900)  # 300 s counted twice
    await _segment(service, f"{2:016x}", 0, 0, 600)
    await _fold(service)
    assert await _all_time_seconds(service) == 1800

    report = await _get(service, "/admin/cleanup/intervals/dedupe")
    assert report == {
        "plays": 1, "overlapping_segments": 1, "seconds_counted_twice": 300.0,
        "sample_play_ids": [f"{1:016x}"], "repaired": False,
    }  # fmt: skip
    repaired = await _post(service, "/admin/cleanup/intervals/dedupe")
    assert repaired.json() == {**report, "repaired": True}
    assert (await _row(service, f"{1:016x}")).watch_seconds == 900.0
    await _fold(service)
    assert await _all_time_seconds(service) == 1500
    assert (await _get(service, "/admin/cleanup/intervals/dedupe"))["plays"] == 0


TRANSCODED = {
    "play_method": "Transcode",
    "video_codec_from": "hevc",
    "video_codec_to": "h264",
    "audio_codec_from": "aac",
    "audio_codec_to": "aac",
}


async def test_backfill_fills_in_methods_the_overall_one_implies(service: Service, clock: ManualClock) -> None:
    start = clock.now() - timedelta(days=2)
    await _insert(
        service,
        _play(1, start, play_method="DirectPlay"),
        _play(2, start, play_method="DirectPlay", item_type="Audio"),
        _play(3, start, **TRANSCODED),
        _play(4, start, play_method="Transcode"),  # nothing says which stream was transcoded
    )
    report = await _get(service, "/admin/cleanup/backfill-playmethods")
    assert (report["plays"], report["unknown"], report["repaired"]) == (3, 1, False)
    repaired = (await _post(service, "/admin/cleanup/backfill-playmethods")).json()
    assert (repaired["plays"], repaired["unknown"], repaired["repaired"]) == (3, 1, True)
    methods = {n: ((r := await _row(service, f"{n:016x}")).video_method, r.audio_method) for n in (1, 2, 3, 4)}
    assert methods == {1: ("direct", "direct"), 2: (None, "direct"), 3: ("transcode", "copy"), 4: (None, None)}
    assert (await _get(service, "/admin/cleanup/backfill-playmethods"))["plays"] == 0


async def test_recover_closes_open_plays_the_tracker_does_not_hold(
    tmp_path: Any, simulator: Simulator, clock: ManualClock
) -> None:
    settings = make_settings(tmp_path)
    start = clock.now() - timedelta(hours=3)
    async with running_service(settings, simulator, clock) as service:
        unreadable = _play(1, start, stopped_at=None, last_seen_at=start + timedelta(minutes=20),
                           tracker_state='{"first": 7')  # fmt: skip
        await _insert(service, unreadable)
        await _segment(service, f"{1:016x}", 0, 0, 1100)
        await _segment(service, f"{1:016x}", 1, 1150, 1200)
    # An open play whose saved state does not read no longer stops the start-up: it is left open, not resumed.
    async with running_service(settings, simulator, clock) as service:
        assert service.state.recorder.status.open_plays == 0
        answer = await _post(service, "/admin/recover-intervals")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "open_plays": 1, "held": 0, "closed": 1, "watch_seconds": 1150.0, "sample_play_ids": [f"{1:016x}"],
        }  # fmt: skip
        row = await _row(service, f"{1:016x}")
        assert row.stopped_at == start + timedelta(minutes=20) and row.end_reason == "gone"
        await _fold(service)
        assert await _all_time_seconds(service) == 1150
        again = (await _post(service, "/admin/recover-intervals")).json()
        assert (again["open_plays"], again["closed"]) == (0, 0)
