"""History import benchmark: N synthetic rows in the simulator's Playback Reporting database, imported by the real
`HistoryImport` into a fresh SQLite file (migrated like production), through the simulated plugin endpoint.

Prints rows/s for the whole import (plugin query + JSON + conversion + insert) and for the insert path alone
(the per-page write transactions: dedupe lookups, conversion, executemany of plays and segments).

    .venv/bin/python -m benchmarks.history_bench --rows 200000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Connection, func, select

from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import plays
from emby_analytics.emby.client import EmbyClient
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.playback.history import plugin_date
from emby_analytics.simulator.server import Simulator, create_simulator_app
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.sync.history import HistoryImport, _Counts
from emby_analytics.sync.history_rows import PluginRow

KEY = "0123456789abcdef0123456789abcdef"
_METHODS = ("DirectPlay", "DirectPlay", "DirectStream", "Transcode (v:h264 a:aac)", "Transcode (v:direct a:aac)")


def synthetic_rows(world: World, n: int, end: datetime, seed: int = 1) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    user_ids = [u.id for u in world.users]
    item_ids = [str(i) for i in world.ids_of_type("Movie")] + [str(i) for i in world.ids_of_type("Episode")]
    rows: list[tuple[object, ...]] = []
    when = end - timedelta(days=3 * 365)
    step = (3 * 365 * 86_400) / n
    for _ in range(n):
        when += timedelta(seconds=rng.uniform(0.5, 1.5) * step)
        method = rng.choice(_METHODS)
        play = rng.randint(60, 7200)
        reasons = "VideoCodecNotSupported" if method.startswith("Transcode") else ""
        rows.append(
            (
                plugin_date(when, UTC),
                rng.choice(user_ids),
                rng.choice(item_ids),
                "Movie",
                "Some Title",
                method,
                "Emby Web",
                "Chrome Windows",
                play,
                rng.randint(0, play // 4),
                "192.168.1.20",
                reasons,
            )
        )
    return rows


class TimedImport(HistoryImport):
    """Adds up the time spent in the per-page write transactions (the insert path)."""

    write_seconds = 0.0

    def _write_page(self, conn: Connection, *, rows: list[PluginRow], rows_read: int, invalid: int) -> _Counts:
        started = time.perf_counter()
        try:
            return super()._write_page(conn, rows=rows, rows_read=rows_read, invalid=invalid)
        finally:
            self.write_seconds += time.perf_counter() - started


async def main(n: int) -> None:
    clock = ManualClock(datetime(2026, 1, 15, tzinfo=UTC))
    world = World.generate(WorldSpec(movies=2000, series=40), clock)
    history = PlaybackHistory(world)
    history.add_rows(synthetic_rows(world, n, clock.now()))
    sim = Simulator(world, clock, api_key=KEY, history=history)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "bench.db")
        migrate.upgrade(db)
        transport = httpx.ASGITransport(app=create_simulator_app(sim))
        async with httpx.AsyncClient(transport=transport) as http:
            client = EmbyClient(http, "http://sim", KEY)
            job = TimedImport(db, client, clock, history_days=0, zone=ZoneInfo("UTC"))
            started = time.perf_counter()
            result = await job.run()
            total = time.perf_counter() - started
        stored = db.read_sync(lambda conn: conn.execute(select(func.count()).select_from(plays)).scalar_one())
        db.close()
    print(f"rows: {n}, plays stored: {stored}, pages: {result.emby_calls}")
    print(f"whole import: {total:.2f} s = {n / total:,.0f} rows/s")
    print(f"insert path:  {job.write_seconds:.2f} s = {n / job.write_seconds:,.0f} rows/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().rows))
