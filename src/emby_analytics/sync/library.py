"""Library sync: copy Emby's libraries and items into the database, fully or incrementally.

A full sync pages every library with all the fields we need in each page request (never one call per item), with
`concurrency` requests in flight, reading and writing the pages in order, each in one transaction together with the
resume point. If Emby fails or the process dies, the stored data stays consistent and the next full sync resumes
after the last page written. Items a completed full sync did not see are marked removed, never deleted, so their
history stays. Incremental syncs ask each library for items saved since the last watermark, paged to the end.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, and_, or_, select, update

from emby_analytics.clock import Clock
from emby_analytics.db.dialect import replace_all, upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, libraries, sync_runs
from emby_analytics.emby.client import SYNC_ITEM_FIELDS, EmbyClient
from emby_analytics.emby.item_pages import ConvertedItems, ItemsReply
from emby_analytics.emby.models import BaseItem
from emby_analytics.sync.item_rows import item_row, library_row

log = logging.getLogger(__name__)

SyncKind = Literal["full", "incremental"]
# Emby's clock and ours may differ; re-reading a few minutes of changes is cheap and upserts are idempotent.
WATERMARK_OVERLAP = timedelta(minutes=10)
MAX_CONCURRENCY = 4


@dataclass(frozen=True)
class SyncProgress:
    kind: SyncKind
    phase: str
    processed: int
    total: int


@dataclass(frozen=True)
class SyncResult:
    run_id: int
    kind: SyncKind
    processed: int
    removed: int
    skipped: int
    emby_calls: int


ProgressCallback = Callable[[SyncProgress], None]


class NoLibraries(Exception):
    """Emby listed no libraries at all."""


class SyncAlreadyRunning(Exception):
    """A library sync is already in progress."""


class LibrarySync:
    def __init__(
        self,
        db: Database,
        client: EmbyClient,
        clock: Clock,
        *,
        chunk_size: int,
        concurrency: int = MAX_CONCURRENCY,
        on_synced: Callable[[], None] | None = None,
    ) -> None:
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        self.db = db
        self.client = client
        self.clock = clock
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.on_synced = on_synced  # called after each sync that finished (what reads the library may look again)
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def full(self, on_progress: ProgressCallback | None = None, *, wait: bool = False) -> SyncResult:
        """Sync everything. With `wait`, queue behind a running sync instead of raising SyncAlreadyRunning."""
        async with self._lock if wait else self._exclusive():
            result = await _FullRun(self, on_progress).run()
        return self._synced(result)

    async def incremental(self, on_progress: ProgressCallback | None = None) -> SyncResult:
        """Sync items saved since the last watermark.

        Runs a full sync instead when there is no watermark yet, or when the last full sync did not finish
        (it then resumes where it stopped).
        """
        async with self._exclusive():
            watermark, full_pending = await self.db.read(_incremental_start)
            if watermark is None or full_pending:
                result = await _FullRun(self, on_progress).run()
            else:
                result = await _IncrementalRun(self, watermark, on_progress).run()
        return self._synced(result)

    def _synced(self, result: SyncResult) -> SyncResult:
        """Tell `on_synced` (once the sync is no longer running)."""
        if self.on_synced is not None:
            self.on_synced()
        return result

    def _exclusive(self) -> asyncio.Lock:
        if self._lock.locked():
            raise SyncAlreadyRunning("a library sync is already running")
        return self._lock


def _incremental_start(conn: Connection) -> tuple[datetime | None, bool]:
    """The newest watermark, and whether the newest full sync is unfinished."""
    watermark = conn.execute(
        select(sync_runs.c.watermark)
        .where(sync_runs.c.status == "done", sync_runs.c.watermark.is_not(None))
        .order_by(sync_runs.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    last_full = conn.execute(
        select(sync_runs.c.status).where(sync_runs.c.kind == "full").order_by(sync_runs.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return watermark, last_full is not None and last_full != "done"


# A page of a library as the sync keeps it: its items' rows.
_PageRows = ConvertedItems[dict[str, object]]


class _Run:
    """State shared by full and incremental runs: the run row, counters and progress reporting."""

    kind: SyncKind

    def __init__(self, sync: LibrarySync, on_progress: ProgressCallback | None) -> None:
        self.sync = sync
        self.on_progress = on_progress
        self.run_id = 0
        self.started = sync.clock.now()
        self.processed = 0
        self.total = 0
        self.skipped = 0
        self.calls = 0
        self.phase = "starting"

    def report(self) -> None:
        if self.on_progress:
            self.on_progress(SyncProgress(self.kind, self.phase, self.processed, self.total))

    async def ask(self, library_id: str, start: int, limit: int, *, since: datetime | None = None) -> ItemsReply:
        """A page of the library as Emby answers it, read later with `read`."""
        self.calls += 1
        return await self.sync.client.items_reply(
            parent_id=library_id,
            recursive=True,
            start_index=start,
            limit=limit,
            fields=SYNC_ITEM_FIELDS,
            min_date_last_saved=since,
            sort_by="SortName",
        )

    def read(self, reply: ItemsReply, library_id: str, seen_run: int | None) -> _PageRows:
        """The page's `items` rows, each made as its item is read (emby.item_pages): the page's models never exist
        together, only its rows, which keeps a sync's peak memory, and what the heap keeps of it, small."""
        now = self.sync.clock.now()

        def row_of(item: BaseItem) -> dict[str, object]:
            row = item_row(item, library_id, now)
            row.update(first_seen_at=now, removed_at=None)
            if seen_run is not None:
                row["seen_run"] = seen_run
            return row

        page = reply.converted(row_of)
        self.skipped += page.skipped
        return page

    async def sync_libraries(self) -> list[str]:
        """Store Emby's libraries (marking vanished ones removed); returns their ids in a stable order."""
        self.calls += 1
        folders = [f for f in await self.sync.client.virtual_folders() if f.library_id]
        if not folders:
            # Treating "no libraries" as "everything was deleted" would mark the whole library removed.
            raise NoLibraries("Emby listed no libraries; stored items were left as they are")
        now = self.sync.clock.now()
        rows = [library_row(folder, now) for folder in folders]

        # Only what Emby changed is written: a library rewritten as it was would bump the library's data version.
        changes = [column for column in rows[0] if column not in ("id", "updated_at")]
        await self.sync.db.write(lambda conn: replace_all(conn, libraries, rows, now, compare=changes))
        return sorted(row["id"] for row in rows)

    @staticmethod
    def write_items(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
        # Emby can list an item in two pages when the library changes mid-sync; keep the last copy.
        unique = list({row["id"]: row for row in rows}.values())
        upsert(conn, items, unique, insert_only=("first_seen_at",))

    def save_progress(self, conn: Connection, **extra: object) -> None:
        conn.execute(
            update(sync_runs)
            .where(sync_runs.c.id == self.run_id)
            .values(processed=self.processed, total=self.total, phase=self.phase, emby_calls=self.calls, **extra)
        )

    async def finish(self, status: str, error: str | None = None, **extra: object) -> None:
        finished = self.sync.clock.now()

        def write(conn: Connection) -> None:
            self.save_progress(conn, status=status, error=error, finished_at=finished, **extra)

        await self.sync.db.write(write)

    async def guarded(self, body: Callable[[], Awaitable[None]]) -> None:
        """Run the body; on failure record the error on the run (safe text only) and re-raise."""
        try:
            await body()
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, asyncio.CancelledError) else "failed"
            message = f"{type(exc).__name__}: {exc}"[:1000]
            await asyncio.shield(self.finish(status, message))
            log.warning("library sync stopped", extra={"kind": self.kind, "status": status, "error": message})
            raise

    def log_done(self, removed: int) -> None:
        log.info(
            "library sync done",
            extra={"kind": self.kind, "items": self.processed, "removed": removed, "emby_calls": self.calls},
        )

    def result(self, removed: int) -> SyncResult:
        return SyncResult(self.run_id, self.kind, self.processed, removed, self.skipped, self.calls)


