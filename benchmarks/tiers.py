"""Deterministic data tiers for the statistics benchmark: a simulated library and years of plays in a real database.

    .venv/bin/python -m benchmarks.tiers build --tier M [--seed 1] [--end YYYY-MM-DD] [--rebuild]
    .venv/bin/python -m benchmarks.tiers list
    .venv/bin/python -m benchmarks.tiers emby --tier M [--seed 1] [--end YYYY-MM-DD] [--port 0]

| tier | users | library items | history | plays |
| --- | ---: | ---: | ---: | ---: |
| T | 4 | 400 | 1 year | 600 (smoke tests only) |
| S | 10 | 5k | 2 years | 20k |
| M | 50 | 30k | 5 years | 200k |
| L | 500 | 150k | 10 years | 2M |
| XL | 2,000 | 600k | 10 years | 10M |

Everything goes through the service's own code, so the database has the real schema, indexes and row shapes:
the library is the simulator's world (`World.generate`, SD to 8K, letterboxed encodes, many codecs, hostile names)
copied by the real user sync and full library sync (in-process, through `httpx.ASGITransport`); live plays are
closed `tracking.model.Play`s with their segments, stored by `tracking.store.PlayWriter` in transactions of
~20,000 plays; the oldest fifth of the history is Playback Reporting rows in the simulated plugin, brought in by
the real `HistoryImport` before the live plays begin (as when the service is installed on a server with history).

Shape: Zipf-distributed users, movies, series and tracks; a daily rhythm (evening peak, more daytime at weekends)
and a weekly one (busier Friday to Sunday), usage growing over the years; sittings of one movie, a run of episodes
(autoplay) or an album; pauses and seeks (1 to 7 segments a play); resumes of the same item by the same user
within a day; short plays; Live TV; DirectPlay / DirectStream / Transcode decided per client from the item's
container, codecs, resolution and HDR (per-stream decisions, transcode reasons, bitrate limits of remote users,
burned-in subtitles, a few mid-play switches to transcoding).

The same (tier, seed, end day) gives the same database content. Tiers are cached under `bench-data/tiers/`
(git-ignored), keyed by tier, seed, end day, schema revision, a hash of the schema's DDL and `GENERATOR_VERSION`:
built once, then reused. The history ends at the start of `end` (UTC; default today), so windows such as "the last
7 days" hold data.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import heapq
import json
import math
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from emby_analytics.app import build_state
from emby_analytics.clock import ManualClock, SystemClock
from emby_analytics.config import load_settings
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import PLAYS_VIEW, items, metadata, plays, segments, users
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.playback.history import item_name, plugin_date
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.simulator.world.hostile import HOSTILE_DEVICE_NAMES
from emby_analytics.sync.history_progress import ImportResult
from emby_analytics.tracking.model import (
    TICKS_PER_SECOND,
    EndReason,
    Play,
    PlayContext,
    Segment,
    Source,
    StreamMethod,
    TickResult,
    play_id_for,
)
from emby_analytics.tracking.model import Stream as Delivery
from emby_analytics.tracking.store import PlayWriter

ROOT = Path(__file__).parent.parent
CACHE = ROOT / "bench-data" / "tiers"
# Bump when the generator's output changes, so cached tiers are rebuilt.
GENERATOR_VERSION = 1
API_KEY = "tier0123456789abcdef0123456789ab"
BATCH_PLAYS = 20_000  # live plays per write transaction
IMPORTED_SHARE = 0.2  # the oldest fifth of the days comes from the Playback Reporting import


@dataclass(frozen=True)
class Tier:
    name: str
    users: int
    items: int
    years: int
    plays: int


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier("T", 4, 400, 1, 600),
        Tier("S", 10, 5_000, 2, 20_000),
        Tier("M", 50, 30_000, 5, 200_000),
        Tier("L", 500, 150_000, 10, 2_000_000),
        Tier("XL", 2_000, 600_000, 10, 10_000_000),
    )
}


def default_end() -> date:
    return datetime.now(UTC).date()


def world_spec(tier: Tier, seed: int, end: date) -> WorldSpec:
    """The simulated library of a tier: ~95 % movies and TV (as `WorldSpec.sized`), 4 % music, 1 % home videos.
    The benchmark's simulated Emby builds the same world from this, so the service's syncs find the same library."""
    start = datetime(end.year, end.month, end.day, tzinfo=UTC)
    base = WorldSpec.sized(round(tier.items * 0.95), seed=seed, start=start)
    return replace(
        base,
        users=tier.users,
        music_tracks=round(tier.items * 0.04),
        other=round(tier.items * 0.01),
        years_of_history=tier.years,
    )


def schema_digest() -> str:
    """A short hash of the schema's DDL as a new database gets it (`metadata.create_all`: tables, indexes, the
    view and its triggers): a schema edited within a revision (before it is released) still rebuilds the tier."""
    dialect = sqlite_dialect.dialect()
    ddl: list[str] = []
    for table in metadata.sorted_tables:
        ddl.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        ddl += sorted(str(CreateIndex(index).compile(dialect=dialect)).strip() for index in table.indexes)
    ddl += PLAYS_VIEW
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:8]


def cache_key(tier: Tier, seed: int, end: date, revision: str, schema: str) -> str:
    """Names a built tier: a change of any input, of the schema (revision or DDL) or of the generator is a new
    build."""
    size = f"{tier.users}u{tier.items}i{tier.years}y{tier.plays}p"
    return f"{tier.name}-{size}-seed{seed}-{end.isoformat()}-rev{revision}-s{schema}-g{GENERATOR_VERSION}"


@dataclass(frozen=True)
class BuiltTier:
    path: Path
    meta: dict[str, Any]
    built_now: bool


def ensure_tier(
    tier: Tier,
    seed: int,
    end: date,
    cache: Path = CACHE,
    *,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> BuiltTier:
    """The tier's database, built now unless the cache has it (the cache is never shared with a running service)."""
    key = cache_key(tier, seed, end, migrate.head_revision(), schema_digest())
    path, meta_path = cache / f"{key}.db", cache / f"{key}.json"
    if path.exists() and meta_path.exists() and not rebuild:
        return BuiltTier(path, json.loads(meta_path.read_text()), built_now=False)
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f"{key}.db.partial"
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    log(f"building tier {tier.name} (seed {seed}, history to {end}) into {path.name} ...")
    meta = build(tier, seed, end, partial, log=log)
    partial.replace(path)  # only a finished build carries the final name
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return BuiltTier(path, meta, built_now=True)


