"""One logical HTTP exchange with Emby: auth headers, timeout, retries, status mapping, bounded reads.

The API key goes only into the `X-Emby-Token` header. Log lines and error messages carry the method and the
endpoint path (ids only; never the query string, the token or the upstream body).
"""

from __future__ import annotations

import json
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from emby_analytics import collector
from emby_analytics.backoff import Backoff
from emby_analytics.emby.errors import (
    EmbyAuthError,
    EmbyConnectionError,
    EmbyError,
    EmbyNotFoundError,
    EmbyResponseError,
)
from emby_analytics.emby.urls import join_url

Sleep = Callable[[float], Awaitable[None]]

_SAFE_METHODS = frozenset({"GET", "HEAD"})
# Integers longer than this are nonsense from Emby; parsing them as inf lets the models drop the field
# (and avoids Python's int-from-string digit limit failing the whole body).
MAX_INT_DIGITS = 40


@dataclass(frozen=True)
class Reply:
    """A successful (2xx) answer with its body read in full."""

    status: int
    content_type: str
    body: bytes


def emby_http(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The HTTP client every talk with Emby goes through (the service's and the CLI's).

    It follows no redirect, and it is only ever sent to `EMBY_BASE_URL` (or a proxy the environment names). So an
    `http://` Emby (the usual one on a home network) never needs TLS. Its client gets a context that trusts no
    certificate: any TLS handshake with Emby fails, none goes unverified. Not loading a CA bundle it would never
    use saves 1.4 MB of the idle service's memory.
    """
    verify: ssl.SSLContext | bool = True
    if urlsplit(base_url).scheme == "http":  # urlsplit lowercases the scheme
        verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and hostname checks, no trusted CA
    return httpx.AsyncClient(transport=transport, verify=verify, follow_redirects=False)


class _TooLarge(Exception):
    pass


class EmbyConnection:
    """Sends requests to one Emby server through a caller-owned `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        retries: int,
        backoff: Backoff,
        sleep: Sleep,
        rng: random.Random,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self._http = http
        self._base_url = base_url
        self._headers = dict(headers)
        self._timeout = httpx.Timeout(timeout)
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._rng = rng

    def __repr__(self) -> str:
        return f"EmbyConnection(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        return self._base_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        max_bytes: int,
        accept: str = "application/json",
        retries: int | None = None,
    ) -> Reply:
        """Send with retries; return a 2xx reply or raise an `EmbyError`."""
        allowed = self._retries if retries is None else retries
        idempotent = method in _SAFE_METHODS
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_once(method, path, params, json_body, max_bytes, accept)
            except _Retryable as exc:
                failure, reason, retry_after, cause = exc.failure, exc.reason, exc.retry_after, exc.__cause__
                # A POST is retried only when Emby surely did not act on it (no connection, 429, 503).
                may_retry = idempotent or exc.not_processed
            if not may_retry or attempt > allowed:
                if attempt > 1:
                    failure.message = f"{failure.message} (after {attempt} attempts)"
                    failure.args = (failure.message,)
                raise failure from cause
            delay = self._backoff.delay(attempt, self._rng, retry_after)
            logging.getLogger(__name__).warning(
                "Emby %s %s failed (%s); retry %d/%d in %.2fs", method, path, reason, attempt, allowed, delay
            )
            await self._sleep(delay)

    async def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        max_bytes: int,
        accept: str,
    ) -> Reply:
        headers = {**self._headers, "Accept": accept}
        request = self._http.build_request(
            method,
            join_url(self._base_url, path),
            params=dict(params) if params else None,
            json=json_body,
            headers=headers,
            timeout=self._timeout,
        )
        where = f"Emby {method} {path}"
        try:
            # Never follow redirects: the token header would go wherever Emby (or an attacker) points.
            response = await self._http.send(request, stream=True, follow_redirects=False)
            try:
                status = response.status_code
                _raise_for_status(status, response.headers, where, path)
                body = await _read_limited(response, max_bytes)
            finally:
                await response.aclose()
        except _TooLarge:
            raise EmbyResponseError(f"{where}: response larger than {max_bytes} bytes", path=path) from None
        except httpx.TimeoutException as exc:
            error = EmbyConnectionError(f"{where}: timed out", path=path)
            raise _Retryable(error, "timeout", not_processed=isinstance(exc, httpx.ConnectTimeout)) from exc
        except httpx.TransportError as exc:
            error = EmbyConnectionError(f"{where}: cannot connect ({type(exc).__name__})", path=path)
            not_processed = isinstance(exc, httpx.ConnectError | httpx.PoolTimeout)
            raise _Retryable(error, type(exc).__name__, not_processed=not_processed) from exc
        except httpx.RequestError as exc:
            raise EmbyResponseError(f"{where}: unreadable response ({type(exc).__name__})", path=path) from exc
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Reply(status=status, content_type=content_type, body=body)


class _Retryable(Exception):
    def __init__(
        self, failure: EmbyError, reason: str, *, not_processed: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.failure = failure
        self.reason = reason
        self.not_processed = not_processed
        self.retry_after = retry_after


def _raise_for_status(status: int, headers: httpx.Headers, where: str, path: str) -> None:
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise EmbyAuthError(f"{where}: {status}, invalid or expired API key", path=path, status=status)
    if status == 429 or status >= 500:
        error = EmbyResponseError(f"{where}: unexpected status {status}", path=path, status=status)
        retry_after = _retry_after(headers.get("Retry-After"))
        raise _Retryable(error, f"status {status}", not_processed=status in (429, 503), retry_after=retry_after)
    if status == 404:
        raise EmbyNotFoundError(f"{where}: not found (404)", path=path, status=status)
    if 300 <= status < 400:
        raise EmbyResponseError(f"{where}: unexpected redirect ({status})", path=path, status=status)
    raise EmbyResponseError(f"{where}: unexpected status {status}", path=path, status=status)


def _retry_after(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date is rare from Emby and falls back to our own backoff.
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


async def _read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():  # decoded, so a compressed bomb is bounded too
        total += len(chunk)
        if total > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_int(text: str) -> int | float:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return float("-inf") if text.startswith("-") else float("inf")
    return int(text)


def decode_json(reply: Reply, method: str, path: str) -> Any:
    """The reply's body as JSON, or EmbyResponseError (no body text in the message)."""
    try:
        with collector.paused():  # a page of items or plugin rows: tens of thousands of new containers
            return json.loads(reply.body, parse_int=_parse_int)
    except (ValueError, RecursionError):
        raise EmbyResponseError(f"Emby {method} {path}: malformed JSON", path=path, status=reply.status) from None
