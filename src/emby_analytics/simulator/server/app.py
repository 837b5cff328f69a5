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
max in-flight), `sessions` (`SessionEngine`: scripts, truth), `commands` (every remote-control POST, in order),
`history` (the Playback Reporting plugin's data), `websockets` (`SimulatorWebSockets`: /embywebsocket knobs).

Paths are matched case-insensitively with or without an `/emby` (or `/mediabrowser`) prefix. Endpoint names
used by metrics, latency and faults are the templates in `routes.ROUTES` (e.g. "/Items", "/Users/{UserId}/Items").
"""

from __future__ import annotations

import asyncio
import re
from functools import cached_property

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .auth import UNAUTHORIZED_TEXT, token_from
from .responses import text_response
from .routes import Route, match
from .state import SimulatorState
from .websocket import SimulatorWebSockets

_PREFIX = re.compile(r"^/(?:emby|mediabrowser)(?=/|$)", re.IGNORECASE)


class Simulator(SimulatorState):
    """A simulated Emby server (see the module docstring): the handlers' state plus its ASGI faces."""

    @cached_property
    def websockets(self) -> SimulatorWebSockets:
        """/embywebsocket knobs and counters (websocket.py)."""
        return SimulatorWebSockets(self)

    def app(self) -> SimulatorApp:
        return create_simulator_app(self)


class SimulatorApp:
    """ASGI app: metrics → latency → faults → auth → handler. Lifespan events are acknowledged."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

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
        found = match(path)
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
        elif fault is not None and fault.hold is not None:
            await fault.hold.wait()
        elif fault is not None and fault.kind == "error":
            return text_response(
                {502: "Bad Gateway", 503: "Service Unavailable"}.get(fault.status, "Internal Server Error"),
                fault.status,
            )
        elif fault is not None and fault.kind == "unauthorized":
            return text_response(UNAUTHORIZED_TEXT, 401)
        elif fault is not None and fault.kind == "answer":
            return Response(fault.body, status_code=fault.status, headers={"Content-Type": fault.content_type})
        if found is None:
            return text_response("Not Found", 404)
        route, params = found
        if request.method not in route.methods:
            return text_response("Method Not Allowed", 405)
        query = {k.lower(): v for k, v in request.query_params.items()}
        if route.auth and token_from(request.headers, query) not in sim.tokens:
            return text_response(UNAUTHORIZED_TEXT, 401)
        response = await route.handler(sim, request, params, query)
        if fault is not None and fault.kind == "malformed" and response.media_type == "application/json":
            body = bytes(response.body)
            response = Response(
                body[: max(1, len(body) // 2)], status_code=response.status_code, media_type="application/json"
            )
        return response


def create_simulator_app(sim: Simulator) -> SimulatorApp:
    """The ASGI app serving `sim` (tests: httpx.ASGITransport; `simulate`: uvicorn)."""
    return SimulatorApp(sim)
