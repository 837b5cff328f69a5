"""The background job that keeps the rollups up to date: a batch per write transaction until none is left."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database
from emby_analytics.rollups.fold import BATCH, ensure_zone, fold
from emby_analytics.scheduler import Job


class FoldJob(Job):
    """Every `interval_sec`: fold the plays closed since, a batch per transaction until none is left (a history
    import's thousands within seconds). Statistics are exact without it (they add unfolded plays from their
    segments); it keeps them fast."""

    name = "rollups"
    releases_memory = True

    def __init__(self, db: Database, zone: ZoneInfo, clock: Clock, interval_sec: float = 15.0) -> None:
        super().__init__(interval_sec, clock, initial_delay_sec=2.0)
        self.db = db
        self.zone = zone
        self.folded = 0  # plays folded since start-up
        self._zone_checked = False

    async def run_once(self) -> None:
        if not self._zone_checked:
            await self.db.write(lambda conn: ensure_zone(conn, self.zone))
            self._zone_checked = True
        while True:
            done = await self.db.write(lambda conn: fold(conn, self.zone))
            self.folded += done
            if done < BATCH:
                return
