"""Library sync benchmark: a simulated Emby with realistic latency, and the real `emby-analytics sync` against it.

The simulator runs in this process (on a loopback port, in its own thread); the sync runs as a separate process,
exactly as a user would start it, so its memory is measured alone. Reports wall time, Emby calls, the most
requests Emby saw at once, and the sync process's memory over time; then an incremental sync after changing
1,000 items, and a full sync killed half-way and restarted.

The naive baseline (`benchmarks/naive_sync.py`) syncs the same library into its own database in the same run, as
its own process too: one page request at a time, each page written before the next is asked for.

    .venv/bin/python -m benchmarks.sync_bench [--items 150000] [--baseline-items N] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from emby_analytics.clock import SystemClock
from emby_analytics.serving import bind
from emby_analytics.simulator.server import LatencyConfig, Simulator, create_simulator_app
from emby_analytics.simulator.world import World, WorldSpec

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"


@dataclass
class Run:
    name: str
    seconds: float
    items_stored: int
    emby_calls: int
    items_calls: int
    max_concurrent: int
    peak_rss_mb: float
    rss_mb_by_quarter: list[float] = field(default_factory=list)
    exit_code: int = 0


class SimulatorThread:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.sock = bind("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_simulator_app(sim), log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])))

    def __enter__(self) -> SimulatorThread:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join()


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _items_stored(db_path: Path) -> int:
    """Live items in the sync's database; 0 when a killed sync had not created or migrated it yet."""
    if not db_path.exists():
        return 0
    with closing(sqlite3.connect(db_path)) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM items WHERE removed_at IS NULL").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def run_sync(
    name: str,
    sim_thread: SimulatorThread,
    db_path: Path,
    chunk: int,
    *,
    incremental: bool = False,
    kill_after: float | None = None,
    naive: bool = False,
    naive_max_items: int = 0,
) -> Run:
    env = {
        **os.environ,
        "EMBY_BASE_URL": sim_thread.url,
        "EMBY_API_KEY": sim_thread.sim.api_key,
        "SQLITE_PATH": str(db_path),
        "REFRESH_CHUNK_SIZE": str(chunk),
        "LOG_LEVEL": "warning",
        "NAIVE_MAX_ITEMS": str(naive_max_items),
    }
    if naive:
        command = [sys.executable, "-m", "benchmarks.naive_sync"]
    else:
        command = [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", "sync"]
        if incremental:
            command.append("--incremental")
    sim_thread.sim.metrics.reset()
    samples: list[float] = []
    started = time.perf_counter()
    # cwd: `benchmarks.naive_sync` is imported from the checkout, as `-m benchmarks...` is run from it.
    # stderr goes to a file: a pipe nobody reads while the sync runs could fill up and stall it.
    with (
        tempfile.TemporaryFile(mode="w+") as errors,
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors, text=True) as process,
    ):
        while process.poll() is None:
            samples.append(_rss_mb(process.pid))
            if kill_after is not None and time.perf_counter() - started > kill_after:
                process.send_signal(signal.SIGKILL)
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read()
    if process.returncode not in (0, -signal.SIGKILL):
        print(stderr, file=sys.stderr)
        raise SystemExit(f"{name}: sync exited with {process.returncode}")
    stored = _items_stored(db_path)
    metrics = sim_thread.sim.metrics
    samples = [s for s in samples if s > 0] or [0.0]
    quarters = [max(samples[i * len(samples) // 4 : max((i + 1) * len(samples) // 4, 1)] or [0.0]) for i in range(4)]
    return Run(
        name=name,
        seconds=round(seconds, 1),
        items_stored=stored,
        emby_calls=sum(metrics.by_endpoint.values()),
        items_calls=metrics.by_endpoint.get("/Items", 0),
        max_concurrent=metrics.max_in_flight,
        peak_rss_mb=round(max(samples), 1),
        rss_mb_by_quarter=[round(q, 1) for q in quarters],
        exit_code=process.returncode,
    )


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print its table, write `sync.json` into --out; returns the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=150_000)
    parser.add_argument("--chunk", type=int, default=100, help="REFRESH_CHUNK_SIZE")
    parser.add_argument("--latency-ms", type=float, default=120.0, help="latency of one /Items page request")
    parser.add_argument("--jitter-ms", type=float, default=40.0)
    parser.add_argument("--other-latency-ms", type=float, default=15.0, help="latency of every other request")
    parser.add_argument("--other-jitter-ms", type=float, default=5.0)
    parser.add_argument("--changed", type=int, default=1000, help="items changed before the incremental sync")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive one-page-at-a-time sync")
    parser.add_argument(
        "--baseline-items", type=int, default=0, help="stop the naive sync after this many items (0: all of them)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where sync.json goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write sync.json")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary databases")
    args = parser.parse_args(argv)

    clock = SystemClock()
    built = time.perf_counter()
    world = World.generate(WorldSpec.sized(args.items, seed=1), clock)
    build_seconds = time.perf_counter() - built
    latency = LatencyConfig(base_ms=args.other_latency_ms, jitter_ms=args.other_jitter_ms, seed=1)
    latency.set("/Items", args.latency_ms, args.jitter_ms)
    sim = Simulator(world, clock, api_key="benchmark-api-key-0123456789abcdef", latency=latency)

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sync-bench-", dir=args.work_dir) as tmp, SimulatorThread(sim) as thread:
        db = Path(tmp) / "emby.db"
        runs.append(run_sync("full sync", thread, db, args.chunk))
        if not args.no_baseline:
            # Before the items change, so both full syncs read the same library.
            subset = f", first {args.baseline_items:,} items" if args.baseline_items else ""
            runs.append(
                run_sync(
                    f"naive: one page at a time{subset}",
                    thread,
                    Path(tmp) / "naive.db",
                    args.chunk,
                    naive=True,
                    naive_max_items=args.baseline_items,
                )
            )
        world.touch_items([str(i) for i in world.all_ids()[: args.changed]])
        runs.append(run_sync(f"incremental, {args.changed} changed", thread, db, args.chunk, incremental=True))

        killed_db = Path(tmp) / "killed.db"
        half = runs[0].seconds / 2
        runs.append(run_sync("full sync killed half-way", thread, killed_db, args.chunk, kill_after=half))
        runs.append(run_sync("... restarted (resumes)", thread, killed_db, args.chunk, incremental=True))

    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "items_in_emby": len(world),
        "world_build_seconds": round(build_seconds, 1),
        "latency_ms_items_page": f"{args.latency_ms} ± {args.jitter_ms}",
        "latency_ms_other": f"{args.other_latency_ms} ± {args.other_jitter_ms}",
        "chunk": args.chunk,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
        "runs": [asdict(run) for run in runs],
    }
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "sync.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


def _naive_ratio(runs: list[dict[str, Any]]) -> str | None:
    """Naive / ours on the full sync, per item (the naive run may cover only a subset)."""
    ours = next((r for r in runs if r["name"] == "full sync"), None)
    naive = next((r for r in runs if str(r["name"]).startswith("naive")), None)
    if ours is None or naive is None or not ours["items_stored"] or not naive["items_stored"]:
        return None
    ours_rate = ours["items_stored"] / ours["seconds"]
    naive_rate = naive["items_stored"] / naive["seconds"]
    return (
        f"Naive / ours, same run: full sync ×{ours_rate / naive_rate:.1f} the time per item "
        f"(ours {ours_rate:,.0f} items/s, naive {naive_rate:,.0f} items/s, both including process start)."
    )


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Library: {report['items_in_emby']:,} items; /Items page latency {report['latency_ms_items_page']} ms; "
        f"REFRESH_CHUNK_SIZE={report['chunk']}; {report['machine']}",
        "",
        "| run | time (s) | items stored | Emby calls | /Items calls | max concurrent | peak RSS (MB) "
        "| RSS by quarter (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    runs: list[dict[str, Any]] = report["runs"]
    for run in runs:
        lines.append(
            f"| {run['name']} | {run['seconds']} | {run['items_stored']:,} | {run['emby_calls']:,} | "
            f"{run['items_calls']:,} | {run['max_concurrent']} | {run['peak_rss_mb']} | "
            f"{' / '.join(str(q) for q in run['rss_mb_by_quarter'])} |"
        )
    ratio = _naive_ratio(runs)
    return "\n".join([*lines, "", ratio] if ratio else lines)


if __name__ == "__main__":
    main()
