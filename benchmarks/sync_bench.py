"""Library sync benchmark: a simulated Emby with realistic latency, and the real `emby-analytics sync` against it.

The simulator runs in this process (on a loopback port, in its own thread); the sync runs as a separate process,
exactly as a user would start it, so its memory is measured alone. Reports wall time, Emby calls, the most
requests Emby saw at once, and the sync process's memory over time; then an incremental sync after changing
1,000 items, and a full sync killed half-way and restarted.

    .venv/bin/python -m benchmarks.sync_bench --items 150000
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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import uvicorn

from emby_analytics.clock import SystemClock
from emby_analytics.demo import bind_loopback
from emby_analytics.simulator.server import LatencyConfig, Simulator, create_simulator_app
from emby_analytics.simulator.world import World, WorldSpec

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
        self.sock = bind_loopback("127.0.0.1", 0)
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


def run_sync(
    name: str,
    sim_thread: SimulatorThread,
    db_path: Path,
    chunk: int,
    *,
    incremental: bool = False,
    kill_after: float | None = None,
) -> Run:
    env = {
        **os.environ,
        "EMBY_BASE_URL": sim_thread.url,
        "EMBY_API_KEY": sim_thread.sim.api_key,
        "SQLITE_PATH": str(db_path),
        "REFRESH_CHUNK_SIZE": str(chunk),
        "LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", "sync"]
    if incremental:
        command.append("--incremental")
    sim_thread.sim.metrics.reset()
    samples: list[float] = []
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while process.poll() is None:
        samples.append(_rss_mb(process.pid))
        if kill_after is not None and time.perf_counter() - started > kill_after:
            process.send_signal(signal.SIGKILL)
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read() if process.stderr else ""
    if process.returncode not in (0, -signal.SIGKILL):
        print(stderr, file=sys.stderr)
        raise SystemExit(f"{name}: sync exited with {process.returncode}")
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM items WHERE removed_at IS NULL").fetchone()[0]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=150_000)
    parser.add_argument("--chunk", type=int, default=100, help="REFRESH_CHUNK_SIZE")
    parser.add_argument("--latency-ms", type=float, default=120.0, help="latency of one /Items page request")
    parser.add_argument("--jitter-ms", type=float, default=40.0)
    parser.add_argument("--changed", type=int, default=1000, help="items changed before the incremental sync")
    args = parser.parse_args()

    clock = SystemClock()
    built = time.perf_counter()
    world = World.generate(WorldSpec.sized(args.items, seed=1), clock)
    build_seconds = time.perf_counter() - built
    latency = LatencyConfig(base_ms=15, jitter_ms=5, seed=1)
    latency.set("/Items", args.latency_ms, args.jitter_ms)
    sim = Simulator(world, clock, api_key="benchmark-api-key-0123456789abcdef", latency=latency)

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp, SimulatorThread(sim) as sim_thread:
        db = Path(tmp) / "emby.db"
        runs.append(run_sync("full sync", sim_thread, db, args.chunk))
        world.touch_items([str(i) for i in world.all_ids()[: args.changed]])
        runs.append(run_sync(f"incremental, {args.changed} changed", sim_thread, db, args.chunk, incremental=True))

        killed_db = Path(tmp) / "killed.db"
        half = runs[0].seconds / 2
        runs.append(run_sync("full sync killed half-way", sim_thread, killed_db, args.chunk, kill_after=half))
        runs.append(run_sync("... restarted (resumes)", sim_thread, killed_db, args.chunk, incremental=True))

    report = {
        "items_in_emby": len(world),
        "world_build_seconds": round(build_seconds, 1),
        "latency_ms_items_page": f"{args.latency_ms} ± {args.jitter_ms}",
        "chunk": args.chunk,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
        "runs": [asdict(run) for run in runs],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sync.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))


def markdown(report: dict[str, object]) -> str:
    lines = [
        f"Library: {report['items_in_emby']:,} items; /Items page latency {report['latency_ms_items_page']} ms; "
        f"REFRESH_CHUNK_SIZE={report['chunk']}; {report['machine']}",
        "",
        "| run | time (s) | items stored | Emby calls | /Items calls | max concurrent | peak RSS (MB) "
        "| RSS by quarter (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in report["runs"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {run['name']} | {run['seconds']} | {run['items_stored']:,} | {run['emby_calls']:,} | "
            f"{run['items_calls']:,} | {run['max_concurrent']} | {run['peak_rss_mb']} | "
            f"{' / '.join(str(q) for q in run['rss_mb_by_quarter'])} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
