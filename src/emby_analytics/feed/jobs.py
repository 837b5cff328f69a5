"""The feed's two jobs: the `/Sessions` poller and the Emby websocket connection, each backing off while failing."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

from emby_analytics.backoff import Backoff
from emby_analytics.clock import Clock
from emby_analytics.emby.errors import EmbySocketError
from emby_analytics.emby.websocket import EmbySocketListener
from emby_analytics.scheduler import Job

# While Emby fails, poll less and less often, but at least once a minute (or once an interval, if longer).
POLL_BACKOFF_CAP_SEC = 60.0
# A websocket that stayed up this long was healthy: its close does not grow the backoff.
SOCKET_HEALTHY_AFTER_SEC = 30.0
SOCKET_BACKOFF = Backoff(base=1.0, cap=60.0)


class SessionPollJob(Job):
    """One /Sessions request every NOW_POLL_SEC, however many dashboards are open."""

    name = "sessions-poll"

    def __init__(
        self, poll: Callable[[], Awaitable[None]], interval_sec: float, clock: Clock, rng: random.Random | None = None
    ) -> None:
        # never more often than when healthy, however long NOW_POLL_SEC is
        backoff = Backoff(2 * interval_sec, max(POLL_BACKOFF_CAP_SEC, interval_sec))
        super().__init__(interval_sec, clock, backoff=backoff, rng=rng)
        self._poll = poll

    async def run_once(self) -> None:
        await self._poll()


class SocketJob(Job):
    """Keeps Emby's websocket open: one run is one connection (`running` while connected). A refused, broken or
    short-lived connection is a failure and backs off; after a healthy one it reconnects within a second."""

    name = "emby-websocket"

    def __init__(
        self,
        listener: EmbySocketListener,
        clock: Clock,
        *,
        healthy_after_sec: float = SOCKET_HEALTHY_AFTER_SEC,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(1.0, clock, backoff=SOCKET_BACKOFF, rng=rng)
        self.listener = listener
        self.healthy_after_sec = healthy_after_sec

    async def run_once(self) -> None:
        started, connects = self.clock.now(), self.listener.connects
        try:
            await self.listener.listen()
            ended = EmbySocketError("closed by server")
        except EmbySocketError as exc:
            ended = exc
        lasted = (self.clock.now() - started).total_seconds()
        if self.listener.connects > connects and lasted >= self.healthy_after_sec:
            return  # it was up long enough: a healthy connection ended, reconnect soon
        raise ended
