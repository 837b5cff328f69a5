"""The session feed: one /Sessions request per poll handed to every subscriber in order; a poll older than a push
is dropped; a failing subscriber starves nobody; polls back off while Emby fails, and /health says so."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.emby.errors import EmbyError
from emby_analytics.feed import Snapshot
from emby_analytics.scheduler import Scheduler
from emby_analytics.simulator.playback import Play, PlaybackScript
from emby_analytics.simulator.world import MOVIE


def _play_one(service: Service, clock: ManualClock) -> str:
    world = service.simulator.world
    movie = next(str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10_000_000)
    return service.simulator.sessions.add_script(PlaybackScript(world.users[0].id, clock.now(), (Play(0, movie),)))


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0)


async def test_each_poll_reaches_every_subscriber_in_order(service: Service, clock: ManualClock) -> None:
    session_id = _play_one(service, clock)
    feed, seen = service.state.feed, []

    async def first(snapshot: Snapshot) -> None:
        seen.append(("first", snapshot))

    async def second(snapshot: Snapshot) -> None:
        seen.append(("second", snapshot))

    feed.subscribe(first)
    unsubscribe = feed.subscribe(second)
    requests = service.simulator.metrics.by_endpoint["/Sessions"]
    clock.advance(5)
    await feed.poll()
    assert [name for name, _ in seen] == ["first", "second"]
    snapshot = seen[0][1]
    assert snapshot is seen[1][1], "one snapshot, handed to each"
    assert (snapshot.source, snapshot.asked_at, snapshot.at) == ("poll", clock.now(), clock.now())
    assert [s.id for s in snapshot.sessions.playing] == [session_id]
    assert service.state.recorder.status.open_plays == 1, "the recorder subscribes too"
    assert service.simulator.metrics.by_endpoint["/Sessions"] == requests + 1

    unsubscribe()
    unsubscribe()  # twice is harmless
    await feed.poll()
    assert [name for name, _ in seen] == ["first", "second", "first"]


async def test_a_subscriber_is_swapped_by_its_bound_method(service: Service, clock: ManualClock) -> None:
    """The app does not keep the recorder's unsubscribe handle; `unsubscribe(recorder.on_snapshot)` still works."""
    _play_one(service, clock)
    feed, recorder, seen = service.state.feed, service.state.recorder, []

    async def replacement(snapshot: Snapshot) -> None:
        seen.append(snapshot)

    feed.unsubscribe(recorder.on_snapshot)
    feed.unsubscribe(recorder.on_snapshot)  # twice is harmless
    feed.subscribe(replacement)
    clock.advance(5)
    await feed.poll()
    assert len(seen) == 1 and len(seen[0].sessions.playing) == 1
    assert recorder.status.open_plays == 0, "the recorder no longer hears the feed"


async def test_a_poll_answered_after_a_newer_push_is_not_handed_on(service: Service, clock: ManualClock) -> None:
    """A websocket push that arrives while a poll is in flight is newer than that poll's answer."""
    _play_one(service, clock)
    feed, seen = service.state.feed, []

    async def record(snapshot: Snapshot) -> None:
        seen.append(snapshot.source)

    feed.subscribe(record)
    pushed = await service.state.emby.sessions()
    service.simulator.latency.set("/Sessions", base_ms=300, jitter_ms=0)  # the poll's answer takes a while
    in_flight = asyncio.create_task(feed.poll())
    await _until(lambda: service.simulator.metrics.in_flight > 0)
    clock.advance(1)
    await feed.pushed(pushed, clock.now())
    await in_flight
    assert seen == ["websocket"]


async def test_a_failing_subscriber_does_not_starve_the_others(service: Service, clock: ManualClock) -> None:
    _play_one(service, clock)
    feed, seen = service.state.feed, []

    async def broken(snapshot: Snapshot) -> None:
        raise RuntimeError("a bug in one consumer")

    async def fine(snapshot: Snapshot) -> None:
        seen.append(snapshot)

    feed.subscribe(broken)
    feed.subscribe(fine)
    await feed.poll()
    assert len(seen) == 1 and feed.subscriber_errors == 1


