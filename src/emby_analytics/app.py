"""`create_app(settings)`: the whole service as one ASGI app, with its background jobs in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI

from emby_analytics.api import health, images, items, library, meta, stats, webhooks
from emby_analytics.api.errors import install_error_handlers
from emby_analytics.api.response_cache import CachedResponses
from emby_analytics.clock import Clock, SystemClock
from emby_analytics.compaction import CompactionJob
from emby_analytics.config import Settings
from emby_analytics.credentials import stored_token
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.emby.client import EmbyClient
from emby_analytics.feed import SessionFeed, SocketConfig
from emby_analytics.images import FETCH_TIMEOUT_SEC, ImageCache, ImageProxy
from emby_analytics.logconfig import redact_everywhere
from emby_analytics.rollups.job import FoldJob
from emby_analytics.scheduler import Job, Scheduler
from emby_analytics.state import AppState
from emby_analytics.stats.rolled import RollupCache
from emby_analytics.sync.history import HistoryImport, HistoryImportJob
from emby_analytics.sync.jobs import FullSyncJob, IncrementalSyncJob, UserSyncJob
from emby_analytics.sync.library import LibrarySync
from emby_analytics.sync.lookup import ItemLookup
from emby_analytics.sync.server import ServerInfoJob
from emby_analytics.sync.users import UserSync
from emby_analytics.tracking.model import TrackerConfig
from emby_analytics.tracking.recorder import PlayRecorder
from emby_analytics.tracking.webhooks import WebhookIntake
from emby_analytics.version import VERSION, build_commit

log = logging.getLogger(__name__)


def build_state(
    settings: Settings,
    db: Database,
    http: httpx.AsyncClient,
    clock: Clock,
    *,
    webhook_token: str = "",
    commit: str = "unknown",
) -> AppState:
    """Wire the components together (also used by the `sync` command, without the HTTP app)."""
    api_key = settings.emby_api_key.get_secret_value()
    emby = EmbyClient(
        http, base_url=settings.emby_base_url, api_key=api_key, timeout=settings.emby_timeout_sec, sleep=clock.sleep
    )
    library_sync = LibrarySync(db, emby, clock, chunk_size=settings.refresh_chunk_size)
    user_sync = UserSync(db, emby, clock)
    history_import = HistoryImport(
        db,
        emby,
        clock,
        history_days=settings.history_days,
        zone=settings.zone,
        completed_percent=settings.completed_percent,
        min_play_seconds=settings.min_play_seconds,
    )
    tracker_config = TrackerConfig(
        poll_interval_sec=settings.now_poll_sec,
        stall_seconds=settings.stall_seconds,
        min_play_seconds=settings.min_play_seconds,
        completed_percent=settings.completed_percent,
    )
    recorder = PlayRecorder(db, tracker_config, resume_window=timedelta(hours=settings.resume_window_hours))
    socket = SocketConfig(http, settings.emby_base_url, api_key) if settings.emby_websocket else None
    feed = SessionFeed(emby, clock, interval_sec=settings.now_poll_sec, socket=socket)
    feed.subscribe(recorder.on_snapshot)
    incremental = IncrementalSyncJob(library_sync, settings.refresh_interval, clock)
    rollups = FoldJob(db, settings.zone, clock)
    server_info = ServerInfoJob(emby, clock)
    jobs: list[Job] = [
        *feed.jobs(),
        server_info,
        UserSyncJob(user_sync, settings.user_sync_interval, clock),
        incremental,
        FullSyncJob(library_sync, timedelta(hours=settings.full_sync_interval_hours).total_seconds(), clock),
        HistoryImportJob(history_import, clock),
        rollups,
    ]
    if settings.compact_interval_days:
        jobs.append(CompactionJob(db, clock, timedelta(days=settings.compact_interval_days)))
    item_lookup = ItemLookup(db, emby, clock)
    # Images get their own client: one retry, and no attempt longer than the proxy's whole budget.
    image_emby = EmbyClient(
        http,
        base_url=settings.emby_base_url,
        api_key=api_key,
        timeout=min(settings.emby_timeout_sec, FETCH_TIMEOUT_SEC),
        retries=1,
        sleep=clock.sleep,
    )
    image_cache = ImageCache(settings.image_cache_dir, settings.image_cache_bytes)
    image_proxy = ImageProxy(db, image_emby, item_lookup, image_cache, clock)
    webhooks = WebhookIntake(
        db, clock, on_playback=recorder.on_webhook, on_library=lambda _event: incremental.trigger()
    )
    return AppState(
        settings=settings,
        clock=clock,
        db=db,
        http=http,
        emby=emby,
        library_sync=library_sync,
        user_sync=user_sync,
        history_import=history_import,
        items=item_lookup,
        images=image_proxy,
        feed=feed,
        recorder=recorder,
        webhooks=webhooks,
        webhook_token=webhook_token,
        server_info=server_info,
        scheduler=Scheduler(jobs),
        rollups=rollups,
        rollup_cache=RollupCache(),
        commit=commit,
    )


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    emby_transport: httpx.AsyncBaseTransport | None = None,
    run_jobs: bool = True,
) -> FastAPI:
    """The service. Tests pass `emby_transport` (the simulator through httpx.ASGITransport) and a manual clock."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.open(settings.sqlite_path)
        try:
            before, after = migrate.upgrade(db)
            if before != after:
                log.info("database migrated", extra={"from": before or "empty", "to": after})
            token = settings.webhook_token
            token_file = settings.data_dir / "webhook_token"
            webhook_token = token.get_secret_value() if token else stored_token(token_file)
            redact_everywhere(webhook_token)
            log.info(
                "webhook URL for Emby: /webhooks/emby?token=<webhook token>",
                extra={"token_from": "WEBHOOK_TOKEN" if token else str(token_file)},
            )
            async with httpx.AsyncClient(transport=emby_transport, follow_redirects=False) as http:
                state = build_state(
                    settings, db, http, clock or SystemClock(), webhook_token=webhook_token, commit=build_commit()
                )
                await state.recorder.start()
                app.state.emby_analytics = state
                if run_jobs:
                    state.scheduler.start()
                log.info("service started", extra={"version": VERSION, "emby": settings.emby_base_url})
                try:
                    yield
                finally:
                    await state.scheduler.stop()
                    await state.images.aclose()
                    await state.items.aclose()
                    await state.recorder.flush()
        finally:
            db.close()

    app = FastAPI(
        title="Emby Analytics",
        version=VERSION,
        summary="Watch statistics and live monitoring for an Emby media server.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(CachedResponses, max_bytes=settings.stats_cache_mb * 1024 * 1024)
    for router in (
        health.router,
        meta.router,
        stats.router,
        library.router,
        items.router,
        images.router,
        webhooks.router,
    ):
        app.include_router(router)
    return app
