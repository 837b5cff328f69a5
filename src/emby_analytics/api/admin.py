"""Admin routes (`/admin/...`): the background jobs, library and user syncs on demand, the webhook's state and the
service's diagnostics. The access layer (`api.access`) lets only the admin token through; GET never changes state.
"""

from __future__ import annotations

import platform
import sqlite3
from datetime import datetime
from typing import Any

import fastapi
import httpx
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.api.deps import State
from emby_analytics.db.schema import sync_runs
from emby_analytics.scheduler import JobState
from emby_analytics.sync.users import EmptyUserList
from emby_analytics.version import VERSION

router = APIRouter(prefix="/admin", tags=["admin"])

# Settings whose values are secrets: shown only as whether they are set.
SECRET_SETTINGS = frozenset({"emby_api_key", "admin_token", "webhook_token"})


class JobInfo(BaseModel):
    name: str
    interval_sec: float
    running: bool
    runs: int
    failures: int
    consecutive_failures: int
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_duration_ms: float | None
    last_error: str | None
    next_run_at: datetime | None

    @classmethod
    def of(cls, state: JobState) -> JobInfo:
        return cls.model_validate(state, from_attributes=True)


class Started(BaseModel):
    started: bool
    job_id: str = Field(description="The background job that runs it (see /admin/scheduler/stats).")


class RefreshStatus(BaseModel):
    running: bool
    kind: str | None = Field(description="full or incremental: the last library sync's kind.")
    status: str | None = Field(description="running, done, failed or interrupted.")
    phase: str | None
    processed: int
    total: int
    pct: float | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class UsersSynced(BaseModel):
    total_users: int
    added: int
    updated: int
    removed: int


class WebhookInfo(BaseModel):
    url: str = Field(description="The address to paste into Emby (Dashboard › Webhooks), token included.")
    events: dict[str, int] = Field(description="Events received since start-up, per type.")
    last_received_at: datetime | None
    duplicates: int
    rejected: int = Field(description="Requests with a wrong or missing token.")
    malformed: int


class Diagnostics(BaseModel):
    version: str
    commit: str
    python: str
    sqlite: str
    fastapi: str
    httpx: str
    settings: dict[str, object] = Field(description="Every setting; a secret only as whether it is set.")
    database_bytes: int
    wal_bytes: int
    poller_ok: bool
    poller_last_error: str | None
    open_plays: int
    unsaved_plays: int
    waiting_webhooks: int
    live_views: int = Field(description="Browsers watching /now/stream or /now/ws now.")
    live_dropped: int = Field(description="Live views dropped since start-up for taking no views (gone or stuck).")
    websocket_connected: bool
    websocket_last_error: str | None
    jobs: list[JobInfo]


@router.get(
    "/scheduler/stats",
    response_model=list[JobInfo],
    summary="Background jobs",
    description="Every background job: interval, runs, failures, last run and its duration and error, next run.",
)
async def scheduler_stats(state: State) -> list[JobInfo]:
    return [JobInfo.of(job) for job in state.scheduler.states()]


def start_job(state: State, job_name: str, *, busy: bool, why: str) -> Started:
    """Start a background job now (202), or refuse with `why` while its work is already under way (409)."""
    if busy:
        raise HTTPException(409, why)
    state.scheduler.jobs[job_name].trigger()
    return Started(started=True, job_id=job_name)


def _start(state: State, job_name: str) -> Started:
    why = "a library sync is running; see /admin/refresh/status"
    return start_job(state, job_name, busy=state.library_sync.running, why=why)


@router.post(
    "/refresh/start",
    response_model=Started,
    status_code=202,
    summary="Full library refresh",
    description="Starts a full library sync in the background (it also notices items deleted from Emby). 409 while "
    "a library sync runs.",
    responses={409: {"description": "A library sync is running."}},
)
async def refresh_start(state: State) -> Started:
    return _start(state, "library-full")


