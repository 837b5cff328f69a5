"""`/health` (our own state) and `/health/emby` (can we reach Emby?)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, text

from emby_analytics.api.deps import State
from emby_analytics.emby.reachability import MAX_AGE_SEC
from emby_analytics.state import AppState
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
    consecutive_failures: int = Field(description="Failed runs in a row; the job retries with backoff meanwhile.")


class PollerHealth(BaseModel):
    ok: bool = Field(description="False while polls of Emby's /Sessions fail (open plays stay open meanwhile).")
    interval_sec: float
    last_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    consecutive_failures: int
    next_poll: datetime | None = Field(description="When the next poll is due (later while backing off).")
    open_plays: int
    unsaved_plays: int = Field(description="Plays decided but not yet stored (the database refused a write).")
    waiting_webhooks: int = Field(description="Webhooks applied to the plays, their receipts not yet stored.")
    last_write_error: str | None
    subscriber_errors: int = Field(description="Snapshots a subscriber of the feed (the play recorder) failed on.")
    last_subscriber_error: str | None = Field(
        description="Why a subscriber failed on the last snapshot; null once every subscriber takes one again."
    )


class WebsocketHealth(BaseModel):
    enabled: bool = Field(description="EMBY_WEBSOCKET: Emby pushes session changes the moment they happen.")
    connected: bool
    auth_failed: bool = Field(description="Emby refused the API key on the websocket.")
    connected_since: datetime | None
    last_message: datetime | None
    connects: int
    messages: int
    consecutive_failures: int
    last_error: str | None
    next_attempt: datetime | None


class GuardHealth(BaseModel):
    enabled: bool = Field(description="PREVENT_4K_VIDEO_TRANSCODING as it is now (the admin may change it).")
    stopped: int = Field(description="4K video transcodes stopped since start-up.")
    failures: int = Field(description="Requests to Emby (message or stop) that failed; each is retried with backoff.")
    gave_up: int = Field(description="4K transcodes left playing because Emby refused every stop.")
    pending: int = Field(description="Plays being stopped now.")
    last_stopped_at: datetime | None


class Health(BaseModel):
    ok: bool = Field(description="The service can serve: its database works. Emby being down does not make it false.")
    status: str = Field(
        description=(
            "ok, or degraded while Emby cannot be reached, plays cannot be stored or recorded, the websocket is "
            "refused, or a background job's last run failed."
        )
    )
    db: DbHealth
    poller: PollerHealth
    websocket: WebsocketHealth
    guard: GuardHealth = Field(description="The 4K transcode guard (a subscriber of the session feed).")
    jobs: list[JobHealth]
    version: str


class EmbyHealth(BaseModel):
    ok: bool
    server_name: str | None = None
    version: str | None = None
    latency_ms: float | None = None
    error: str | None = None


def without_paths(text: str | None, state: AppState) -> str | None:
    """An error as a reader may see it: our folders named, not shown (where the data lives is for the admin, who
    sees the whole text in /admin/scheduler/stats and /admin/diagnostics)."""
    if text is None:
        return None
    settings = state.settings
    for path, name in (
        (settings.backup_folder, "<backup folder>"),
        (settings.image_cache_dir, "<image cache>"),
        (settings.sqlite_path, "<database>"),
        (settings.data_dir, "<data folder>"),
    ):
        text = text.replace(str(path), name)
    return text


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
        JobHealth.model_validate(job, from_attributes=True).model_copy(
            update={"last_error": without_paths(job.last_error, state)}
        )
        for job in state.scheduler.states()
    ]
    poller = _poller(state)
    websocket = _websocket(state)
    recording = poller.last_write_error is None and poller.last_subscriber_error is None
    jobs_ok = all(job.consecutive_failures == 0 for job in jobs)
    healthy = poller.ok and recording and not websocket.auth_failed and jobs_ok
    status = "ok" if db.ok and healthy else "degraded"
    body = Health(
        ok=db.ok,
        status=status,
        db=db,
        poller=poller,
        websocket=websocket,
        guard=_guard(state),
        jobs=jobs,
        version=VERSION,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ok else 503)


def _poller(state: AppState) -> PollerHealth:
    polling, recording = state.feed.poll_job.state, state.recorder.status
    return PollerHealth(
        ok=state.feed.ok,
        interval_sec=polling.interval_sec,
        last_poll=polling.last_run_at,
        last_success=polling.last_success_at,
        last_error=without_paths(polling.last_error, state),
        consecutive_failures=polling.consecutive_failures,
        next_poll=polling.next_run_at,
        open_plays=recording.open_plays,
        unsaved_plays=recording.unsaved_plays,
        waiting_webhooks=recording.waiting_webhooks,
        last_write_error=without_paths(recording.last_write_error, state),
        subscriber_errors=state.feed.subscriber_errors,
        last_subscriber_error=state.feed.last_subscriber_error,
    )


def _guard(state: AppState) -> GuardHealth:
    guard = state.guard
    return GuardHealth(
        enabled=guard.enabled,
        stopped=guard.status.stopped,
        failures=guard.status.failures,
        gave_up=guard.status.gave_up,
        pending=guard.pending,
        last_stopped_at=guard.status.last_stopped_at,
    )


def _websocket(state: AppState) -> WebsocketHealth:
    listener, job = state.feed.listener, state.feed.socket_job
    if listener is None or job is None:
        return WebsocketHealth(
            enabled=False, connected=False, auth_failed=False, connected_since=None, last_message=None, connects=0,
            messages=0, consecutive_failures=0, last_error=None, next_attempt=None,
        )  # fmt: skip
    return WebsocketHealth(
        enabled=True,
        connected=listener.connected,
        auth_failed=listener.auth_failed,
        connected_since=listener.connected_at if listener.connected else None,
        last_message=listener.last_message_at,
        connects=listener.connects,
        messages=listener.messages,
        consecutive_failures=job.state.consecutive_failures,
        last_error=without_paths(job.state.last_error, state),
        next_attempt=None if listener.connected else job.state.next_run_at,
    )


@router.get(
    "/health/emby",
    response_model=EmbyHealth,
    summary="Emby reachability",
    description=(
        "Calls Emby's /System/Info. Answers 502 with the reason (never a secret) when Emby cannot be used. "
        f"Checks asked at the same time share one call, and its answer is reused for {MAX_AGE_SEC:g} s."
    ),
    responses={502: {"model": EmbyHealth}},
)
async def emby_health(state: State) -> JSONResponse:
    answer = await state.emby_check.check()
    body = EmbyHealth(
        ok=answer.ok,
        server_name=answer.server_name,
        version=answer.version,
        latency_ms=answer.latency_ms,
        error=answer.error,
    )
    return JSONResponse(body.model_dump(), status_code=200 if answer.ok else 502)
