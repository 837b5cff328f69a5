"""The live-tracking jobs started in the app lifespan: the /Sessions poller and the Emby websocket listener."""

from __future__ import annotations

import random

from emby_analytics.clock import Clock
from emby_analytics.emby.websocket import EmbySocketListener
from emby_analytics.scheduler import Job, backoff_delay
from emby_analytics.tracking.live import LiveTracking

# While Emby fails, poll less and less often, but at least once a minute.
POLL_BACKOFF_CAP_SEC = 60.0


class SessionPollJob(Job):
    """One /Sessions request every NOW_POLL_SEC, however many dashboards are open; backs off while Emby fails."""

    name = "sessions-poll"

    def __init__(self, tracking: LiveTracking, interval_sec: float, clock: Clock, rng: random.Random | None = None):
        super().__init__(interval_sec, clock)
        self.tracking = tracking
        self.rng = rng or random.Random()

    async def run_once(self) -> None:
        await self.tracking.poll()

    def next_delay(self) -> float:
        return backoff_delay(self.state.interval_sec, self.state.consecutive_failures, POLL_BACKOFF_CAP_SEC, self.rng)


class SocketJob(Job):
    """Keeps Emby's websocket open (the listener reconnects by itself); its pushes reach the tracker at once."""

    name = "emby-websocket"

    def __init__(self, listener: EmbySocketListener, clock: Clock) -> None:
        super().__init__(0.0, clock)
        self.listener = listener

    async def run_once(self) -> None:
        await self.listener.run()  # returns only when cancelled
