"""Memory benchmark: the idle RSS of `emby-analytics serve` after start-up, on the demo library.

    ./scripts/bench-memory [--seed 42] [--items N] [--history-days 90] [--idle-seconds 5] [--out DIR]

The demo library (`emby-analytics simulate`: the demo household's world, live sessions, 90 days of Playback
Reporting history) runs in its own process on a loopback port; the service is `python -m emby_analytics serve`
as a user starts it, in its own process, against it. Each run starts the server, waits until its port accepts and
every start-up job (users, library sync, history import, server info) has run once and none is running (its
`/health`), then samples its RSS (VmRSS) every 0.25 s for `--idle-seconds`: "idle" is the median of those
samples, "peak" the highest RSS seen from the start (sampled every 0.1 s).

1. first start: an empty data folder, so the start-up jobs sync the whole library and import the history;
2. restart: the same database again (the syncs find nothing new), as after any restart of an installed service;
3. baseline (restart, everything imported): the same restart, with every module of the service (test tooling
   aside) and Alembic imported before `serve` runs, as a service without lazy imports would start.

The service runs as a user installs it: by default in a virtualenv of its runtime dependencies alone, at the
versions of `requirements.lock` (built once into `bench-data/`, again when the lock or the dependency list change),
with the code of this tree. The development venv is not what users run: its test tools change what the libraries
import (httpx loads its command-line extras, rich and pygments, when they are installed). `--python` runs `serve`
with another interpreter instead (the smoke test passes this venv's, which needs no network).

Prints a markdown table and writes `memory.json`. Target (design): idle ≤ 80 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import venv
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from benchmarks.stats_bench import starting

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"
RUNTIME_VENVS = ROOT / "bench-data"
TARGET_IDLE_MB = 80.0
API_KEY = "memory0123456789abcdef0123456789"
# What the eager baseline imports before serving: every module of the service, without test tooling (the
# simulator and what only tests, benchmarks and the accuracy command use), and Alembic, which start-up loads only
# when a database needs migrating.
_EAGER = """
import importlib, pkgutil, sys
import emby_analytics
TOOLING = ("emby_analytics.simulator", "emby_analytics.testing", "emby_analytics.accuracy", "emby_analytics.demo")
for module in pkgutil.walk_packages(emby_analytics.__path__, "emby_analytics."):
    if not module.name.startswith(TOOLING) and ".__main__" not in module.name and ".migrations" not in module.name:
        importlib.import_module(module.name)
import alembic.command, alembic.config, alembic.runtime.migration, sqlalchemy.orm
from emby_analytics.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Run:
    name: str
    startup_s: float  # from the process start until the start-up jobs settled
    idle_mb: float  # median of the idle samples
    idle_min_mb: float
    idle_max_mb: float
    peak_mb: float
    items: int
    plays: int


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def demo_emby(args: argparse.Namespace, log: IO[str]) -> Iterator[str]:
    """`emby-analytics simulate` on a free loopback port; yields its URL."""
    command = [sys.executable, "-m", "emby_analytics", "simulate", "--port", "0", "--api-key", API_KEY]
    command += ["--seed", str(args.seed), "--history-days", str(args.history_days)]
    if args.items:
        command += ["--items", str(args.items)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if not found:
                raise SystemExit(f"the simulated Emby did not start (exit {process.poll()}): {line!r}")
            yield found.group(0)
        finally:
            _stop(process)


class Peak:
    """The highest RSS of a process, sampled every 0.1 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.mb = pid, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.is_set():
            self.mb = max(self.mb, rss_mb(self.pid))
            self._done.wait(0.1)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.mb


def runtime_python() -> str:
    """The interpreter of a virtualenv holding the service's runtime dependencies alone, at the locked versions."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = sorted(pyproject["project"]["dependencies"])
    lock = (ROOT / "requirements.lock").read_bytes()
    key = hashlib.sha256(json.dumps(wanted).encode() + lock).hexdigest()[:12]
    home = RUNTIME_VENVS / f"runtime-venv-{key}"
    python = home / "bin" / "python"
    if not (home / ".complete").exists():
        print(f"building {home.name} (the runtime dependencies alone)", file=sys.stderr)
        venv.create(home, with_pip=True, clear=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-c", str(ROOT / "requirements.lock"), *wanted], check=True)
        (home / ".complete").touch()
    return str(python)


def serve_once(
    name: str, data: Path, emby_url: str, args: argparse.Namespace, log: IO[str], *, python: str, eager: bool
) -> Run:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),  # this tree's code, whatever the interpreter
        "SQLITE_PATH": str(data / "emby.db"),
        "EMBY_BASE_URL": emby_url,
        "EMBY_API_KEY": API_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "TZ": "UTC",
    }
    serve = ["--env-file", "/dev/null", "serve"]
    prefix = [python, "-c", _EAGER] if eager else [python, "-m", "emby_analytics"]
    started = time.perf_counter()
    with subprocess.Popen([*prefix, *serve], env=env, cwd=ROOT, stdout=log, stderr=log) as process:
        peak = Peak(process.pid)
        try:
            _settle(process, f"http://127.0.0.1:{port}", args.settle_timeout)
            startup = time.perf_counter() - started
            samples = []
            for _ in range(max(1, round(args.idle_seconds / 0.25))):
                time.sleep(0.25)
                samples.append(rss_mb(process.pid))
        finally:
            peak_mb = peak.stop()
            _stop(process)
    return Run(
        name=name,
        startup_s=round(startup, 1),
        idle_mb=round(statistics.median(samples), 1),
        idle_min_mb=round(min(samples), 1),
        idle_max_mb=round(max(samples), 1),
        peak_mb=round(peak_mb, 1),
        items=_count(data, "items"),
        plays=_count(data, "play_rows"),
    )


