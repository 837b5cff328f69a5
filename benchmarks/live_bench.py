"""Live view benchmark (issue 9): many browsers on `/now/stream` of one real `serve` process on loopback, the
simulated Emby (in this process) changing what plays about once a second.

Measured, with `--clients` browsers connected (SSE, read by light raw-socket clients of this process):
- delivery: for every view, the time from the snapshot it shows (`at` of its cards) to its arrival at each
  browser, p50/p99/max over all deliveries, and per view the time until the last browser has it;
- the server's CPU (its process, from /proc) per second of wall time, idle (no browser) and with the browsers;
- its resident memory before, with the browsers, and after `--cycles` connect / first view / disconnect cycles,
  with the hub's count of live views afterwards (it must be back at 0: nothing leaks).
The naive baseline: the same browsers polling `/now/snapshot` once a second (a dashboard without push), same run.

    .venv/bin/python -m benchmarks.live_bench [--clients 1000] [--seconds 20] [--cycles 10000] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.stats_bench import cpu_seconds, starting
from emby_analytics.serving import bind
from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import live_simulator

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"
API_KEY = "9" * 32
ADMIN_TOKEN = "live-bench-admin-token-0123"
HOST = "127.0.0.1"


@dataclass
class Delivery:
    arrivals: list[float] = field(default_factory=list)  # seconds from a view's snapshot to its arrival
    last_by_view: dict[str, float] = field(default_factory=dict)  # view (its cards' `at`) → the latest arrival
    moments: dict[str, float] = field(default_factory=dict)  # `at` → seconds since 1970, parsed once per view

    def add(self, at: str, arrived: float) -> None:
        if at not in self.moments:
            self.moments[at] = datetime.fromisoformat(at).timestamp()
        seconds = arrived - self.moments[at]
        self.arrivals.append(seconds)
        self.last_by_view[at] = max(seconds, self.last_by_view.get(at, 0.0))


def _ms(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else 0.0


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _admin_json(base: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


SETTLE_SEC = 60.0


async def _settled(base: str) -> None:
    """Until the service has polled Emby once and its start-up jobs have run (a loaded machine takes longer than any
    fixed wait, and the views are measured from the polls on). Async: the simulated Emby shares this loop."""
    deadline = time.monotonic() + SETTLE_SEC
    while time.monotonic() < deadline:
        health = _admin_json(base, "/health")
        if health["poller"]["last_success"] and not starting(health):
            return
        await asyncio.sleep(0.25)
    raise SystemExit(f"the service did not settle within {SETTLE_SEC:.0f} s")


@contextmanager
def serving(emby_url: str, work: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    with closing(bind(HOST, 0)) as sock:
        port = sock.getsockname()[1]
    env = {
        **os.environ, "EMBY_BASE_URL": emby_url, "EMBY_API_KEY": API_KEY, "SQLITE_PATH": str(work / "emby.db"),
        "HOST": HOST, "PORT": str(port), "NOW_POLL_SEC": "1", "EMBY_WEBSOCKET": "false", "ADMIN_TOKEN": ADMIN_TOKEN,
        "LOG_LEVEL": "warning", "HISTORY_DAYS": "1",
    }  # fmt: skip
    command = [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", "serve"]
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT) as proc:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    _admin_json(f"http://{HOST}:{port}", "/version")
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("the service did not start") from None
                    time.sleep(0.2)
            yield proc, port
        finally:
            proc.terminate()
            proc.wait(timeout=15)


async def _sse(port: int, delivery: Delivery | None, first: asyncio.Event | None = None) -> None:
    """One browser on /now/stream (HTTP/1.0: the events come unframed until the server closes)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(b"GET /now/stream HTTP/1.0\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        await writer.drain()
        while (await reader.readline()) not in (b"\r\n", b""):  # the response head
            pass
        kind = b""
        while line := await reader.readline():
            if line.startswith(b"event: "):
                kind = line[7:].strip()
            elif line.startswith(b"data: ") and kind == b"snapshot":
                if first is not None:
                    first.set()
                    return
                arrived = time.time()
                # The first card's `at`, found rather than the view parsed: a thousand browsers share this
                # process, and their reading must not be what the latency measures.
                start = line.find(b'"at":"')
                if delivery is not None and start > 0:
                    at = line[start + 6 : line.index(b'"', start + 6)].decode()
                    delivery.add(at, arrived)
    finally:
        writer.close()


async def _poller(port: int, delivery: Delivery, stop: asyncio.Event) -> None:
    """The naive browser: GET /now/snapshot once a second (a view arrives up to a second late)."""
    seen: set[str] = set()
    while not stop.is_set():
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"GET /now/snapshot HTTP/1.0\r\nHost: bench\r\n\r\n")
        await writer.drain()
        body = (await reader.read()).split(b"\r\n\r\n", 1)[1]
        writer.close()
        cards = json.loads(body)
        if cards and cards[0]["at"] not in seen:
            seen.add(cards[0]["at"])
            delivery.add(cards[0]["at"], time.time())
        await asyncio.sleep(1.0)


def _viewer(sim: Simulator) -> str:
    film = max(
        (r for i in sim.world.ids_of_type(MOVIE) if (r := sim.world.item(i)) is not None), key=lambda r: r.runtime or 0
    )
    user = next(u for u in sim.world.users if not u.is_disabled)
    device = Device(device_id="7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b", device_name="Bench TV")
    return sim.sessions.add_script(PlaybackScript(user.id, sim.clock.now(), (Play(0, str(film.id)),), device))