def build(tier: Tier, seed: int, end: date, path: Path, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build a tier into `path` (a new file) and return its facts (counts, sizes, seconds per phase)."""
    started = time.perf_counter()
    meta = asyncio.run(_fill(tier, seed, end, path, log))
    mark = time.perf_counter()
    with closing(sqlite3.connect(path)) as conn:
        # One self-contained file: copies of it need no -wal beside them.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta["phase_seconds"]["checkpoint"] = round(time.perf_counter() - mark, 1)
    size = path.stat().st_size
    meta.update(
        db_bytes=size,
        bytes_per_play=round(size / max(meta["plays"], 1)),
        build_seconds=round(time.perf_counter() - started, 1),
    )
    return meta


async def _fill(tier: Tier, seed: int, end: date, path: Path, log: Callable[[str], None]) -> dict[str, Any]:
    phases: dict[str, float] = {}
    end_at = datetime(end.year, end.month, end.day, tzinfo=UTC)
    clock = ManualClock(end_at)  # every timestamp the service writes (sync runs, users) is then reproducible
    world = World.generate(world_spec(tier, seed, end), clock)
    history = PlaybackHistory(world)
    sim = Simulator(world, clock, api_key=API_KEY, history=history)
    settings = load_settings(
        {
            "EMBY_BASE_URL": "http://emby.sim:8096",
            "EMBY_API_KEY": API_KEY,
            "SQLITE_PATH": str(path),
            "HISTORY_DAYS": "0",
            "REFRESH_CHUNK_SIZE": "1000",
            "TZ": "UTC",
            "LOG_LEVEL": "warning",
        }
    )
    window = timedelta(hours=settings.resume_window_hours)
    db = Database.open(path)
    try:
        migrate.upgrade(db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app())) as http:
            state = build_state(settings, db, http, clock)
            mark = time.perf_counter()
            await state.user_sync.run()
            await state.library_sync.full()
            phases["library_sync"] = time.perf_counter() - mark
            log(f"  library: {len(world):,} items synced in {phases['library_sync']:.1f} s")

            mark = time.perf_counter()
            catalogue = db.read_sync(_catalogue)
            maker = PlayMaker(
                tier, seed, end_at, catalogue, world, min_play_seconds=settings.min_play_seconds, resume_window=window
            )
            imported_rows = live = 0
            imported: ImportResult | None = None
            batch: list[Play] = []
            writing = importing = 0.0

            def write(batch: list[Play]) -> float:
                w = time.perf_counter()
                db.write_sync(lambda conn: persist_in_rounds(conn, batch, window, maker.lookups))
                return time.perf_counter() - w

            for day in maker.plays():
                older = [maker.plugin_row(made) for made in day if made.started_at < maker.cutover_at]
                if older:
                    imported_rows += history.add_rows(older)
                newer = day[len(older) :]
                if newer and imported is None:
                    # The service is installed: its history import runs first, then plays are tracked live.
                    w = time.perf_counter()
                    imported = await state.history_import.run()
                    importing = time.perf_counter() - w
                    log(f"  imported: {imported.plays_added:,} Playback Reporting rows in {importing:.1f} s")
                batch.extend(maker.play(made) for made in newer)
                if len(batch) >= BATCH_PLAYS:
                    writing += write(batch)
                    live += len(batch)
                    batch = []
                    if live // BATCH_PLAYS % 25 == 0:
                        log(f"  live plays: {live:,} ({time.perf_counter() - mark:.0f} s)")
            if batch:
                writing += write(batch)
                live += len(batch)
            if imported is None:
                raise RuntimeError("a tier needs days after the imported period")
            phases["plays"] = time.perf_counter() - mark
            phases["plays_history_import"] = importing
            phases["plays_live_writes"] = writing
            phases["plays_generating"] = phases["plays"] - importing - writing
            log(f"  live: {live:,} plays stored in {phases['plays']:.1f} s ({writing:.1f} s in transactions)")
            # What the service's rollup job does as plays close, here at once.
            mark = time.perf_counter()
            db.write_sync(lambda conn: ensure_zone(conn, settings.zone))
            folded = 0
            while done := db.write_sync(lambda conn: fold(conn, settings.zone)):
                folded += done
            phases["rollups"] = time.perf_counter() - mark
            log(f"  rollups: {folded:,} plays folded in {phases['rollups']:.1f} s")
        counts = db.read_sync(_counts)
    finally:
        db.close()
    history.close()
    return {
        "tier": tier.name,
        "spec": {"users": tier.users, "items": tier.items, "years": tier.years, "plays": tier.plays},
        "seed": seed,
        "end": end.isoformat(),
        "schema_revision": migrate.head_revision(),
        "schema_digest": schema_digest(),
        "generator_version": GENERATOR_VERSION,
        "library_items": len(world),
        **counts,
        "imported_rows": imported_rows,
        "imported_plays": imported.plays_added,
        "live_plays": live,
        "phase_seconds": {name: round(value, 1) for name, value in phases.items()},
    }


def _counts(conn: Connection) -> dict[str, int]:
    def count(table: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    return {"users": count(users), "items": count(items), "plays": count(plays), "segments": count(segments)}


def persist_in_rounds(conn: Connection, batch: Sequence[Play], window: timedelta, lookups: set[str]) -> None:
    """Store a batch with the store's own `PlayWriter`, in one transaction.

    Only plays with an earlier play of the same user and item inside the resume window are passed as opened
    (`lookups`): for every other play the store's look-up finds nothing and keeps its own view id, so the rows
    are the ones a play-at-a-time ingest writes. A play whose earlier play is in the same batch waits for a later
    round, because the store reads the earlier play's view id from the database."""
    rounds: list[list[Play]] = []
    recent: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    for play in batch:
        key = (play.user_id, play.item_id)
        earlier = [r for at, r in recent.get(key, ()) if play.started_at - window <= at < play.started_at]
        level = max(earlier) + 1 if earlier else 0
        recent.setdefault(key, []).append((play.started_at, level))
        while len(rounds) <= level:
            rounds.append([])
        rounds[level].append(play)
    for group in rounds:
        opened = [play for play in group if play.play_id in lookups]
        PlayWriter().write(conn, TickResult(changed=group, opened=opened), resume_window=window)
    lookups.difference_update(play.play_id for play in batch)


# -- the catalogue the plays draw from ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Item:
    id: str
    type: str
    name: str
    series_id: str | None
    series_name: str | None
    season: int | None
    episode: int | None
    runtime_ticks: int
    container: str | None
    height: int | None
    video_codec: str | None
    hdr: bool
    audio_codec: str | None
    bitrate: int | None


@dataclass(frozen=True)
class Catalogue:
    users: list[tuple[str, str]]  # (id, name), by id
    movies: list[Item]
    episodes_by_series: dict[str, list[Item]]  # in season and episode order
    tracks: list[Item]
    videos: list[Item]


def _catalogue(conn: Connection) -> Catalogue:
    c = items.c
    query = (
        select(
            c.id,
            c.type,
            c.name,
            c.series_id,
            c.series_name,
            c.season_number,
            c.episode_number,
            c.runtime_ticks,
            c.container,
            c.height,
            c.video_codec,
            c.video_hdr,
            c.audio_codec,
            c.bitrate,
        )
        .where(
            c.type.in_(("Movie", "Episode", "Audio", "Video")),
            c.is_placeholder.is_(False),
            c.removed_at.is_(None),
            c.runtime_ticks > 0,
        )
        .order_by(c.id)
    )
    movies: list[Item] = []
    tracks: list[Item] = []
    videos: list[Item] = []
    episodes: dict[str, list[Item]] = {}
    for row in conn.execute(query):
        item = Item(
            row.id,
            row.type,
            row.name,
            row.series_id,
            row.series_name,
            row.season_number,
            row.episode_number,
            int(row.runtime_ticks),
            row.container,
            row.height,
            row.video_codec,
            row.video_hdr not in (None, "None"),
            row.audio_codec,
            row.bitrate,
        )
        if item.type == "Movie":
            movies.append(item)
        elif item.type == "Audio":
            tracks.append(item)
        elif item.type == "Video":
            videos.append(item)
        elif item.series_id:
            episodes.setdefault(item.series_id, []).append(item)
    for run in episodes.values():
        run.sort(key=lambda e: (e.season or 0, e.episode or 0, e.id))
    people = [(row.id, row.name) for row in conn.execute(select(users.c.id, users.c.name).order_by(users.c.id))]
    return Catalogue(people, movies, episodes, tracks, videos)


# -- clients and how they receive each item ----------------------------------------------------------------------
_ALL_VIDEO = frozenset({"h264", "hevc", "av1", "vp9", "mpeg2", "vc1", "mpeg4"})
_ALL_AUDIO = frozenset({"aac", "ac3", "eac3", "dts", "truehd", "flac", "opus", "mp3", "vorbis"})
_ALL_CONTAINERS = frozenset({"mkv", "mp4", "ts", "avi", "m2ts", "webm", "flac", "mp3", "m4a", "ogg"})
_WEB_VIDEO = frozenset({"h264", "vp9", "av1"})
_WEB_AUDIO = frozenset({"aac", "mp3", "opus", "flac", "vorbis"})
_TV_AUDIO = frozenset({"aac", "ac3", "eac3", "mp3", "flac"})
_COMMON_CONTAINERS = frozenset({"mkv", "mp4", "ts", "mp3", "m4a", "flac"})


@dataclass(frozen=True)
class ClientKind:
    client: str
    device: str
    version: str
    video: frozenset[str]
    audio: frozenset[str]
    containers: frozenset[str]
    max_height: int
    hdr: bool
    weight: int


CLIENTS: tuple[ClientKind, ...] = (
    ClientKind(
        "Emby Web",
        "Chrome Windows",
        "4.8.10.0",
        _WEB_VIDEO,
        _WEB_AUDIO,
        frozenset({"mp4", "mkv", "webm", "mp3", "m4a", "flac", "ogg"}),
        2160,
        False,
        16,
    ),
    ClientKind(
        "Emby Web",
        "Firefox Linux",
        "4.8.10.0",
        _WEB_VIDEO,
        _WEB_AUDIO,
        frozenset({"mp4", "webm", "mp3", "ogg"}),
        2160,
        False,
        4,
    ),
    ClientKind(
        "Emby for Android",
        "Pixel 8",
        "3.4.20",
        frozenset({"h264", "hevc", "av1", "vp9", "mpeg2"}),
        _TV_AUDIO | {"opus"},
        _COMMON_CONTAINERS,
        2160,
        True,
        13,
    ),
    ClientKind(
        "Emby for iOS",
        "iPhone 15",
        "2.2.9",
        frozenset({"h264", "hevc"}),
        _TV_AUDIO,
        frozenset({"mp4", "mkv", "ts", "m4a", "mp3"}),
        2160,
        True,
        10,
    ),
    ClientKind(
        "Emby for Apple TV",
        "Living Room Apple TV",
        "2.2.7",
        frozenset({"h264", "hevc"}),
        _TV_AUDIO,
        _COMMON_CONTAINERS,
        2160,
        True,
        10,
    ),
    ClientKind("Emby Theater", "HTPC", "3.0.20", _ALL_VIDEO, _ALL_AUDIO, _ALL_CONTAINERS, 4320, True, 5),
    ClientKind(
        "Roku SG",
        "Roku Ultra",
        "4.1.31",
        frozenset({"h264", "hevc", "vp9", "av1"}),
        _TV_AUDIO,
        _COMMON_CONTAINERS,
        2160,
        True,
        12,
    ),
    ClientKind(
        "Emby for Samsung",
        "Samsung QN90",
        "2.1.5",
        frozenset({"h264", "hevc", "av1", "mpeg2", "vc1"}),
        _TV_AUDIO - {"flac"},
        _COMMON_CONTAINERS | {"avi", "m2ts"},
        2160,
        True,
        9,
    ),
    ClientKind(
        "Emby for LG",
        "LG OLED C3",
        "1.9.2",
        frozenset({"h264", "hevc", "av1", "vp9"}),
        _TV_AUDIO,
        _COMMON_CONTAINERS,
        2160,
        True,
        7,
    ),
    ClientKind(
        "Emby for Android TV", "NVIDIA SHIELD", "3.4.20", _ALL_VIDEO, _ALL_AUDIO, _ALL_CONTAINERS, 2160, True, 8
    ),
    ClientKind(
        "Emby for Kodi Next Gen", "Kodi Bedroom", "11.1.3", _ALL_VIDEO, _ALL_AUDIO, _ALL_CONTAINERS, 4320, True, 3
    ),
    ClientKind(
        "Emby for Xbox",
        "Xbox Series X",
        "3.1.1",
        frozenset({"h264", "hevc", "vp9"}),
        _TV_AUDIO | {"dts"},
        _COMMON_CONTAINERS,
        2160,
        True,
        3,
    ),
)
_CLIENT_WEIGHTS = [c.weight for c in CLIENTS]

LIVE_CHANNELS: tuple[tuple[str, str], ...] = tuple(
    (str(9_900_001 + n), name)
    for n, name in enumerate(
        (
            "BBC One HD",
            "Das Erste HD",
            "NHK World",
            "Canal+ Sport",
            "Первый канал",
            "CNN International",
            "Rai 1",
            "TV Asahi",
            "Al Jazeera English",
            "France 24",
            "ESPN",
            "Discovery <HD>",
        )
    )
)


@dataclass(frozen=True)
class Device:
    kind: ClientKind
    name: str
    device_id: str
    address: str


@dataclass
class Viewer:
    id: str
    name: str
    devices: list[Device]
    device_weights: list[float]
    limit_bps: int | None  # remote users stream through a bitrate limit


def _decide(item: Item, kind: ClientKind, limit: int | None, subtitles: bool, rng: random.Random) -> Delivery:
    """How Emby delivers `item` to this client: DirectPlay when the client takes the file as is, DirectStream when
    only the container is refused (remux), else Transcode with per-stream decisions and Emby's reason names."""
    reasons: list[str] = []
    video = item.video_codec
    is_video = video is not None
    video_ok = not is_video or (
        video in kind.video and (item.height or 0) <= kind.max_height and (kind.hdr or not item.hdr)
    )
    if is_video and video not in kind.video:
        reasons.append("VideoCodecNotSupported")
    if is_video and (item.height or 0) > kind.max_height:
        reasons.append("VideoResolutionNotSupported")
    if is_video and item.hdr and not kind.hdr:
        reasons.append("VideoRangeNotSupported")
    audio_ok = item.audio_codec is None or item.audio_codec in kind.audio
    if not audio_ok:
        reasons.append("AudioCodecNotSupported")
    over_limit = limit is not None and (item.bitrate or 0) > limit
    if over_limit:
        reasons.append("ContainerBitrateExceedsLimit")
        video_ok = False
    if is_video and subtitles:
        reasons.append("SubtitleCodecNotSupported")
        video_ok = False
    container_ok = item.container in kind.containers
    bitrate = item.bitrate
    sub: StreamMethod | None = ("direct" if not subtitles else "transcode") if is_video and rng.random() < 0.3 else None
    if subtitles:
        sub = "transcode"
    if video_ok and audio_ok and container_ok:
        return Delivery(
            "DirectPlay",
            "direct" if is_video else None,
            "direct",
            sub,
            video,
            video,
            item.audio_codec,
            item.audio_codec,
            (),
            bitrate,
        )
    if video_ok and audio_ok:
        return Delivery(
            "DirectStream",
            "copy" if is_video else None,
            "copy",
            sub,
            video,
            video,
            item.audio_codec,
            item.audio_codec,
            ("ContainerNotSupported",),
            bitrate,
        )
    if not container_ok:
        reasons.append("ContainerNotSupported")
    video_to = video if video_ok else ("hevc" if "hevc" in kind.video and rng.random() < 0.2 else "h264")
    audio_to = item.audio_codec if audio_ok else ("ac3" if "ac3" in kind.audio and rng.random() < 0.3 else "aac")
    target = min(limit or 20_000_000, 20_000_000 if (item.height or 0) > 1080 else 10_000_000)
    return Delivery(
        "Transcode",
        ("copy" if video_ok else "transcode") if is_video else None,
        "copy" if audio_ok else "transcode",
        sub,
        video,
        video_to if is_video else None,
        item.audio_codec,
        audio_to,
        tuple(sorted(reasons)),
        min(bitrate or target, target),
    )


class Zipf:
    """Picks index k of n with probability ∝ 1 / (k + 1)^s (cumulative weights, bisect: O(log n) a pick)."""

    def __init__(self, n: int, s: float) -> None:
        total = 0.0
        self.cumulative: list[float] = []
        for k in range(n):
            total += 1.0 / (k + 1) ** s
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.total)


