"""Who may do what (docs/security.md), decided before any route, cache or handler sees the request.

Three kinds of path: the webhook intake (its own token, checked by its route), admin paths (`/admin/...`, and
anything but GET or HEAD under `/now/`) that need the admin credential, and everything else, which readers may
read as `READ_ACCESS` says: anyone (`public`), loopback and private addresses (`local`, the default), or admins
only (`token`). The admin credential is the admin token as `Authorization: Bearer`, `X-Admin-Token` or the
`admin_token` cookie, never a query parameter, compared in constant time; an address that keeps presenting a wrong
one is refused for a while. A POST authenticated by the cookie alone must come from our own pages (CSRF).

"Local" is judged on the socket's peer, and a request carrying forwarded headers is local only when that peer is a
trusted proxy (`TRUSTED_PROXIES`) and the right-most address it forwards that is not a trusted proxy is local: a
reverse proxy on the same host never turns internet visitors into admins or readers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emby_analytics.api.errors import error_response
from emby_analytics.api.web import is_page, is_ui
from emby_analytics.clock import Clock
from emby_analytics.config import Settings
from emby_analytics.credentials import same_secret

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
Need = Literal["open", "reader", "admin"]

COOKIE = "admin_token"
COOKIE_MAX_AGE = 30 * 86_400
# Paths that check their own credential (the webhook token in the URL Emby calls).
OPEN_PATHS = frozenset({"/webhooks/emby", "/admin/webhook/emby"})
_FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-real-ip")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FAILURES_ALLOWED = 10  # wrong admin credentials per address and window before it is refused
FAILURE_WINDOW = timedelta(minutes=1)


ADMIN_SCOPE_KEY = "emby_analytics.admin"  # set by AccessControl: whether the request showed the admin credential


def is_admin(scope: Scope) -> bool:
    """Whether the request showed the admin credential (a route shows the admin more, such as addresses)."""
    return bool(scope.get(ADMIN_SCOPE_KEY))


def needs(method: str, path: str) -> Need:
    """What a request must show: nothing beyond its own token, reader access, or the admin credential."""
    if path in OPEN_PATHS:
        return "open"
    if is_ui(path) and method in _SAFE_METHODS:
        return "open"  # the UI holds no data: it loads, then asks the API (and says what it refused)
    if path.startswith("/admin/") or path == "/admin":
        return "admin"
    if path.startswith("/now/") and method not in _SAFE_METHODS:
        return "admin"  # session controls: pause, stop, message
    return "reader"


# Loopback, the private ranges (RFC 1918, IPv6 unique local) and link-local: a home network. Not Python's
# `is_private`, which also counts documentation and benchmarking ranges.
LOCAL_NETWORKS = tuple(
    ip_network(n)
    for n in (
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10",
    )
)  # fmt: skip


def is_local_address(address: Address) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in LOCAL_NETWORKS)


def _parse(text: str | None) -> Address | None:
    if not text:
        return None
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port in Forwarded
        text = text[1 : text.find("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _forwarded_chain(headers: dict[bytes, bytes]) -> list[Address | None]:
    """The client addresses a proxy forwarded, nearest last (X-Forwarded-For, else Forwarded's `for=`)."""
    if b"x-forwarded-for" in headers:
        return [_parse(part) for part in headers[b"x-forwarded-for"].decode("latin-1").split(",")]
    chain: list[Address | None] = []
    for element in headers.get(b"forwarded", b"").decode("latin-1").split(","):
        for pair in element.split(";"):
            name, _, value = pair.partition("=")
            if name.strip().lower() == "for":
                chain.append(_parse(value))
    return chain


@dataclass
class Caller:
    """Who sent a request, as far as access is concerned."""

    address: str  # for rate limiting and logs: the judged client address
    local: bool
    https: bool


def caller(scope: Scope, headers: dict[bytes, bytes], proxies: tuple[Network, ...]) -> Caller:
    peer_text = (scope.get("client") or ("", 0))[0]
    peer = _parse(peer_text)
    https = scope.get("scheme") in ("https", "wss")
    forwarded = any(name in headers for name in _FORWARDED)
    if not forwarded or peer is None:
        return Caller(peer_text, peer is not None and not forwarded and is_local_address(peer), https)
    if not any(peer in network for network in proxies):
        return Caller(peer_text, False, https)  # forwarded by someone we do not trust: judged as not local
    client: Address | None = peer
    for hop in reversed(_forwarded_chain(headers)):
        client = hop
        if hop is None or not any(hop in network for network in proxies):
            break
    proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[-1].strip().lower()
    https = https or proto == "https"
    if client is None:
        return Caller(peer_text, False, https)
    return Caller(str(client), is_local_address(client), https)


def presented_token(headers: dict[bytes, bytes]) -> tuple[str | None, bool]:
    """(the admin token the request presents, whether it came from the cookie alone)."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    header = headers.get(b"x-admin-token", b"").decode("latin-1").strip()
    if header:
        return header, False
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed Cookie header presents nothing
        return None, False
    morsel = cookies.get(COOKIE)
    return (morsel.value, True) if morsel is not None and morsel.value else (None, False)


def _same_origin(headers: dict[bytes, bytes]) -> bool:
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if site:
        return site == "same-origin"
    origin = headers.get(b"origin", b"").decode("latin-1")
    if not origin:
        return False
    host = headers.get(b"host", b"").decode("latin-1").lower()
    return origin.lower().split("://", 1)[-1] == host


@dataclass
class FailedAttempts:
    """Wrong admin credentials per address within the window; an address past the limit is refused until its
    oldest failure leaves the window."""

    clock: Clock
    limit: int = FAILURES_ALLOWED
    window: timedelta = FAILURE_WINDOW
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, address: str) -> deque[datetime]:
        now = self.clock.now()
        times = self._seen.get(address, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            self._seen.pop(address, None)
        return times

    def blocked_for(self, address: str) -> float:
        """Seconds until `address` may try again (0: it may now)."""
        times = self._recent(address)
        if len(times) < self.limit:
            return 0.0
        return max(1.0, (times[0] + self.window - self.clock.now()).total_seconds())

    def failed(self, address: str) -> None:
        times = self._recent(address)
        times.append(self.clock.now())
        self._seen[address] = times
        if len(self._seen) > 10_000:  # a flood of addresses: forget the oldest rather than grow
            self._seen.pop(next(iter(self._seen)))


class AccessControl:
    """ASGI middleware, outermost: refuses what the caller may not do, hands out the automatic admin cookie."""

    def __init__(self, app: ASGIApp, settings: Settings, clock: Clock) -> None:
        self.app = app
        self.origins = frozenset(origin.rstrip("/").lower() for origin in settings.origins)
        self.read_access = settings.read_access
        self.proxies = settings.proxy_networks
        self.attempts = FailedAttempts(clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.emby_analytics
        token: str = state.admin_token
        method = scope.get("method", "GET")
        need = needs(method, scope["path"])
        headers = dict(scope.get("headers") or [])
        if need == "open":
            await self._open(scope, receive, send, headers)
            return
        if scope["type"] == "websocket" and not self._origin_allowed(headers):
            # Browsers apply no CORS to websockets: a page of any other site could open one with our cookie.
            await _refuse(scope, receive, send, 403, "a live view must be opened from this site")
            return
        who = caller(scope, headers, self.proxies)
        given, by_cookie = presented_token(headers)
        admin = False
        if given is not None:
            wait = self.attempts.blocked_for(who.address)
            if wait:
                await _refuse(scope, receive, send, 429, "too many wrong admin tokens; try again later", wait)
                return
            admin = same_secret(given, token)
            if not admin:
                self.attempts.failed(who.address)
                await _refuse(scope, receive, send, 401, "the admin token is wrong")
                return
            if by_cookie and method not in _SAFE_METHODS and not _same_origin(headers):
                await _refuse(scope, receive, send, 403, "a request authenticated by cookie must come from this site")
                return
        if need == "admin" and not admin:
            await _refuse(scope, receive, send, 401, "this needs the admin token (Authorization: Bearer <token>)")
            return
        if need == "reader" and not admin and not self._may_read(who):
            await _refuse(scope, receive, send, 403, self._why_not(who))
            return
        scope[ADMIN_SCOPE_KEY] = admin
        await self.app(scope, receive, send)

    async def _open(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        """A path anyone may use. ADMIN_AUTO_COOKIE: a person opening a page of the UI gets the admin cookie (true:
        anyone; local: from a local address), unless they show the admin token already."""
        state = scope["app"].state.emby_analytics
        if scope["type"] == "http" and scope.get("method") == "GET" and is_page(scope["path"]):
            who = caller(scope, headers, self.proxies)
            given, _by_cookie = presented_token(headers)
            holds = given is not None and same_secret(given, state.admin_token)
            if not holds and (state.auto_cookie == "true" or (state.auto_cookie == "local" and who.local)):
                await self.app(scope, receive, _with_cookie(send, state.admin_token, who.https))
                return
        await self.app(scope, receive, send)

    def _origin_allowed(self, headers: dict[bytes, bytes]) -> bool:
        """A websocket's Origin (a browser always sends one): this site, or one of CORS_ORIGINS; none: not a
        browser, nothing to forge."""
        origin = headers.get(b"origin", b"").decode("latin-1").rstrip("/").lower()
        if not origin:
            return True
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return origin.split("://", 1)[-1] == host or origin in self.origins

    def _may_read(self, who: Caller) -> bool:
        return self.read_access == "public" or (self.read_access == "local" and who.local)

    def _why_not(self, who: Caller) -> str:
        if self.read_access == "token":
            return "reading needs the admin token here (READ_ACCESS=token)"
        return "reading is open to the local network only (READ_ACCESS=local); send the admin token"


def cookie_header(token: str, secure: bool) -> bytes:
    parts = [f"{COOKIE}={token}", "HttpOnly", "SameSite=Strict", "Path=/", f"Max-Age={COOKIE_MAX_AGE}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def _with_cookie(send: Send, token: str, secure: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (b"set-cookie", cookie_header(token, secure))]
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, retry_after: float = 0.0
) -> None:
    code = {401: "unauthorized", 403: "forbidden", 429: "rate_limited"}[status]
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4000 + status, "reason": message})
        return
    response = error_response(status, code, message)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after + 0.999))
    await response(scope, receive, send)
