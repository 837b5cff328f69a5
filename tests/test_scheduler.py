"""Background jobs on a manual clock: they run on their interval, record their state, survive their own errors, back
off by the one policy while failing, wake early when triggered (even mid-run), and stop cleanly."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from tests.conftest import Service

from emby_analytics.backoff import Backoff
from emby_analytics.clock import ManualClock, within
from emby_analytics.scheduler import JOB_BACKOFF, Job, Scheduler

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Counting(Job):
    name = "counting"

    def __init__(self, clock: ManualClock, interval: float, fail_on: set[int] | None = None, **kw: object) -> None:
        super().__init__(interval, clock, **kw)  # type: ignore[arg-type]
        self.calls = 0
        self.fail_on = fail_on or set()
        self.ran = asyncio.Event()

    async def run_once(self) -> None:
        self.calls += 1
        self.ran.set()
        if self.calls in self.fail_on:
            raise RuntimeError(f"failure {self.calls}")


async def _until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    # Polled, not spun: a loop of sleep(0) keeps the GIL from the worker threads (every SQLite call of a sync
    # waited for it), which made a library sync under CI load take more than 5 s.
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def _waiting(clock: ManualClock) -> float:
    """The seconds until the job's next run, once it waits for it."""
    await _until(lambda: clock.next_deadline is not None)
    assert clock.next_deadline is not None
    return (clock.next_deadline - clock.now()).total_seconds()


async def test_jobs_run_on_their_interval_and_record_errors() -> None:
    clock = ManualClock(T0)
    job = Counting(clock, 60, fail_on={2})
    scheduler = Scheduler([job])
    scheduler.start()
    try:
        for n in range(1, 5):
            wait = await _waiting(clock)
            assert job.calls == n and job.state.runs == n
            if n == 2:  # failed: retried soon by the default policy (JOB_BACKOFF), never later than the interval
                assert JOB_BACKOFF.base / 2 <= wait <= JOB_BACKOFF.base
            else:
                assert wait == 60.0
            clock.advance(wait - 0.1)
            await asyncio.sleep(0)
            assert job.calls == n, "not before its time"
            clock.advance(0.1)
            await _until(lambda n=n: job.calls == n + 1)  # type: ignore[misc]
    finally:
        await scheduler.stop()
    state = scheduler.states()[0]
    assert (state.name, state.failures, state.consecutive_failures) == ("counting", 1, 0)
    assert state.last_error is None, "a later success clears the error"
    assert state.last_run_at == clock.now() and state.last_success_at == clock.now()
    assert state.last_duration_ms is not None and not state.running


def test_a_failed_run_of_a_long_interval_job_is_retried_within_minutes() -> None:
    job = Counting(ManualClock(T0), 7 * 86_400, rng=random.Random(5))  # the history import's week
    delays = []
    for failures in range(1, 12):
        job.state.consecutive_failures = failures
        delays.append(job.next_delay())
    assert 5 <= delays[0] <= 10 and max(delays) <= JOB_BACKOFF.cap
    assert delays[-1] >= JOB_BACKOFF.cap / 2, "growing to the cap"
    short = Counting(ManualClock(T0), 15)  # the rollups' 15 s: a retry is never later than the interval
    short.state.consecutive_failures = 9
    assert short.next_delay() == 15
    job.state.consecutive_failures = 0
    assert job.next_delay() == 7 * 86_400


async def test_an_error_is_kept_until_the_next_success() -> None:
    job = Counting(ManualClock(T0), 3600, fail_on={1})
    await job.run_now()
    assert job.state.last_error == "RuntimeError: failure 1" and job.state.last_success_at is None
    await job.run_now()
    assert job.state.last_error is None and job.state.last_success_at == T0


async def test_failures_back_off_growing_and_capped_then_the_interval_returns() -> None:
    clock = ManualClock(T0)
    job = Counting(clock, 5, fail_on=set(range(1, 9)), backoff=Backoff(10, 60), rng=random.Random(3))
    scheduler = Scheduler([job])
    scheduler.start()
    waits = []
    try:
        for _ in range(9):
            waits.append(await _waiting(clock))
            clock.advance(waits[-1])
            await _until(lambda: clock.next_deadline is None)
        assert await _waiting(clock) == 5.0 and job.state.consecutive_failures == 0
    finally:
        await scheduler.stop()
    ceilings = [10, 20, 40, 60, 60, 60, 60, 60]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=False))
    assert waits[8] == 5.0


