"""The play recorder: one tracker fed by the session feed's snapshots and by webhooks, every result persisted at once.

Both inputs go through one lock, so the tracker sees them in order and the database always matches the tracker's
memory (a tick's plays, segments and open state are one transaction). A failed write keeps the tick's output and
stores it with the next one: nothing the tracker decided is lost while the database is unavailable (a full disk,
another program holding the write lock). A webhook is applied to the tracker at once either way, and its receipt
waits with the plays (up to `MAX_WAITING_RECEIPTS`: beyond that, Emby is told to deliver again later). While the
database refuses writes, a webhook does not try one (each would wait out the busy timeout): the next poll's does.
The store's `PlayWriter` writes only what changed since its last committed write; after a failed one it writes
those plays whole.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection

from emby_analytics.db.engine import Database, StorageError
from emby_analytics.emby.models import WebhookEvent
from emby_analytics.feed import Snapshot
from emby_analytics.tracking.model import TickResult, TrackerConfig
from emby_analytics.tracking.observe import idle_sessions, observations, playback_event
from emby_analytics.tracking.store import PlayWriter, Staged, load_open_plays
from emby_analytics.tracking.tracker import Tracker
from emby_analytics.tracking.webhooks import Receipt

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_WEBHOOK_AGE = timedelta(minutes=5)
MAX_WAITING_RECEIPTS = 10_000  # ~100 bytes each: hours of webhooks from a busy server while the disk is full


@dataclass
class RecorderStatus:
    open_plays: int = 0
    unsaved_plays: int = 0  # decided by the tracker, waiting for the database
    waiting_webhooks: int = 0  # applied to the tracker, their receipts waiting for the database
    last_write_error: str | None = None


class PlayRecorder:
    def __init__(self, db: Database, config: TrackerConfig, *, resume_window: timedelta) -> None:
        self.db = db
        self.config = config
        self.resume_window = resume_window
        self.status = RecorderStatus()
        self._tracker: Tracker | None = None
        self._lock = asyncio.Lock()
        self._unsaved = TickResult()
        self._receipts: dict[str, Receipt] = {}  # webhook receipts waiting for the database, by key
        self.writer = PlayWriter()

    async def start(self) -> None:
        """Rebuild the tracker from the open plays saved before the last stop (or crash)."""
        open_plays = await self.db.read(load_open_plays)
        self._tracker = Tracker(self.config, open_plays)
        self.status.open_plays = len(open_plays)
        if open_plays:
            log.info("resumed open plays", extra={"plays": len(open_plays)})

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            raise RuntimeError("PlayRecorder.start() has not run")
        return self._tracker

    def play_started(self, session_id: str, item_id: str) -> datetime | None:
        """When the open play of this session and item began, as the tracker knows it (None: no such play)."""
        if self._tracker is None:
            return None
        for play in self._tracker.open_plays():
            if play.session_id == session_id and play.item_id == item_id:
                return play.started_at
        return None

    async def on_snapshot(self, snapshot: Snapshot) -> None:
        """A session list from the feed (a poll, or a websocket push)."""
        sessions = snapshot.sessions
        async with self._lock:
            at = max(snapshot.at, snapshot.asked_at)
            await self._commit(self.tracker.observe(at, observations(sessions), idle_sessions(sessions)))

    async def on_webhook(self, event: WebhookEvent, received_at: datetime, receipt: Receipt) -> None:
        """A playback webhook: its exact moment goes to the tracker; the receipt commits with the result."""
        playback = playback_event(event, received_at, receipt.key)
        if playback is not None:
            # Emby's clock may differ from ours, or a Date be bogus: nothing happened after we heard of it, and
            # Emby delivers webhooks within seconds, so an older Date is taken as at most MAX_WEBHOOK_AGE old.
            earliest = received_at - MAX_WEBHOOK_AGE
            playback = replace(playback, at=min(max(playback.at, earliest), received_at))
        async with self._lock:
            if self.status.last_write_error is not None and len(self._receipts) >= MAX_WAITING_RECEIPTS:
                raise StorageError("too many webhooks wait for the database")  # a 503: Emby delivers it later
            result = self.tracker.event(playback) if playback is not None else TickResult()
            if self.status.last_write_error is None:
                with suppress(StorageError):  # on failure _commit keeps the plays for the next write
                    await self._commit(result, receipt)
                    return
            else:  # the database refused the last write: the next poll's write tries again, not this webhook
                self._unsaved.merge(result)
            # Applied: the tracker holds it, and the next write that succeeds stores it and its receipt.
            self._receipts[receipt.key] = receipt
            self.status.waiting_webhooks = len(self._receipts)
            self.status.unsaved_plays = len(self._unsaved.changed)
            log.warning("webhook applied, stored with the next write", extra={"waiting": len(self._receipts)})

    async def flush(self) -> None:
        """Store what a failed write left waiting (at shutdown: one last attempt; a failure is only logged, the
        open plays' last saved state is what the next start resumes)."""
        if not self._unsaved.changed and not self._receipts:
            return
        async with self._lock:
            try:
                await self._commit(TickResult())
            except Exception:
                log.warning("plays not stored at shutdown", extra={"plays": self.status.unsaved_plays})

    async def exclusive_write(self, work: Callable[[Connection, frozenset[str]], T]) -> T:
        """Run `work(conn, ids of the open plays the tracker holds)` as one write while no snapshot or webhook is
        applied (a repair of stored plays must not race the tracker's own writes)."""
        async with self._lock:
            if self._unsaved.changed or self._receipts:
                await self._commit(TickResult())  # first the database catches up with the tracker (or 503)
            held = frozenset(play.play_id for play in self.tracker.open_plays())
            return await self.db.write(lambda conn: work(conn, held))

    async def reset(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (a write that deletes the history) and start the tracker afresh with it: the open plays go
        with the history, and a session still playing starts a new play at the next snapshot."""
        async with self._lock:
            result = await self.db.write(work)
            self._tracker = Tracker(self.config, ())
            self._unsaved = TickResult()
            self._receipts = {}
            self.writer = PlayWriter()
            self.status = RecorderStatus()
            return result

    async def _commit(self, result: TickResult, receipt: Receipt | None = None) -> None:
        pending, self._unsaved = self._unsaved, TickResult()
        pending.merge(result)
        window = self.resume_window
        waiting = list(self._receipts.values())

        def write(conn: Connection) -> Staged:
            staged = self.writer.write(conn, pending, resume_window=window)
            for earlier in waiting:
                earlier.record(conn, again=True)
            if receipt is not None:
                receipt.record(conn, again=receipt.key in self._receipts)
            return staged

        stored = False
        try:
            if pending.changed or receipt is not None or waiting:
                self.writer.committed(await self.db.write(write))
            stored = True
            for earlier in waiting:
                self._receipts.pop(earlier.key, None)
            self.status.waiting_webhooks = len(self._receipts)
            self.status.last_write_error = None
        except StorageError as exc:  # the database refused (not a duplicate receipt: that is the intake's to judge)
            self.status.last_write_error = f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            if not stored:  # failed, or cancelled (a shutdown) mid-write: write these plays again, whole
                self._unsaved = pending
                self.writer.forget(pending.changed)

            self.status.open_plays = len(self.tracker.open_plays())
            self.status.unsaved_plays = len(self._unsaved.changed)
