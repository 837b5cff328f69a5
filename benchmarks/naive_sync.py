"""The naive library sync `sync_bench` compares ours against, run as its own process like `emby-analytics sync`.

What a straightforward implementation does: the same users sync, then each library paged with all fields (the
same `/Items` request and row conversion as ours, so only the strategy differs), one request at a time, each page
upserted in its own transaction before the next is asked for. Ours keeps up to 4 requests in flight and fetches
the next batch while the last one is written. No resume point and no removal marking: neither is needed to store
the items once, and leaving them out only makes the baseline cheaper.

Configured by the environment like the real command (EMBY_BASE_URL, EMBY_API_KEY, SQLITE_PATH,
REFRESH_CHUNK_SIZE); NAIVE_MAX_ITEMS > 0 stops after that many items (a subset, for slow baselines).

    python -m benchmarks.naive_sync
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
from sqlalchemy import Connection

from emby_analytics.app import build_state
from emby_analytics.clock import SystemClock
from emby_analytics.config import Settings, load_settings
from emby_analytics.db import migrate
from emby_analytics.db.dialect import replace_all, upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, libraries
from emby_analytics.emby.client import SYNC_ITEM_FIELDS
from emby_analytics.sync.item_rows import item_row, library_row


async def naive_sync(settings: Settings, max_items: int = 0) -> int:
    """Sync users and every library page by page; returns the items stored."""
    db = Database.open(settings.sqlite_path)
    try:
        migrate.upgrade(db)
        async with httpx.AsyncClient(follow_redirects=False) as http:
            clock = SystemClock()
            state = build_state(settings, db, http, clock)
            await state.user_sync.run()
            emby, chunk, now = state.emby, settings.refresh_chunk_size, clock.now()
            folders = [f for f in await emby.virtual_folders() if f.library_id]
            library_rows = [library_row(folder, now) for folder in folders]
            await db.write(lambda conn: replace_all(conn, libraries, library_rows, now))
            stored = 0
            for library in library_rows:
                start = 0
                while not max_items or stored < max_items:
                    page = await emby.items(
                        parent_id=library["id"],
                        recursive=True,
                        start_index=start,
                        limit=chunk,
                        fields=SYNC_ITEM_FIELDS,
                        sort_by="SortName",
                    )
                    rows = [
                        {**item_row(item, library["id"], now), "first_seen_at": now, "removed_at": None}
                        for item in page.items
                    ]

                    def write(conn: Connection, rows: list[dict[str, object]] = rows) -> None:
                        upsert(conn, items, rows, insert_only=("first_seen_at",))

                    await db.write(write)
                    stored += len(rows)
                    if len(page.items) + page.skipped < chunk:
                        break
                    start += chunk
    finally:
        db.close()
    return stored


def main() -> int:
    settings = load_settings(env_file=None)
    stored = asyncio.run(naive_sync(settings, int(os.environ.get("NAIVE_MAX_ITEMS", "0"))))
    print(f"naive sync: {stored} items", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