# Share of sittings by hour of the day (UTC is the household's zone here); weekends shift towards the daytime.
_BEFORE_NOON = (1.0, 0.5, 0.3, 0.2, 0.1, 0.1, 0.3, 0.7, 0.8, 0.9, 1.0, 1.2)
_AFTER_NOON = (1.5, 1.5, 1.4, 1.5, 2.0, 2.8, 4.0, 6.0, 8.0, 8.0, 5.5, 2.5)
_WEEKDAY_HOURS = (*_BEFORE_NOON, *_AFTER_NOON)
_WEEKEND_HOURS = tuple(w * (2.2 if 9 <= h <= 17 else 1.0) for h, w in enumerate(_WEEKDAY_HOURS))
_DAY_WEIGHT = (1.0, 0.95, 1.0, 1.05, 1.2, 1.45, 1.35)  # Monday .. Sunday


@dataclass
class _Made:
    """One generated play before it becomes a `Play` (live) or a plugin row (imported)."""

    viewer: Viewer
    device: Device
    session_id: str
    item: Item | None  # None: Live TV
    channel: tuple[str, str] | None
    started_at: datetime
    segments: list[Segment]
    stopped_at: datetime
    last_position: int
    max_position: int
    stream: Delivery
    latest: Delivery
    end_reason: EndReason
    source: Source
    resumable_at: float | None = None  # content second a resume would pick up at (a partial play)


