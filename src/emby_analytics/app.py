"""`create_app(settings)`: the whole service as one ASGI app, with its background jobs in the lifespan."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import SecretStr

from emby_analytics.api import (
    admin,
    admin_debug,
    backup,
    guard,
    health,
    images,
    items,
    library,
    maintenance,
    meta,
    now,
    stats,
    storage,
    web,
    webhooks,
)
from emby_analytics.api.access import AccessControl
from emby_analytics.api.errors import install_error_handlers
from emby_analytics.api.headers import SecurityHeaders
from emby_analytics.api.response_cache import CachedResponses
from emby_analytics.backups import BackupJob, Backups, upgrade_backed_up
from emby_analytics.clock import Clock, SystemClock
from emby_analytics.compaction import CompactionJob
from emby_analytics.config import Settings
from emby_analytics.credentials import stored_token
from emby_analytics.db.engine import Database
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.connection import emby_http
from emby_analytics.emby.reachability import ReachabilityCheck
from emby_analytics.feed import SessionFeed, SocketConfig
from emby_analytics.guard import TranscodeGuard
from emby_analytics.guard.choice import FILE_NAME as GUARD_CHOICE
from emby_analytics.guard.choice import kept_choice
from emby_analytics.images import FETCH_TIMEOUT_SEC, ImageCache, ImageProxy
from emby_analytics.live.hub import LiveHub
from emby_analytics.logconfig import redact_everywhere
from emby_analytics.rollups.job import FoldJob
from emby_analytics.rollups.snapshots import SnapshotJob
from emby_analytics.scheduler import Job, Scheduler
from emby_analytics.state import AppState
from emby_analytics.stats.library_answers import LibraryAnswersJob
from emby_analytics.stats.movies import MOVIE_SHELF
from emby_analytics.stats.rolled import RollupCache
from emby_analytics.stats.series import SERIES_SHELF
from emby_analytics.stats.storage_duplicates import DUPLICATES
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
    admin_token: str = "",
    auto_cookie: str = "false",
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
    live = LiveHub(clock, known_start=recorder.play_started)
    # The browsers first: a view goes out before the tracker's write of the same snapshot, not after it.
    feed.subscribe(live.on_snapshot)
    feed.subscribe(recorder.on_snapshot)
    # Last: it only starts its work (in tasks of its own), after the play is recorded as it was.
    chosen = kept_choice(settings.data_dir / GUARD_CHOICE)  # an admin's choice outlives restarts
    enabled = settings.prevent_4k_video_transcoding if chosen is None else chosen
    transcode_guard = TranscodeGuard(emby, clock, enabled=enabled)
    feed.subscribe(transcode_guard.on_snapshot)
    incremental = IncrementalSyncJob(library_sync, settings.refresh_interval, clock)
    rollups = FoldJob(db, settings.zone, clock)
    server_info = ServerInfoJob(emby, clock)
    kept = (DUPLICATES, MOVIE_SHELF, SERIES_SHELF)
    library_answers = LibraryAnswersJob(db, clock, settings.zone, kept, busy=lambda: library_sync.running)
    library_sync.on_synced = library_answers.trigger  # the kept answers are looked at again as soon as a sync ends
    jobs: list[Job] = [
        *feed.jobs(),
        server_info,
        UserSyncJob(user_sync, settings.user_sync_interval, clock),
        incremental,
        FullSyncJob(library_sync, timedelta(hours=settings.full_sync_interval_hours).total_seconds(), clock),
        HistoryImportJob(history_import, clock),
        rollups,
        SnapshotJob(db, settings.zone, clock),
        library_answers,
    ]
    if settings.compact_interval_days:
        jobs.append(CompactionJob(db, clock, timedelta(days=settings.compact_interval_days)))
    backups = Backups.of(db, settings, clock)
    if settings.backup_interval_hours:
        jobs.append(BackupJob(backups, clock, timedelta(hours=settings.backup_interval_hours)))
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
        emby_check=ReachabilityCheck(emby, clock),
        library_sync=library_sync,
        user_sync=user_sync,
        history_import=history_import,
        items=item_lookup,
        images=image_proxy,
        feed=feed,
        live=live,
        recorder=recorder,
        guard=transcode_guard,
        webhooks=webhooks,
        webhook_token=webhook_token,
        admin_token=admin_token,
        auto_cookie=auto_cookie,
        server_info=server_info,
        scheduler=Scheduler(jobs),
        rollups=rollups,
        rollup_cache=RollupCache(),
        backups=backups,
        commit=commit,
    )


def _token(setting: SecretStr | None, path: Path) -> tuple[str, str]:
    """(the token, where it comes from): the setting, else the file beside the database (generated once)."""
    token = setting.get_secret_value() if setting is not None else stored_token(path)
    redact_everywhere(token)
    return token, "setting" if setting is not None else str(path)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    emby_transport: httpx.AsyncBaseTransport | None = None,
    run_jobs: bool = True,
) -> FastAPI:
    """The service. Tests pass `emby_transport` (the simulator through httpx.ASGITransport) and a manual clock."""
    clock = clock or SystemClock()  # one clock for the jobs, the state and the access layer

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.open(settings.sqlite_path)
        try:
            before, after = upgrade_backed_up(db, Backups.of(db, settings, clock))
            if before != after:
                log.info("database migrated", extra={"from": before or "empty", "to": after})
            webhook_token, webhook_from = _token(settings.webhook_token, settings.data_dir / "webhook_token")
            log.info("webhook URL for Emby: /webhooks/emby?token=<webhook token>", extra={"token_from": webhook_from})
            admin_token, admin_from = _token(settings.admin_token, settings.data_dir / "admin_token")
            auto_cookie = settings.admin_auto_cookie or ("false" if settings.admin_token else "local")
            log.info("admin token", extra={"token_from": admin_from, "auto_cookie": auto_cookie})
            if auto_cookie == "true":
                log.warning("ADMIN_AUTO_COOKIE=true: every visitor of the UI gets the admin cookie")
            async with emby_http(settings.emby_base_url, emby_transport) as http:
                state = build_state(
                    settings,
                    db,
                    http,
                    clock,
                    webhook_token=webhook_token,
                    admin_token=admin_token,
                    auto_cookie=auto_cookie,
                    commit=build_commit(),
                )
                await state.recorder.start()
                app.state.emby_analytics = state
                if run_jobs:
                    state.scheduler.start()
                # What start-up made lives as long as the service: out of the collector's way, so its full passes
                # (which a thousand live views' objects make frequent) walk only what came after.
                gc.collect()
                gc.freeze()
                log.info("service started", extra={"version": VERSION, "emby": settings.emby_base_url})
                try:
                    yield
                finally:
                    await state.scheduler.stop()
                    await state.guard.aclose()
                    await state.emby_check.aclose()
                    await state.images.aclose()
                    await state.items.aclose()
                    await state.recorder.flush()
                    gc.unfreeze()  # what start-up made is the collector's again (a process that starts another)
        finally:
            db.close()

    routers = (
        health.router,
        meta.router,
        stats.router,
        library.router,
        storage.router,
        storage.admin_router,
        items.router,
        images.router,
        webhooks.router,
        admin.router,
        guard.router,
        maintenance.router,
        backup.router,
        now.router,
        admin_debug.router,
        web.router,
    )
    app = FastAPI(
        title="Emby Analytics",
        version=VERSION,
        summary="Watch statistics and live monitoring for an Emby media server.",
        lifespan=lifespan,
        docs_url=None,  # the UI's API Explorer documents the API, offline (`/docs` leads there)
        redoc_url=None,
        # The routers' own routes, not `include_router`: FastAPI builds an included route again on its first request
        # (its parameters, its response model's validator and serializer: 1.2 MB for ours) and keeps both. Our
        # routers have only prefixes and tags, which are in their routes already; what FastAPI applies at inclusion
        # alone (router dependencies, `app.dependency_overrides`, frontend routes) would not reach these routes.
        routes=[route for router in routers for route in router.routes],
    )
    install_error_handlers(app)
    app.add_middleware(CachedResponses, max_bytes=settings.stats_cache_mb * 1024 * 1024)
    if settings.origins:  # no CORS headers at all unless asked for; never with credentials
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.origins), allow_methods=["GET"])
    # Added last, so it runs first: nothing (the kept answers included) is served to someone who may not see it.
    app.add_middleware(AccessControl, settings=settings, clock=clock)
    app.add_middleware(SecurityHeaders)  # outside even that: refusals carry the headers too
    web.mount_assets(app, settings.web_path)
    return app
