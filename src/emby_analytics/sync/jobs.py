"""The scheduled sync jobs started in the app lifespan."""

from __future__ import annotations

from emby_analytics.clock import Clock
from emby_analytics.scheduler import Job
from emby_analytics.sync.library import LibrarySync
from emby_analytics.sync.users import UserSync


class IncrementalSyncJob(Job):
    """Every REFRESH_INTERVAL: items saved since the last sync (or the first/unfinished full sync)."""

    name = "library-incremental"
    releases_memory = True

    def __init__(self, sync: LibrarySync, interval_sec: float, clock: Clock) -> None:
        super().__init__(interval_sec, clock, initial_delay_sec=1.0)
        self.sync = sync

    async def run_once(self) -> None:
        if not self.sync.running:
            await self.sync.incremental()


class FullSyncJob(Job):
    """Daily: a full pass, which also finds items removed from Emby."""

    name = "library-full"
    releases_memory = True

    def __init__(self, sync: LibrarySync, interval_sec: float, clock: Clock) -> None:
        # The incremental job performs the first full sync at start-up; this one waits a whole interval.
        super().__init__(interval_sec, clock, initial_delay_sec=interval_sec)
        self.sync = sync

    async def run_once(self) -> None:
        # An incremental run is short: wait for it rather than skip a day.
        await self.sync.full(wait=True)


class UserSyncJob(Job):
    name = "users"
    releases_memory = True

    def __init__(self, sync: UserSync, interval_sec: float, clock: Clock) -> None:
        super().__init__(interval_sec, clock)
        self.sync = sync

    async def run_once(self) -> None:
        await self.sync.run()
