"""Reliability run: the faults of docs/security.md injected into real `serve` processes against a simulated Emby,
and what a self-hoster would count afterwards (docs/reliability.md holds a run's table).

Kills: SIGKILL at a random moment of one phase, then a restart on the same database (a self-hoster's, killed
again and again): while the household plays (`ingest`: the tracker writes every poll), during a full library sync
(`sync`), the Playback Reporting import (`import`), a backup (`backup`), and `emby-analytics migrate` of a database
one schema behind (`migration`, on copies of a tier database). After each: `PRAGMA quick_check`; every play
committed before the kill is there after the restart (same identity, no less time, a closed one unchanged); no
two live plays of one session and item overlap; every file under a backup's name is a whole database; after a
killed migration the next one finishes with the same plays and segments. At the end the library sync and the
import are run to completion: the library matches Emby's, and the import's plays are each there once.

Emby's faults, at the simulator while a service runs: slow answers, a 5xx storm, a 401 after key rotation,
malformed JSON. The service keeps answering, /health says degraded while it lasts and ok once it is over, and no
play is lost or duplicated.

Hostile input and access: every route of /openapi.json without credentials (READ_ACCESS=token: every one must
refuse), every GET route with hostile strings in each parameter (no 5xx), and every response and the service's log
searched for the API key, the admin token and the webhook token.

    .venv/bin/python -m benchmarks.reliability [--kills 100] [--seed 1] [--tier S] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchmarks.tiers import CACHE, Tier, _tier, default_end, ensure_tier
from emby_analytics.backups import NAME_PATTERN
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import decode_id
from emby_analytics.serving import bind
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import WorldSpec
from emby_analytics.testing import live_simulator

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"
COMMAND = (sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null")
API_KEY = "0123456789abcdef0123456789abcdef"
ADMIN_TOKEN = "reliability-admin-token-5f1c9e27"
WEBHOOK_TOKEN = "reliability-webhook-token-8d3b6a41"
SECRETS = {"api key": API_KEY, "admin token": ADMIN_TOKEN, "webhook token": WEBHOOK_TOKEN}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PHASES = ("ingest", "sync", "import", "backup", "migration")
EMBY_FAULTS = ("slow", "5xx storm", "401 (key rotated)", "malformed JSON")
HOSTILE = (
    "' OR 1=1 --", "<script>alert(1)</script>", "\u202egnp.exe", "%00", "../../etc/passwd", "9" * 400, "-1",
    "1e309", "NaN", "9999-12-31", "\U0001f600" * 30, "a" * 5000,
)  # fmt: skip
# The one answer that carries a secret by design: the webhook URL the admin pastes into Emby.
BY_DESIGN = {"/admin/webhook/stats": "webhook token"}
# A world whose full sync and history import take a few seconds here, so a kill can land inside them.
HISTORY_DAYS = 3650  # of Playback Reporting rows (~20,000): an import of a few seconds
SPEC = WorldSpec(seed=11, users=6, movies=3000, series=40, seasons_per_series=3, episodes_per_season=10)


@dataclass
class Figures:
    kills: Counter[str] = field(default_factory=Counter)
    landed: Counter[str] = field(default_factory=Counter)  # kills that cut the phase's work while it ran
    live_plays: int = 0  # recorded from the household's sessions (the rest are imported)
    restarts_ok: int = 0
    plays_checked: int = 0
    plays_lost: int = 0
    plays_duplicated: int = 0
    corrupt_databases: int = 0
    half_backups: int = 0
    half_migrations: int = 0
    library_complete: bool | None = None
    import_exact: bool | None = None
    emby_faults: dict[str, bool] = field(default_factory=dict)  # fault: survived
    hostile_tried: int = 0
    hostile_5xx: int = 0
    routes_checked: int = 0
    routes_without_auth: int = 0
    secrets_found: int = 0
    problems: list[str] = field(default_factory=list)


# -- HTTP to the service ---------------------------------------------------------------------------------------


def _request(method: str, url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _json(url: str) -> Any:
    status, body = _request("GET", url, ADMIN)
    if status != 200:
        raise RuntimeError(f"GET {url}: {status}")
    return json.loads(body)


def _wait(what: str, probe: Callable[[], Any], timeout: float = 60, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            found = probe()
            if found:
                return found
        except (OSError, ValueError, KeyError, RuntimeError, sqlite3.Error) as exc:
            last = exc
        time.sleep(step)
    raise RuntimeError(f"timed out waiting for {what} (last error: {last!r})")


# -- the service process ---------------------------------------------------------------------------------------


class Service:
    """`emby-analytics serve` on one database, started and killed again and again; its log appended to one file."""

    def __init__(self, db: Path, emby_url: str, log: Path) -> None:
        self.db, self.emby_url, self.log = db, emby_url, log
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def env(self, port: int) -> dict[str, str]:
        return {
            **os.environ,
            "EMBY_BASE_URL": self.emby_url, "EMBY_API_KEY": API_KEY, "SQLITE_PATH": str(self.db),
            "HOST": "127.0.0.1", "PORT": str(port), "NOW_POLL_SEC": "1", "LOG_LEVEL": "info",
            "ADMIN_TOKEN": ADMIN_TOKEN, "WEBHOOK_TOKEN": WEBHOOK_TOKEN, "READ_ACCESS": "token",
            "HISTORY_DAYS": "0", "BACKUP_INTERVAL_HOURS": "0", "COMPACT_INTERVAL_DAYS": "0",
        }  # fmt: skip

    def start(self) -> None:
        with closing(bind("127.0.0.1", 0)) as sock:  # a free port, handed to the process by number
            port = sock.getsockname()[1]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [*COMMAND, "serve"], env=self.env(port), stdout=subprocess.DEVNULL, stderr=sink, cwd=ROOT
            )
        self.base = f"http://127.0.0.1:{port}"
        _wait(
            "the service to answer", lambda: self.alive() and _request("GET", f"{self.base}/version", ADMIN)[0] == 200
        )

    def alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the service exited: {self.log.read_text(errors='replace')[-2000:]}")
        return True

    def polls(self) -> int:
        jobs = _json(f"{self.base}/health")["jobs"]
        return int(next(job["runs"] for job in jobs if job["name"] == "sessions-poll"))

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


# -- what the database says ------------------------------------------------------------------------------------


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)


def quick_check(db: Path) -> bool:
    with closing(_connect(db)) as conn:
        return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")


def plays(db: Path) -> dict[str, dict[str, Any]]:
    """Every committed play: id → its identity and progress (times in microseconds, as stored)."""
    with closing(_connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT id, source, session_id, user_id, item_id, started_at, stopped_at, last_seen_at, watch_seconds "
            "FROM plays"
        ).fetchall()
    found = {}
    for row in rows:
        play = dict(row)
        play["id"] = decode_id(play["id"])
        play["session_id"] = decode_id(play["session_id"]) if play["session_id"] is not None else None
        found[play["id"]] = play
    return found


def lost(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """Plays committed before a kill that are gone, changed identity, lost time or changed their end after it."""
    out = []
    for pid, was in before.items():
        now = after.get(pid)
        same = now is not None and all(now[k] == was[k] for k in ("session_id", "user_id", "item_id", "started_at"))
        if (
            not same
            or now is None
            or now["watch_seconds"] < was["watch_seconds"] - 1e-6
            or (was["stopped_at"] is not None and now["stopped_at"] != was["stopped_at"])
        ):
            out.append(pid)
    return out


def duplicated(found: dict[str, dict[str, Any]]) -> int:
    """Live plays of one session and item that overlap in time (one viewing recorded twice)."""
    by_key: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for play in found.values():
        if play["source"] != "import":
            by_key[(play["session_id"], play["item_id"])].append(play)
    overlaps = 0
    for group in by_key.values():
        group.sort(key=lambda p: p["started_at"])
        for earlier, later in pairwise(group):
            end = earlier["stopped_at"] if earlier["stopped_at"] is not None else earlier["last_seen_at"]
            overlaps += earlier["stopped_at"] is None or later["started_at"] < end
    return overlaps


def half_written_backups(folder: Path) -> int:
    """Files under a backup's final name that are not a whole database."""
    if not folder.is_dir():
        return 0
    bad = 0
    for path in folder.iterdir():
        if NAME_PATTERN.match(path.name):
            try:
                bad += not quick_check(path)
            except sqlite3.Error:
                bad += 1
    return bad


