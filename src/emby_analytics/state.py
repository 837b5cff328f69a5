"""The typed state the app builds in its lifespan and hands to every route."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from emby_analytics.backups import Backups
from emby_analytics.clock import Clock
from emby_analytics.config import Settings
from emby_analytics.db.engine import Database
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.reachability import ReachabilityCheck
from emby_analytics.feed import SessionFeed
from emby_analytics.guard import TranscodeGuard
from emby_analytics.images import ImageProxy
from emby_analytics.live.hub import LiveHub
from emby_analytics.rollups.job import FoldJob
from emby_analytics.scheduler import Scheduler
from emby_analytics.stats.rolled import RollupCache
from emby_analytics.sync.history import HistoryImport
from emby_analytics.sync.library import LibrarySync
from emby_analytics.sync.lookup import ItemLookup
from emby_analytics.sync.server import ServerInfoJob
from emby_analytics.sync.users import UserSync
from emby_analytics.tracking.recorder import PlayRecorder
from emby_analytics.tracking.webhooks import WebhookIntake


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    db: Database
    http: httpx.AsyncClient
    emby: EmbyClient
    emby_check: ReachabilityCheck
    library_sync: LibrarySync
    user_sync: UserSync
    history_import: HistoryImport
    items: ItemLookup
    images: ImageProxy
    feed: SessionFeed
    live: LiveHub
    recorder: PlayRecorder
    guard: TranscodeGuard
    webhooks: WebhookIntake
    webhook_token: str = field(repr=False)
    admin_token: str = field(repr=False)
    auto_cookie: str  # ADMIN_AUTO_COOKIE as it applies: true, false or local
    server_info: ServerInfoJob
    scheduler: Scheduler
    rollups: FoldJob
    rollup_cache: RollupCache
    backups: Backups
    commit: str
