"""History import: Playback Reporting plugin rows and Emby's played flags become `plays` (source `import`).

Plugin rows are read through `POST /user_usage_stats/submit_custom_query`, keyset-paged by rowid, and each page is
written in one transaction, so a failed or malformed page leaves the database as the previous page left it and
the next run resumes cleanly. A row's play id is made from its content (`pr:{DateCreated}:{UserId}:{ItemId}`),
not its rowid, so re-running, even after the plugin's database was restored or rebuilt, never duplicates
(watch-time rule 13): a row whose id is stored already is skipped by the insert itself. Rows overlapping a live or
webhook play of the same user and item are skipped: the live play is better data.

Mapping decisions:
- DateCreated is the server's local time with no zone; it is read in our `TZ` (`zone`), i.e. the Emby server
  is assumed to share our time zone. Ambiguous DST times take the first occurrence.
- watch_seconds = max(0, PlayDuration - PauseDuration); the one segment covers [start, start + watch) with
  unknown positions (not stored: the view `segments` derives it from the row), stopped_at = start +
  PlayDuration (the wall span, pauses included).
- completed: the plugin has no position, so watch >= COMPLETED_PERCENT of the item's runtime (when our
  `items` table knows it), else false. short: watch < MIN_PLAY_SECONDS.
- Emby's played flags (`UserData.Played`) for items with no recorded play of that user become one play each:
  watched with no duration (watch 0, completed, started = stopped = LastPlayedDate, no segment).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import chain
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from emby_analytics import collector
from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database
from emby_analytics.db.plays import (
    ROW_COLUMNS,
    SOURCE_CODES,
    intern,
    intern_items,
    intern_user,
    refs_of,
    stored_row,
)
from emby_analytics.db.schema import (
    from_micros,
    play_clients,
    play_rows,
    play_streams,
    plays,
    to_micros,
    users,
)
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.errors import EmbyNotFoundError, EmbyResponseError
from emby_analytics.emby.models import TICKS_PER_SECOND, BaseItem
from emby_analytics.scheduler import Job
from emby_analytics.sync.history_progress import ImportCounts, ImportProgress, ImportResult
from emby_analytics.sync.history_rows import (
    CLIENT_CELLS,
    WORK_CELLS,
    ItemFacts,
    PlayedItem,
    PluginRow,
    client_description,
    import_play_id,
    item_description,
    item_facts,
    parse_page,
    played_row,
    stream_description,
    text_cell,
)

log = logging.getLogger(__name__)

QUERY_PATH = "/user_usage_stats/submit_custom_query"
# Plugin rows per query. 10,000 imported ~15 % faster than 5,000 (fewer transactions: each writes the indexes'
# pages it touched once, and the commits were a sixth of the writer's time), at ~10 MB of JSON per answer.
PAGE_SIZE = 10_000
PLAYED_PAGE_SIZE = 1000
_IN_CHUNK = 900  # bound parameters per IN (...) list, well under SQLite's limit
# A live play is never longer than this: bounds the overlap query to an index range.
_MAX_LIVE_SPAN = timedelta(days=2)
_LIVE_SOURCES = ("live", "webhook")
_IMPORT = SOURCE_CODES["import"]
# An imported play's row: what every imported play has in common is written into the statement, the rest bound
# (binding a parameter costs more than the rest of its insert: half the columns are the same for every play).
_IMPORTED: dict[str, str] = {
    "id": "?", "view_id": "NULL", "source": str(_IMPORT), "session_id": "NULL", "user_ref": "?", "item_ref": "?",
    "client_ref": "?", "stream_ref": "?", "started_at": "?", "stopped_at": "?", "last_seen_at": "NULL",
    "last_position_ticks": "NULL", "max_position_ticks": "NULL", "watch_seconds": "?", "content_seconds": "0.0",
    # paused_seconds: the span minus the watch time says it
    "paused_seconds": "NULL", "completed": "?", "short": "?", "is_paused": "0", "bitrate": "NULL",
    "end_reason": "NULL", "tracker_state": "NULL",
}  # fmt: skip
assert tuple(_IMPORTED) == ROW_COLUMNS
# An id stored already is the same plugin row imported before (or twice in this page): the insert skips it.
_INSERT_PLAYS = f"INSERT INTO play_rows ({', '.join(ROW_COLUMNS)}) VALUES "  # noqa: S608
_IMPORTED_VALUES = "(" + ", ".join(_IMPORTED.values()) + ")"
_ON_CONFLICT = " ON CONFLICT DO NOTHING"
# Rows per INSERT statement (bounded by SQLite's variable limit). Few, large statements: the writer thread gives
# up the GIL while SQLite runs each one and then waits for it again behind the page being parsed (up to Python's
# 5 ms switch interval), so every statement costs a wait; 3,000 rows measured faster than 200 or 1,000.
_ROWS_PER_INSERT = 3000
_SELECTED = (
    "rowid AS RowId, DateCreated, UserId, ItemId, ItemType, ItemName, PlaybackMethod, ClientName, DeviceName, "
    "PlayDuration, PauseDuration, RemoteAddress, TranscodeReasons"
)


class HistoryImportError(EmbyResponseError):
    """The plugin answered, but not with a query result (an error message, or a malformed body)."""


class HistoryImport:
    def __init__(
        self,
        db: Database,
        client: EmbyClient,
        clock: Clock,
        *,
        history_days: int,
        zone: ZoneInfo,
        page_size: int = PAGE_SIZE,
        played_page_size: int = PLAYED_PAGE_SIZE,
        completed_percent: float = 90.0,
        min_play_seconds: float = 30.0,
    ) -> None:
        if history_days < 0:
            raise ValueError("history_days must be >= 0 (0 = everything)")
        if not 1 <= page_size <= 100_000:
            raise ValueError("page_size must be between 1 and 100000")
        if not 1 <= played_page_size <= PLAYED_PAGE_SIZE:
            raise ValueError(f"played_page_size must be between 1 and {PLAYED_PAGE_SIZE}")
        self.db = db
        self.client = client
        self.clock = clock
        self.history_days = history_days
        self.zone = zone
        self.page_size = page_size
        self.played_page_size = played_page_size
        self.completed_share = completed_percent / 100
        self.min_play_seconds = min_play_seconds
        self._lock = asyncio.Lock()
        self._described: _Described | None = None
        self.progress = ImportProgress()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def run(self) -> ImportResult:
        async with self._lock:
            self._described = None
            counts = ImportCounts()
            progress = self.progress = ImportProgress(running=True, started_at=self.clock.now(), counts=counts)
            try:
                try:
                    await self._plugin_rows(counts)
                    await self._played_flags(counts)
                finally:
                    self._described = None
                    await self._release_memory()
            except asyncio.CancelledError:
                progress.error = "interrupted"
                raise
            except Exception as exc:
                progress.error = f"{type(exc).__name__}: {exc}"[:500]  # as a job's last error shows it
                raise
            finally:
                progress.running, progress.finished_at = False, self.clock.now()
            log.info("history imported", extra=vars(counts))
            return counts.result()

    async def _release_memory(self) -> None:
        """What a run learnt and wrote with (its descriptions, the writer's statements of thousands of rows) is not
        needed until the next run, days away: freed for the idle service, however the run ended."""
        try:
            await self.db.release_memory()
        except Exception as exc:  # the run's own outcome is what the caller must see
            log.warning("history import: the writer's memory was not released", extra={"error": str(exc)})

    # -- Playback Reporting rows ----------------------------------------------------------------------
    def _cutoff(self) -> datetime | None:
        """The oldest moment HISTORY_DAYS covers (None: everything); applies to plugin rows and played flags."""
        return self.clock.now() - timedelta(days=self.history_days) if self.history_days else None

    def _query(self, last_rowid: int) -> str:
        where = f"rowid > {int(last_rowid)}"
        cutoff = self._cutoff()
        if cutoff is not None:
            cutoff = cutoff.astimezone(self.zone)
            # DateCreated is fixed-width local text, so text order is time order.
            where += f" AND DateCreated >= '{cutoff:%Y-%m-%d %H:%M:%S}'"
        # Only integers and our own formatted date are interpolated: nothing from outside reaches the SQL.
        return f"SELECT {_SELECTED} FROM PlaybackActivity WHERE {where} ORDER BY rowid LIMIT {self.page_size}"  # noqa: S608

    async def _plugin_rows(self, counts: ImportCounts) -> None:
        # The next page is fetched and parsed while this one is written: the writer thread's multi-row inserts run
        # in SQLite without the GIL (executemany took it back per row and starved behind the parser, which made
        # this overlap slower), and against a real Emby the wait for its answer overlaps the write. Pages are still
        # written one at a time, in order, each in its own transaction.
        last = 0
        pending: asyncio.Future[None] | None = None
        try:
            while True:
                page = await self._fetch_page(last, counts)
                if page is None:
                    return
                rows, invalid, last_in_page, count = page
                if pending is not None:
                    previous, pending = pending, None
                    await previous
                pending = asyncio.ensure_future(self._commit_page(counts, rows, count, invalid))
                if count < self.page_size:
                    return
                last = last_in_page
        finally:
            if pending is not None:  # also when the next page failed: the page already read is kept
                await pending

    async def _commit_page(self, counts: ImportCounts, rows: list[PluginRow], rows_read: int, invalid: int) -> None:
        """Write one page, and count it the moment it is committed (the progress shows it while the next page is
        still being fetched)."""
        write = functools.partial(self._write_page, rows=rows, rows_read=rows_read, invalid=invalid)
        counts.add(await self.db.write(write))
        counts.pages += 1

    async def _fetch_page(self, last: int, counts: ImportCounts) -> tuple[list[PluginRow], int, int, int] | None:
        """The parsed page after rowid `last` (see parse_page); None when there is none or no plugin."""
        counts.emby_calls += 1
        try:
            payload = await self.client.post_json(
                QUERY_PATH, {"CustomQueryString": self._query(last), "ReplaceUserId": False}
            )
        except EmbyNotFoundError:
            log.info("Playback Reporting plugin not installed; only played flags are imported")
            return None
        try:
            with collector.paused():
                page = parse_page(payload, self.zone)
        except ValueError as exc:
            raise HistoryImportError(f"Emby POST {QUERY_PATH}: {exc}", path=QUERY_PATH, status=200) from None
        return page if page[3] else None

    def _write_page(self, conn: Connection, *, rows: list[PluginRow], rows_read: int, invalid: int) -> ImportCounts:
        counts = ImportCounts(rows_read=rows_read, skipped_invalid=invalid)
        if not rows:
            return counts
        with collector.paused():  # a tuple of values per row, then the statements' parameters
            return self._store_page(conn, rows, counts)

    def _store_page(self, conn: Connection, rows: list[PluginRow], counts: ImportCounts) -> ImportCounts:
        described = self._described
        if described is None:  # a run's descriptions start with the run (a failed page ends it)
            described = self._described = _Described(self.completed_share)
        live = _live_spans(conn, rows)
        try:
            play_rows_values, overlaps = self._page_values(conn, rows, described, live)
        except KeyError:  # items or methods not described yet (the first pages of a run): describe them, again
            described.learn(conn, rows)
            play_rows_values, overlaps = self._page_values(conn, rows, described, live)
        counts.skipped_live_overlap = overlaps
        added = _insert(conn, _INSERT_PLAYS, _IMPORTED_VALUES, play_rows_values)
        counts.plays_added = added
        counts.skipped_duplicates = len(play_rows_values) - added
        return counts

    def _page_values(
        self, conn: Connection, rows: list[PluginRow], described: _Described, live: dict[tuple[str, str], Any]
    ) -> tuple[list[tuple[Any, ...]], int]:
        """The page's play_rows values, and how many rows a live play overlaps (an imported play's segment is
        derived from its row: `db.schema.segment_rows`). KeyError when a row's item and method are not in
        `described.works` yet (see `_Described.learn`)."""
        names: dict[str, str] | None = None
        play_rows_values: list[tuple[Any, ...]] = []
        overlaps = 0
        min_play_seconds = self.min_play_seconds
        users_seen, works, clients = described.users, described.works, described.clients
        for row in rows:
            play_id, started, stopped, _pause, watch, user_id = row[:6]
            if live:
                spans = live.get((user_id, row.item_id))
                if spans and any(start <= stopped and started <= end for start, end in spans):
                    overlaps += 1
                    continue
            item_ref, completed_ticks, stream_ref = works[_work_cells(row)]
            user_ref = users_seen.get(user_id)
            if user_ref is None:
                if names is None:
                    names = {r.id: r.name for r in conn.execute(select(users.c.id, users.c.name))}
                user_ref = described.user(conn, user_id, names.get(user_id))
            client_key = _client_cells(row)
            client_ref = clients.get(client_key)
            if client_ref is None:
                client_ref = described.client(conn, client_key)
            # The bound columns of _IMPORTED, in order.
            play_rows_values.append(
                (
                    play_id, user_ref, item_ref, client_ref, stream_ref, started, stopped, float(watch),
                    watch * TICKS_PER_SECOND >= completed_ticks, watch < min_play_seconds,
                )
            )  # fmt: skip
        return play_rows_values, overlaps

    # -- played flags ---------------------------------------------------------------------------------
    async def _played_flags(self, counts: ImportCounts) -> None:
        counts.emby_calls += 1
        since = self._cutoff()
        for user in await self.client.users():
            user_id = user.id.lower()
            played = functools.partial(_played_since, user_id, user.name or "", since)
            start = 0
            while True:
                counts.emby_calls += 1
                reply = await self.client.items_reply(
                    user_id=user.id,
                    is_played=True,
                    fields=("UserData",),
                    start_index=start,
                    limit=self.played_page_size,
                )
                # Each item becomes its play as it is read (emby.item_pages): a page of a thousand items' models
                # never exists, only the plays, which keeps what the heap keeps of the import small.
                page = reply.converted(played)
                candidates = [row for row in page.values if row is not None]
                write = functools.partial(_write_played, user_id=user_id, candidates=candidates)
                counts.played_added += await self.db.write(write)
                start += page.received  # a record that failed validation still takes a slot
                total = page.total_record_count
                if page.received < self.played_page_size or (total is not None and start >= total):
                    break


def _played_since(user_id: str, user_name: str, since: datetime | None, item: BaseItem) -> dict[str, Any] | None:
    """The watched play of a played item, when it was played in the window imported."""
    row = played_row(user_id, user_name, item)
    return row if row is not None and (since is None or row["started_at"] >= since) else None


def _write_played(conn: Connection, *, user_id: str, candidates: list[dict[str, Any]]) -> int:
    """Store the user's played items that are not among their plays already, as watched plays."""
    if not candidates:
        return 0
    recorded: set[str] = set()
    ids = [c["item_id"] for c in candidates]
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        query = select(plays.c.item_id).where(plays.c.user_id == user_id, plays.c.item_id.in_(chunk)).distinct()
        recorded.update(conn.execute(query).scalars())
    facts = item_facts(conn, set(ids))
    rows = []
    for c in candidates:
        if c["item_id"] in recorded:
            continue
        recorded.add(c["item_id"])
        fact = facts.get(c["item_id"])
        started: datetime = c["started_at"]
        play_id = import_play_id(c["import_key"], int(started.timestamp()))
        row = {**c, **(fact.play_columns() if fact is not None else {}), "id": play_id, "view_id": play_id}
        del row["import_key"]  # the candidates stay as they were made (a write may be run again)
        rows.append(stored_row(row, refs_of(conn, row)))
    if rows:
        conn.execute(play_rows.insert(), rows)
    return len(rows)