async def _changes(sim: Simulator, session_id: str, seconds: float) -> None:
    """Pause and resume in turn, once a second: a change for every poll to see."""
    paused = False
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        paused = not paused
        sim.sessions.command(session_id, "Pause" if paused else "Unpause")
        await asyncio.sleep(1.0)


@dataclass
class Run:
    name: str
    clients: int
    deliveries: int
    views: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    all_clients_p50_ms: float  # per view: until the last browser had it
    all_clients_p99_ms: float
    server_cpu_pct: float  # of one core
    rss_mb: float


async def _measure(name: str, pid: int, clients: int, seconds: float, load: Any, sim: Simulator, sid: str) -> Run:
    delivery = Delivery()
    stop = asyncio.Event()
    tasks = await load(delivery, stop)
    await asyncio.sleep(2.0)  # every browser connected and served its first view
    delivery.arrivals.clear()
    delivery.last_by_view.clear()
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    await _changes(sim, sid, seconds)
    cpu, wall = cpu_seconds(pid) - cpu, time.perf_counter() - wall
    rss = _rss_mb(pid)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    per_view = list(delivery.last_by_view.values())
    return Run(
        name, clients, len(delivery.arrivals), len(per_view), _ms(delivery.arrivals, 0.5), _ms(delivery.arrivals, 0.99),
        _ms(delivery.arrivals, 1.0), _ms(per_view, 0.5), _ms(per_view, 0.99), round(cpu / wall * 100, 1), rss,
    )  # fmt: skip


async def _cycles(port: int, cycles: int, concurrency: int = 100) -> None:
    """Connect, take the first view, disconnect: `cycles` times, `concurrency` at once."""
    pending = iter(range(cycles))

    async def worker() -> None:
        for _ in pending:
            first = asyncio.Event()
            await asyncio.wait_for(_sse(port, None, first), 30)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_simulator(API_KEY) as (sim, url),
        serving(url, Path(tmp)) as (proc, port),
    ):
        base = f"http://{HOST}:{port}"
        session_id = _viewer(sim)
        await _settled(base)
        rss_start = _rss_mb(proc.pid)

        async def nobody(_d: Delivery, _s: asyncio.Event) -> list[asyncio.Task[None]]:
            return []

        async def pushed(d: Delivery, _s: asyncio.Event) -> list[asyncio.Task[None]]:
            return [asyncio.create_task(_sse(port, d)) for _ in range(args.clients)]

        async def polled(d: Delivery, s: asyncio.Event) -> list[asyncio.Task[None]]:
            return [asyncio.create_task(_poller(port, d, s)) for _ in range(args.baseline_clients)]

        runs = [await _measure("idle: no browser", proc.pid, 0, args.seconds, nobody, sim, session_id)]
        runs.append(await _measure("ours: SSE push", proc.pid, args.clients, args.seconds, pushed, sim, session_id))
        if args.baseline_clients:
            naive = "naive: polling /now/snapshot every second"
            runs.append(await _measure(naive, proc.pid, args.baseline_clients, args.seconds, polled, sim, session_id))
        await asyncio.sleep(2.0)
        views_before = _admin_json(base, "/admin/diagnostics")["live_views"]
        rss_before = _rss_mb(proc.pid)
        started = time.perf_counter()
        await _cycles(port, args.cycles)
        cycle_seconds = time.perf_counter() - started
        await asyncio.sleep(2.0)
        diagnostics = _admin_json(base, "/admin/diagnostics")
        return {
            "runs": [asdict(r) for r in runs],
            "rss_start_mb": rss_start,
            "cycles": args.cycles,
            "cycle_seconds": round(cycle_seconds, 1),
            "live_views_before_cycles": views_before,
            "live_views_after_cycles": diagnostics["live_views"],
            "rss_before_cycles_mb": rss_before,
            "rss_after_cycles_mb": _rss_mb(proc.pid),
            "dropped": diagnostics["live_dropped"],
            "cpus": os.cpu_count(),
        }


def table(report: dict[str, Any]) -> str:
    lines = [
        "| run | browsers | views | deliveries | p50 / p99 / max (ms) | all browsers have it, p50 / p99 (ms) "
        "| server CPU (% of a core) | RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["runs"]:
        lines.append(
            f"| {r['name']} | {r['clients']:,} | {r['views']} | {r['deliveries']:,} | {r['p50_ms']} / {r['p99_ms']} / "
            f"{r['max_ms']} | {r['all_clients_p50_ms']} / {r['all_clients_p99_ms']} | {r['server_cpu_pct']} | "
            f"{r['rss_mb']} |"
        )
    grew = (
        (report["rss_after_cycles_mb"] / report["rss_before_cycles_mb"] - 1) * 100
        if report["rss_before_cycles_mb"]
        else 0
    )
    lines += [
        "",
        f"{report['cycles']:,} connect / first view / disconnect cycles in {report['cycle_seconds']} s: live views "
        f"{report['live_views_before_cycles']} before, {report['live_views_after_cycles']} after; RSS "
        f"{report['rss_before_cycles_mb']} → {report['rss_after_cycles_mb']} MB ({grew:+.1f} %); started at "
        f"{report['rss_start_mb']} MB. Browsers dropped for taking nothing: {report['dropped']}.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--baseline-clients", type=int, default=1000, help="polling browsers (0: no baseline)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    report = asyncio.run(bench(args))
    print(table(report))
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "live.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
