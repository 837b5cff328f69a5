"""`GET /health/emby` under load: concurrent checks share one call to Emby, its answer is kept a few seconds on the
app's clock, and our own endpoints do not wait for a slow Emby meanwhile (issue 8: 500 concurrent checks against a
slow Emby made 500 calls and stalled `/version` for 8.8 s)."""

from __future__ import annotations

import asyncio

import httpx
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.emby.reachability import MAX_AGE_SEC

CHECKS = 300
SLOW_MS = 2000  # real time: long enough that /version certainly answers while the call is still running
INFO = "/System/Info"


async def _until_asked(service: Service, calls: int) -> None:
    """Until the simulator has received `calls` calls to /System/Info (an event, not a sleep)."""
    async with asyncio.timeout(30):
        while service.simulator.metrics.by_endpoint[INFO] < calls:
            await asyncio.sleep(0.01)


async def _checks(service: Service, n: int) -> list[httpx.Response]:
    return await asyncio.gather(*(service.http.get("/health/emby") for _ in range(n)))


async def test_concurrent_checks_share_one_call_and_leave_other_endpoints_alone(
    service: Service, clock: ManualClock
) -> None:
    sim = service.simulator
    sim.latency.set(INFO, SLOW_MS)
    checks = asyncio.ensure_future(_checks(service, CHECKS))
    await _until_asked(service, 1)

    version = await service.http.get("/version")
    assert version.status_code == 200
    assert sim.metrics.in_flight == 1, "/version waited for Emby's answer"

    answers = await checks
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1  # one answer, latency included
    assert answers[0].json()["ok"] is True
    assert sim.metrics.by_endpoint[INFO] == 1

    # Within MAX_AGE_SEC of the app's clock the answer is reused; after it, Emby is asked again.
    clock.advance(MAX_AGE_SEC - 0.5)
    assert {a.status_code for a in await _checks(service, 20)} == {200}
    assert sim.metrics.by_endpoint[INFO] == 1
    clock.advance(0.5)
    sim.latency.clear()
    await service.http.get("/health/emby")
    assert sim.metrics.by_endpoint[INFO] == 2


async def test_a_failing_emby_is_also_asked_once(service: Service, clock: ManualClock) -> None:
    sim = service.simulator
    sim.latency.set(INFO, 200)
    sim.faults.fail_next(1, status=503, endpoint=INFO)
    answers = await _checks(service, 50)
    assert {a.status_code for a in answers} == {502}
    assert answers[0].json()["ok"] is False
    assert sim.metrics.by_endpoint[INFO] == 1
    assert (await service.http.get("/health/emby")).status_code == 502  # kept: Emby is not asked again at once
    clock.advance(MAX_AGE_SEC)
    assert (await service.http.get("/health/emby")).status_code == 200  # then it is, and it answers now
    assert sim.metrics.by_endpoint[INFO] == 2


async def test_a_check_given_up_does_not_cancel_the_call_others_wait_for(service: Service) -> None:
    sim = service.simulator
    sim.latency.set(INFO, 300)
    impatient = asyncio.ensure_future(service.http.get("/health/emby"))
    await _until_asked(service, 1)
    patient = asyncio.ensure_future(service.http.get("/health/emby"))
    await asyncio.sleep(0)
    impatient.cancel()
    assert (await patient).json()["ok"] is True
    assert sim.metrics.by_endpoint[INFO] == 1
