"""The service and the simulated Emby in one process: the one way tests, the accuracy runner and the benchmarks build
them (Datasette's `make_app_client` idea), so none of them wires the app by hand.

    settings = service_settings(tmp_path / "emby.db", api_key=simulator.api_key, NOW_POLL_SEC="1")
    async with running_service(settings, simulator, clock) as service:
        await service.state.feed.poll()
        response = await service.http.get("/stats/history")

Nothing in the product imports this module; it sits above `app` and `simulator`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from httpx_ws.transport import ASGIWebSocketTransport

from emby_analytics.app import create_app
from emby_analytics.clock import Clock
from emby_analytics.config import Settings, load_settings
from emby_analytics.simulator.server import Simulator
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