def _insert(conn: Connection, head: str, template: str, rows: list[tuple[Any, ...]]) -> int:
    """Insert `rows` (the `?`s of `template`, a row's `(...)`) with multi-row `VALUES` statements, skipping
    conflicts; the rows added. One statement per _ROWS_PER_INSERT rows instead of one per row: SQLite binds them
    in one call and runs them without the GIL, so the rest of the import keeps running meanwhile."""
    if not rows:
        return 0
    width = template.count("?")
    limit = conn.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
    step = max(1, min(_ROWS_PER_INSERT, limit // width))
    added = 0
    for i in range(0, len(rows), step):
        chunk = rows[i : i + step]
        sql = head + ", ".join([template] * len(chunk)) + _ON_CONFLICT  # microseconds, against the page's write
        added += conn.exec_driver_sql(sql, tuple(chain.from_iterable(chunk))).rowcount
    return added


def _live_spans(conn: Connection, rows: list[PluginRow]) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Live/webhook plays of the page's time range: (user, item) -> [(start, end)] in microseconds."""
    lo = from_micros(min(r.started for r in rows))
    hi = from_micros(max(r.stopped for r in rows))
    end = func.coalesce(plays.c.stopped_at, plays.c.last_seen_at)
    query = select(
        plays.c.user_id, plays.c.item_id, plays.c.started_at, plays.c.stopped_at, plays.c.last_seen_at
    ).where(
        plays.c.source.in_(_LIVE_SOURCES),
        plays.c.started_at >= lo - _MAX_LIVE_SPAN,
        plays.c.started_at <= hi,
        end >= lo,
    )
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for user_id, item_id, started, stopped, seen in conn.execute(query):
        spans.setdefault((user_id, item_id), []).append((to_micros(started), to_micros(stopped or seen or started)))
    return spans


class _Described:
    """One import run's descriptions: each distinct user, item, client and delivery of the plugin's rows turned
    into its interned description once (`db.plays.intern`), then found by the raw cells that made it."""

    def __init__(self, completed_share: float) -> None:
        self.completed_share = completed_share
        self.users: dict[str, int] = {}
        self.items: dict[tuple[Any, ...], PlayedItem] = {}
        self.streams: dict[tuple[Any, ...], int] = {}
        # WORK_CELLS -> (item ref, watch ticks from which a play is completed, stream ref): what a row's item and
        # method give its play, found by one lookup per row.
        self.works: dict[tuple[Any, ...], tuple[int, float, int]] = {}
        self.clients: dict[tuple[Any, ...], int] = {}

    def learn(self, conn: Connection, rows: Sequence[PluginRow]) -> None:
        """Describe the page's items and methods not seen yet, with what our `items` table knows of the items."""
        works = self.works  # (a set minus the dict's keys would walk every key known, page after page)
        new = {key for key in map(_work_cells, rows) if key not in works}
        if not new:
            return
        self._learn_items(conn, {key[:3] for key in new} - self.items.keys())
        for key in new:
            item = self.items[key[:3]]
            method, reasons = key[3:]
            stream_key = (method, reasons, item.is_audio, item.video_codec, item.audio_codec)
            stream_ref = self.streams.get(stream_key)
            if stream_ref is None:
                stream_ref = intern(conn, play_streams, stream_description(method, reasons, item))
                self.streams[stream_key] = stream_ref
            # Compared as `watch * TICKS_PER_SECOND >= share * runtime`; without a runtime nothing is completed.
            runtime = item.runtime_ticks
            completed_ticks = self.completed_share * runtime if runtime else math.inf
            self.works[key] = (item.ref, completed_ticks, stream_ref)

    def _learn_items(self, conn: Connection, new: set[tuple[Any, ...]]) -> None:
        facts = item_facts(conn, {item_id for item_id, _, _ in new})
        described: dict[tuple[Any, ...], tuple[tuple[Any, ...], str | None, ItemFacts | None]] = {}
        for key in new:
            item_id, type_raw, name_raw = key
            item_type, fact = text_cell(type_raw, 64), facts.get(item_id)
            described[key] = (item_description(item_id, item_type, text_cell(name_raw), fact), item_type, fact)
        refs = intern_items(conn, [description for description, _, _ in described.values()])
        for key, (description, item_type, fact) in described.items():
            self.items[key] = PlayedItem(
                refs[description],
                fact.runtime_ticks if fact is not None else None,
                item_type == "Audio",
                fact.video_codec if fact is not None else None,
                fact.audio_codec if fact is not None else None,
            )

    def user(self, conn: Connection, user_id: str, name: str | None) -> int:
        self.users[user_id] = ref = intern_user(conn, user_id, name)
        return ref

    def client(self, conn: Connection, key: tuple[Any, ...]) -> int:
        self.clients[key] = ref = intern(conn, play_clients, client_description(*key))
        return ref


# C-level getters of a PluginRow's cache keys.
_work_cells = itemgetter(WORK_CELLS)
_client_cells = itemgetter(CLIENT_CELLS)


class HistoryImportJob(Job):
    """Imports history at start-up, then rarely: new plays are tracked live, this only catches up on gaps."""

    name = "history-import"
    releases_memory = True

    def __init__(self, importer: HistoryImport, clock: Clock, interval_sec: float = 7 * 86_400.0) -> None:
        super().__init__(interval_sec, clock, initial_delay_sec=5.0)
        self.importer = importer

    async def run_once(self) -> None:
        await self.importer.run()