class PlayMaker:
    """Generates the tier's plays from one seeded RNG (see the module docstring for the shape).

    Each day makes its quota of plays: sittings starting that day, and the resumes they lead to (up to 22 hours
    later). Plays are handed on in start order: after day d, every play starting before day d + 1 (nothing made
    later can start earlier)."""

    def __init__(
        self,
        tier: Tier,
        seed: int,
        end: datetime,
        catalogue: Catalogue,
        world: World,
        *,
        min_play_seconds: float = 30.0,
        resume_window: timedelta = timedelta(hours=24),
    ) -> None:
        self.tier = tier
        self.rng = random.Random(seed * 1_000_003 + sum(map(ord, tier.name)))
        self.end = end
        self.days = tier.years * 365
        self.begin = end - timedelta(days=self.days)
        self.catalogue = catalogue
        self.world = world
        self.min_play_seconds = min_play_seconds
        self.resume_window = resume_window
        rng = self.rng
        self.viewers = [self._viewer(i, uid, name) for i, (uid, name) in enumerate(catalogue.users)]
        rng.shuffle(self.viewers)  # Zipf rank is independent of the id order
        self.user_zipf = Zipf(len(self.viewers), 0.9)
        self.movies = self._ranked(catalogue.movies)
        self.movie_zipf = Zipf(len(self.movies), 0.85)
        self.series = sorted(catalogue.episodes_by_series)
        rng.shuffle(self.series)
        self.series_zipf = Zipf(len(self.series), 0.9)
        self.tracks = self._ranked(catalogue.tracks)
        self.track_zipf = Zipf(len(self.tracks), 0.8)
        self.videos = catalogue.videos
        self.progress: dict[tuple[str, str], int] = {}  # (user, series) -> next episode index
        self.pending: list[tuple[datetime, int, _Made]] = []  # made, not yet handed on (a heap by start)
        self.seq = 0
        self.recent: dict[tuple[str, str], datetime] = {}  # (user, item) -> latest start, for resume look-ups
        self.lookups: set[str] = set()  # live plays with an earlier play of the same user and item in the window
        # Plays per day: growing usage, weekly rhythm, a winter bump; rounded so they add up to the tier exactly.
        weights = []
        for d in range(self.days):
            day = self.begin + timedelta(days=d)
            season = 1 + 0.15 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)
            weights.append((0.35 + 0.65 * d / self.days) * _DAY_WEIGHT[day.weekday()] * season)
        total = sum(weights)
        self.quota: list[int] = []
        running = 0.0
        given = 0
        for w in weights:
            running += w * tier.plays / total
            n = round(running) - given
            self.quota.append(n)
            given += n
        self.cutover_at = self.begin + timedelta(days=round(self.days * IMPORTED_SHARE))

    def _ranked(self, pool: list[Item]) -> list[Item]:
        ranked = list(pool)
        self.rng.shuffle(ranked)
        return ranked

    def _viewer(self, index: int, user_id: str, name: str) -> Viewer:
        rng = self.rng
        remote = rng.random() < 0.25
        kinds = rng.choices(CLIENTS, weights=_CLIENT_WEIGHTS, k=rng.choice((1, 2, 2, 3, 3, 4)))
        devices = []
        for n, kind in enumerate(kinds):
            hostile = index % 37 == 5 and n == 0
            device_name = HOSTILE_DEVICE_NAMES[index % len(HOSTILE_DEVICE_NAMES)] if hostile else kind.device
            raw = f"{rng.getrandbits(128):032x}"
            device_id = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
            lan = f"192.168.{1 + index // 200}.{20 + index % 200}"
            address = f"203.0.113.{index % 250 + 1}" if remote and n == 0 else lan
            devices.append(Device(kind, device_name, device_id, address))
        limit = rng.choice((4_000_000, 8_000_000, 12_000_000, 20_000_000)) if remote else None
        return Viewer(user_id, name, devices, [1.0 / (n + 1) for n in range(len(devices))], limit)

    # -- what the builder consumes -------------------------------------------------------------------------------
    def plays(self) -> Iterator[list[_Made]]:
        """Every play, in start order, a day at a time. Those starting before `cutover_at` are the imported ones."""
        for day in range(self.days):
            self._day(day)
            horizon = self.begin + timedelta(days=day + 1)
            ready: list[_Made] = []
            while self.pending and self.pending[0][0] < horizon:
                made = heapq.heappop(self.pending)[2]
                if made.item is not None:
                    key = (made.viewer.id, made.item.id)
                    previous = self.recent.get(key)
                    if previous is not None and made.started_at - self.resume_window <= previous:
                        self.lookups.add(self.play_id(made))
                    self.recent[key] = made.started_at
                ready.append(made)
            yield ready
        if self.pending:
            raise AssertionError("plays made after the end of the history")  # pragma: no cover

    # -- one day -------------------------------------------------------------------------------------------------
    def _day(self, day: int) -> None:
        rng = self.rng
        start = self.begin + timedelta(days=day)
        hours = _WEEKEND_HOURS if start.weekday() >= 5 else _WEEKDAY_HOURS
        room = self.quota[day]
        while room > 0:
            hour = rng.choices(range(24), weights=hours)[0]
            at = start + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            for made in self._sitting(at, room):
                room -= 1
                self._keep(made)
                # A partial play is often resumed later the same day or the next, by the same user.
                while room > 0 and made.resumable_at is not None and made.item is not None and rng.random() < 0.55:
                    gap = rng.choice((rng.uniform(600, 5400), rng.uniform(7200, 36_000), rng.uniform(36_000, 79_200)))
                    when = made.stopped_at + timedelta(seconds=gap)
                    if when >= self.end:
                        break
                    made = self._resumed(made, when)
                    room -= 1
                    self._keep(made)

    def _keep(self, made: _Made) -> None:
        self.seq += 1
        heapq.heappush(self.pending, (made.started_at, self.seq, made))

    def _sitting(self, at: datetime, room: int) -> list[_Made]:
        """One user on one device: a movie, a run of episodes, an album, a home video or Live TV."""
        rng = self.rng
        viewer = self.viewers[self.user_zipf.pick(rng)]
        device = rng.choices(viewer.devices, weights=viewer.device_weights)[0]
        session = f"{rng.getrandbits(128):032x}"
        roll = rng.random()
        if roll < 0.012 and at >= self.cutover_at:  # the plugin's history has no Live TV here
            return [self._live_tv(viewer, device, session, at)]
        queue: list[Item]
        if roll < 0.47 and self.series:
            series = self.series[self.series_zipf.pick(rng)]
            episodes = self.catalogue.episodes_by_series[series]
            key = (viewer.id, series)
            first = self.progress.get(key)
            if first is None or first >= len(episodes):
                first = 0 if rng.random() < 0.7 else rng.randrange(len(episodes))
            count = rng.choices((1, 2, 3, 4, 5), weights=(35, 25, 18, 12, 10))[0]
            queue = episodes[first : first + count]
            self.progress[key] = first + len(queue)
        elif roll < 0.90 and self.movies:
            queue = [self.movies[self.movie_zipf.pick(rng)]]
        elif roll < 0.98 and self.tracks:
            first = self.track_zipf.pick(rng)
            queue = self.tracks[first : first + rng.randint(3, 8)]
        elif self.videos:
            queue = [rng.choice(self.videos)]
        else:
            queue = [self.movies[self.movie_zipf.pick(rng)]]
        out: list[_Made] = []
        queue = queue[:room]
        for n, item in enumerate(queue):
            made = self._watch(viewer, device, session, item, at, 0.0, autoplay=n + 1 < len(queue))
            out.append(made)
            at = made.stopped_at + timedelta(seconds=rng.uniform(1, 12))
            if made.end_reason != "item_change" or at >= self.end:
                break
        return out

    def _resumed(self, earlier: _Made, when: datetime) -> _Made:
        rng = self.rng
        viewer, item = earlier.viewer, earlier.item
        assert item is not None and earlier.resumable_at is not None
        device = rng.choices(viewer.devices, weights=viewer.device_weights)[0]
        # Most resumes pick up where the play stopped (a few seconds back); some start over.
        start_at = 0.0 if rng.random() < 0.12 else max(0.0, earlier.resumable_at - rng.uniform(0, 10))
        session = f"{rng.getrandbits(128):032x}"
        return self._watch(viewer, device, session, item, when, start_at, autoplay=False)

    def _watch(
        self, viewer: Viewer, device: Device, session: str, item: Item, at: datetime, from_s: float, *, autoplay: bool
    ) -> _Made:
        rng = self.rng
        runtime = item.runtime_ticks / TICKS_PER_SECOND
        is_audio = item.type == "Audio"
        roll = rng.random()
        reason: EndReason
        if roll < (0.1 if is_audio else 0.06):
            end_s = from_s + rng.uniform(3, 28)  # a short play: sampled and left
            reason = "stopped"
        elif autoplay or roll < (0.85 if is_audio else 0.55) or from_s > runtime * 0.8:
            end_s = runtime if autoplay or rng.random() < 0.6 else runtime * rng.uniform(0.92, 0.99)
            reason = "item_change" if autoplay else ("ended" if end_s >= runtime else "stopped")
        else:
            end_s = rng.uniform(min(from_s + 120, runtime * 0.85), runtime * 0.9)
            reason = "stopped"
        end_s = min(end_s, runtime)
        subtitles = rng.random() < 0.05
        stream = _decide(item, device.kind, viewer.limit_bps, subtitles, rng)
        latest = stream
        if stream.play_method == "DirectPlay" and item.video_codec and rng.random() < 0.02:
            # The connection dropped mid-play: Emby switched to a transcode under a bitrate limit.
            latest = _decide(item, device.kind, 3_000_000, False, rng)
        startup = rng.uniform(0.5, 3.0) if stream.play_method != "Transcode" else rng.uniform(2.0, 8.0)
        segments, last, peak, t = self._segments(at + timedelta(seconds=startup), from_s, end_s, is_audio)
        if reason == "stopped" and rng.random() < 0.03:
            reason = "disappeared"
        partial = reason != "item_change" and end_s - from_s >= 60 and not is_audio and end_s < runtime * 0.9
        return _Made(
            viewer,
            device,
            session,
            item,
            None,
            at,
            segments,
            t + timedelta(seconds=rng.uniform(0.5, 10)),
            last,
            peak,
            stream,
            latest,
            reason,
            "webhook" if rng.random() < 0.08 else "live",
            last / TICKS_PER_SECOND if partial else None,
        )

    def _segments(
        self, at: datetime, from_s: float, end_s: float, is_audio: bool
    ) -> tuple[list[Segment], int, int, datetime]:
        """Playing stretches from `from_s` to `end_s` (content seconds) starting at `at`, cut by pauses and
        seeks: (segments, last position, furthest position, when playing stopped)."""
        rng = self.rng
        length = max(end_s - from_s, 0.0)
        expected = length / 3600 * (0.3 if is_audio else 1.3)
        cuts = 0
        while cuts < 6 and rng.random() < expected / (cuts + 1 + expected):
            cuts += 1
        points = sorted(rng.uniform(from_s, end_s) for _ in range(cuts)) if length > 30 else []
        segments: list[Segment] = []
        pos, t, peak = from_s, at, from_s
        for point in [*points, end_s]:
            if point < pos:
                continue
            finish = t + timedelta(seconds=point - pos)
            segments.append(Segment(t, finish, round(pos * TICKS_PER_SECOND), round(point * TICKS_PER_SECOND)))
            peak = max(peak, point)
            t, pos = finish, point
            if point >= end_s:
                break
            kind = rng.random()
            if kind < 0.7:  # a pause
                pause = rng.choice((rng.uniform(15, 180), rng.uniform(180, 1200), rng.uniform(1200, 5400)))
                t += timedelta(seconds=pause)
            elif kind < 0.9:  # a forward seek
                pos = min(end_s, pos + rng.uniform(20, 600))
                t += timedelta(seconds=rng.uniform(1, 3))
            else:  # back a little
                pos = max(0.0, pos - rng.uniform(10, 90))
                t += timedelta(seconds=rng.uniform(1, 2))
        return segments, round(pos * TICKS_PER_SECOND), round(peak * TICKS_PER_SECOND), t

    def _live_tv(self, viewer: Viewer, device: Device, session: str, at: datetime) -> _Made:
        rng = self.rng
        channel = LIVE_CHANNELS[min(int(rng.expovariate(0.35)), len(LIVE_CHANNELS) - 1)]
        length = rng.choice((rng.uniform(60, 1200), rng.uniform(1200, 7200), rng.uniform(7200, 14_400)))
        stream = Delivery(
            "Transcode",
            "transcode",
            "transcode",
            None,
            "mpeg2",
            "h264",
            "ac3",
            "aac",
            ("ContainerNotSupported",),
            8_000_000,
        )
        segments, last, peak, t = self._segments(at + timedelta(seconds=rng.uniform(2, 6)), 0.0, length, False)
        return _Made(
            viewer,
            device,
            session,
            None,
            channel,
            at,
            segments,
            t + timedelta(seconds=rng.uniform(0.5, 5)),
            last,
            peak,
            stream,
            stream,
            "stopped",
            "live",
        )

    # -- conversions ---------------------------------------------------------------------------------------------
    def play_id(self, made: _Made) -> str:
        item_id = made.item.id if made.item is not None else made.channel[0]  # type: ignore[index]
        return play_id_for(made.session_id, item_id, made.started_at)

    def play(self, made: _Made) -> Play:
        item, device, viewer = made.item, made.device, made.viewer
        if item is None:
            channel_id, channel_name = made.channel  # type: ignore[misc]
            context = PlayContext(
                user_id=viewer.id,
                item_id=channel_id,
                user_name=viewer.name,
                item_type="TvChannel",
                item_name=channel_name,
                client=device.kind.client,
                device_name=device.name,
                device_id=device.device_id,
                remote_address=device.address,
                application_version=device.kind.version,
                live_tv=True,
                stream=made.stream,
            )
        else:
            episode = item.series_id is not None
            context = PlayContext(
                user_id=viewer.id,
                item_id=item.id,
                user_name=viewer.name,
                item_type=item.type,
                item_name=item.name,
                series_id=item.series_id,
                series_name=item.series_name,
                season_number=item.season if episode else None,
                episode_number=item.episode if episode else None,
                runtime_ticks=item.runtime_ticks,
                client=device.kind.client,
                device_name=device.name,
                device_id=device.device_id,
                remote_address=device.address,
                application_version=device.kind.version,
                stream=made.stream,
            )
        play = Play(
            play_id=self.play_id(made),
            session_id=made.session_id,
            started_at=made.started_at,
            last_seen_at=made.stopped_at,
            context=context,
            stream_latest=made.latest,
            transcode_changed=made.latest is not made.stream,
            stopped_at=made.stopped_at,
            last_position_ticks=made.last_position,
            max_position_ticks=made.max_position,
            segments=made.segments,
            end_reason=made.end_reason,
            source=made.source,
        )
        # The tracker's rules 9 and 10 (accounting.settle), applied as it does when a play closes.
        play.completed = bool(item) and play.completion >= 0.9
        play.short = play.watch_seconds < self.min_play_seconds
        return play

    def plugin_row(self, made: _Made) -> tuple[object, ...]:
        """The row the Playback Reporting plugin writes for this play (one play method, whole seconds)."""
        item = made.item
        assert item is not None  # Live TV is not in the imported period
        stream = made.stream
        method: str = stream.play_method or "DirectPlay"
        if method == "Transcode" and self.rng.random() < 0.85:  # some clients send no TranscodingInfo
            video = "direct" if stream.video_method != "transcode" else stream.video_codec_to
            audio = "direct" if stream.audio_method != "transcode" else stream.audio_codec_to
            method = f"Transcode (v:{video} a:{audio})"
        wall = round((made.stopped_at - made.started_at).total_seconds())
        watched = round(sum(s.seconds for s in made.segments))
        return (
            plugin_date(made.started_at, UTC),
            made.viewer.id,
            item.id,
            item.type,
            item_name(self.world, item.id),
            method,
            made.device.kind.client,
            made.device.name,
            wall,
            max(0, wall - watched),
            made.device.address,
            " ".join(stream.transcode_reasons),
        )


