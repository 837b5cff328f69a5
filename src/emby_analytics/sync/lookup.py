"""Items by id: answered from the database; ids it does not know are asked of Emby in one request and stored the
way the library sync stores them, so the next question costs nothing.

Ids Emby does not know either are remembered for `MISS_TTL` (on the clock), so a page that keeps asking about a
deleted item does not ask Emby every time. Concurrent questions about the same unknown id share one request.

An answer says whether the database alone gave it: only then does it depend on nothing but the data (not on Emby
being reachable, nor on a miss remembered for a while), so only then may it be kept until the data changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.clock import Clock, within
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items
from emby_analytics.emby.client import SYNC_ITEM_FIELDS, EmbyClient
from emby_analytics.emby.errors import EmbyError
from emby_analytics.emby.models import BaseItem
from emby_analytics.sync.item_rows import item_row
from emby_analytics.titles import display_title

log = logging.getLogger(__name__)

MAX_IDS = 200  # one Emby request's query string stays a few KB
MISS_TTL = timedelta(minutes=5)
ASK_TIMEOUT_SEC = 10.0  # a page waiting for names does not wait out every retry of a failing Emby
MAX_MISSES = 10_000  # the memory of misses is bounded too: the oldest are forgotten first
TICKS_PER_SECOND = 10_000_000


class ItemSummary(BaseModel):
    id: str
    name: str
    type: str = Field(description="Emby item type: Movie, Episode, Series, Season, Audio, ...")
    display: str = Field(description="Episodes as 'Series - Name (SxxEyy)', else the name.")
    series_id: str | None = Field(description="The series of an episode or season.")
    runtime_sec: int | None = Field(description="Runtime in seconds, when Emby knows it.")


@dataclass(frozen=True)
class Summaries:
    items: list[ItemSummary]
    from_database: bool  # every id was in the database: Emby was not needed, no remembered miss was used


class ItemLookup:
    """Summaries of items by id, filling the gaps of the database from Emby."""

    def __init__(self, db: Database, emby: EmbyClient, clock: Clock) -> None:
        self.db = db
        self.emby = emby
        self.clock = clock
        self._missed: dict[str, datetime] = {}  # id → until when Emby is not asked again; oldest first
        self._pending: dict[str, asyncio.Task[None]] = {}  # id → the request asking Emby about it now
        # Stores so far: a caller whose read of the database overlapped one reads again before asking Emby (the
        # request it would have joined may have finished in between).
        self._stores = 0

    async def summaries(self, ids: Sequence[str]) -> Summaries:
        """The items in the order of `ids` (each once). Ids neither the database nor Emby knows are left out, and
        so are unknown ids while Emby cannot be asked or is slower than `ASK_TIMEOUT_SEC` (logged; the database
        still answers)."""
        wanted = list(dict.fromkeys(ids))
        stores = self._stores
        found = await self.db.read(lambda conn: _summaries(conn, wanted))
        unknown = [item_id for item_id in wanted if item_id not in found]
        if unknown and self._stores != stores:  # a request stored items while we read: they may be ours
            found.update(await self.db.read(lambda conn: _summaries(conn, unknown)))
            unknown = [item_id for item_id in wanted if item_id not in found]
        if not unknown:
            return Summaries([found[item_id] for item_id in wanted], from_database=True)
        try:
            await within(self.clock, ASK_TIMEOUT_SEC, self.fetch(unknown))
        except (EmbyError, TimeoutError) as exc:
            log.warning("items by id: Emby could not be asked", extra={"ids": len(unknown), "error": str(exc)})
        else:
            found.update(await self.db.read(lambda conn: _summaries(conn, unknown)))
        return Summaries([found[item_id] for item_id in wanted if item_id in found], from_database=False)

    async def fetch(self, ids: Sequence[str]) -> None:
        """Ask Emby about ids the database does not have (one request for all) and store what it knows.

        Skips ids Emby did not know a moment ago, and joins a request already asking about an id. Raises
        `EmbyError` when Emby cannot be asked."""
        now = self.clock.now()
        joined: set[asyncio.Task[None]] = set()
        fresh: list[str] = []
        for item_id in dict.fromkeys(ids):
            until = self._missed.get(item_id)
            if until is not None and until > now:
                continue
            pending = self._pending.get(item_id)
            if pending is not None:
                joined.add(pending)
            else:
                fresh.append(item_id)
        if fresh:
            task = asyncio.create_task(self._fetch_and_store(fresh))
            for item_id in fresh:
                self._pending[item_id] = task
            task.add_done_callback(lambda done: self._settled(fresh, done))
            joined.add(task)
        # Shielded: one caller going away does not cancel the request the others wait for.
        await asyncio.gather(*(asyncio.shield(task) for task in joined))

    async def aclose(self) -> None:
        """Cancel requests to Emby still running (the service stops)."""
        pending = set(self._pending.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _fetch_and_store(self, ids: list[str]) -> None:
        page = await self.emby.items(
            ids=ids, fields=SYNC_ITEM_FIELDS, recursive=True, limit=len(ids), enable_total_record_count=False
        )
        asked = set(ids)
        got = list({item.id: item for item in page.items if item.id in asked}.values())
        if got:
            await self.db.write(lambda conn: _store(conn, got, self.clock.now()))
            self._stores += 1
        known = {item.id for item in got}
        self._remember_misses([item_id for item_id in ids if item_id not in known])

    def _remember_misses(self, ids: list[str]) -> None:
        until = self.clock.now() + MISS_TTL
        for item_id in ids:
            self._missed.pop(item_id, None)
            self._missed[item_id] = until
        while len(self._missed) > MAX_MISSES:
            del self._missed[next(iter(self._missed))]

    def _settled(self, ids: list[str], task: asyncio.Task[None]) -> None:
        for item_id in ids:
            if self._pending.get(item_id) is task:
                del self._pending[item_id]
        if not task.cancelled():
            task.exception()  # retrieved: every caller that waited has seen it already


def _summaries(conn: Connection, ids: list[str]) -> dict[str, ItemSummary]:
    query = select(
        items.c.id,
        items.c.name.label("item_name"),
        items.c.type.label("item_type"),
        items.c.series_id,
        items.c.series_name,
        items.c.season_number,
        items.c.episode_number,
        items.c.runtime_ticks,
    ).where(items.c.id.in_(ids))
    return {row.id: _summary(row) for row in conn.execute(query)}


def _summary(row: Any) -> ItemSummary:
    ticks = row.runtime_ticks
    return ItemSummary(
        id=row.id,
        name=row.item_name,
        type=row.item_type,
        display=display_title(row) or row.item_name,
        series_id=row.series_id,
        runtime_sec=None if ticks is None else round(ticks / TICKS_PER_SECOND),
    )


def _store(conn: Connection, found: list[BaseItem], now: datetime) -> None:
    # No library is known for an item asked by id; a library sync that already stored it keeps its library.
    rows = [{**item_row(item, None, now), "first_seen_at": now, "removed_at": None} for item in found]
    upsert(conn, items, rows, insert_only=("first_seen_at", "library_id"))