async def test_trigger_runs_a_job_before_its_interval() -> None:
    clock = ManualClock(T0)
    job = Counting(clock, 3600)
    scheduler = Scheduler([job])
    scheduler.start()
    try:
        await _waiting(clock)
        assert job.calls == 1 and job.state.next_run_at is not None
        job.trigger()
        await _until(lambda: job.calls == 2)
        assert clock.now() == T0, "the trigger, not time, ran it"
    finally:
        await scheduler.stop()


async def test_a_trigger_during_a_run_is_not_lost() -> None:
    clock = ManualClock(T0)
    release = asyncio.Event()

    class Slow(Counting):
        async def run_once(self) -> None:
            await super().run_once()
            await release.wait()

    job = Slow(clock, 3600)
    scheduler = Scheduler([job])
    scheduler.start()
    try:
        await job.ran.wait()
        job.trigger()  # arrives while the first run is still going
        release.set()
        await _until(lambda: job.calls == 2)
    finally:
        await scheduler.stop()


async def test_stopping_during_a_wait_leaves_nothing_behind() -> None:
    clock = ManualClock(T0)
    job = Counting(clock, 3600, initial_delay_sec=30)
    scheduler = Scheduler([job])
    scheduler.start()
    assert await _waiting(clock) == 30.0
    await scheduler.stop()
    assert clock.next_deadline is None and job.calls == 0
    clock.advance(3600)
    await asyncio.sleep(0)
    assert job.calls == 0


@pytest.mark.parametrize("autojump", [False, True])
async def test_manual_clock_sleeps(autojump: bool) -> None:
    clock = ManualClock(T0, autojump=autojump)
    if autojump:  # one flow of work that waits moves the clock itself
        await clock.sleep(2.5)
        assert clock.now() == datetime(2026, 1, 1, 0, 0, 2, 500000, tzinfo=UTC)
        return
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("b", 2)), asyncio.create_task(sleeper("a", 1))]
    await _until(lambda: clock.sleeping == 2)
    clock.advance(1.5)
    await _until(lambda: woke == ["a"])
    clock.advance(0.5)
    await _until(lambda: woke == ["a", "b"])
    await asyncio.gather(*tasks)


async def test_a_sleep_below_the_clocks_step_returns_without_a_move() -> None:
    """Datetimes step by a microsecond: a shorter sleep is due now, not at whatever moves the clock next."""
    clock = ManualClock(T0)
    sleeping = asyncio.create_task(clock.sleep(4e-7))
    await _until(sleeping.done)
    assert clock.now() == T0 and clock.next_deadline is None


async def test_within_returns_the_result_and_leaves_no_timer() -> None:
    clock = ManualClock(T0)

    async def quick() -> str:
        await asyncio.sleep(0)
        return "done"

    assert await within(clock, 10, quick()) == "done"
    assert clock.next_deadline is None, "the deadline's sleep was cancelled"


async def test_within_times_out_on_the_clock_and_cancels_the_work() -> None:
    clock = ManualClock(T0)
    blocked = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await blocked.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    waiting = asyncio.create_task(within(clock, 10, forever()))
    await _until(lambda: clock.sleeping == 1)
    clock.advance(9.999)
    await asyncio.sleep(0)
    assert not waiting.done()
    clock.advance(0.001)
    with pytest.raises(TimeoutError):
        await waiting
    assert cancelled.is_set()


async def test_within_passes_the_works_error_on() -> None:
    async def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await within(ManualClock(T0), 10, failing())


async def test_lifespan_jobs_sync_users_and_library_on_their_own(service: Service, clock: ManualClock) -> None:
    state = service.state
    state.scheduler.start()
    try:
        jobs = state.scheduler.jobs
        await _until(lambda: jobs["users"].state.runs >= 1)
        clock.advance(1.0)  # the library sync starts a second after start-up
        await _until(lambda: jobs["library-incremental"].state.runs >= 1)
    finally:
        await state.scheduler.stop()
    assert jobs["users"].state.last_error is None
    assert jobs["library-incremental"].state.last_error is None
    assert jobs["library-full"].state.runs == 0, "the daily full sync waits a whole interval"
    overview = (await service.http.get("/stats/overview")).json()
    assert overview["total_users"] == len(service.simulator.world.users)
    assert overview["items_by_type"]["Movie"] == service.simulator.world.counts()["MovieCount"]


async def test_a_job_that_releases_memory_runs_like_any_other(clock: ManualClock) -> None:
    # On glibc the trim hands freed heap pages back to the system; elsewhere it does nothing. Either way the job's
    # bookkeeping is the same.
    job = Counting(clock, 60)
    job.releases_memory = True
    await job.run_now()
    assert (job.calls, job.state.runs, job.state.last_error) == (1, 1, None)
