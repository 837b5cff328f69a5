"""Background jobs: named classes run periodically inside the app lifespan, each reporting its own state.

One job, one `JobState`: what `/health` and the scheduler statistics show. A failing job waits by the one
backoff policy before its next run; every wait is the clock's, so a manual clock drives jobs in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta

from emby_analytics import heap
from emby_analytics.backoff import Backoff
from emby_analytics.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class JobState:
    name: str
    interval_sec: float
    running: bool = False
    runs: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_duration_ms: float | None = None
    last_error: str | None = None
    next_run_at: datetime | None = None


# How a job without a policy of its own retries a failed run: soon, then less often, never later than its interval
# (a weekly import that failed at start-up because Emby was down runs again within minutes, not in a week).
JOB_BACKOFF = Backoff(base=10.0, cap=900.0)


class Job(ABC):
    """A periodic task. Subclasses set `name` and implement `run_once`; errors are recorded, never fatal.

    After consecutive failures the next run waits by the backoff instead of the interval: the job's own `backoff`
    (the session poll's may wait longer than its interval), else JOB_BACKOFF, at most the interval."""

    name: str = "job"
    # Jobs that allocate a lot for a while (syncs, imports) return the freed heap to the system after each run.
    releases_memory: bool = False

    def __init__(
        self,
        interval_sec: float,
        clock: Clock,
        *,
        initial_delay_sec: float = 0.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.initial_delay_sec = initial_delay_sec
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.state = JobState(name=self.name, interval_sec=interval_sec)
        self._wake = asyncio.Event()

    @abstractmethod
    async def run_once(self) -> None: ...

    def trigger(self) -> None:
        """Run as soon as possible instead of waiting for the interval."""
        self._wake.set()

    @property
    def triggered(self) -> bool:
        """A trigger() is pending: the job's current or next sleep ends at once (cleared when that run starts)."""
        return self._wake.is_set()

    async def run_now(self) -> None:
        """One run with state bookkeeping; exceptions are recorded and logged, not raised."""
        self.state.running = True
        started = time.perf_counter()
        self.state.last_run_at = self.clock.now()
        try:
            await self.run_once()
            self.state.last_error = None
            self.state.consecutive_failures = 0
            self.state.last_success_at = self.clock.now()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.state.failures += 1
            self.state.consecutive_failures += 1
            self.state.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("job failed", extra={"job": self.name, "error": self.state.last_error})
        finally:
            self.state.running = False
            self.state.runs += 1
            self.state.last_duration_ms = round((time.perf_counter() - started) * 1000, 1)
            if self.releases_memory:
                heap.release()

    def next_delay(self) -> float:
        """Seconds until the next run: the interval, or the backoff after failures."""
        failures = self.state.consecutive_failures
        if not failures:
            return self.state.interval_sec
        if self.backoff is not None:
            return self.backoff.delay(failures, self.rng)
        return min(JOB_BACKOFF.delay(failures, self.rng), self.state.interval_sec)

    async def loop(self) -> None:
        await self._sleep(self.initial_delay_sec)
        while True:
            # Cleared before the run, so a trigger() that arrives during the run starts the next one at once.
            self._wake.clear()
            await self.run_now()
            await self._sleep(self.next_delay())

    async def _sleep(self, seconds: float) -> None:
        """The clock's sleep, cut short by `trigger()`."""
        self.state.next_run_at = self.clock.now() + timedelta(seconds=seconds)
        if self._wake.is_set():
            return
        waits = {asyncio.ensure_future(self.clock.sleep(seconds)), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in waits:
                pending.cancel()
            for pending in waits:
                with contextlib.suppress(asyncio.CancelledError):
                    await pending


class Scheduler:
    """Starts every job as an asyncio task and cancels them on shutdown."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = {job.name: job for job in jobs}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(job.loop(), name=name) for name, job in self.jobs.items()]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def states(self) -> list[JobState]:
        return [job.state for job in self.jobs.values()]
