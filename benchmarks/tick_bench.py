"""Live tick benchmark: 200 concurrent sessions in the simulator, the real service's session feed polling them.

The service is built by the in-process harness (`emby_analytics.testing.running_service`: lifespan, real SQLite
file in a temp dir, migrations, `build_state`) and talks to the in-process simulator through `httpx.ASGITransport`;
a `ManualClock` shared by both moves 5 s per tick, and ticks run back to back. Each slot of the 200 keeps one
session busy: a user on a device plays 1-3 items (autoplay item changes), pauses, seeks, transcodes or switches
transcode mid-play, then stops (the idle session lingers), runs to the natural end, or vanishes; the next session
on that slot starts seconds later. Play lengths are compressed (1.5-15 min of content) so plays open and close
inside the run.

Per tick it measures (a) the whole `state.feed.poll()` (GET /Sessions through the simulator, parse, tracker,
commit) and (b) tick -> commit: the recorder's `on_snapshot(snapshot)`, from the snapshot in hand to the
transaction committed. The app's `PlayRecorder` is swapped on the feed for `BenchRecorder`, the same class with a
stopwatch. "Updates" are the rows the tick upserts: one play row per changed play plus every segment row of those
plays. The same run is repeated with a naive writer (one transaction per play instead of one per tick) so the
ratio comes from one run.

The simulated world and its scripts live in this process but not in a real service's: they are built first and
frozen out of the garbage collector (`gc.freeze()`) before the service starts, so full collections scan what the
service would scan (without that, each gen-2 collection scans the simulator's heap too and adds ~35 ms to one tick
in ten or so; `--no-freeze` shows it). Gen-2 collections inside the measured ticks are counted and reported.

    .venv/bin/python -m benchmarks.tick_bench [--sessions 200] [--ticks 300] [--warmup 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy

from emby_analytics.clock import ManualClock
from emby_analytics.db.engine import Database
from emby_analytics.feed import Snapshot
from emby_analytics.simulator.playback import (
    Action,
    ChangeTranscode,
    Device,
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    PlayMethod,
    Resume,
    Seek,
    Stop,
    Transcode,
)
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import AUDIO, MOVIE, World, WorldSpec
from emby_analytics.testing import running_service, service_settings
from emby_analytics.tracking.model import TickResult, TrackerConfig
from emby_analytics.tracking.recorder import PlayRecorder
from emby_analytics.tracking.webhooks import Receipt

RESULTS = Path(__file__).parent / "results"
API_KEY = "benchmark-api-key-0123456789abcdef"
START = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)
TICK_SECONDS = 5.0
TICKS_PER_SECOND = 10_000_000

# (client, device name, app version, report interval seconds)
_DEVICE_KINDS: tuple[tuple[str, str, str, float], ...] = (
    ("Roku SG", "Roku Ultra", "4.1.31", 10.0),
    ("Emby Web", "Chrome Windows", "4.8.10.0", 0.0),
    ("Emby for Android", "Pixel 8", "3.4.20", 5.0),
    ("Emby for Apple TV", "Living Room Apple TV", "2.2.7", 1.0),
    ("Emby Theater", "HTPC", "3.0.20", 2.0),
    ("Emby for Samsung", "Samsung QN90", "2.1.5", 10.0),
)
_TRANSCODES: tuple[Transcode, ...] = (
    Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",)),
    Transcode(reasons=("VideoCodecNotSupported",), width=1920, height=1080, bitrate=8_000_000),
    Transcode(reasons=("ContainerBitrateExceedsLimit",), width=1280, height=720, bitrate=3_000_000, hardware=True),
    Transcode(reasons=("SubtitleCodecNotSupported",), bitrate=10_000_000),
    Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",), report_info=False),
)


# -- the simulated load ----------------------------------------------------------------------------
class Load:
    """Deterministic scripts for `sessions` slots, covering `horizon` seconds from START."""

    def __init__(self, world: World, sessions: int, horizon: float, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.users = [u.id for u in world.users if not u.is_disabled]
        self.movies = [str(i) for i in world.ids_of_type(MOVIE) if _runtime(world, str(i)) > 900]
        self.audio = [str(i) for i in world.ids_of_type(AUDIO) if _runtime(world, str(i)) > 60]
        self.seasons: list[list[str]] = []
        for series in world.ids_of_type("Series"):
            for season in world.children(series):
                episodes = [str(e) for e in world.children(season) if _runtime(world, str(e)) > 600]
                if episodes:
                    self.seasons.append(episodes)
        self.scripts: list[PlaybackScript] = []
        for slot in range(sessions):
            user = self.users[slot % len(self.users)]
            client, name, version, interval = _DEVICE_KINDS[self.rng.randrange(len(_DEVICE_KINDS))]
            device = Device(
                client=client,
                device_name=f"{name} {slot}",
                device_id=f"{slot:08x}-0000-4000-8000-{self.rng.getrandbits(48):012x}",
                app_version=version,
                remote_address=f"10.{slot // 250}.{slot % 250}.{self.rng.randint(2, 250)}",
                internal_id=1000 + slot,
            )
            start = START + timedelta(seconds=self.rng.uniform(0, 20))
            while (start - START).total_seconds() < horizon:
                script, ends = self._script(user, device, interval, start)
                self.scripts.append(script)
                start = ends + timedelta(seconds=self.rng.uniform(1, 8))
        self.scripts.sort(key=lambda s: s.start)

    def _items(self) -> list[str]:
        roll = self.rng.random()
        if roll < 0.5 and self.seasons:
            episodes = self.rng.choice(self.seasons)
            first = self.rng.randrange(len(episodes))
            return episodes[first : first + self.rng.choice((1, 1, 2, 3))]
        if roll > 0.93 and self.audio:
            return [self.rng.choice(self.audio) for _ in range(self.rng.randint(2, 3))]
        return [self.rng.choice(self.movies)]

    def _method(self) -> tuple[PlayMethod, Transcode | None]:
        roll = self.rng.random()
        if roll < 0.65:
            return "DirectPlay", None
        if roll < 0.78:
            return "DirectStream", None
        return "Transcode", self.rng.choice(_TRANSCODES)

    def _script(self, user: str, device: Device, interval: float, start: datetime) -> tuple[PlaybackScript, datetime]:
        """One session: 1-3 items, then Stop (idle lingers), a natural end, or gone. Returns it and its stop time."""
        rng = self.rng
        actions: list[Action] = []
        wall = rng.uniform(0.5, 4)
        items = self._items()
        ending = rng.choices(("stop", "natural", "gone"), weights=(70, 18, 12))[0]
        for n, item_id in enumerate(items):
            runtime = _runtime(self.world, item_id)
            video = (rec := self.world.item(item_id)) is not None and rec.type != AUDIO
            last = n == len(items) - 1
            watch = min(runtime - 1, rng.uniform(90, 900)) if video else runtime
            pos = rng.uniform(0, runtime - watch) if rng.random() < 0.3 else 0.0
            if (ending == "natural" and last) or n < len(items) - 1:
                pos = max(0.0, runtime - watch)  # plays to the end: the next item autoplays or the session ends
            method, transcode = self._method() if video else ("DirectPlay", None)
            actions.append(Play(wall, item_id, pos, method, transcode))
            wall += self._events(actions, wall, watch, video)
            if n < len(items) - 1:
                wall += rng.uniform(1, 10)  # next-up countdown, then autoplay (item change)
        if ending == "stop":
            actions.append(Stop(wall))
            actions.append(Disappear(wall + rng.uniform(10, 120)))  # the app stays open, idle, for a while
        elif ending == "gone":
            actions.append(Disappear(wall))
        else:
            actions.append(Disappear(wall + 5 + rng.uniform(10, 60)))
        return PlaybackScript(user, start, tuple(actions), device, interval), start + timedelta(seconds=wall)

    def _events(self, actions: list[Action], wall: float, watch: float, video: bool) -> float:
        """Pauses, seeks and transcode changes inside `watch` seconds of playing; returns the wall time used."""
        rng = self.rng
        kinds = ["pause"] * rng.choice((0, 0, 1, 1, 2))
        if video and rng.random() < 0.25:
            kinds.append("seek")
        if video and rng.random() < 0.08:
            kinds.append("transcode")
        used, played = 0.0, 0.0
        for offset, kind in sorted((rng.uniform(5, watch - 5), k) for k in kinds if watch > 10):
            used += offset - played
            played = offset
            if kind == "pause":
                actions.append(Pause(wall + used))
                used += rng.uniform(5, 120)
                actions.append(Resume(wall + used))
            elif kind == "seek":
                actions.append(Seek(wall + used, rng.uniform(0, 600)))
            else:
                actions.append(ChangeTranscode(wall + used, "Transcode", rng.choice(_TRANSCODES)))
        return used + (watch - played)


def _runtime(world: World, item_id: str) -> float:
    rec = world.item(item_id)
    return rec.runtime / TICKS_PER_SECOND if rec is not None else 0.0


# -- the measured recorder ---------------------------------------------------------------------------
class BenchRecorder(PlayRecorder):
    """The app's PlayRecorder, timed; `per_play=True` is the naive writer (one transaction per play)."""

    def __init__(self, db: Database, config: TrackerConfig, *, resume_window: timedelta, per_play: bool) -> None:
        super().__init__(db, config, resume_window=resume_window)
        self.per_play = per_play
        self.tick_seconds: list[float] = []
        self.play_rows = 0
        self.segment_rows = 0
        self.opened = 0
        self.closed = 0
        self.playing: list[int] = []

    async def on_snapshot(self, snapshot: Snapshot) -> None:
        started = time.perf_counter()
        await super().on_snapshot(snapshot)
        self.tick_seconds.append(time.perf_counter() - started)
        self.playing.append(len(snapshot.sessions.playing))

    async def _commit(self, result: TickResult, receipt: Receipt | None = None) -> None:
        self.play_rows += len(result.changed)
        self.segment_rows += sum(len(play.segments) for play in result.changed)
        self.opened += len(result.opened)
        self.closed += len(result.closed)
        if not self.per_play or receipt is not None:
            await super()._commit(result, receipt)
            return
        for play in result.changed:
            one = TickResult(
                changed=[play],
                opened=[p for p in result.opened if p is play],
                closed=[p for p in result.closed if p is play],
            )
            await super()._commit(one)

    def reset(self) -> None:
        self.tick_seconds.clear()
        self.playing.clear()
        self.play_rows = self.segment_rows = self.opened = self.closed = 0


