"""History import benchmark: N synthetic rows in the simulator's Playback Reporting database, imported by the real
`HistoryImport` into a fresh SQLite file (migrated like production), through the simulated plugin endpoint.

The simulated Emby runs in a process of its own on loopback, as a real Emby does; the service is built with
`create_app` in this process, on a fresh database, and its `HistoryImport` talks to that Emby over HTTP. Prints
rows/s for the whole import (plugin query + JSON + conversion + insert) and for the insert path alone (the per-page
write transactions: dedupe lookups, conversion, writes of plays; an imported play's one segment is derived from
its row, not stored), and the CPU time of each process.

The naive baseline runs the same rows through the same fetch and conversion in the same process, with the obvious
writer: each row on its own (a SELECT of its import key, a SELECT for an overlapping live play bounded in time as
ours is, SELECTs of the item's facts and the user's name, one INSERT of the play through the view `plays`), one
transaction per page as ours. Ours looks the page's keys, live spans and items up in a few IN queries and inserts
with one executemany.

    .venv/bin/python -m benchmarks.history_bench [--rows 200000] [--latency-ms 0] [--repeat 3] [--out DIR]

Each import runs --repeat times (each on a fresh database); the table shows the run of median time, and the
range of all of them (a VM's pace drifts by ±8 % from one run to the next).
    .venv/bin/python -m benchmarks.history_bench emby --rows N --seed S    (the simulated Emby it starts)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy import Connection, func, select

from benchmarks.stats_bench import cpu_seconds
from emby_analytics.app import create_app
from emby_analytics.clock import ManualClock
from emby_analytics.db.plays import DESCRIBED
from emby_analytics.db.schema import from_micros, play_rows, plays, segments, users
from emby_analytics.emby.models import TICKS_PER_SECOND
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.playback.history import plugin_date
from emby_analytics.simulator.server import LatencyConfig, Simulator
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.state import AppState
from emby_analytics.sync.history import _LIVE_SOURCES, _MAX_LIVE_SPAN, PAGE_SIZE, HistoryImport
from emby_analytics.sync.history_progress import ImportCounts
from emby_analytics.sync.history_rows import (
    PlayedItem,
    PluginRow,
    client_description,
    item_description,
    item_facts,
    stream_description,
    text_cell,
)
from emby_analytics.testing import service_settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
START = datetime(2026, 1, 15, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"
TARGET_ROWS_PER_S = 50_000
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

    def _write_page(self, conn: Connection, *, rows: list[PluginRow], rows_read: int, invalid: int) -> ImportCounts:
        started = time.perf_counter()
        try:
            return self._write_rows(conn, rows, rows_read, invalid)
        finally:
            self.write_seconds += time.perf_counter() - started

    def _write_rows(self, conn: Connection, rows: list[PluginRow], rows_read: int, invalid: int) -> ImportCounts:
        return super()._write_page(conn, rows=rows, rows_read=rows_read, invalid=invalid)


class NaiveImport(TimedImport):
    """The obvious writer: every row looked up and inserted on its own, through the view `plays` (whose trigger
    looks up or adds the play's descriptions); the same fetch and the same parsing."""

    def _write_rows(self, conn: Connection, rows: list[PluginRow], rows_read: int, invalid: int) -> ImportCounts:
        counts = ImportCounts(rows_read=rows_read, skipped_invalid=invalid)
        end = func.coalesce(plays.c.stopped_at, plays.c.last_seen_at)
        for row in rows:
            play_id = f"{row.play_id + (1 << 63):016x}"  # the stored id as text
            if conn.execute(select(play_rows.c.id).where(play_rows.c.id == play_id)).first() is not None:
                counts.skipped_duplicates += 1
                continue
            started, stopped = from_micros(row.started), from_micros(row.stopped)
            # Bounded below like ours (a live play spans at most _MAX_LIVE_SPAN): without it SQLite walks all of
            # the user's earlier plays per row, and the baseline would measure that plan instead of row-at-a-time.
            overlap = select(plays.c.id).where(
                plays.c.user_id == row.user_id,
                plays.c.item_id == row.item_id,
                plays.c.source.in_(_LIVE_SOURCES),
                plays.c.started_at >= started - _MAX_LIVE_SPAN,
                plays.c.started_at <= stopped,
                end >= started,
            )
            if conn.execute(overlap.limit(1)).first() is not None:
                counts.skipped_live_overlap += 1
                continue
            facts = item_facts(conn, [row.item_id]).get(row.item_id)
            name = conn.execute(select(users.c.name).where(users.c.id == row.user_id)).scalar_one_or_none()
            item_type = text_cell(row.item_type, 64)
            item = PlayedItem(
                0,
                facts.runtime_ticks if facts else None,
                item_type == "Audio",
                facts.video_codec if facts else None,
                facts.audio_codec if facts else None,
            )
            described = zip(
                (*DESCRIBED["play_items"], *DESCRIBED["play_clients"], *DESCRIBED["play_streams"]),
                (
                    *item_description(row.item_id, item_type, text_cell(row.item_name), facts),
                    *client_description(row.client, row.device, row.remote_address),
                    *stream_description(row.method, row.reasons, item),
                ),
                strict=True,
            )
            watch, runtime = row.watch_seconds, item.runtime_ticks
            conn.execute(
                plays.insert(),
                {
                    "id": play_id,
                    "view_id": play_id,
                    "source": "import",
                    "user_id": row.user_id,
                    "user_name": name,
                    **dict(described),
                    "started_at": started,
                    "stopped_at": stopped,
                    "last_seen_at": stopped,
                    "watch_seconds": float(watch),
                    "paused_seconds": float(row.pause_seconds),
                    "completed": bool(runtime) and watch * TICKS_PER_SECOND >= self.completed_share * runtime,
                    "short": watch < self.min_play_seconds,
                },
            )
            counts.plays_added += 1  # its segment is derived from the row, as ours (`db.schema.segment_rows`)
        return counts


def simulated_world(rows: int, seed: int) -> tuple[World, PlaybackHistory]:
    """The same library and plugin history in every process that asks (seeded)."""
    clock = ManualClock(START)
    world = World.generate(WorldSpec(movies=2000, series=40), clock)
    history = PlaybackHistory(world)
    history.add_rows(synthetic_rows(world, rows, clock.now(), seed=seed))
    return world, history


async def serve_emby(rows: int, seed: int, latency_ms: float) -> None:
    """The simulated Emby with the plugin's history, on a loopback port; prints {url, api_key} as JSON."""
    import uvicorn

    from emby_analytics.serving import bind
    from emby_analytics.simulator.server import create_simulator_app

    world, history = simulated_world(rows, seed)
    # --latency-ms: a wait before each answer, as a real Emby takes to run the query and send a page of rows.
    latency = LatencyConfig(base_ms=latency_ms) if latency_ms else None
    sim = Simulator(world, ManualClock(START), api_key=KEY, history=history, latency=latency)
    sock = bind("127.0.0.1", 0)
    print(json.dumps({"url": f"http://127.0.0.1:{sock.getsockname()[1]}", "api_key": KEY}), flush=True)
    config = uvicorn.Config(create_simulator_app(sim), log_config=None, access_log=False, lifespan="on")
    await uvicorn.Server(config).serve(sockets=[sock])


@contextmanager
def emby_process(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    """`serve_emby` in a process of its own: (its URL, its pid)."""
    command = [sys.executable, "-m", "benchmarks.history_bench", "emby", "--rows", str(args.rows)]
    command += ["--seed", str(args.seed), "--latency-ms", str(args.latency_ms)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"the simulated Emby did not start (exit {process.wait()})")
            yield json.loads(line)["url"], process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Run:
    name: str
    rows: int
    plays_stored: int
    segments_stored: int
    plays_added: int
    skipped: int  # duplicates + live overlaps + invalid rows: 0 on this synthetic history
    emby_calls: int
    whole_seconds: float
    whole_rows_per_s: float
    cpu_seconds: float  # the service's CPU time during the import (this process, all threads)
    emby_cpu_seconds: float  # the simulated Emby's (its own process): what a real Emby would spend
    insert_seconds: float
    insert_rows_per_s: float
    runs: int = 1  # of which this is the one of median time
    slowest_rows_per_s: int = 0
    fastest_rows_per_s: int = 0


async def run_once(name: str, importer: type[TimedImport], emby: tuple[str, int], n: int, tmp: Path) -> Run:
    url, emby_pid = emby
    settings = service_settings(
        tmp / re.sub(r"\W+", "-", name) / "emby.db",  # a fresh database per run
        api_key=KEY,
        EMBY_BASE_URL=url,
        HISTORY_DAYS="0",
        TZ="UTC",
        LOG_LEVEL="warning",
    )
    clock = ManualClock(START)
    app = create_app(settings, clock=clock, run_jobs=False)
    async with app.router.lifespan_context(app):
        state: AppState = app.state.emby_analytics
        job = importer(
            state.db,
            state.emby,
            clock,
            history_days=settings.history_days,
            zone=settings.zone,
            completed_percent=settings.completed_percent,
            min_play_seconds=settings.min_play_seconds,
        )
        emby_cpu = cpu_seconds(emby_pid)
        started, cpu = time.perf_counter(), time.process_time()
        result = await job.run()
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        emby_cpu = cpu_seconds(emby_pid) - emby_cpu

        def count(conn: Connection) -> tuple[int, int]:
            n_plays = conn.execute(select(func.count()).select_from(plays)).scalar_one()
            return n_plays, conn.execute(select(func.count()).select_from(segments)).scalar_one()

        stored, stored_segments = await state.db.read(count)
    return Run(
        name=name,
        rows=result.rows_read,
        plays_stored=stored,
        segments_stored=stored_segments,
        plays_added=result.plays_added,
        skipped=result.skipped_duplicates + result.skipped_live_overlap + result.skipped_invalid,
        emby_calls=result.emby_calls,
        whole_seconds=round(total, 2),
        whole_rows_per_s=round(n / total),
        cpu_seconds=round(cpu, 2),
        emby_cpu_seconds=round(emby_cpu, 2),
        insert_seconds=round(job.write_seconds, 2),
        insert_rows_per_s=round(n / job.write_seconds) if job.write_seconds else 0,
    )


async def median_run(
    name: str, importer: type[TimedImport], emby: tuple[str, int], args: argparse.Namespace, tmp: Path
) -> Run:
    """`--repeat` runs (each on a fresh database); the one of median time, with the range of all."""
    runs = [await run_once(f"{name}:{i}", importer, emby, args.rows, tmp) for i in range(args.repeat)]
    runs.sort(key=lambda run: run.whole_rows_per_s)
    median = runs[len(runs) // 2]
    median.name, median.runs = name, len(runs)
    median.slowest_rows_per_s, median.fastest_rows_per_s = runs[0].whole_rows_per_s, runs[-1].whole_rows_per_s
    return median


async def amain(args: argparse.Namespace) -> dict[str, object]:
    runs: list[Run] = []
    with (
        tempfile.TemporaryDirectory(prefix="history-bench-", dir=args.work_dir) as tmp,
        emby_process(args) as emby,
    ):
        runs.append(await median_run("ours: batched page writer", TimedImport, emby, args, Path(tmp)))
        if not args.no_baseline:
            runs.append(await median_run("naive: row at a time", NaiveImport, emby, args, Path(tmp)))
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "rows": args.rows,
        "seed": args.seed,
        "latency_ms": args.latency_ms,
        "page_size": PAGE_SIZE,
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}",
        "runs": [asdict(run) for run in runs],
    }


def markdown(report: dict[str, object]) -> str:
    runs: list[dict[str, object]] = report["runs"]  # type: ignore[assignment]
    lines = [
        f"History import: {report['rows']:,} Playback Reporting rows, pages of {report['page_size']:,}, the simulated "
        f"Emby in its own process; {report['machine']}",
        "",
        "| writer | rows | plays + segments stored | Emby calls | whole import | runs: slowest – fastest "
        "| service CPU | Emby CPU | insert path |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run['name']} | {run['rows']:,} | {run['plays_stored']:,} + {run['segments_stored']:,} "
            f"| {run['emby_calls']:,} | {run['whole_seconds']} s = {run['whole_rows_per_s']:,} rows/s "
            f"| {run['runs']}: {run['slowest_rows_per_s']:,} – {run['fastest_rows_per_s']:,} rows/s "
            f"| {run['cpu_seconds']} s | {run['emby_cpu_seconds']} s "
            f"| {run['insert_seconds']} s = {run['insert_rows_per_s']:,} rows/s |"
        )
    ours = runs[0]
    summary = (
        f"Target ≥ {TARGET_ROWS_PER_S:,} rows/s: ours {ours['whole_rows_per_s']:,} rows/s whole, "
        f"{ours['insert_rows_per_s']:,} rows/s on the insert path."
    )
    if len(runs) > 1:
        naive = runs[-1]
        whole = float(naive["whole_seconds"]) / float(ours["whole_seconds"])  # type: ignore[arg-type]
        insert = float(naive["insert_seconds"]) / float(ours["insert_seconds"])  # type: ignore[arg-type]
        summary = f"Naive / ours, same run: whole import ×{whole:.1f}, insert path ×{insert:.1f}. " + summary
    return "\n".join([*lines, "", summary])


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print its table, write `history.json` into --out; returns the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=["emby"], help="emby: serve the simulated Emby only")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added before each simulated Emby answer")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import; the median one is shown")
    parser.add_argument("--no-baseline", action="store_true", help="skip the row-at-a-time run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where history.json goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write history.json")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary databases")
    args = parser.parse_args(argv)
    if args.command == "emby":
        asyncio.run(serve_emby(args.rows, args.seed, args.latency_ms))
        return {}
    report = asyncio.run(amain(args))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "history.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


if __name__ == "__main__":
    main()
