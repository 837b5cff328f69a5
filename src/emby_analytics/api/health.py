"""`/health` (our own state) and `/health/emby` (can we reach Emby?)."""

from __future__ import annotations

import time
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, text

from emby_analytics.api.deps import State
from emby_analytics.emby.errors import EmbyError
from emby_analytics.sync.server import ServerIdentity
from emby_analytics.version import VERSION

router = APIRouter(tags=["health"])


class DbHealth(BaseModel):
    ok: bool
    size_bytes: int
    wal_bytes: int
    error: str | None = None


class JobHealth(BaseModel):
    name: str
    running: bool
    runs: int
    last_run_at: datetime | None
    last_error: str | None


class PollerHealth(BaseModel):
    ok: bool = Field(description="False while polls of Emby's /Sessions fail (open plays stay open meanwhile).")
    last_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    consecutive_failures: int
    open_plays: int


class Health(BaseModel):
    ok: bool = Field(description="The service can serve: its database works. Emby being down does not make it false.")
    status: str = Field(description="ok, or degraded while Emby cannot be reached.")
    db: DbHealth
    poller: PollerHealth
    jobs: list[JobHealth]
    version: str


class EmbyHealth(BaseModel):
    ok: bool
    server_name: str | None = None
    version: str | None = None
    latency_ms: float | None = None
    error: str | None = None


def _ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1"))


@router.get(
    "/health",
    response_model=Health,
    summary="Service health",
    description="Checks the database and reports background jobs. Answers 503 when the database is not usable.",
    responses={503: {"model": Health}},
)
async def health(state: State) -> JSONResponse:
    error = None
    try:
        await state.db.read(_ping)
    except Exception as exc:
        error = type(exc).__name__
    size = state.db.size()
    db = DbHealth(ok=error is None, size_bytes=size.size_bytes, wal_bytes=size.wal_bytes, error=error)
    jobs = [
        JobHealth(name=s.name, running=s.running, runs=s.runs, last_run_at=s.last_run_at, last_error=s.last_error)
        for s in state.scheduler.states()
    ]
    polling = state.tracking.state
    poller = PollerHealth(
        ok=polling.consecutive_failures == 0,
        last_poll=polling.last_poll_at,
        last_success=polling.last_success_at,
        last_error=polling.last_error,
        consecutive_failures=polling.consecutive_failures,
        open_plays=polling.open_plays,
    )
    status = "ok" if db.ok and poller.ok else "degraded"
    body = Health(ok=db.ok, status=status, db=db, poller=poller, jobs=jobs, version=VERSION)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ok else 503)


@router.get(
    "/health/emby",
    response_model=EmbyHealth,
    summary="Emby reachability",
    description="Calls Emby's /System/Info. Answers 502 with the reason (never a secret) when Emby cannot be used.",
    responses={502: {"model": EmbyHealth}},
)
async def emby_health(state: State) -> JSONResponse:
    started = time.perf_counter()
    try:
        info = await state.emby.system_info(retries=0)  # a health check reports, it does not insist
    except EmbyError as exc:
        return JSONResponse(EmbyHealth(ok=False, error=str(exc)).model_dump(), status_code=502)
    latency = round((time.perf_counter() - started) * 1000, 1)
    state.server_info.identity = ServerIdentity.from_info(info)
    body = EmbyHealth(ok=True, server_name=info.server_name, version=info.version, latency_ms=latency)
    return JSONResponse(body.model_dump())