class _FullRun(_Run):
    kind: SyncKind = "full"

    async def run(self) -> SyncResult:
        resume_library, resume_index = await self.sync.db.write(self._open_run)
        removed = 0

        async def body() -> None:
            nonlocal removed
            self.phase = "libraries"
            self.report()
            ids = await self.sync_libraries()
            start_at = ids.index(resume_library) if resume_library in ids else 0
            self.phase = "counting"
            self.report()
            counts = [self.read(await self.ask(lid, 0, 0), lid, None).total_record_count or 0 for lid in ids]
            self.total = sum(counts)
            self.processed = sum(counts[:start_at]) + (resume_index if resume_library in ids else 0)
            for position, library_id in enumerate(ids[start_at:], start=start_at):
                first = resume_index if position == start_at and resume_library in ids else 0
                await self._library(library_id, first)
            self.phase = "removing"
            self.report()
            removed = await self.sync.db.write(self._mark_removed)
            self.phase = "done"
            await self.finish("done", watermark=self.started - WATERMARK_OVERLAP, resume_library=None)
            self.report()
            self.log_done(removed)

        await self.guarded(body)
        # Every page of the items table went through the writer's connection (its page cache, its statements): a new
        # one for what follows; the sync job trims the C heap next.
        await self.sync.db.release_memory()
        return self.result(removed)

    def _open_run(self, conn: Connection) -> tuple[str | None, int]:
        """Resume the newest unfinished full run (a crash leaves it 'running'), or start a new one."""
        last = conn.execute(
            select(sync_runs).where(sync_runs.c.kind == "full").order_by(sync_runs.c.id.desc()).limit(1)
        ).first()
        if last is not None and last.status in ("running", "failed", "interrupted"):
            self.run_id = last.id
            self.started = last.started_at
            self.calls = last.emby_calls
            conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == last.id)
                .values(status="running", error=None, finished_at=None)
            )
            return last.resume_library, last.resume_index
        result = conn.execute(
            sync_runs.insert().values(kind="full", status="running", phase="starting", started_at=self.started)
        )
        self.run_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return None, 0

    async def _library(self, library_id: str, start: int) -> None:
        self.phase = f"library {library_id}"
        size = self.sync.chunk_size
        asked: deque[tuple[int, asyncio.Task[ItemsReply]]] = deque()
        next_start = start
        ended = False

        def ask_next() -> None:
            nonlocal next_start
            asked.append((next_start, asyncio.create_task(self.ask(library_id, next_start, size))))
            next_start += size

        try:
            for _ in range(self.sync.concurrency):
                ask_next()
            while asked:
                page_start, reply = asked.popleft()
                # Read only now, just before its write: one page's rows wait in memory, not every page asked for.
                page = self.read(await reply, library_id, self.run_id)
                # A short page means the library ended; the pages asked for beyond it are still read and written.
                ended = ended or page.received < size
                if not ended:
                    ask_next()
                await self._store(library_id, page, resume=page_start + size)
                del page, reply  # neither is kept while the next page is awaited
        finally:
            for _, reply in asked:
                if not reply.cancel() and not reply.cancelled():
                    reply.exception()  # done already: its error, if any, goes with the one being raised

    async def _store(self, library_id: str, page: _PageRows, *, resume: int) -> None:
        """One page's rows and the resume point after it, in one transaction."""
        rows = page.values
        self.processed = min(self.processed + len(rows), max(self.total, 0))

        def write(conn: Connection) -> None:
            self.write_items(conn, rows)
            self.save_progress(conn, resume_library=library_id, resume_index=resume)

        await self.sync.db.write(write)
        self.report()

    def _mark_removed(self, conn: Connection) -> int:
        now = self.sync.clock.now()
        stale = and_(
            items.c.removed_at.is_(None),
            or_(items.c.seen_run.is_(None), items.c.seen_run != self.run_id),
        )
        return conn.execute(update(items).where(stale).values(removed_at=now)).rowcount


