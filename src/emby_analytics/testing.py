"""The service and the simulated Emby in one process: the one way tests, the accuracy runner and the benchmarks build
them (Datasette's `make_app_client` idea), so none of them wires the app by hand.

    settings = service_settings(tmp_path / "emby.db", api_key=simulator.api_key, NOW_POLL_SEC="1")
    async with running_service(settings, simulator, clock) as service:
        await service.state.feed.poll()
        response = await service.http.get("/stats/history")

`live_simulator` serves the simulated Emby on a loopback port from a thread, for runs of the real `serve` command
that still turn the simulator's knobs (latency, faults, request counts) while it runs.

Nothing in the product imports this module; it sits above `app` and `simulator`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from httpx_ws.transport import ASGIWebSocketTransport

from emby_analytics.app import create_app
from emby_analytics.clock import Clock, SystemClock
from emby_analytics.config import Settings, load_settings
from emby_analytics.serving import bind
from emby_analytics.simulator.demo import build_simulator
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import WorldSpec
from emby_analytics.state import AppState

SIMULATED_EMBY_URL = "http://emby.sim:8096"


def service_settings(sqlite_path: Path, *, api_key: str, **env: str) -> Settings:
    """Settings for a service whose Emby is the in-process simulator (any other setting by its variable name)."""
    return load_settings(
        {"EMBY_BASE_URL": SIMULATED_EMBY_URL, "EMBY_API_KEY": api_key, "SQLITE_PATH": str(sqlite_path), **env}
    )


@dataclass
class Service:
    """A running service: its app, an HTTP client for it, and the simulated Emby it talks to."""

    app: FastAPI
    http: httpx.AsyncClient
    simulator: Simulator

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.emby_analytics
        return state


@asynccontextmanager
async def running_service(
    settings: Settings, simulator: Simulator, clock: Clock, *, run_jobs: bool = False
) -> AsyncIterator[Service]:
    """The whole service (lifespan included) wired to `simulator`. Background jobs are off unless `run_jobs`
    (callers drive polls and syncs themselves); with them on, Emby's websocket works too. Entering it again with
    the same settings is a restart on the same database."""
    app = simulator.app()
    transport: httpx.AsyncBaseTransport = ASGIWebSocketTransport(app=app) if run_jobs else httpx.ASGITransport(app=app)
    service_app = create_app(settings, clock=clock, emby_transport=transport, run_jobs=run_jobs)
    async with (
        service_app.router.lifespan_context(service_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=service_app), base_url="http://service") as http,
    ):
        yield Service(service_app, http, simulator)


class RestartableService:
    """A service started on demand and stoppable at any moment: a restart is `stop()`, then `running()` again."""

    def __init__(self, settings: Settings, simulator: Simulator, clock: Clock) -> None:
        self._settings, self._simulator, self._clock = settings, simulator, clock
        self._stack: AsyncExitStack | None = None
        self._service: Service | None = None

    async def running(self) -> Service:
        if self._service is None:
            self._stack = AsyncExitStack()
            self._service = await self._stack.enter_async_context(
                running_service(self._settings, self._simulator, self._clock)
            )
        return self._service

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._stack, self._service = None, None


LIVE_SPEC = WorldSpec(seed=7, users=3, movies=20, series=2, seasons_per_series=1, episodes_per_season=3, music_tracks=2)


@contextmanager
def live_simulator(
    api_key: str, spec: WorldSpec = LIVE_SPEC, *, household: bool = False, history_days: int = 0, port: int = 0
) -> Iterator[tuple[Simulator, str]]:
    """(the simulator, its URL) for the block, on real time; without a household unless asked (a test adds the
    sessions it needs). `port`: a given one (a service already pointed there finds Emby come up), else any free."""
    sim = build_simulator(spec, SystemClock(), api_key=api_key, household=household, history_days=history_days)
    sock = bind("127.0.0.1", port)
    config = uvicorn.Config(sim.app(), log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.02)
        yield sim, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
