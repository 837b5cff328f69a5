"""Clocks: every time-dependent component takes one, to tell the time and to wait, so tests and the simulator can
run time fast or by hand. Whatever the service schedules (jobs, backoff, retries) waits on its clock; only network
timeouts (HTTP, the websocket's keepalive) are real seconds, as they must be."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime, and waits."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None:
        """Return once `seconds` of this clock's time have passed (at once for 0 or less)."""
        ...


async def within(clock: Clock, seconds: float, work: Awaitable[T]) -> T:
    """`work`'s result, or TimeoutError once `seconds` of the clock's time have passed first (`work` is then
    cancelled). A deadline on the clock, so a test reaches it by moving a manual clock, not by waiting."""
    task = asyncio.ensure_future(work)
    timer = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait((task, timer), return_when=asyncio.FIRST_COMPLETED)
        timed_out = not task.done()
    finally:
        timer.cancel()
        task.cancel()
        await asyncio.gather(task, timer, return_exceptions=True)  # nothing keeps running behind the caller
    if timed_out:
        raise TimeoutError(f"not done within {seconds} s")
    return task.result()


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to (tests). A `sleep` returns when `advance`/`set` has moved the clock
    past its deadline; with `autojump=True` a sleep moves the clock itself (for one flow of work that waits, like
    a retry, with nothing else on the clock)."""

    def __init__(self, start: datetime, *, autojump: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self.autojump = autojump
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        self._now += timedelta(seconds=seconds)
        self._wake()
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError("time does not run backwards")
        self._now = when
        self._wake()

    @property
    def sleeping(self) -> int:
        """How many sleeps wait for the clock to move."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    @property
    def next_deadline(self) -> datetime | None:
        """When the earliest waiting sleep ends (None when nothing sleeps)."""
        live = [when for when, _, future in self._sleepers if not future.done()]
        return min(live, default=None)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        if self.autojump:
            self.advance(seconds)
            await asyncio.sleep(0)
            return
        deadline = self._now + timedelta(seconds=seconds)
        if deadline <= self._now:  # shorter than a microsecond, the clock's step: it would wait for the next move
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (deadline, next(self._order), future)
        heapq.heappush(self._sleepers, entry)
        try:
            await future
        except asyncio.CancelledError:
            if entry in self._sleepers:  # a sleep cut short (a trigger, a shutdown) leaves nothing behind
                self._sleepers.remove(entry)
                heapq.heapify(self._sleepers)
            raise

    def _wake(self) -> None:
        while self._sleepers and (self._sleepers[0][0] <= self._now or self._sleepers[0][2].done()):
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


class AcceleratedClock:
    """Real time multiplied by `factor`, starting at `start` (scenario runs and fast demos)."""

    def __init__(self, start: datetime, factor: float) -> None:
        if factor <= 0:
            raise ValueError("factor must be positive")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()
        self._factor = factor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self._factor)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self._factor)
