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
    failures: int = 0
    consecutive_failures: int = 0
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    open_plays: int = 0
    skipped_records: int = 0


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
        self.latest: SessionsSnapshot | None = None
        self._tracker: Tracker | None = None
        self._lock = asyncio.Lock()

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
        self.state.last_poll_at = self.clock.now()
        try:
            snapshot = await self.emby.sessions(retries=0)  # the next poll is the retry
        except EmbyError as exc:
            self.state.failures += 1
            self.state.consecutive_failures += 1
            self.state.last_error = str(exc)
            async with self._lock:
                await self._commit(self.tracker.unreachable(self.clock.now()))
            raise
        self.state.consecutive_failures = 0
        self.state.last_error = None
        await self.on_sessions(snapshot, self.clock.now())
        self.state.last_success_at = self.clock.now()

    async def on_sessions(self, snapshot: SessionsSnapshot, at: datetime) -> None:
        """A session list from a poll or pushed by Emby's websocket."""
        self.latest = snapshot
        self.state.skipped_records += snapshot.skipped
        async with self._lock:
            result = self.tracker.observe(at, observations(snapshot), idle_sessions(snapshot))
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
        window = self.resume_window

        def write(conn: Connection) -> None:
            persist(conn, result, resume_window=window)
            if receipt is not None:
                receipt.record(conn)

        if result.changed or receipt is not None:
            await self.db.write(write)
        self.state.open_plays = len(self.tracker.open_plays())