# -- command line -------------------------------------------------------------------------------------------------
def _tier(name: str) -> Tier:
    try:
        return TIERS[name.upper()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"unknown tier {name!r} (one of {', '.join(TIERS)})") from None


def _day(text: str) -> date:
    return date.fromisoformat(text)


def add_tier_arguments(parser: argparse.ArgumentParser, default_tier: str = "M") -> None:
    parser.add_argument("--tier", type=_tier, default=TIERS[default_tier], help=f"one of {', '.join(TIERS)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", type=_day, default=None, help="the day the history ends (default: today, UTC)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where built tiers are kept (default: %(default)s)")


async def serve_emby(tier: Tier, seed: int, end: date, host: str, port: int) -> None:
    """The tier's library as a simulated Emby (no live sessions, no plugin), for the service under benchmark."""
    import uvicorn

    from emby_analytics.serving import bind
    from emby_analytics.simulator.server import create_simulator_app

    world = World.generate(world_spec(tier, seed, end), SystemClock())
    sim = Simulator(world, api_key=API_KEY)
    sock = bind(host, port)
    print(
        json.dumps({"url": f"http://{host}:{sock.getsockname()[1]}", "api_key": API_KEY, "items": len(world)}),
        flush=True,
    )
    config = uvicorn.Config(create_simulator_app(sim), log_config=None, access_log=False, lifespan="on")
    await uvicorn.Server(config).serve(sockets=[sock])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build a tier (or say where the cached one is)")
    add_tier_arguments(build_cmd)
    build_cmd.add_argument("--rebuild", action="store_true", help="build even when cached")
    list_cmd = commands.add_parser("list", help="the cached tiers")
    list_cmd.add_argument("--cache", type=Path, default=CACHE)
    emby = commands.add_parser("emby", help="serve a tier's library as a simulated Emby; prints its URL as JSON")
    add_tier_arguments(emby)
    emby.add_argument("--host", default="127.0.0.1")
    emby.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "list":
        for meta_path in sorted(args.cache.glob("*.json")):
            meta = json.loads(meta_path.read_text())
            print(
                f"{meta_path.stem}: {meta['plays']:,} plays, {meta['segments']:,} segments, {meta['items']:,} items, "
                f"{meta['db_bytes'] / 2**20:,.0f} MiB, built in {meta['build_seconds']} s"
            )
        return 0
    end = args.end or default_end()
    if args.command == "emby":
        asyncio.run(serve_emby(args.tier, args.seed, end, args.host, args.port))
        return 0
    built = ensure_tier(args.tier, args.seed, end, args.cache, rebuild=args.rebuild)
    meta = built.meta
    print(json.dumps(meta, indent=2))
    state = "built" if built.built_now else "cached"
    print(f"{state}: {built.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
