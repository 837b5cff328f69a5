"""Clocks: every time-dependent component takes one, so tests and the simulator can run time fast or by hand."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        if when < self._now:
            raise ValueError("time does not run backwards")
        self._now = when


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
