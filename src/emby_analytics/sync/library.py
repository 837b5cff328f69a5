"""Library sync: copy Emby's libraries and items into the database, fully or incrementally.

A full sync pages every library with all the fields we need in each page request (never one call per item), with
at most `concurrency` requests in flight, writing each batch of pages in one transaction together with the resume
point. If Emby fails or the process dies, the stored data stays consistent and the next full sync resumes where
the last batch ended. Items a completed full sync did not see are marked removed, never deleted, so their
history stays. Incremental syncs ask each library for items saved since the last watermark, paged to the end.
"""

from __future__ import annotations

import asyncio
import logging
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
from emby_analytics.emby.models import BaseItem, ItemsPage
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
    ) -> None:
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        self.db = db
        self.client = client
        self.clock = clock
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def full(self, on_progress: ProgressCallback | None = None, *, wait: bool = False) -> SyncResult:
        """Sync everything. With `wait`, queue behind a running sync instead of raising SyncAlreadyRunning."""
        async with self._lock if wait else self._exclusive():
            return await _FullRun(self, on_progress).run()

    async def incremental(self, on_progress: ProgressCallback | None = None) -> SyncResult:
        """Sync items saved since the last watermark.

        Runs a full sync instead when there is no watermark yet, or when the last full sync did not finish
        (it then resumes where it stopped).
        """
        async with self._exclusive():
            watermark, full_pending = await self.db.read(_incremental_start)
            if watermark is None or full_pending:
                return await _FullRun(self, on_progress).run()
            return await _IncrementalRun(self, watermark, on_progress).run()

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


def _page_len(page: ItemsPage) -> int:
    """Records Emby sent, valid or not: only a page shorter than asked for means the library ended."""
    return len(page.items) + page.skipped


@dataclass(frozen=True)
class _Fetched:
    """A fetched page as the sync keeps it: how many records Emby sent (valid or not) and the valid ones' rows."""

    received: int
    rows: list[dict[str, object]]


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

    async def page(self, library_id: str, start: int, limit: int, since: datetime | None = None) -> ItemsPage:
        self.calls += 1
        page = await self.sync.client.items(
            parent_id=library_id,
            recursive=True,
            start_index=start,
            limit=limit,
            fields=SYNC_ITEM_FIELDS,
            min_date_last_saved=since,
            sort_by="SortName",
        )
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

        await self.sync.db.write(lambda conn: replace_all(conn, libraries, rows, now))
        return sorted(row["id"] for row in rows)

    def item_rows(
        self, pages: Sequence[tuple[str, Sequence[BaseItem]]], seen_run: int | None
    ) -> list[dict[str, object]]:
        """The `items` rows of fetched pages. Made as soon as a page arrives, so the parsed page (many times the size
        of its rows: media sources, streams, people) is let go before the write and the next fetch, which keeps a
        sync's peak memory, and what it leaves behind in the heap, small."""
        now = self.sync.clock.now()
        rows: list[dict[str, object]] = []
        for library_id, batch in pages:
            for item in batch:
                row = item_row(item, library_id, now)
                row.update(first_seen_at=now, removed_at=None)
                if seen_run is not None:
                    row["seen_run"] = seen_run
                rows.append(row)
        return rows

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
            counts = [(await self.page(lid, 0, 0)).total_record_count or 0 for lid in ids]
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
        next_start = start
        exhausted = False

        async def fetch_rows(start: int) -> _Fetched:
            # Each page becomes rows as it arrives (see item_rows): its models are gone before the next one lands.
            page = await self.page(library_id, start, size)
            return _Fetched(_page_len(page), self.item_rows([(library_id, page.items)], self.run_id))

        async def fetch_batch() -> list[tuple[int, _Fetched]]:
            nonlocal next_start
            starts = [next_start + i * size for i in range(self.sync.concurrency)]
            next_start = starts[-1] + size
            pages = await asyncio.gather(*(fetch_rows(s) for s in starts))
            return list(zip(starts, pages, strict=True))

        pending: asyncio.Task[list[tuple[int, _Fetched]]] | None = asyncio.create_task(fetch_batch())
        try:
            while pending is not None:
                batch = await pending
                # A short page means the library ended inside this batch.
                exhausted = any(fetched.received < size for _, fetched in batch)
                pending = None if exhausted else asyncio.create_task(fetch_batch())
                resume = batch[-1][0] + size
                rows = [row for _, fetched in batch for row in fetched.rows]
                self.processed = min(self.processed + len(rows), max(self.total, 0))
                del batch

                def write(conn: Connection, rows: list[dict[str, object]] = rows, resume: int = resume) -> None:
                    self.write_items(conn, rows)
                    self.save_progress(conn, resume_library=library_id, resume_index=resume)

                await self.sync.db.write(write)
                self.report()
        finally:
            if pending is not None:
                pending.cancel()

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
                    page = await self.page(library_id, start, self.sync.chunk_size, since=self.since)
                    remaining = (page.total_record_count or 0) - start
                    self.processed += len(page.items)
                    self.total = max(self.total, self.processed, self.processed - len(page.items) + remaining)

                    rows = self.item_rows([(library_id, page.items)], None)
                    last_page = _page_len(page) < self.sync.chunk_size
                    del page  # only the rows wait for the write (see item_rows)

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