@router.post(
    "/refresh/incremental",
    response_model=Started,
    status_code=202,
    summary="Incremental library refresh",
    description="Starts a sync of the items Emby saved since the last sync, in the background. 409 while a library "
    "sync runs.",
    responses={409: {"description": "A library sync is running."}},
)
async def refresh_incremental(state: State) -> Started:
    return _start(state, "library-incremental")


def _last_run(conn: Connection) -> Any:
    query = select(sync_runs).where(sync_runs.c.kind.in_(("full", "incremental"))).order_by(sync_runs.c.id.desc())
    return conn.execute(query.limit(1)).first()


@router.get(
    "/refresh/status",
    response_model=RefreshStatus,
    summary="Library refresh progress",
    description="The running library sync, or the last one: phase, items processed of the total, when, and why it "
    "failed.",
)
async def refresh_status(state: State) -> RefreshStatus:
    run = await state.db.read(_last_run)
    if run is None:
        return RefreshStatus(
            running=state.library_sync.running, kind=None, status=None, phase=None, processed=0, total=0, pct=None,
            started_at=None, finished_at=None, error=None,
        )  # fmt: skip
    total, processed = run.total or 0, run.processed or 0
    return RefreshStatus(
        running=state.library_sync.running,
        kind=run.kind,
        status=run.status,
        phase=run.phase,
        processed=processed,
        total=total,
        pct=round(min(processed / total, 1.0) * 100, 1) if total else None,
        started_at=run.started_at,
        finished_at=run.finished_at,
        error=run.error,
    )


@router.post(
    "/users/force-sync",
    response_model=UsersSynced,
    summary="Sync users now",
    description="Asks Emby for its users and stores them now; answers with what changed. 502 when Emby fails.",
)
async def users_force_sync(state: State) -> UsersSynced:
    try:
        result = await state.user_sync.run()
    except EmptyUserList as exc:
        raise HTTPException(502, str(exc)) from None
    return UsersSynced.model_validate(result, from_attributes=True)


@router.get(
    "/webhook/stats",
    response_model=WebhookInfo,
    summary="Webhook intake",
    description="The webhook URL to paste into Emby, and what the intake received since start-up.",
)
async def webhook_stats(state: State, request: fastapi.Request) -> WebhookInfo:
    stats = state.webhooks.stats
    base = str(request.base_url).rstrip("/")
    return WebhookInfo(
        url=f"{base}/webhooks/emby?token={state.webhook_token}",
        events=dict(stats.received),
        last_received_at=stats.last_received_at,
        duplicates=stats.duplicates,
        rejected=stats.rejected,
        malformed=stats.malformed,
    )


@router.get(
    "/diagnostics",
    response_model=Diagnostics,
    summary="Diagnostics",
    description="Versions, settings (secrets only as set or not), the session poller and websocket, the database "
    "and WAL sizes, and every background job: what to paste into a bug report.",
)
async def diagnostics(state: State) -> Diagnostics:
    settings = state.settings.model_dump(mode="json")
    shown = {name: (bool(value) if name in SECRET_SETTINGS else value) for name, value in settings.items()}
    size = state.db.size()
    poll, listener, socket = state.feed.poll_job.state, state.feed.listener, state.feed.socket_job
    return Diagnostics(
        version=VERSION,
        commit=state.commit,
        python=platform.python_version(),
        sqlite=sqlite3.sqlite_version,
        fastapi=fastapi.__version__,
        httpx=httpx.__version__,
        settings=shown,
        database_bytes=size.size_bytes,
        wal_bytes=size.wal_bytes,
        poller_ok=state.feed.ok,
        poller_last_error=poll.last_error,
        open_plays=state.recorder.status.open_plays,
        unsaved_plays=state.recorder.status.unsaved_plays,
        waiting_webhooks=state.recorder.status.waiting_webhooks,
        live_views=state.live.subscribers,
        live_dropped=state.live.dropped,
        websocket_connected=listener is not None and listener.connected,
        websocket_last_error=socket.state.last_error if socket is not None else None,
        jobs=[JobInfo.of(job) for job in state.scheduler.states()],
    )
