"""Can we reach Emby? One answer shared by everyone who asks at the same moment, kept for a few seconds.

`GET /health/emby` is what monitors poll, sometimes many at once: asked naively, 500 concurrent checks against a
slow Emby were 500 calls to it, and every other endpoint waited behind them. Here concurrent checks wait for one
call, and its answer (success or failure) is reused for `MAX_AGE_SEC` on the app's clock.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from emby_analytics.clock import Clock
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.errors import EmbyError

MAX_AGE_SEC = 5.0


@dataclass(frozen=True)
class Reachability:
    """What one call to Emby's /System/Info said."""

    ok: bool
    checked_at: datetime
    server_name: str | None = None
    version: str | None = None
    latency_ms: float | None = None
    error: str | None = None


class ReachabilityCheck:
    """`check()`: the last answer while it is fresh, else the call in flight, else a new call."""

    def __init__(self, emby: EmbyClient, clock: Clock, *, max_age_sec: float = MAX_AGE_SEC) -> None:
        self._emby, self._clock = emby, clock
        self._max_age = timedelta(seconds=max_age_sec)
        self._last: Reachability | None = None
        self._call: asyncio.Task[Reachability] | None = None

    async def check(self) -> Reachability:
        last = self._last
        if last is not None and self._clock.now() - last.checked_at < self._max_age:
            return last
        if self._call is None:
            self._call = asyncio.create_task(self._ask())
            self._call.add_done_callback(self._done)
        # Shielded: a client that gives up does not cancel the call the others are waiting for.
        return await asyncio.shield(self._call)

    async def aclose(self) -> None:
        """Cancel a call still running (the service stops)."""
        call = self._call
        if call is not None:
            call.cancel()
            await asyncio.gather(call, return_exceptions=True)

    async def _ask(self) -> Reachability:
        started = time.perf_counter()  # the latency is real time, whatever the clock
        try:
            info = await self._emby.system_info(retries=0)  # a health check reports, it does not insist
        except EmbyError as exc:
            return Reachability(ok=False, checked_at=self._clock.now(), error=str(exc))
        latency = round((time.perf_counter() - started) * 1000, 1)
        return Reachability(
            ok=True,
            checked_at=self._clock.now(),
            server_name=info.server_name,
            version=info.version,
            latency_ms=latency,
        )

    def _done(self, call: asyncio.Task[Reachability]) -> None:
        self._call = None
        if not call.cancelled() and call.exception() is None:
            self._last = call.result()