@dataclass
class Stats:
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


@dataclass
class Run:
    name: str
    ticks: int
    playing_sessions_mean: float
    playing_sessions_min: int
    poll: Stats
    tick_to_commit: Stats
    plays_opened: int
    plays_closed: int
    play_rows: int
    segment_rows: int
    updates_per_s_commit: float  # rows / seconds spent in tick -> commit
    updates_per_s_sustained: float  # rows / wall seconds of the whole run (back-to-back polls)
    wall_seconds: float
    plays_in_db: int
    segments_in_db: int
    db_bytes: int
    bytes_per_play: float
    vacuumed_bytes_per_play: float  # the same database after VACUUM: content, without free space inside pages
    tracker_state_bytes_per_open_play: float
    rss_mb: float
    peak_rss_mb: float
    gc_gen2_collections: int
    gc_gen2_max_ms: float
    frozen_objects: int
    subscriber_errors: int  # snapshots the recorder failed on (the feed counts and logs them)


def _stats(seconds: list[float]) -> Stats:
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))] * 1000

    return Stats(
        p50_ms=round(rank(0.50), 2),
        p99_ms=round(rank(0.99), 2),
        max_ms=round(ordered[-1] * 1000, 2),
        mean_ms=round(sum(ordered) / len(ordered) * 1000, 2),
    )


