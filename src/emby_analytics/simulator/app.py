"""The simulated Emby server: `Simulator` (state + knobs) and `create_simulator_app` (the ASGI app).

    sim = Simulator(world, clock, api_key="test-key",
                    latency=LatencyConfig(base_ms=5, jitter_ms=2, seed=1),
                    faults=FaultConfig(seed=1))
    app = create_simulator_app(sim)          # or sim.app()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")

Constructor: `Simulator(world, clock=None, *, api_key="simulator-api-key", latency=None, faults=None,
sessions=None, extra_tokens=(), history=None)`. `clock` defaults to `world.clock`; `sessions` to a new `SessionEngine`.
Attributes: `world`, `clock`, `api_key`, `tokens` (accepted tokens; add/remove to rotate keys), `latency`
(`LatencyConfig`), `faults` (`FaultConfig`), `metrics` (`RequestMetrics`: per-endpoint counts, in-flight and
max in-flight), `sessions` (`SessionEngine`: scripts, truth), `commands` (every remote-control POST, in order).

Paths are matched case-insensitively with or without an `/emby` (or `/mediabrowser`) prefix. Endpoint names
used by metrics, latency and faults are the templates in `ROUTES` (e.g. "/Items", "/Users/{UserId}/Items").
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..clock import Clock
from .auth import UNAUTHORIZED_TEXT, token_from
from .engine import SessionEngine
from .faults import FaultConfig, LatencyConfig
from .handlers import Handlers
from .history import PlaybackHistory
from .metrics import RequestMetrics
from .remote import RemoteCommand
from .responses import text_response
from .session_dto import SessionRenderer
from .websocket import SimulatorWebSockets
from .world import World

Handler = Callable[[Request, dict[str, str], dict[str, str]], Awaitable[Response]]
_PREFIX = re.compile(r"^/(?:emby|mediabrowser)(?=/|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    template: str
    methods: frozenset[str]
    handler: str  # name of the Handlers method
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$", re.IGNORECASE))


def _r(template: str, methods: str, handler: str, auth: bool = True) -> Route:
    return Route(template, frozenset(methods.split(",")), handler, auth)


ROUTES: tuple[Route, ...] = (
    _r("/System/Ping", "GET,POST,HEAD", "ping", auth=False),
    _r("/System/Info/Public", "GET", "system_info_public", auth=False),
    _r("/System/Info", "GET", "system_info"),
    _r("/Users", "GET", "users"),
    _r("/Users/Public", "GET", "users_public", auth=False),
    _r("/Users/Query", "GET", "users_query"),
    _r("/Users/{UserId}", "GET", "user"),
    _r("/Users/{UserId}/Items", "GET", "items"),
    _r("/Users/{UserId}/Items/{Id}", "GET", "user_item"),
    _r("/Users/{UserId}/Images/{Type}", "GET,HEAD", "user_image", auth=False),
    _r("/Users/{UserId}/Images/{Type}/{Index}", "GET,HEAD", "user_image", auth=False),
    _r("/Items", "GET", "items"),
    _r("/Items/Counts", "GET", "item_counts"),
    _r("/Items/{Id}/Images/{Type}", "GET,HEAD", "item_image", auth=False),
    _r("/Items/{Id}/Images/{Type}/{Index}", "GET,HEAD", "item_image", auth=False),
    _r("/Library/VirtualFolders", "GET", "virtual_folders"),
    _r("/Library/VirtualFolders/Query", "GET", "virtual_folders_query"),
    _r("/Sessions", "GET", "sessions"),
    _r("/Sessions/{Id}/Playing", "POST", "session_play"),
    _r("/Sessions/{Id}/Playing/{Command}", "POST", "session_playstate"),
    _r("/Sessions/{Id}/Message", "POST", "session_message"),
    _r("/Sessions/{Id}/Command", "POST", "session_command"),
    _r("/Sessions/{Id}/Command/{Command}", "POST", "session_command"),
    _r("/user_usage_stats/submit_custom_query", "POST", "submit_custom_query"),  # Playback Reporting (plugin.py)
)


class Simulator:
    """A simulated Emby server's state and knobs (see the module docstring)."""

    def __init__(
        self,
        world: World,
        clock: Clock | None = None,
        *,
        api_key: str = "simulator-api-key",
        latency: LatencyConfig | None = None,
        faults: FaultConfig | None = None,
        sessions: SessionEngine | None = None,
        extra_tokens: Iterable[str] = (),
        history: PlaybackHistory | None = None,
    ) -> None:
        self.world = world
        self.clock: Clock = clock or world.clock
        self.api_key = api_key
        self.tokens: set[str] = {api_key, *extra_tokens}
        self.latency = latency or LatencyConfig()
        self.faults = faults or FaultConfig()
        self.metrics = RequestMetrics()
        self.sessions = sessions or SessionEngine(world, self.clock)
        self.session_renderer = SessionRenderer(world.server_id)  # /Sessions and the websocket share its items
        self.commands: list[RemoteCommand] = []
        self.history = history  # the Playback Reporting plugin's data and played flags (history.py); None: no plugin
        self.websockets = SimulatorWebSockets(self)  # /embywebsocket knobs and counters (websocket.py)

    def app(self) -> SimulatorApp:
        return create_simulator_app(self)


def _match(path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            return route, m.groupdict()
    return None


class SimulatorApp:
    """ASGI app: metrics → latency → faults → auth → handler. Lifespan events are acknowledged."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.handlers = Handlers(sim)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await self.sim.websockets(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        path = _PREFIX.sub("", request.url.path) or "/"
        found = _match(path)
        endpoint = found[0].template if found else "<unknown>"
        metrics = self.sim.metrics
        metrics.started(endpoint)
        status = 500
        try:
            response = await self._respond(request, found, endpoint)
            status = response.status_code
            await response(scope, receive, send)
        finally:
            metrics.finished(status)

    async def _respond(self, request: Request, found: tuple[Route, dict[str, str]] | None, endpoint: str) -> Response:
        sim = self.sim
        delay = sim.latency.delay_for(endpoint)
        if delay:
            await asyncio.sleep(delay)
        fault = sim.faults.pick(endpoint)
        if fault is not None and fault.kind == "stall":
            await asyncio.sleep(fault.seconds)
        elif fault is not None and fault.kind == "error":
            return text_response(
                {502: "Bad Gateway", 503: "Service Unavailable"}.get(fault.status, "Internal Server Error"),
                fault.status,
            )
        elif fault is not None and fault.kind == "unauthorized":
            return text_response(UNAUTHORIZED_TEXT, 401)
        if found is None:
            return text_response("Not Found", 404)
        route, params = found
        if request.method not in route.methods:
            return text_response("Method Not Allowed", 405)
        query = {k.lower(): v for k, v in request.query_params.items()}
        if route.auth and token_from(request.headers, query) not in sim.tokens:
            return text_response(UNAUTHORIZED_TEXT, 401)
        handler: Handler = getattr(self.handlers, route.handler)
        response = await handler(request, params, query)
        if fault is not None and fault.kind == "malformed" and response.media_type == "application/json":
            body = bytes(response.body)
            response = Response(
                body[: max(1, len(body) // 2)], status_code=response.status_code, media_type="application/json"
            )
        return response


def create_simulator_app(sim: Simulator) -> SimulatorApp:
    """The ASGI app serving `sim` (tests: httpx.ASGITransport; `simulate`: uvicorn)."""
    return SimulatorApp(sim)
