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
  unknown positions, stopped_at = start + PlayDuration (the wall span, pauses included).
- completed: the plugin has no position, so watch >= COMPLETED_PERCENT of the item's runtime (when our
  `items` table knows it), else false. short: watch < MIN_PLAY_SECONDS.
- Emby's played flags (`UserData.Played`) for items with no recorded play of that user become one play each:
  watched with no duration (watch 0, completed, started = stopped = LastPlayedDate, no segment).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from emby_analytics.clock import Clock
from emby_analytics.db.engine import Database
from emby_analytics.db.plays import ROW_COLUMNS, SOURCE_CODES, intern, intern_user, refs_of, stored_row
from emby_analytics.db.schema import (
    from_micros,
    play_clients,
    play_items,
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
from emby_analytics.sync.history_rows import (
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
PAGE_SIZE = 5000
PLAYED_PAGE_SIZE = 1000
_IN_CHUNK = 900  # bound parameters per IN (...) list, well under SQLite's limit
# A live play is never longer than this: bounds the overlap query to an index range.
_MAX_LIVE_SPAN = timedelta(days=2)
_LIVE_SOURCES = ("live", "webhook")
_IMPORT = SOURCE_CODES["import"]
_COLUMNS = ", ".join(ROW_COLUMNS)
_MARKS = ", ".join("?" * len(ROW_COLUMNS))
# An id stored already is the same plugin row imported before (or twice in this page): the insert skips it.
_INSERT_PLAYS = f"INSERT INTO play_rows ({_COLUMNS}) VALUES ({_MARKS}) ON CONFLICT DO NOTHING"  # noqa: S608
_INSERT_SEGMENTS = (
    "INSERT INTO segments (play_id, seq, started_at, ended_at, position_start_ticks, position_end_ticks) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SELECTED = (
    "rowid AS RowId, DateCreated, UserId, ItemId, ItemType, ItemName, PlaybackMethod, ClientName, DeviceName, "
    "PlayDuration, PauseDuration, RemoteAddress, TranscodeReasons"
)


@dataclass(frozen=True)
class ImportResult:
    rows_read: int
    plays_added: int
    skipped_duplicates: int
    skipped_live_overlap: int
    skipped_invalid: int
    played_added: int
    emby_calls: int


@dataclass
class _Counts:
    rows_read: int = 0
    plays_added: int = 0
    skipped_duplicates: int = 0
    skipped_live_overlap: int = 0
    skipped_invalid: int = 0
    played_added: int = 0
    emby_calls: int = 0

    def add(self, other: _Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def result(self) -> ImportResult:
        return ImportResult(**{f.name: getattr(self, f.name) for f in fields(self)})


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
        completed_percent: float = 90.0,
        min_play_seconds: float = 30.0,
    ) -> None:
        if history_days < 0:
            raise ValueError("history_days must be >= 0 (0 = everything)")
        if not 1 <= page_size <= 100_000:
            raise ValueError("page_size must be between 1 and 100000")
        self.db = db
        self.client = client
        self.clock = clock
        self.history_days = history_days
        self.zone = zone
        self.page_size = page_size
        self.completed_share = completed_percent / 100
        self.min_play_seconds = min_play_seconds
        self._lock = asyncio.Lock()
        self._described: _Described | None = None

    async def run(self) -> ImportResult:
        async with self._lock:
            self._described = None
            counts = _Counts()
            await self._plugin_rows(counts)
            await self._played_flags(counts)
            log.info("history imported", extra=vars(counts))
            return counts.result()

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

    async def _plugin_rows(self, counts: _Counts) -> None:
        # Sequential on purpose: overlapping the next fetch with this page's write was measured slower (9.7 s vs
        # 9.2 s for 200k rows) because executemany re-takes the GIL per row and starves behind the parser.
        last = 0
        while True:
            counts.emby_calls += 1
            try:
                payload = await self.client.post_json(
                    QUERY_PATH, {"CustomQueryString": self._query(last), "ReplaceUserId": False}
                )
            except EmbyNotFoundError:
                log.info("Playback Reporting plugin not installed; only played flags are imported")
                return
            try:
                rows, invalid, last_in_page, count = parse_page(payload, self.zone)
            except ValueError as exc:
                raise HistoryImportError(f"Emby POST {QUERY_PATH}: {exc}", path=QUERY_PATH, status=200) from None
            if count == 0:
                return
            write = functools.partial(self._write_page, rows=rows, rows_read=count, invalid=invalid)
            counts.add(await self.db.write(write))
            if count < self.page_size:
                return
            last = last_in_page

    def _write_page(self, conn: Connection, *, rows: list[PluginRow], rows_read: int, invalid: int) -> _Counts:
        counts = _Counts(rows_read=rows_read, skipped_invalid=invalid)
        if not rows:
            return counts
        described = self._described
        if described is None:  # a run's descriptions start with the run (a failed page ends it)
            described = self._described = _Described()
        live = _live_spans(conn, rows)
        described.learn_items(conn, rows)
        names: dict[str, str] = {r.id: r.name for r in conn.execute(select(users.c.id, users.c.name))}
        play_rows_values: list[tuple[Any, ...]] = []
        segment_values: list[tuple[Any, ...]] = []
        completed_share, min_play_seconds = self.completed_share, self.min_play_seconds
        users_seen, items_seen = described.users, described.items
        clients, streams = described.clients, described.streams
        for row in rows:
            spans = live.get((row.user_id, row.item_id)) if live else None
            if spans and any(start <= row.stopped and row.started <= end for start, end in spans):
                counts.skipped_live_overlap += 1
                continue
            user_ref = users_seen.get(row.user_id)
            if user_ref is None:
                user_ref = described.user(conn, row.user_id, names.get(row.user_id))
            item = items_seen[(row.item_id, row.item_type, row.item_name)]
            client_key = (row.client, row.device, row.remote_address)
            client_ref = clients.get(client_key)
            if client_ref is None:
                client_ref = described.client(conn, client_key)
            stream_key = (row.method, row.reasons, item)
            stream_ref = streams.get(stream_key)
            if stream_ref is None:
                stream_ref = described.stream(conn, stream_key)
            watch = row.watch_seconds
            runtime = item.runtime_ticks
            # Columns in play_rows order; paused_seconds is left out: the span minus the watch time says it.
            play_rows_values.append(
                (
                    row.play_id, None, _IMPORT, None, user_ref, item.ref, client_ref, stream_ref,
                    row.started, row.stopped, None, None, None, float(watch), 0.0, None,
                    bool(runtime) and watch * TICKS_PER_SECOND >= completed_share * runtime,  # type: ignore[operator]
                    watch < min_play_seconds, False, None, None, None,
                )
            )  # fmt: skip
            if watch > 0:
                segment_values.append((row.play_id, 0, row.started, row.started + watch * 1_000_000, None, None))
        added = conn.exec_driver_sql(_INSERT_PLAYS, play_rows_values).rowcount if play_rows_values else 0
        if segment_values:
            conn.exec_driver_sql(_INSERT_SEGMENTS, segment_values)
        counts.plays_added = added
        counts.skipped_duplicates = len(play_rows_values) - added
        return counts

    # -- played flags ---------------------------------------------------------------------------------
    async def _played_flags(self, counts: _Counts) -> None:
        counts.emby_calls += 1
        for user in await self.client.users():
            start = 0
            while True:
                counts.emby_calls += 1
                page = await self.client.items(
                    user_id=user.id, is_played=True, fields=("UserData",), start_index=start, limit=PLAYED_PAGE_SIZE
                )
                write = functools.partial(
                    _write_played,
                    user_id=user.id.lower(),
                    user_name=user.name or "",
                    page=page.items,
                    since=self._cutoff(),
                )
                counts.played_added += await self.db.write(write)
                received = len(page.items) + page.skipped  # a record that failed validation still takes a slot
                start += received
                total = page.total_record_count
                if received < PLAYED_PAGE_SIZE or (total is not None and start >= total):
                    break


def _write_played(
    conn: Connection, *, user_id: str, user_name: str, page: Sequence[BaseItem], since: datetime | None
) -> int:
    played = (played_row(user_id, user_name, item) for item in page)
    candidates = [p for p in played if p is not None and (since is None or p["started_at"] >= since)]
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
        if fact is not None:
            c.update(fact.play_columns())
        started: datetime = c["started_at"]
        play_id = import_play_id(c.pop("import_key"), int(started.timestamp()))
        row = {**c, "id": play_id, "view_id": play_id}
        rows.append(stored_row(row, refs_of(conn, row)))
    if rows:
        conn.execute(play_rows.insert(), rows)
    return len(rows)


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

    def __init__(self) -> None:
        self.users: dict[str, int] = {}
        self.items: dict[tuple[str, Any, Any], PlayedItem] = {}
        self.clients: dict[tuple[Any, Any, Any], int] = {}
        self.streams: dict[tuple[Any, Any, PlayedItem], int] = {}

    def learn_items(self, conn: Connection, rows: Sequence[PluginRow]) -> None:
        """Describe the page's items not seen yet, with what our `items` table knows of them."""
        new = {(r.item_id, r.item_type, r.item_name) for r in rows} - self.items.keys()
        if not new:
            return
        facts = item_facts(conn, {item_id for item_id, _, _ in new})
        for key in new:
            item_id, type_raw, name_raw = key
            item_type, fact = text_cell(type_raw, 64), facts.get(item_id)
            ref = intern(conn, play_items, item_description(item_id, item_type, text_cell(name_raw), fact))
            self.items[key] = PlayedItem(
                ref,
                fact.runtime_ticks if fact is not None else None,
                item_type == "Audio",
                fact.video_codec if fact is not None else None,
                fact.audio_codec if fact is not None else None,
            )

    def user(self, conn: Connection, user_id: str, name: str | None) -> int:
        self.users[user_id] = ref = intern_user(conn, user_id, name)
        return ref

    def client(self, conn: Connection, key: tuple[Any, Any, Any]) -> int:
        self.clients[key] = ref = intern(conn, play_clients, client_description(*key))
        return ref

    def stream(self, conn: Connection, key: tuple[Any, Any, PlayedItem]) -> int:
        self.streams[key] = ref = intern(conn, play_streams, stream_description(*key))
        return ref


class HistoryImportJob(Job):
    """Imports history at start-up, then rarely: new plays are tracked live, this only catches up on gaps."""

    name = "history-import"
    releases_memory = True

    def __init__(self, importer: HistoryImport, clock: Clock, interval_sec: float = 7 * 86_400.0) -> None:
        super().__init__(interval_sec, clock, initial_delay_sec=5.0)
        self.importer = importer

    async def run_once(self) -> None:
        await self.importer.run()
