"""`SessionFeed`: one `/Sessions` request per poll interval, Emby's websocket pushes, and every new snapshot handed
to the subscribers in order (the live now-playing hub, then the tracker), so nothing else asks Emby.

In the spirit of Home Assistant's data-update coordinator: the feed owns the interval (sooner when the websocket
(re)connects, as Emby's guide advises), the backoff while Emby fails (the poll job's), and one status record per
channel (the jobs' `JobState`, plus the websocket listener's connection state).

    feed = SessionFeed(emby, clock, interval_sec=5, socket=SocketConfig(http, base_url, api_key))
    unsubscribe = feed.subscribe(tracking.on_snapshot)
    scheduler = Scheduler([*feed.jobs(), ...])
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import httpx

from emby_analytics.clock import Clock
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.models import SessionsSnapshot
from emby_analytics.emby.websocket import EmbySocketListener
from emby_analytics.feed.jobs import SessionPollJob, SocketJob
from emby_analytics.scheduler import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """One `/Sessions` list as the feed hands it on: from a poll (asked for at `asked_at`) or a websocket push."""

    sessions: SessionsSnapshot
    at: datetime
    asked_at: datetime
    source: Literal["poll", "websocket"]


Subscriber = Callable[[Snapshot], Awaitable[None]]


@dataclass(frozen=True)
class SocketConfig:
    """Where Emby's websocket is: the service's HTTP client, Emby's base URL and API key."""

    http: httpx.AsyncClient
    base_url: str
    api_key: str = field(repr=False)
    token_in_query: bool = False


class SessionFeed:
    def __init__(
        self,
        emby: EmbyClient,
        clock: Clock,
        *,
        interval_sec: float,
        socket: SocketConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.emby = emby
        self.clock = clock
        self._subscribers: list[Subscriber] = []
        self._lock = asyncio.Lock()
        self._newest_asked: datetime | None = None
        self._poll_lock = asyncio.Lock()
        self._polls_done = 0  # polls that ended (answered or failed): tells a waiting caller one ended meanwhile
        self._last_poll: Snapshot | Exception | None = None
        self.subscriber_errors = 0
        self.last_subscriber_error: str | None = None  # the last snapshot a subscriber refused; None once all take one
        self.poll_job = SessionPollJob(self.poll, interval_sec, clock, rng=rng)
        self.listener: EmbySocketListener | None = None
        self.socket_job: SocketJob | None = None
        if socket is not None:
            self.listener = EmbySocketListener(
                socket.http,
                socket.base_url,
                socket.api_key,
                on_sessions=self.pushed,
                on_connected=self._connected,
                clock=clock,
                token_in_query=socket.token_in_query,
            )
            self.socket_job = SocketJob(self.listener, clock, rng=rng)

    def jobs(self) -> list[Job]:
        """The feed's background jobs, for the scheduler: the poller, and the websocket when enabled."""
        return [self.poll_job] if self.socket_job is None else [self.poll_job, self.socket_job]

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Receive every new snapshot, in order; returns the function that unsubscribes."""
        self._subscribers.append(subscriber)
        return lambda: self.unsubscribe(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop handing snapshots to `subscriber` (a bound method compares equal to itself); absent is harmless.
        Lets a caller that did not keep `subscribe`'s handle swap a subscriber, e.g. a timed recorder."""
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    @property
    def ok(self) -> bool:
        """The last poll answered (the websocket is a bonus: polling alone keeps the numbers right)."""
        return self.poll_job.state.consecutive_failures == 0

    async def poll(self) -> None:
        """One `/Sessions` request, handed on (the poll job's run). Emby errors are raised (the poll job records
        them and backs off; open plays stay open meanwhile, watch-time rule 6)."""
        await self.poll_now()

    async def poll_now(self) -> Snapshot:
        """A poll as `poll`, answered with its snapshot once every subscriber has taken it. A caller arriving while
        a poll is in flight (the job's, or another caller's) shares that poll's snapshot or error instead of asking
        Emby again: however many ask at once, one request."""
        done = self._polls_done
        async with self._poll_lock:
            if self._polls_done != done:  # one was in flight when we came, and has ended: as fresh as ours would be
                shared = self._last_poll
                if isinstance(shared, Exception):
                    raise shared
                assert shared is not None
                return shared
            try:
                asked = self.clock.now()
                sessions = await self.emby.sessions(retries=0)  # the next poll is the retry
                snapshot = Snapshot(sessions, self.clock.now(), asked, "poll")
                await self._publish(snapshot)
            except Exception as exc:
                self._last_poll, self._polls_done = exc, self._polls_done + 1
                raise
            self._last_poll, self._polls_done = snapshot, self._polls_done + 1
            return snapshot

    async def peek(self) -> SessionsSnapshot:
        """One `/Sessions` request for its caller alone, handed to no subscriber: a look that changes nothing."""
        return await self.emby.sessions(retries=0)

    async def pushed(self, sessions: SessionsSnapshot, received_at: datetime) -> None:
        """A session list Emby pushed (its websocket), handed on like a poll's."""
        await self._publish(Snapshot(sessions, received_at, received_at, "websocket"))

    async def _connected(self) -> None:
        self.poll_job.trigger()  # Emby advises one GET /Sessions after every (re)connect

    async def _publish(self, snapshot: Snapshot) -> None:
        async with self._lock:
            if self._newest_asked is not None and snapshot.asked_at < self._newest_asked:
                return  # a push arrived while this poll was in flight: its list is newer than this one
            self._newest_asked = snapshot.asked_at
            refused = None
            for subscriber in list(self._subscribers):
                try:
                    await subscriber(snapshot)
                except Exception as exc:
                    # One subscriber's trouble (say, a locked database) must not starve the others; /health shows it.
                    self.subscriber_errors += 1
                    refused = f"{type(exc).__name__}: {exc}"[:500]
                    if refused != self.last_subscriber_error:  # once per new trouble, not at every snapshot
                        log.exception("session feed subscriber failed")
            self.last_subscriber_error = refused