class GcWatch:
    """Full (generation 2) collections and their pauses, while `active`."""

    def __init__(self) -> None:
        self.active = False
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2 or not self.active:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)


def _memory_mb() -> tuple[float, float]:
    rss = peak = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return round(rss, 1), round(peak, 1)


async def run_once(name: str, args: argparse.Namespace, tmp: Path, *, per_play: bool) -> Run:
    clock = ManualClock(START)
    spec = WorldSpec(
        seed=args.seed,
        users=args.users,
        movies=1500,
        series=60,
        seasons_per_series=3,
        episodes_per_season=10,
        music_tracks=300,
        other=10,
        start=START,
    )
    world = World.generate(spec, clock)
    horizon = (args.warmup + args.ticks) * TICK_SECONDS + 60
    load = Load(world, args.sessions, horizon, seed=args.seed)
    sim = Simulator(world, clock, api_key=API_KEY)
    for script in load.scripts:
        sim.sessions.add_script(script)
    del load
    gc.collect()
    frozen = 0
    if not args.no_freeze:
        gc.freeze()  # the simulator's world is not part of a real service's heap (see the module docstring)
        frozen = gc.get_freeze_count()

    settings = service_settings(
        tmp / name.split(":")[0] / "emby.db",
        api_key=API_KEY,
        NOW_POLL_SEC=str(int(TICK_SECONDS)),
        EMBY_WEBSOCKET="false",
        LOG_LEVEL="warning",
    )
    async with running_service(settings, sim, clock) as service:
        state = service.state
        feed, app_recorder = state.feed, state.recorder
        recorder = BenchRecorder(
            state.db, app_recorder.config, resume_window=app_recorder.resume_window, per_play=per_play
        )
        await recorder.start()
        # The timed recorder takes the app's place on the feed: every poll reaches exactly one recorder.
        feed.unsubscribe(app_recorder.on_snapshot)
        feed.subscribe(recorder.on_snapshot)
        poll_seconds: list[float] = []
        watch = GcWatch()
        gc.callbacks.append(watch)
        deadline = math.inf
        wall_started = time.perf_counter()
        for n in range(args.warmup + args.ticks):
            if n == args.warmup:
                recorder.reset()
                poll_seconds.clear()
                watch.active = True
                wall_started = time.perf_counter()
                deadline = wall_started + args.max_seconds
            elif time.perf_counter() > deadline:
                print(f"{name}: stopped after {len(poll_seconds)} ticks (--max-seconds)", file=sys.stderr)
                break
            clock.advance(TICK_SECONDS)
            started = time.perf_counter()
            await feed.poll()
            poll_seconds.append(time.perf_counter() - started)
        wall = time.perf_counter() - wall_started
        watch.active = False
        gc.callbacks.remove(watch)
        rss, peak = _memory_mb()
        db_path = state.db.path
        # The feed logs and counts a subscriber's failure instead of raising: a benchmark must not hide one.
        errors = feed.subscriber_errors
    gc.unfreeze()
    vacuumed = db_path.with_name("vacuumed.db")
    conn = sqlite3.connect(db_path)
    try:  # the app closed its connections: fold the WAL in, then measure the file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        n_plays = conn.execute("SELECT count(*) FROM plays").fetchone()[0]
        n_segments = conn.execute("SELECT count(*) FROM segments").fetchone()[0]
        state_bytes, n_open = conn.execute(
            "SELECT coalesce(sum(length(tracker_state)), 0), count(tracker_state) FROM plays"
        ).fetchone()
        conn.execute("VACUUM INTO ?", (str(vacuumed),))
    finally:
        conn.close()
    db_bytes = db_path.stat().st_size
    rows = recorder.play_rows + recorder.segment_rows
    return Run(
        name=name,
        ticks=len(recorder.tick_seconds),
        playing_sessions_mean=round(sum(recorder.playing) / len(recorder.playing), 1),
        playing_sessions_min=min(recorder.playing),
        poll=_stats(poll_seconds),
        tick_to_commit=_stats(recorder.tick_seconds),
        plays_opened=recorder.opened,
        plays_closed=recorder.closed,
        play_rows=recorder.play_rows,
        segment_rows=recorder.segment_rows,
        updates_per_s_commit=round(rows / sum(recorder.tick_seconds)),
        updates_per_s_sustained=round(rows / wall),
        wall_seconds=round(wall, 1),
        plays_in_db=n_plays,
        segments_in_db=n_segments,
        db_bytes=db_bytes,
        bytes_per_play=round(db_bytes / n_plays) if n_plays else 0.0,
        vacuumed_bytes_per_play=round(vacuumed.stat().st_size / n_plays) if n_plays else 0.0,
        tracker_state_bytes_per_open_play=round(state_bytes / n_open) if n_open else 0.0,
        rss_mb=rss,
        peak_rss_mb=peak,
        gc_gen2_collections=len(watch.pauses),
        gc_gen2_max_ms=round(max(watch.pauses, default=0.0) * 1000, 1),
        frozen_objects=frozen,
        subscriber_errors=errors,
    )