# -- kills -----------------------------------------------------------------------------------------------------


def _in_background(method: str, url: str) -> None:
    """A request whose answer nobody waits for (the process is killed under it)."""

    def send() -> None:
        with suppress(OSError):
            _request(method, url, ADMIN, timeout=60)

    threading.Thread(target=send, daemon=True).start()


def _phase_action(service: Service, phase: str, rng: random.Random) -> float:
    """Start what `phase` kills in the middle of; returns how long to let it run first."""
    if phase == "sync":
        _request("POST", f"{service.base}/admin/refresh/start", ADMIN)
        return rng.uniform(0.0, 2.5)
    if phase == "import":
        _request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)
        return rng.uniform(0.1, 2.5)
    if phase == "backup":
        _in_background("POST", f"{service.base}/admin/backup")
        return rng.uniform(0.0, 0.3)
    return rng.uniform(0.2, 4.0)  # ingest: polls, plays and webhooks being written


def kill_service(service: Service, phase: str, rng: random.Random, figures: Figures, before: dict[str, Any]) -> Any:
    """One kill in `phase`: restart, check what the last kill left, act, kill. Returns what was committed."""
    service.start()
    polls = service.polls()
    _wait("two polls after the restart", lambda: service.polls() >= polls + 2, timeout=30)
    after = plays(service.db)
    figures.restarts_ok += 1
    figures.plays_checked += len(before)
    gone = lost(before, after)
    figures.plays_lost += len(gone)
    if gone:
        figures.problems.append(f"{phase}: plays lost after a restart: {gone[:5]}")
    time.sleep(_phase_action(service, phase, rng))
    busy = _busy(service, phase)
    service.kill()
    figures.kills[phase] += 1
    figures.landed[phase] += busy
    if not quick_check(service.db):
        figures.corrupt_databases += 1
        figures.problems.append(f"{phase}: quick_check failed after the kill")
    figures.half_backups += half_written_backups(service.db.parent / "backups")
    committed = plays(service.db)
    dup = duplicated(committed)
    figures.plays_duplicated += dup
    if dup:
        figures.problems.append(f"{phase}: {dup} overlapping plays after the kill")
    return committed


