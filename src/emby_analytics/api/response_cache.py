"""Whole responses of `GET /stats/...` and `/items/by-ids`, kept until the data changes: a dashboard that asks the
same questions again is answered from memory, and a browser that already has the answer gets a 304.

An answer depends on its URL, the data and, for windows ending today, the local date; so it is kept under
(URL, the database's data version, the local date), and its ETag is derived from the same. The data version
changes with any commit, by this process or another, so nothing stale is ever served; while plays are being
recorded it changes every poll, and answers are recomputed (the rollups keep that cheap). Bounded by bytes, least
recently used out; `STATS_CACHE_MB=0` turns it off.

A route whose answer depended on more than the data says so with `dont_keep`: `/items/by-ids` when it asked Emby
about ids the database did not have (or could not, or skipped a miss remembered for a while). That answer is sent
without validators and not kept, so the next question asks again, as it would without the cache.

A kept answer of `GZIP_MIN_BYTES` or more is compressed once, when it is kept, and sent gzipped to clients that
accept gzip (browsers, HTTP libraries), plain to the others, with `Vary: Accept-Encoding` either way: a year of
usage is ~8 MB of JSON and ~1.3 MB gzipped, and moving those bytes was what it cost once kept. Both encodings carry
the same weak ETag, as they are the same content (a 304 has no body to encode).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emby_analytics.api.encoding import GZIP_MIN_BYTES, accepts_gzip, gzipped
from emby_analytics.db.engine import StorageError
from emby_analytics.state import AppState

CACHED_PREFIXES = ("/stats/", "/items/by-ids")
_RECORDER = "emby_analytics.response_cache"  # scope key: where `dont_keep` finds the request's recorder
_MAX_SHARE = 2  # one answer may take at most half the cache (a year of usage per user and day is ~10 MB)
# Set per body sent, so not kept; the validators are the cache's own.
_NOT_KEPT_HEADERS = (b"content-length", b"etag", b"cache-control", b"vary")


@dataclass(frozen=True)
class Cached:
    headers: list[tuple[bytes, bytes]]  # with the validators, without Content-Length (it depends on the encoding)
    body: bytes
    gzipped: bytes | None = None  # the body gzip-compressed, when that is worth it

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")

    def response(self, gzip_ok: bool, cache_state: bytes) -> tuple[Message, Message]:
        """The start and body messages of this answer for a client that accepts gzip or does not."""
        body, coding = (self.gzipped, [(b"content-encoding", b"gzip")]) if gzip_ok and self.gzipped else (self.body, [])
        length = (b"content-length", str(len(body)).encode())
        headers = [*self.headers, *coding, length, (b"x-cache", cache_state)]
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        return start, {"type": "http.response.body", "body": body}


class ResponseCache:
    """Responses by key, bounded by their bytes. Thread-safe (a cheap lock around a dict)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[object, ...], Cached] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Data versions restart with the process: the ETags of one run must not match another's.
        self._run = secrets.token_hex(8)
        self.hits = 0
        self.misses = 0

    def etag(self, key: tuple[object, ...]) -> bytes:
        digest = hashlib.blake2b(repr((self._run, key)).encode(), digest_size=12).hexdigest()
        return f'W/"{digest}"'.encode()

    def get(self, key: tuple[object, ...]) -> Cached | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[object, ...], entry: Cached) -> None:
        size = entry.size
        if size > self.max_bytes // _MAX_SHARE:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size


