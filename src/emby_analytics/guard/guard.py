"""The 4K transcode guard: a subscriber of the session feed that stops 4K video transcodes while it is on.

Each offending play (`rule.offence`, keyed by session and item) is acted on once, not at every poll: Emby is asked to
show the viewer why (POST /Sessions/{id}/Message), then to stop (POST /Sessions/{id}/Playing/Stop). That work runs
in a task of its own, so a slow or failing Emby never holds up the feed (the live view and the tracker get every
snapshot on time); a failed request is retried with the one backoff policy while the play still offends and the
guard is on, and counted. A play that leaves the snapshot is forgotten, so the same item started again is stopped
again. The tracker is not involved: it sees the session stop at the next poll and closes the play as any other, so
the watch time up to the stop is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from emby_analytics.backoff import Backoff
from emby_analytics.clock import Clock
from emby_analytics.emby.client import EmbyClient
from emby_analytics.feed import Snapshot
from emby_analytics.guard.rule import Offence, offences

log = logging.getLogger(__name__)

MESSAGE_HEADER = "4K transcoding"
MESSAGE_TEXT = (
    "4K transcoding is not allowed on this server. Please choose a lower quality or a client that plays 4K directly."
)
MESSAGE_TIMEOUT_MS = 10_000
# Between the message and the stop: a client that is told to stop at once may close the player before it shows it.
MESSAGE_GRACE_SEC = 3.0
# A message is a courtesy: after this many failed tries the play is stopped without it.
MESSAGE_ATTEMPTS = 2
STOP_ATTEMPTS = 5
RETRY_BACKOFF = Backoff(base=2.0, cap=60.0)


@dataclass
class GuardStatus:
    enabled: bool
    stopped: int = 0  # plays stopped (Emby accepted the Stop)
    failures: int = 0  # Emby requests that failed (each retried while attempts remain)
    gave_up: int = 0  # plays left playing because Emby refused every Stop
    last_stopped_at: datetime | None = None
    last_error: str | None = None


class TranscodeGuard:
    def __init__(self, emby: EmbyClient, clock: Clock, *, enabled: bool, rng: random.Random | None = None) -> None:
        self.emby = emby
        self.clock = clock
        self.rng = rng or random.Random()
        self.status = GuardStatus(enabled=enabled)
        self._offending: set[tuple[str, str]] = set()  # the plays of the last snapshot that offend
        self._acted: set[tuple[str, str]] = set()  # offending plays acted on (or being acted on)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        return self.status.enabled

    def set_enabled(self, enabled: bool) -> None:
        """On or off at run time. Turned on, the plays that offend now are stopped at the next snapshot; turned
        off, retries in progress end at their next attempt."""
        if enabled != self.status.enabled:
            log.info("4K transcode guard turned %s", "on" if enabled else "off")
        self.status.enabled = enabled

    @property
    def pending(self) -> int:
        """Plays being acted on now (a request or a retry's wait in progress)."""
        return len(self._tasks)

    async def on_snapshot(self, snapshot: Snapshot) -> None:
        """A feed subscriber: act on the plays that newly offend. Never waits for Emby."""
        found = offences(snapshot.sessions)
        self._offending = {o.key for o in found}
        self._acted &= self._offending  # a play gone from the list is forgotten: started again, it is stopped again
        if not self.status.enabled:
            return
        for offence in found:
            if offence.key in self._acted:
                continue
            self._acted.add(offence.key)
            task = asyncio.create_task(self._act(offence), name=f"guard-{offence.session_id[:32]}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait until every play being acted on is done (tests; a clean shutdown uses `aclose`)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _act(self, offence: Offence) -> None:
        sid = offence.session_id
        told = await self._attempt(
            offence,
            "message",
            lambda: self.emby.send_message(
                sid, header=MESSAGE_HEADER, text=MESSAGE_TEXT, timeout_ms=MESSAGE_TIMEOUT_MS
            ),
            MESSAGE_ATTEMPTS,
        )
        if told:
            await self.clock.sleep(MESSAGE_GRACE_SEC)
        stopped = await self._attempt(offence, "stop", lambda: self.emby.send_playstate(sid, "Stop"), STOP_ATTEMPTS)
        if stopped:
            self.status.stopped += 1
            self.status.last_stopped_at = self.clock.now()
            log.info(
                "4K transcode stopped",
                extra={
                    "user": offence.user,
                    "title": offence.title,
                    "client": offence.client,
                    "device": offence.device,
                    "quality": offence.quality,
                    "session": sid[:64],
                    "told": told,
                },
            )
        elif self._still_wanted(offence):
            self.status.gave_up += 1
            log.warning(
                "4K transcode not stopped: Emby refused every attempt",
                extra={"user": offence.user, "title": offence.title, "client": offence.client, "session": sid[:64]},
            )

    def _still_wanted(self, offence: Offence) -> bool:
        return self.status.enabled and offence.key in self._offending

    async def _attempt(
        self, offence: Offence, what: str, request: Callable[[], Awaitable[None]], attempts: int
    ) -> bool:
        """`request` until Emby accepts it (True), or False once attempts run out, the play ended or the guard
        was turned off."""
        for attempt in range(1, attempts + 1):
            if not self._still_wanted(offence):
                return False
            try:
                await request()
                return True
            except Exception as exc:  # EmbyError, or a session id Emby's client refuses: the guard never crashes
                self.status.failures += 1
                self.status.last_error = f"{what}: {type(exc).__name__}: {exc}"[:500]
                log.warning(
                    "4K transcode guard: Emby request failed",
                    extra={"request": what, "attempt": attempt, "session": offence.session_id[:64]},
                )
            if attempt < attempts:
                await self.clock.sleep(RETRY_BACKOFF.delay(attempt, self.rng))
        return False
