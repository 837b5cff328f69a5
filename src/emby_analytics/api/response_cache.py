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

from emby_analytics.db.engine import StorageError
from emby_analytics.state import AppState

CACHED_PREFIXES = ("/stats/", "/items/by-ids")
_RECORDER = "emby_analytics.response_cache"  # scope key: where `dont_keep` finds the request's recorder
_MAX_SHARE = 2  # one answer may take at most half the cache (a year of usage per user and day is ~10 MB)


@dataclass(frozen=True)
class Cached:
    headers: list[tuple[bytes, bytes]]
    body: bytes


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
        size = len(entry.body)
        if size > self.max_bytes // _MAX_SHARE:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


class CachedResponses:
    """ASGI middleware: serves `GET /stats/...` from its `ResponseCache` of `max_bytes` (0: pass through),
    answers `If-None-Match` with 304, keeps what the app answers 200, computes each answer once however many ask
    for it at the same time. Says `x-cache: hit` or `miss`."""

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
        if found is not None:
            headers = [*found.headers, (b"x-cache", b"hit")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": found.body})
            return
        scope[_RECORDER] = recorder = _Recorder(send, cache, key, etag)
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
    # no-cache: a browser may keep the answer but asks again each time (a 304 when nothing changed).
    return [(b"etag", etag), (b"cache-control", b"no-cache")]


class _Recorder:
    """Passes the app's response on, adding the validators to a 200, and keeps a copy of a whole 200 (unless the
    route said `dont_keep` before it answered)."""

    def __init__(self, send: Send, cache: ResponseCache, key: tuple[object, ...], etag: bytes) -> None:
        self.send = send
        self.cache = cache
        self.key = key
        self.etag = etag
        self.keep = True
        self.headers: list[tuple[bytes, bytes]] | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200 and not self.keep:
            message = {**message, "headers": [*message.get("headers", []), (b"x-cache", b"miss")]}
        elif message["type"] == "http.response.start" and message["status"] == 200:
            headers = [(n, v) for n, v in message.get("headers", []) if n not in (b"etag", b"cache-control")]
            self.headers = headers + _validators(self.etag)
            message = {**message, "headers": [*self.headers, (b"x-cache", b"miss")]}
        elif message["type"] == "http.response.body" and self.headers is not None:
            self.body.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.cache.put(self.key, Cached(self.headers, b"".join(self.body)))
        await self.send(message)