class CachedResponses:
    """ASGI middleware: serves `GET /stats/...` and `/items/by-ids` from its `ResponseCache` of `max_bytes` (0: pass
    through), answers `If-None-Match` with 304, keeps what the app answers 200 (gzipped too when worth it), computes
    each answer once however many ask for it at the same time. Says `x-cache: hit` or `miss`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.cache = ResponseCache(max_bytes) if max_bytes > 0 else None
        # Questions being answered now: the same one asked meanwhile (a dashboard opened in several tabs, a burst
        # after a change) waits for that answer instead of computing it again.
        self._flights: dict[tuple[object, ...], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service: AppState | None = getattr(getattr(scope.get("app"), "state", None), "emby_analytics", None)
        cache = self.cache
        if (
            service is None
            or cache is None
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(CACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        try:
            version = service.db.data_version()
        except StorageError:  # the route will say so, in its words
            await self.app(scope, receive, send)
            return
        today: date = service.clock.now().astimezone(service.settings.zone).date()
        key = (scope["path"], scope["query_string"], version, today)
        etag = cache.etag(key)
        if etag in _if_none_match(scope):
            await send({"type": "http.response.start", "status": 304, "headers": _validators(etag)})
            await send({"type": "http.response.body", "body": b""})
            return
        found = cache.get(key)
        if found is None and key in self._flights:  # the same question is being answered: wait for it
            await self._flights[key].wait()
            found = cache.get(key)
        gzip_ok = accepts_gzip(scope["headers"])
        if found is not None:
            for message in found.response(gzip_ok, b"hit"):
                await send(message)
            return
        scope[_RECORDER] = recorder = _Recorder(send, cache, key, etag, gzip_ok)
        if key in self._flights:  # its answer was not kept (an error, too big, or not to be kept): answer it here
            await self.app(scope, receive, recorder)
            return
        self._flights[key] = flight = asyncio.Event()
        try:
            await self.app(scope, receive, recorder)
        finally:
            del self._flights[key]
            flight.set()


def dont_keep(scope: Scope) -> None:
    """This request's answer depends on more than the data: send it without validators and do not keep it."""
    recorder = scope.get(_RECORDER)
    if isinstance(recorder, _Recorder):
        recorder.keep = False


def _if_none_match(scope: Scope) -> list[bytes]:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return [tag.strip() for tag in value.split(b",")]
    return []


def _validators(etag: bytes) -> list[tuple[bytes, bytes]]:
    # no-cache: a browser may keep the answer but asks again each time (a 304 when nothing changed). Vary: a shared
    # cache between us and a browser must not hand the gzipped body to a client that did not ask for it.
    return [(b"etag", etag), (b"cache-control", b"no-cache"), (b"vary", b"Accept-Encoding")]


class _Recorder:
    """Holds the app's 200 until its body is whole, keeps it (and its gzip copy), then sends it in the encoding the
    client accepts. A 200 the route said `dont_keep` for passes straight on with `x-cache: miss`, anything else as
    it is."""

    def __init__(self, send: Send, cache: ResponseCache, key: tuple[object, ...], etag: bytes, gzip_ok: bool) -> None:
        self.send = send
        self.cache = cache
        self.key = key
        self.etag = etag
        self.gzip_ok = gzip_ok
        self.keep = True
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] == 200 and self.keep:
                self.start = message  # sent with the body, once the body says which encoding it gets
                return
            if message["status"] == 200:
                message = {**message, "headers": [*message.get("headers", []), (b"x-cache", b"miss")]}
        elif message["type"] == "http.response.body" and self.start is not None:
            self.body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            for held in await self._kept(self.start, b"".join(self.body)):
                await self.send(held)
            return
        await self.send(message)

    async def _kept(self, start: Message, body: bytes) -> tuple[Message, Message]:
        headers = [(n, v) for n, v in start.get("headers", []) if n not in _NOT_KEPT_HEADERS]
        encoded = any(n == b"content-encoding" for n, _ in headers)  # the app's own encoding stays as it is
        # In a worker thread: ~0.1 s for a year of usage, which would stall every other request on the loop.
        packed = await asyncio.to_thread(gzipped, body) if len(body) >= GZIP_MIN_BYTES and not encoded else None
        entry = Cached([*headers, *_validators(self.etag)], body, packed)
        self.cache.put(self.key, entry)
        return entry.response(self.gzip_ok, b"miss")
