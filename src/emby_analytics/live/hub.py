"""The live hub: one subscriber of the session feed, many browsers.

Each snapshot the feed hands on is turned into cards once. When the cards show something new (see
`cards.same_view`) the hub publishes a view: its number, its cards and their JSON, encoded once for readers and
once for the admin (who also sees remote addresses), so a thousand browsers cost one encoding. A browser's
subscription holds only the newest view it has not taken yet: a slow one skips views rather than queueing them,
and one that still has not taken its view when `MAX_SKIPPED` more have replaced it (gone without closing, or
stuck) is dropped. Views are numbered from the moment the hub starts (milliseconds since 1970), so a browser
reconnecting to a restarted service never takes a new view's number for the one it has.
Emby is asked nothing here: the feed's one request per tick serves every browser.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, Field, TypeAdapter

from emby_analytics.clock import Clock
from emby_analytics.feed import Snapshot
from emby_analytics.live.cards import NowCard, card, same_view

log = logging.getLogger(__name__)
# When a session began playing its item, as the tracker knows it (None: not yet known there).
KnownStart = Callable[[str, str], datetime | None]

MAX_SUBSCRIBERS = 5_000  # browsers at once; beyond it a new one is refused (a 503), not the hub slowed
MAX_SKIPPED = 30  # views a subscriber may let pass untaken before it is dropped
_CARDS = TypeAdapter(list[NowCard])


class Summary(BaseModel):
    active_streams: int
    active_transcodes: int
    direct_plays: int = Field(description="Streams played as they are (DirectPlay).")
    direct_streams: int = Field(description="Streams remuxed on the way (DirectStream).")
    paused: int
    outbound_mbps: float = Field(description="The bitrate sent to every client, in megabits per second.")
    per_user: dict[str, int] = Field(description="Streams per user name.")


@dataclass(frozen=True)
class View:
    """What the browsers see: published only when it changed."""

    seq: int
    cards: list[NowCard]
    reader_json: bytes  # remote addresses left out
    admin_json: bytes
    reader_event: bytes  # the same as a whole SSE event, made once for every browser
    admin_event: bytes

    def json(self, admin: bool) -> bytes:
        return self.admin_json if admin else self.reader_json

    def event(self, admin: bool) -> bytes:
        return self.admin_event if admin else self.reader_event


def _view(seq: int, cards: list[NowCard]) -> View:
    hidden = [c.model_copy(update={"remote_address": None}) for c in cards]
    reader, admin = _CARDS.dump_json(hidden), _CARDS.dump_json(cards)
    return View(seq, cards, reader, admin, _sse(seq, reader), _sse(seq, admin))


def _sse(seq: int, data: bytes) -> bytes:
    return b"id: %d\nevent: snapshot\ndata: %b\n\n" % (seq, data)


@dataclass(eq=False)
class Subscription:
    """One browser: the newest view it has not taken yet."""

    hub: LiveHub
    admin: bool
    _newest: View | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    skipped: int = 0
    closed: bool = False

    def offer(self, view: View) -> None:
        if self._newest is not None:
            self.skipped += 1  # replaced before it was taken
        self._newest = view
        self._ready.set()

    async def next(self, within: float) -> View | None:
        """The next view, or None after `within` seconds without one (time for a keep-alive) or once closed."""
        if self.closed:
            return None
        if self._newest is None:
            try:
                await asyncio.wait_for(self._ready.wait(), within)
            except TimeoutError:
                return None
        view, self._newest = self._newest, None
        self._ready.clear()
        if view is not None:
            self.skipped = 0
        return view

    def close(self) -> None:
        self.hub.unsubscribe(self)

    def wake_closed(self) -> None:
        """Closed by the hub: a sender waiting for the next view wakes up and ends."""
        self.closed = True
        self._ready.set()


class TooManySubscribers(Exception):
    pass


class LiveHub:
    def __init__(self, clock: Clock, known_start: KnownStart | None = None) -> None:
        self.clock = clock
        self.known_start = known_start
        self.published = _view(int(clock.now().timestamp() * 1000), [])  # what the browsers were sent last
        self.latest: list[NowCard] = []  # the newest cards (positions as of the last snapshot)
        self.snapshots = 0
        self.publishes = 0
        self.dropped = 0  # subscribers dropped for not taking views
        self.card_errors = 0  # sessions left out of a view because their card could not be made
        self._subscribers: set[Subscription] = set()
        self._first_seen: dict[tuple[str, str], datetime] = {}  # (session, item) → when this hub first saw it

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def full(self) -> bool:
        return len(self._subscribers) >= MAX_SUBSCRIBERS

    async def on_snapshot(self, snapshot: Snapshot) -> None:
        """A feed subscriber: the cards of this snapshot, published when they show something new."""
        self.snapshots += 1
        at = max(snapshot.at, snapshot.asked_at)
        cards: list[NowCard] = []
        seen: dict[tuple[str, str], datetime] = {}
        for session in snapshot.sessions.sessions:
            item = session.now_playing_item
            if item is None or not item.id:
                continue
            key = (session.id, item.id)
            known = self.known_start(*key) if self.known_start is not None else None
            seen[key] = known or self._first_seen.get(key, at)
            try:
                made = card(session, at, seen[key])
            except Exception:  # one odd session must not blank every view: it is left out, and counted
                self.card_errors += 1
                log.warning("now-playing card not made", extra={"session": session.id[:64]}, exc_info=True)
                continue
            if made is not None:
                cards.append(made)
        self._first_seen = seen
        cards.sort(key=lambda c: (c.started_at, c.session_id))
        self.latest = cards
        if not same_view(self.published.cards, cards):
            self.publish(cards)

    def publish(self, cards: list[NowCard]) -> None:
        self.publishes += 1
        self.published = _view(self.published.seq + 1, cards)
        for subscription in list(self._subscribers):
            if subscription.skipped >= MAX_SKIPPED:
                self.dropped += 1
                self.unsubscribe(subscription)
            else:
                subscription.offer(self.published)

    def subscribe(self, *, admin: bool, last_seq: int | None = None) -> Subscription:
        """A new browser; it is offered the current view at once unless it says it has it (`last_seq`)."""
        if len(self._subscribers) >= MAX_SUBSCRIBERS:
            raise TooManySubscribers(f"{MAX_SUBSCRIBERS} live views are open already")
        subscription = Subscription(self, admin)
        self._subscribers.add(subscription)
        if last_seq != self.published.seq:
            subscription.offer(self.published)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        subscription.wake_closed()

    def summary(self) -> Summary:
        cards = self.latest
        return Summary(
            active_streams=len(cards),
            active_transcodes=sum(c.play_method == "Transcode" for c in cards),
            direct_plays=sum(c.play_method == "DirectPlay" for c in cards),
            direct_streams=sum(c.play_method == "DirectStream" for c in cards),
            paused=sum(c.is_paused for c in cards),
            outbound_mbps=round(sum(c.bitrate or 0 for c in cards if not c.is_paused) / 1_000_000, 2),
            per_user=dict(Counter(c.user or c.user_id or "unknown" for c in cards)),
        )