async def test_a_failing_subscriber_shows_in_health(service: Service, clock: ManualClock) -> None:
    """A subscriber that fails for another reason than a refused write (a bug) is not silent: /health says so
    until every subscriber takes a snapshot again."""
    _play_one(service, clock)
    feed = service.state.feed

    async def broken(snapshot: Snapshot) -> None:
        raise RuntimeError("a bug in one consumer")

    unsubscribe = feed.subscribe(broken)
    await feed.poll()
    health = (await service.http.get("/health")).json()
    assert health["status"] == "degraded" and health["ok"] is True
    poller = health["poller"]
    assert poller["ok"] is True and poller["last_write_error"] is None, "Emby answered and the plays were stored"
    assert (poller["subscriber_errors"], poller["last_subscriber_error"]) == (1, "RuntimeError: a bug in one consumer")

    unsubscribe()
    clock.advance(5)
    await feed.poll()
    health = (await service.http.get("/health")).json()
    assert health["status"] == "ok" and health["poller"]["last_subscriber_error"] is None
    assert health["poller"]["subscriber_errors"] == 1 and health["poller"]["open_plays"] == 1


async def test_polls_back_off_while_emby_fails_and_health_says_so(service: Service, clock: ManualClock) -> None:
    feed = service.state.feed
    service.simulator.faults.fail_next(1000, status=503, endpoint="/Sessions")
    with pytest.raises(EmbyError):
        await feed.poll()
    scheduler = Scheduler([feed.poll_job])
    scheduler.start()
    try:
        waits = []
        for _ in range(6):
            await _until(lambda: clock.next_deadline is not None)
            assert clock.next_deadline is not None
            waits.append((clock.next_deadline - clock.now()).total_seconds())
            clock.advance(waits[-1])
            await _until(lambda: clock.next_deadline is None)
        health = (await service.http.get("/health")).json()
        assert health["status"] == "degraded" and health["ok"] is True
        poller = health["poller"]
        assert poller["ok"] is False and poller["consecutive_failures"] >= 6
        assert "503" in poller["last_error"] and poller["last_success"] is None
        assert max(waits) <= 60 and waits[-1] >= 30, "doubling from 10 s, capped at a minute"
        jobs = {job["name"]: job for job in health["jobs"]}
        assert jobs["sessions-poll"]["last_error"] == poller["last_error"], "one record behind both views"

        service.simulator.faults.clear()
        await _until(lambda: clock.next_deadline is not None)
        clock.advance((clock.next_deadline - clock.now()).total_seconds())
        await _until(lambda: feed.ok)
    finally:
        await scheduler.stop()
    health = (await service.http.get("/health")).json()
    assert health["status"] == "ok" and health["poller"]["last_error"] is None
    assert health["poller"]["last_success"] is not None
    assert health["websocket"]["enabled"] is True and health["websocket"]["connected"] is False  # jobs are off


async def test_the_feed_is_the_only_one_asking_emby_for_sessions(service: Service, clock: ManualClock) -> None:
    """Subscribers never poll: however many there are, one request per poll."""
    feed = service.state.feed
    for _ in range(20):
        feed.subscribe(lambda snapshot: asyncio.sleep(0))
    before = service.simulator.metrics.by_endpoint["/Sessions"]
    for _ in range(3):
        clock.advance(5)
        await feed.poll()
    assert service.simulator.metrics.by_endpoint["/Sessions"] - before == 3


def test_socket_config_hides_the_key() -> None:
    from emby_analytics.feed import SocketConfig

    config = SocketConfig(httpx.AsyncClient(), "http://emby:8096", "secret-api-key-0123456789")
    assert "secret-api-key" not in repr(config)


@pytest.mark.parametrize(("interval", "most"), [(5, 60), (300, 300)])
def test_a_failing_poll_never_comes_more_often_than_a_healthy_one(interval: int, most: int) -> None:
    from emby_analytics.feed import SessionPollJob

    async def poll() -> None:
        return None

    job = SessionPollJob(poll, interval, ManualClock(datetime(2026, 1, 1, tzinfo=UTC)), rng=random.Random(2))
    for failures in range(1, 12):
        job.state.consecutive_failures = failures
        delay = job.next_delay()
        assert min(interval, most / 2) <= delay <= most, (failures, delay)