class _IncrementalRun(_Run):
    kind: SyncKind = "incremental"

    def __init__(self, sync: LibrarySync, since: datetime, on_progress: ProgressCallback | None) -> None:
        super().__init__(sync, on_progress)
        self.since = since

    async def run(self) -> SyncResult:
        def open_run(conn: Connection) -> int:
            result = conn.execute(
                sync_runs.insert().values(
                    kind="incremental", status="running", phase="starting", started_at=self.started
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

        self.run_id = await self.sync.db.write(open_run)

        async def body() -> None:
            for library_id in await self.sync_libraries():
                self.phase = f"library {library_id}"
                start = 0
                while True:
                    reply = await self.ask(library_id, start, self.sync.chunk_size, since=self.since)
                    page = self.read(reply, library_id, None)
                    remaining = (page.total_record_count or 0) - start
                    rows = page.values
                    self.processed += len(rows)
                    self.total = max(self.total, self.processed, self.processed - len(rows) + remaining)
                    last_page = page.received < self.sync.chunk_size

                    def write(conn: Connection, rows: list[dict[str, object]] = rows) -> None:
                        self.write_items(conn, rows)
                        self.save_progress(conn)

                    await self.sync.db.write(write)
                    self.report()
                    if last_page:
                        break
                    start += self.sync.chunk_size
            self.phase = "done"
            await self.finish("done", watermark=self.started - WATERMARK_OVERLAP)
            self.report()
            self.log_done(0)

        await self.guarded(body)
        return self.result(0)