def markdown(report: dict[str, object]) -> str:
    runs: list[dict[str, object]] = report["runs"]  # type: ignore[assignment]
    lines = [
        f"Live tick: {report['sessions']} sessions, {report['ticks']} ticks of {TICK_SECONDS:g} s after "
        f"{report['warmup']} warm-up ticks; {report['machine']}",
        "",
        "| writer | playing (mean/min) | poll p50 / p99 / max (ms) | tick→commit p50 / p99 / max (ms) "
        "| plays opened / closed | rows (plays + segments) | updates/s (commit time) | updates/s (sustained) "
        "| DB (KiB) | bytes/play (file / vacuumed) | gen-2 GCs (max ms) | RSS / peak (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        poll: dict[str, float] = run["poll"]  # type: ignore[assignment]
        tick: dict[str, float] = run["tick_to_commit"]  # type: ignore[assignment]
        lines.append(
            f"| {run['name']} ({run['ticks']} ticks) | {run['playing_sessions_mean']} / {run['playing_sessions_min']} "
            f"| {poll['p50_ms']} / {poll['p99_ms']} / {poll['max_ms']} "
            f"| {tick['p50_ms']} / {tick['p99_ms']} / {tick['max_ms']} "
            f"| {run['plays_opened']} / {run['plays_closed']} "
            f"| {run['play_rows']:,} + {run['segment_rows']:,} "
            f"| {run['updates_per_s_commit']:,} | {run['updates_per_s_sustained']:,} "
            f"| {int(run['db_bytes']) // 1024:,} "  # type: ignore[call-overload]
            f"| {run['bytes_per_play']:,} / {run['vacuumed_bytes_per_play']:,} "
            f"| {run['gc_gen2_collections']} ({run['gc_gen2_max_ms']}) "
            f"| {run['rss_mb']} / {run['peak_rss_mb']} |"
        )
    ours, naive = runs[0], runs[-1]
    if len(runs) > 1:
        t_ours: dict[str, float] = ours["tick_to_commit"]  # type: ignore[assignment]
        t_naive: dict[str, float] = naive["tick_to_commit"]  # type: ignore[assignment]
        lines += [
            "",
            f"Naive / ours, same run: tick→commit p50 ×{t_naive['p50_ms'] / t_ours['p50_ms']:.1f}, "
            f"p99 ×{t_naive['p99_ms'] / t_ours['p99_ms']:.1f}. Targets: tick→commit p99 ≤ 50 ms "
            f"(ours {t_ours['p99_ms']} ms), ≥ 2,000 updates/s sustained (ours {ours['updates_per_s_sustained']:,}/s).",
        ]
    failed = sum(int(run["subscriber_errors"]) for run in runs)  # type: ignore[call-overload]
    if failed:
        lines += ["", f"**{failed} snapshots failed in the recorder** (see the log above): these numbers are void."]
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> dict[str, object]:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="tick-bench-", dir=args.work_dir) as tmp:
        runs.append(await run_once("ours: one transaction per tick", args, Path(tmp), per_play=False))
        if not args.no_baseline:
            runs.append(await run_once("naive: one transaction per play", args, Path(tmp), per_play=True))
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "sessions": args.sessions,
        "users": args.users,
        "ticks": args.ticks,
        "warmup": args.warmup,
        "tick_seconds": TICK_SECONDS,
        "seed": args.seed,
        "gc_freeze": not args.no_freeze,
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}",
        "runs": [asdict(run) for run in runs],
    }


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print its table, write `tick.json` into --out; returns the report (the smoke test's)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--users", type=int, default=120)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-transaction-per-play run")
    parser.add_argument("--no-freeze", action="store_true", help="leave the simulator's heap to the GC")
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="stop a run's measured ticks after this long (slow machines)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where tick.json goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write tick.json")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary databases")
    args = parser.parse_args(argv)
    report = asyncio.run(amain(args))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "tick.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


if __name__ == "__main__":
    main()
