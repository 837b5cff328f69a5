"""Emby webhook intake: parse (JSON or form `data=`), drop repeats, and route events to tracking or sync.

Emby retries a delivery that failed, so the same body can arrive twice: each body's hash is recorded in
`webhook_receipts` in the same transaction as its effect, and a body seen before is acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database, StorageError
from emby_analytics.db.schema import webhook_receipts
from emby_analytics.emby.models import WebhookEvent
from emby_analytics.emby.validation import check_id, check_session_id

log = logging.getLogger(__name__)

PLAYBACK_EVENTS = frozenset(
    {"playback.start", "playback.pause", "playback.unpause", "playback.stop", "playback.progress"}
)
LIBRARY_EVENTS = frozenset({"library.new", "library.deleted"})

Outcome = Literal["applied", "duplicate", "ignored"]
# Applies one playback event and records its receipt (`Receipt.record`) in the same transaction.
PlaybackHandler = Callable[[WebhookEvent, datetime, "Receipt"], Awaitable[None]]
LibraryHandler = Callable[[WebhookEvent], None]


class MalformedWebhook(ValueError):
    """The body is not an Emby webhook payload."""


@dataclass(frozen=True)
class Receipt:
    key: str
    event: str
    received_at: datetime

    def record(self, conn: Connection, *, again: bool = False) -> None:
        """Store the receipt; `again`: it may be there already (a retry of a delivery that waited for the database)."""
        insert = webhook_receipts.insert().prefix_with("OR IGNORE") if again else webhook_receipts.insert()
        conn.execute(insert.values(key=self.key, event=self.event[:64], received_at=self.received_at))


@dataclass
class WebhookStats:
    received: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    rejected: int = 0
    malformed: int = 0
    last_received_at: datetime | None = None


def parse_body(body: bytes | str) -> tuple[WebhookEvent, str]:
    """The event and its dedupe key, from a JSON body or the JSON string of a form's `data` field."""
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedWebhook("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise MalformedWebhook("body is not a JSON object")
    try:
        event = WebhookEvent.model_validate(payload)
    except ValidationError as exc:
        raise MalformedWebhook("body is not an Emby webhook (no Event)") from exc
    _check_ids(event)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return event, hashlib.sha256(canonical.encode()).hexdigest()


_EVENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _check_ids(event: WebhookEvent) -> None:
    """The body's ids as strictly as our routes check path ids: they are stored, and later put into Emby URLs."""
    if not _EVENT_NAME.fullmatch(event.event):
        raise MalformedWebhook("invalid Event: expected a name such as playback.start")
    try:
        if event.user is not None and event.user.id is not None:
            check_id(event.user.id.replace("-", ""), "user id")
        if event.item is not None:
            for value in (event.item.id, event.item.series_id, event.item.season_id, event.item.parent_id):
                if value is not None:
                    check_id(value)
        if event.session is not None and event.session.id is not None:
            check_session_id(event.session.id)
    except ValueError as exc:
        raise MalformedWebhook(str(exc)) from None


class WebhookIntake:
    def __init__(self, db: Database, clock: Clock, *, on_playback: PlaybackHandler, on_library: LibraryHandler) -> None:
        self.db = db
        self.clock = clock
        self.on_playback = on_playback
        self.on_library = on_library
        self.stats = WebhookStats()

    async def receive(self, body: bytes | str) -> Outcome:
        try:
            event, key = parse_body(body)
        except MalformedWebhook:
            self.stats.malformed += 1
            raise
        received_at = self.clock.now()
        self.stats.received[event.event] += 1
        self.stats.last_received_at = received_at
        seen = await self.db.read(
            lambda conn: conn.execute(select(webhook_receipts.c.key).where(webhook_receipts.c.key == key)).first()
        )
        if seen is not None:
            self.stats.duplicates += 1
            return "duplicate"
        name = event.event.lower()  # Emby sends lower case; match as the tracker does, whatever the case
        receipt = Receipt(key, event.event, received_at)
        try:
            if name in PLAYBACK_EVENTS:
                await self.on_playback(event, received_at, receipt)
                return "applied"
            await self.db.write(receipt.record)
        except StorageError as exc:
            # Only a playback event's receipt matters (the recorder keeps those); another one applied twice after
            # a retry does no harm (a second library refresh), so the database failing is no reason to refuse it.
            if name in PLAYBACK_EVENTS:
                raise
            log.warning("webhook receipt not stored", extra={"event": event.event[:64], "error": str(exc)})
        except IntegrityError:
            # The same delivery raced in twice; the first one's receipt won.
            self.stats.duplicates += 1
            return "duplicate"
        if name in LIBRARY_EVENTS:
            self.on_library(event)
            return "applied"
        log.debug("webhook event ignored", extra={"event": event.event[:64]})
        return "ignored"
