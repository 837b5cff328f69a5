"""The image proxy: which image answers (the database, or Emby once for an item it does not know), its ETag, and one
fetch from Emby per image however many requests want it at once, kept in the disk cache.

The fetch policy: the item id and tag go into the path and query (validated), the API key only into the
`X-Emby-Token` header, redirects are not followed, only `image/*` other than SVG is accepted, at most
`MAX_IMAGE_BYTES`, and each fetch from Emby ends after `FETCH_TIMEOUT_SEC` on the service clock. Failures are
reported in our own words; what Emby said goes to the log only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, select

from emby_analytics.clock import Clock, within
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.errors import EmbyAuthError, EmbyConnectionError, EmbyError, EmbyNotFoundError
from emby_analytics.images.cache import CachedImage, ImageCache, safe_image_type
from emby_analytics.images.source import ImageFacts, ImageKind, ImageSource, pick_source
from emby_analytics.sync.lookup import ItemLookup

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SEC = 10.0
MAX_WIDTH = 1920
# Revalidated daily: the URL has no tag in it, so a changed image (new tag, new ETag) shows within a day.
CACHE_CONTROL = "private, max-age=86400"


class ImageNotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImageUnavailable(Exception):
    """Emby could not deliver: down, too slow, refused the key, or sent something that is not a usable image."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImageStats:
    hits: int = 0  # answered from the disk cache
    fetches: int = 0  # asked of Emby
    shared: int = 0  # requests that waited for another request's load of the same image
    failures: int = 0  # fetches that did not give an image


def etag_of(source: ImageSource, width: int | None) -> str:
    return f'"{source.key(width)[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    candidates = (candidate.strip() for candidate in if_none_match.split(","))
    return any(candidate == "*" or candidate.removeprefix("W/") == etag for candidate in candidates)


class ImageProxy:
    """Item images from Emby through the disk cache. `emby` is a client for images (short timeout)."""

    def __init__(self, db: Database, emby: EmbyClient, lookup: ItemLookup, cache: ImageCache, clock: Clock) -> None:
        self.db = db
        self.emby = emby
        self.lookup = lookup
        self.cache = cache
        self.clock = clock
        self.stats = ImageStats()
        self._loads: dict[str, asyncio.Task[CachedImage]] = {}  # cache key → the load every request waits for

    async def source(self, kind: ImageKind, item_id: str) -> ImageSource:
        """The image that answers for `item_id`: its own, or its series' for an episode or season without one."""
        facts = await self.db.read(lambda conn: _facts(conn, item_id))
        if facts is None:
            try:
                await within(self.clock, FETCH_TIMEOUT_SEC, self.lookup.fetch([item_id]))
            except (EmbyError, TimeoutError) as exc:
                log.warning("image: Emby could not be asked about an item", extra={"item": item_id, "error": str(exc)})
                raise ImageUnavailable("Emby could not be asked about this item") from None
            facts = await self.db.read(lambda conn: _facts(conn, item_id))
            if facts is None:
                raise ImageNotFound("no such item")
        source = pick_source(kind, *facts)
        if source is None:
            raise ImageNotFound(f"the item has no {kind} image")
        return source

    async def image(self, source: ImageSource, width: int | None) -> CachedImage:
        """The image's bytes: from the disk, or fetched from Emby once for every request waiting on it."""
        if width is not None and not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"width must be between 1 and {MAX_WIDTH}")
        key = source.key(width)
        load = self._loads.get(key)
        if load is None:
            load = asyncio.create_task(self._load(key, source, width))
            self._loads[key] = load
            load.add_done_callback(lambda done: self._settled(key, done))
        else:
            self.stats.shared += 1
        # Shielded: a browser that goes away does not cancel the fetch other requests wait for.
        return await asyncio.shield(load)

    async def aclose(self) -> None:
        """Cancel loads still running (the service stops)."""
        loads = list(self._loads.values())
        for load in loads:
            load.cancel()
        await asyncio.gather(*loads, return_exceptions=True)

    async def _load(self, key: str, source: ImageSource, width: int | None) -> CachedImage:
        cached = await self.cache.get(key)
        if cached is not None:
            self.stats.hits += 1
            return cached
        self.stats.fetches += 1
        try:
            image = await self._fetch(source, width)
        except (ImageNotFound, ImageUnavailable):
            self.stats.failures += 1
            raise
        await self.cache.put(key, image)
        return image

    async def _fetch(self, source: ImageSource, width: int | None) -> CachedImage:
        where = {"item": source.item_id, "type": source.emby_type}
        try:
            fetched = await within(
                self.clock,
                FETCH_TIMEOUT_SEC,
                self.emby.image(source.item_id, source.emby_type, max_width=width, tag=source.tag),
            )
        except TimeoutError:
            log.warning("image: Emby too slow", extra=where)
            raise ImageUnavailable(f"Emby did not send the image within {FETCH_TIMEOUT_SEC:g} s") from None
        except EmbyNotFoundError:
            raise ImageNotFound(f"Emby has no {source.emby_type.lower()} image for this item") from None
        except EmbyError as exc:
            log.warning("image: Emby failed", extra={**where, "error": str(exc)})
            raise ImageUnavailable(_failure(exc)) from None
        if not safe_image_type(fetched.content_type):
            log.warning("image: not a servable image type", extra={**where, "content_type": fetched.content_type})
            raise ImageUnavailable("Emby did not send a usable image")
        return CachedImage(fetched.content_type, fetched.data)

    def _settled(self, key: str, load: asyncio.Task[CachedImage]) -> None:
        if self._loads.get(key) is load:
            del self._loads[key]
        if not load.cancelled():
            load.exception()  # retrieved: every request that waited has seen it already


def _failure(exc: EmbyError) -> str:
    if isinstance(exc, EmbyAuthError):
        return "Emby refused the API key"
    if isinstance(exc, EmbyConnectionError):
        return "Emby could not be reached"
    return "Emby did not send a usable image"


def _facts(conn: Connection, item_id: str) -> tuple[ImageFacts, ImageFacts | None] | None:
    item = _row(conn, item_id)
    if item is None:
        return None
    series = _row(conn, item.series_id) if item.series_id else None
    return item, series


def _row(conn: Connection, item_id: str) -> ImageFacts | None:
    row = conn.execute(
        select(
            items.c.id,
            items.c.type,
            items.c.series_id,
            items.c.primary_image_tag,
            items.c.backdrop_image_tag,
            items.c.series_primary_image_tag,
        ).where(items.c.id == item_id)
    ).first()
    if row is None:
        return None
    return ImageFacts(
        id=row.id,
        type=row.type,
        series_id=row.series_id,
        primary_tag=row.primary_image_tag,
        backdrop_tag=row.backdrop_image_tag,
        series_primary_tag=row.series_primary_image_tag,
    )
