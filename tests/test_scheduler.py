"""Background jobs: run on their interval, record their state, survive their own errors, stop cleanly."""

from __future__ import annotations

import asyncio

from tests.conftest import Service

from emby_analytics.clock import SystemClock
from emby_analytics.scheduler import Job, Scheduler


class Counting(Job):
    name = "counting"

    def __init__(self, interval: float, fail_on: set[int] | None = None) -> None:
        super().__init__(interval, SystemClock())
        self.calls = 0
        self.fail_on = fail_on or set()

    async def run_once(self) -> None:
        self.calls += 1
        if self.calls in self.fail_on:
            raise RuntimeError(f"failure {self.calls}")


async def _until(predicate: object, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0.005)


async def test_jobs_run_periodically_and_record_errors() -> None:
    job = Counting(0.01, fail_on={2})
    scheduler = Scheduler([job])
    scheduler.start()
    await _until(lambda: job.calls >= 4)
    await scheduler.stop()
    state = scheduler.states()[0]
    assert state.name == "counting"
    assert state.failures == 1
    assert state.runs >= 4
    assert state.last_error is None, "a later success clears the error"
    assert state.last_run_at is not None and state.last_duration_ms is not None
    assert not state.running


async def test_an_error_is_kept_until_the_next_success() -> None:
    job = Counting(3600, fail_on={1})
    await job.run_now()
    assert job.state.last_error == "RuntimeError: failure 1"
    await job.run_now()
    assert job.state.last_error is None


async def test_trigger_runs_a_job_before_its_interval() -> None:
    job = Counting(3600)
    scheduler = Scheduler([job])
    scheduler.start()
    await _until(lambda: job.calls == 1)
    assert job.state.next_run_at is not None
    job.trigger()
    await _until(lambda: job.calls == 2)
    await scheduler.stop()


async def test_lifespan_jobs_sync_users_and_library_on_their_own(service: Service) -> None:
    state = service.state
    state.scheduler.start()
    try:
        jobs = state.scheduler.jobs
        await _until(lambda: jobs["users"].state.runs >= 1 and jobs["library-incremental"].state.runs >= 1)
    finally:
        await state.scheduler.stop()
    assert jobs["users"].state.last_error is None
    assert jobs["library-incremental"].state.last_error is None
    assert jobs["library-full"].state.runs == 0, "the daily full sync waits a whole interval"
    overview = (await service.http.get("/stats/overview")).json()
    assert overview["total_users"] == len(service.simulator.world.users)
    assert overview["items_by_type"]["Movie"] == service.simulator.world.counts()["MovieCount"]


async def test_a_trigger_during_a_run_is_not_lost() -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    class Slow(Job):
        name = "slow"

        def __init__(self) -> None:
            super().__init__(3600, SystemClock())
            self.calls = 0

        async def run_once(self) -> None:
            self.calls += 1
            started.set()
            await release.wait()

    job = Slow()
    scheduler = Scheduler([job])
    scheduler.start()
    await _until(started.is_set)
    job.trigger()  # arrives while the first run is still going
    release.set()
    await _until(lambda: job.calls == 2)
    await scheduler.stop()
