"""The feed's websocket job on a manual clock: one run is one connection; refused, broken or short connections back
off by the one policy (growing, capped, with jitter); a healthy one reconnects within a second; stopping is clean."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from emby_analytics.clock import ManualClock
from emby_analytics.emby.websocket import EmbySocketListener
from emby_analytics.feed import SocketJob
from emby_analytics.scheduler import Scheduler
from emby_analytics.simulator import Simulator

from ..conftest import API_KEY
from .conftest import BASE_URL, Recorder, sim_client, sleeping, wait_until


@asynccontextmanager
async def socket_job(
    http: httpx.AsyncClient, clock: ManualClock, recorder: Recorder, *, key: str = API_KEY, healthy_after: float = 60
) -> AsyncIterator[SocketJob]:
    listener = EmbySocketListener(http, BASE_URL, key, on_sessions=recorder.on_sessions, clock=clock)
    job = SocketJob(listener, clock, healthy_after_sec=healthy_after, rng=random.Random(1))
    scheduler = Scheduler([job])
    scheduler.start()
    try:
        yield job
    finally:
        await scheduler.stop()
    assert not listener.connected and not job.state.running


def within(delays: list[float], ceilings: list[float]) -> bool:
    """Equal jitter: each wait lies between half its ceiling and the ceiling."""
    return all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))


async def test_dropped_sockets_reconnect_with_growing_capped_backoff(
    simulator: Simulator, clock: ManualClock, playing: str, recorder: Recorder
) -> None:
    delays: list[float] = []
    async with sim_client(simulator) as http, socket_job(http, clock, recorder) as job:
        for n in range(1, 8):
            await recorder.next()  # every (re)connect subscribes again and gets the current sessions
            assert job.listener.connects == n and job.state.running
            assert simulator.websockets.drop_all() == 1
            delays.append(await sleeping(clock))
            assert job.state.consecutive_failures == n
            assert job.state.last_error == "EmbySocketError: closed by server (code 1001)"
            clock.advance(delays[-1])
        await recorder.next()
        assert job.listener.connected and job.state.last_error == "EmbySocketError: closed by server (code 1001)"
    assert within(delays, [1, 2, 4, 8, 16, 32, 60])
    assert simulator.websockets.accepted == 8


async def test_a_healthy_connection_reconnects_within_a_second(
    simulator: Simulator, clock: ManualClock, recorder: Recorder
) -> None:
    async with sim_client(simulator) as http, socket_job(http, clock, recorder, healthy_after=0) as job:
        for _ in range(4):
            await recorder.next()
            simulator.websockets.drop_all()
            assert await sleeping(clock) == 1.0
            assert job.state.consecutive_failures == 0 and job.state.last_error is None
            clock.advance(1.0)
        await recorder.next()
    assert job.state.failures == 0 and job.listener.connects == 5


async def test_unavailable_keeps_retrying_at_most_a_minute_apart_then_recovers(
    simulator: Simulator, clock: ManualClock, recorder: Recorder
) -> None:
    simulator.websockets.enabled = False
    delays: list[float] = []
    async with sim_client(simulator) as http, socket_job(http, clock, recorder) as job:
        delays.append(await sleeping(clock))
        for _ in range(9):
            clock.advance(delays[-1])
            delays.append(await sleeping(clock))
        # it waits after its 10th refusal
        assert not job.listener.connected and not job.listener.auth_failed
        assert job.state.consecutive_failures == 10
        assert job.state.last_error == "EmbySocketError: websocket handshake refused (close code 1013)"
        simulator.websockets.enabled = True
        clock.advance(delays[-1])
        await recorder.next()
        assert job.listener.connected and job.listener.connects == 1
    assert max(delays) <= 60.0 and delays[-1] >= 30.0  # 2**9 s is capped at 60 (with jitter)


async def test_a_refused_token_is_reported_and_never_logged(
    simulator: Simulator, clock: ManualClock, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-key-0123456789abcdef"
    async with sim_client(simulator) as http, socket_job(http, clock, recorder, key=secret) as job:
        for _ in range(3):
            clock.advance(await sleeping(clock))
        await sleeping(clock)
        assert job.listener.auth_failed and job.state.consecutive_failures == 4
        assert job.state.last_error == "EmbySocketError: authentication failed (closed with code 1008)"
    logged = " ".join(str(record.__dict__) for record in caplog.records)  # messages and their fields
    assert secret not in logged and "authentication failed" in logged


async def test_stopping_during_a_backoff_wait_is_clean(
    simulator: Simulator, clock: ManualClock, recorder: Recorder
) -> None:
    simulator.websockets.enabled = False
    async with sim_client(simulator) as http, socket_job(http, clock, recorder) as job:
        await sleeping(clock)
        assert job.state.next_run_at is not None and job.state.next_run_at > clock.now()
    assert clock.next_deadline is None, "the cancelled wait left nothing behind"


async def test_stopping_while_connected_is_clean(
    simulator: Simulator, clock: ManualClock, playing: str, recorder: Recorder
) -> None:
    async with sim_client(simulator) as http, socket_job(http, clock, recorder) as job:
        await recorder.next()
        assert job.state.running and simulator.websockets.open_count == 1
    await wait_until(lambda: simulator.websockets.open_count == 0)