def _busy(service: Service, phase: str) -> bool:
    """Whether the phase's work is under way (asked just before the kill)."""
    try:
        if phase == "sync":
            return bool(_json(f"{service.base}/admin/refresh/status")["running"])
        if phase == "import":
            return bool(_json(f"{service.base}/admin/import/playback-reporting")["running"])
        if phase == "backup":
            return bool(_json(f"{service.base}/admin/backup")["running"])
        return bool(_json(f"{service.base}/health")["poller"]["open_plays"])
    except (OSError, RuntimeError, ValueError):
        return False


def migration_template(tier: Tier, seed: int, work: Path, cache: Path, log: Callable[[str], None]) -> tuple[Path, Any]:
    """A tier database taken one schema revision back, and what the migrated one must hold."""
    built = ensure_tier(tier, seed, default_end(), cache, log=log)
    head = work / "head.db"
    shutil.copy(built.path, head)
    expected = _content(head)
    previous = work / "previous.db"
    shutil.copy(head, previous)
    db = Database.open(previous)
    try:
        from alembic import command  # Alembic only for building the older copy

        config = migrate._config()
        with db.writer.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "-1")
    finally:
        db.close()
    with closing(sqlite3.connect(previous)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return previous, expected


def _content(db: Path) -> tuple[int, int, int]:
    """(plays, segments, the segments' total microseconds): what a migration must keep."""
    with closing(_connect(db)) as conn:
        n_plays = conn.execute("SELECT COUNT(*) FROM plays").fetchone()[0]
        n_segs, total = conn.execute(
            "SELECT COUNT(*), coalesce(SUM(ended_at - started_at), 0) FROM segments"
        ).fetchone()
    return int(n_plays), int(n_segs), int(total)


def _revision(db: Path) -> str:
    with closing(_connect(db)) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def kill_migration(
    template: Path, expected: Any, work: Path, rng: random.Random, figures: Figures, span: float
) -> None:
    folder = work / f"migration-{figures.kills['migration']}"
    folder.mkdir()
    db = folder / "emby.db"
    shutil.copy(template, db)
    env = {**os.environ, "SQLITE_PATH": str(db), "EMBY_BASE_URL": "http://127.0.0.1:9", "EMBY_API_KEY": API_KEY}
    with subprocess.Popen([*COMMAND, "migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as cut:
        time.sleep(rng.uniform(0.0, span))
        cut.kill()
        cut.wait(timeout=10)
    figures.kills["migration"] += 1
    figures.landed["migration"] += _revision(db) != migrate.head_revision()
    if not quick_check(db):
        figures.corrupt_databases += 1
        figures.problems.append("migration: quick_check failed after the kill")
    done = subprocess.run([*COMMAND, "migrate"], env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or _revision(db) != migrate.head_revision() or _content(db) != expected:
        figures.half_migrations += 1
        figures.problems.append(f"migration: the next run did not finish it ({done.stderr.strip()[-300:]})")
    figures.half_backups += half_written_backups(folder / "backups")
    shutil.rmtree(folder)


def _migration_span(template: Path, work: Path) -> float:
    """How long one whole migration of the template takes here (kills land within it)."""
    db = work / "timed.db"
    shutil.copy(template, db)
    env = {**os.environ, "SQLITE_PATH": str(db), "EMBY_BASE_URL": "http://127.0.0.1:9", "EMBY_API_KEY": API_KEY}
    started = time.perf_counter()
    subprocess.run([*COMMAND, "migrate"], env=env, capture_output=True, timeout=300, check=True)
    span = time.perf_counter() - started
    shutil.rmtree(work / "backups", ignore_errors=True)
    db.unlink()
    return span


# -- at the end: what the interrupted jobs left ---------------------------------------------------------------


def finish_jobs(service: Service, sim: Simulator, figures: Figures) -> None:
    service.start()
    _request("POST", f"{service.base}/admin/refresh/start", ADMIN)
    _wait("the library sync", lambda: _json(f"{service.base}/admin/refresh/status")["status"] == "done", 300, 0.5)
    with closing(_connect(service.db)) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM items WHERE removed_at IS NULL").fetchone()[0]
    world = len(sim.world)
    figures.library_complete = stored == world
    if not figures.library_complete:
        figures.problems.append(f"library: {stored} items stored, Emby has {world}")
    status = _request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)[0]
    if status == 409:  # one started by the restart is running: wait for it, then run one more
        _wait("the running import", lambda: not _json(f"{service.base}/admin/import/playback-reporting")["running"])
        _request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)
    time.sleep(1.0)
    run = _wait(
        "the import",
        lambda: (
            (r := _json(f"{service.base}/admin/import/playback-reporting"))["finished_at"] and not r["running"] and r
        ),
        300,
        0.5,
    )
    stored = plays(service.db).values()
    imported = sum(1 for p in stored if p["source"] == "import")
    figures.live_plays = sum(1 for p in stored if p["source"] != "import")
    accounted = run["plays_added"] + run["skipped_duplicates"] + run["skipped_live_overlap"] + run["skipped_invalid"]
    figures.import_exact = (
        run["error"] is None
        and accounted == run["rows_read"]
        and imported == (run["plays_added"] + run["skipped_duplicates"])
    )
    if not figures.import_exact:
        figures.problems.append(f"import: {run} but {imported} imported plays stored")


# -- Emby's faults ---------------------------------------------------------------------------------------------


def _status(service: Service) -> str:
    return str(_json(f"{service.base}/health")["status"])


def emby_fault(service: Service, sim: Simulator, fault: str, figures: Figures) -> None:
    """Inject one of Emby's faults for a while: the service answers meanwhile, recovers after, loses nothing."""
    before = plays(service.db)
    if fault == "slow":
        sim.latency.set(None, 3000)
    elif fault == "5xx storm":
        sim.faults.set_rate("error", 1.0, status=503)
    elif fault == "401 (key rotated)":
        sim.faults.set_rate("unauthorized", 1.0)
    else:
        sim.faults.set_rate("malformed", 1.0)
    survived = True
    try:
        for _ in range(10):
            started = time.perf_counter()
            service.alive()
            answered = _request("GET", f"{service.base}/version", ADMIN, timeout=5)[0] == 200
            survived &= answered and time.perf_counter() - started < 2.0
            time.sleep(0.5)
        if fault != "slow":
            survived &= bool(_wait(f"/health degraded ({fault})", lambda: _status(service) == "degraded", 20))
    finally:
        sim.latency.clear()
        sim.faults.clear()
    try:
        _wait(f"/health ok after {fault}", lambda: _status(service) == "ok", 60, 0.5)
    except RuntimeError:
        survived = False
    after = plays(service.db)
    gone = lost(before, after)
    figures.plays_lost += len(gone)
    figures.plays_checked += len(before)
    figures.plays_duplicated += duplicated(after)
    figures.emby_faults[fault] = survived and not gone
    if not figures.emby_faults[fault]:
        figures.problems.append(f"Emby fault {fault}: not survived (lost {gone[:5]})")


# -- hostile input, access, secrets ----------------------------------------------------------------------------


def sweep(service: Service, figures: Figures, hostile: Sequence[str]) -> list[str]:
    """Every route without credentials; every GET route with hostile values; returns every response text."""
    spec = _json(f"{service.base}/openapi.json")
    seen: list[str] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            url = service.base + re.sub(r"\{[^}]+\}", "x", path)
            status, body = _request(method.upper(), url, timeout=10)
            figures.routes_checked += 1
            if status not in (401, 403):
                figures.routes_without_auth += 1
                figures.problems.append(f"{method.upper()} {path} answered {status} without credentials")
            seen.append(body)
            if method != "get" or path == "/health/emby":
                continue
            names = [p["name"] for p in operation.get("parameters", [])]
            for value in hostile:
                quoted = urllib.parse.quote(value, safe="")
                for name in names or ["x"]:
                    target = service.base + re.sub(r"\{[^}]+\}", quoted, path)
                    if "{" + name + "}" not in path:
                        target += "?" + urllib.parse.urlencode({name: value})
                    status, body = _request("GET", target, ADMIN, timeout=30)
                    figures.hostile_tried += 1
                    if status >= 500 and status not in (502, 503):
                        figures.hostile_5xx += 1
                        figures.problems.append(f"GET {path} {name}={value[:20]!r}: {status}")
                    if BY_DESIGN.get(path) is None:
                        seen.append(body)
    return seen


def secrets_in(texts: Sequence[str], figures: Figures) -> None:
    for text in texts:
        for name, secret in SECRETS.items():
            if secret in text:
                figures.secrets_found += 1
                figures.problems.append(f"the {name} in: {text[:120]!r}")


# -- the run ---------------------------------------------------------------------------------------------------


@contextmanager
def _work_dir(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        yield Path(tmp)


def run(
    kills: int,
    seed: int,
    tier: Tier,
    work_dir: Path | None = None,
    *,
    hostile: Sequence[str] = HOSTILE,
    spec: WorldSpec = SPEC,
    history_days: int = HISTORY_DAYS,
    cache: Path = CACHE,
) -> Figures:
    """The whole run: `kills` kills (the phases in turn), Emby's faults, the sweep. Smaller `spec`, `history_days`
    and `hostile` make the test suite's smoke run."""
    figures = Figures()
    rng = random.Random(seed)
    with (
        _work_dir(work_dir) as work,
        live_simulator(API_KEY, spec, household=True, history_days=history_days) as (sim, url),
    ):
        template, expected = migration_template(tier, seed, work, cache, log=lambda line: print(line, file=sys.stderr))
        span = _migration_span(template, work)
        service = Service(work / "data" / "emby.db", url, work / "serve.log")
        try:
            committed: dict[str, Any] = {}
            for n in range(kills):
                phase = PHASES[n % len(PHASES)]
                if phase == "migration":
                    kill_migration(template, expected, work, rng, figures, span)
                else:
                    committed = kill_service(service, phase, rng, figures, committed)
            finish_jobs(service, sim, figures)
            for fault in EMBY_FAULTS:
                emby_fault(service, sim, fault, figures)
            texts = sweep(service, figures, hostile)
        finally:
            service.stop()
        secrets_in([*texts, (work / "serve.log").read_text(errors="replace")], figures)
    return figures


def table(figures: Figures) -> str:
    kills = sum(figures.kills.values())
    per_phase = ", ".join(f"{phase} {figures.kills[phase]} ({figures.landed[phase]} mid-work)" for phase in PHASES)
    faults = ", ".join(f"{name} {'survived' if ok else 'NOT survived'}" for name, ok in figures.emby_faults.items())
    rows = [
        ("SIGKILLs (restarted on the same database)", f"{kills} ({per_phase})"),
        ("restarts that came up and checked", figures.restarts_ok),
        ("plays checked after a kill or fault", figures.plays_checked),
        ("live plays recorded (the rest imported)", figures.live_plays),
        ("plays lost", figures.plays_lost),
        ("plays duplicated", figures.plays_duplicated),
        ("corrupt databases (quick_check)", figures.corrupt_databases),
        ("half-written backups under a final name", figures.half_backups),
        ("migrations not finished by the next run", figures.half_migrations),
        ("library complete after the interrupted syncs", figures.library_complete),
        ("import exact after the interrupted imports", figures.import_exact),
        ("Emby faults injected", f"{len(figures.emby_faults)}: {faults}"),
        ("hostile inputs tried", figures.hostile_tried),
        ("hostile inputs answered 5xx", figures.hostile_5xx),
        ("routes checked without credentials", figures.routes_checked),
        ("routes without the expected auth", figures.routes_without_auth),
        ("secrets found in responses and logs", figures.secrets_found),
    ]
    lines = ["| what | count |", "| --- | ---: |", *(f"| {name} | {value} |" for name, value in rows)]
    if figures.problems:
        lines += ["", "Problems:", *(f"- {p}" for p in figures.problems[:50])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> Figures:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tier", default="S", help="the tier whose database migration kills cut (default S)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the run's files here")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run(args.kills, args.seed, _tier(args.tier), args.work_dir)
    print(table(figures))
    print(f"\n{time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs; seed {args.seed}")
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        report = {**asdict(figures), "kills": dict(figures.kills), "landed": dict(figures.landed), "seed": args.seed}
        (args.out / "reliability.json").write_text(json.dumps(report, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
