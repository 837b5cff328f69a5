"""Live tracking: one tracker fed by polls, Emby's websocket and webhooks, every result persisted at once.

All three inputs go through one lock, so the tracker sees them in order and the database always matches the
tracker's memory (a tick's plays, segments and open state are one transaction).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.errors import EmbyError
from emby_analytics.emby.models import SessionsSnapshot, WebhookEvent
from emby_analytics.tracking.model import TickResult, TrackerConfig
from emby_analytics.tracking.observe import idle_sessions, observations, playback_event
from emby_analytics.tracking.store import load_open_plays, persist
from emby_analytics.tracking.tracker import Tracker
from emby_analytics.tracking.webhooks import Receipt

log = logging.getLogger(__name__)

MAX_WEBHOOK_AGE = timedelta(minutes=5)


@dataclass
class PollerState:
    polls: int = 0
    consecutive_failures: int = 0
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    open_plays: int = 0


class LiveTracking:
    def __init__(
        self, db: Database, emby: EmbyClient, clock: Clock, config: TrackerConfig, *, resume_window: timedelta
    ) -> None:
        self.db = db
        self.emby = emby
        self.clock = clock
        self.config = config
        self.resume_window = resume_window
        self.state = PollerState()
        self._tracker: Tracker | None = None
        self._lock = asyncio.Lock()
        self._applied_at: datetime | None = None  # when the newest applied session list was asked for
        self._unsaved = TickResult()  # output a failed write could not store; it goes with the next commit

    async def start(self) -> None:
        """Rebuild the tracker from the open plays saved before the last stop (or crash)."""
        open_plays = await self.db.read(load_open_plays)
        self._tracker = Tracker(self.config, open_plays)
        self.state.open_plays = len(open_plays)
        if open_plays:
            log.info("resumed open plays", extra={"plays": len(open_plays)})

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            raise RuntimeError("LiveTracking.start() has not run")
        return self._tracker

    async def poll(self) -> None:
        """One /Sessions request and tracker tick. Emby errors are recorded (plays stay open) and re-raised."""
        self.state.polls += 1
        asked = self.state.last_poll_at = self.clock.now()
        try:
            snapshot = await self.emby.sessions(retries=0)  # the next poll is the retry
        except EmbyError as exc:
            self.state.consecutive_failures += 1
            self.state.last_error = str(exc)
            async with self._lock:
                self.tracker.unreachable(self.clock.now())  # rule 6: plays stay open, nothing is credited
            raise
        self.state.consecutive_failures = 0
        self.state.last_error = None
        await self.on_sessions(snapshot, self.clock.now(), asked_at=asked)
        self.state.last_success_at = self.clock.now()

    async def on_sessions(self, snapshot: SessionsSnapshot, at: datetime, *, asked_at: datetime | None = None) -> None:
        """A session list from a poll (`asked_at`: when it was requested) or pushed by Emby's websocket."""
        async with self._lock:
            asked = asked_at or at
            if self._applied_at is not None and asked < self._applied_at:
                return  # a push arrived while this poll was in flight: its list is newer than this one
            self._applied_at = asked
            result = self.tracker.observe(max(at, asked), observations(snapshot), idle_sessions(snapshot))
            await self._commit(result)

    async def on_webhook(self, event: WebhookEvent, received_at: datetime, receipt: Receipt) -> None:
        """A playback webhook: its exact moment goes to the tracker; the receipt commits with the result."""
        playback = playback_event(event, received_at, receipt.key)
        if playback is not None:
            # Emby's clock may differ from ours, or a Date be bogus: nothing happened after we heard of it, and
            # Emby delivers webhooks within seconds, so an older Date is taken as at most MAX_WEBHOOK_AGE old.
            earliest = received_at - MAX_WEBHOOK_AGE
            playback = replace(playback, at=min(max(playback.at, earliest), received_at))
        async with self._lock:
            result = self.tracker.event(playback) if playback is not None else TickResult()
            await self._commit(result, receipt)

    async def _commit(self, result: TickResult, receipt: Receipt | None = None) -> None:
        """Store a tick's output. If the write fails, the tracker has already moved on: its output is kept and
        written with the next commit, so nothing it decided is lost while the database is unavailable."""
        pending, self._unsaved = self._unsaved, TickResult()
        pending.merge(result)
        window = self.resume_window

        def write(conn: Connection) -> None:
            persist(conn, pending, resume_window=window)
            if receipt is not None:
                receipt.record(conn)

        try:
            if pending.changed or receipt is not None:
                await self.db.write(write)
        except Exception:
            self._unsaved = pending
            raise
        finally:
            self.state.open_plays = len(self.tracker.open_plays())