def _count(data: Path, table: str) -> int:
    with closing(sqlite3.connect(f"file:{data / 'emby.db'}?mode=ro", uri=True)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _settle(process: subprocess.Popen[Any], url: str, timeout: float) -> None:
    """Until the port answers and every start-up job has run once with none running."""
    deadline = time.perf_counter() + timeout
    with httpx.Client(base_url=url, timeout=10) as client:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode} (see its log)")
            try:
                health = client.get("/health").json()
            except httpx.TransportError:
                health = {}
            if health.get("jobs") and not starting(health):
                return
            time.sleep(0.1)
    raise SystemExit(f"the server's start-up jobs did not settle within {timeout:.0f} s")


def run(args: argparse.Namespace) -> dict[str, Any]:
    runs: list[Run] = []
    python = args.python or runtime_python()
    with tempfile.TemporaryDirectory(prefix="memory-bench-", dir=args.work_dir) as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        with open(Path(tmp) / "processes.log", "w") as log, demo_emby(args, log) as emby_url:
            for name in ("first start (empty database)", "restart"):
                runs.append(serve_once(name, data, emby_url, args, log, python=python, eager=False))
            if not args.no_baseline:
                name = "baseline: restart, everything imported"
                runs.append(serve_once(name, data, emby_url, args, log, python=python, eager=True))
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "library": f"demo (seed {args.seed})" if not args.items else f"~{args.items:,} items (seed {args.seed})",
        "history_days": args.history_days,
        "idle_seconds": args.idle_seconds,
        "target_idle_mb": TARGET_IDLE_MB,
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        "python": "runtime dependencies only" if not args.python else args.python,
        "runs": [asdict(r) for r in runs],
    }


def markdown(report: dict[str, Any]) -> str:
    runs = report["runs"]
    lines = [
        f"Idle memory of `serve`: {report['library']} library, {report['history_days']} days of plugin history, "
        f"{runs[0]['items']:,} items, {runs[-1]['plays']:,} plays; {report['machine']}; serve's interpreter: "
        f"{report['python']}",
        "",
        "| run | settled after (s) | idle RSS (MB): median (min–max) | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r['name']} | {r['startup_s']} | {r['idle_mb']} ({r['idle_min_mb']}–{r['idle_max_mb']}) "
            f"| {r['peak_mb']} |"
        )
    first, restart = runs[0], runs[1]
    summary = (
        f"Target idle ≤ {TARGET_IDLE_MB:g} MB: {first['idle_mb']} MB after a first start, "
        f"{restart['idle_mb']} MB after a restart."
    )
    if len(runs) > 2:
        summary = (
            f"Everything imported eagerly, same restart: {runs[2]['idle_mb']} MB "
            f"(+{runs[2]['idle_mb'] - restart['idle_mb']:.1f} MB). " + summary
        )
    return "\n".join([*lines, "", summary])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its table, write `memory.json` into --out; returns the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=42, help="the demo world's seed (the demo's default)")
    parser.add_argument("--items", type=int, default=None, help="library size (default: the demo library)")
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--settle-timeout", type=float, default=300.0)
    parser.add_argument(
        "--python", default=None, help="run serve with this interpreter (default: a venv of the runtime deps alone)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the eager-import run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where memory.json goes (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="do not write memory.json")
    parser.add_argument("--work-dir", type=Path, default=None, help="parent of the temporary data folder")
    args = parser.parse_args(argv)
    report = run(args)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "memory.json").write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    sys.stdout.flush()
    return report


if __name__ == "__main__":
    main()
