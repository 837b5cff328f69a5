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
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.reliability_probes import EMBY_FAULTS, HOSTILE, emby_fault, secrets_in, sweep
from benchmarks.reliability_service import (
    ADMIN,
    API_KEY,
    COMMAND,
    ROOT,
    Figures,
    Service,
    connect,
    duplicated,
    get_json,
    half_written_backups,
    lost,
    plays,
    quick_check,
    request,
    wait,
)
from benchmarks.tiers import CACHE, Tier, _tier, default_end, ensure_tier
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.simulator.playback import Device, Pause, Play, PlaybackScript, Resume, Stop
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE, WorldSpec
from emby_analytics.testing import live_simulator

OUT = ROOT / "benchmarks" / "results"
PHASES = ("ingest", "sync", "import", "backup", "migration")
HISTORY_DAYS = 3650  # of Playback Reporting rows (~20,000): an import of a few seconds
SPEC = WorldSpec(seed=11, users=6, movies=3000, series=40, seasons_per_series=3, episodes_per_season=10)


# -- kills -----------------------------------------------------------------------------------------------------


def _in_background(method: str, url: str) -> None:
    """A request whose answer nobody waits for (the process is killed under it)."""

    def send() -> None:
        with suppress(OSError):
            request(method, url, ADMIN, timeout=60)

    threading.Thread(target=send, daemon=True).start()


def _phase_action(service: Service, phase: str, rng: random.Random) -> float:
    """Start what `phase` kills in the middle of; returns how long to let it run first."""
    if phase == "sync":
        request("POST", f"{service.base}/admin/refresh/start", ADMIN)
        return rng.uniform(0.0, 2.5)
    if phase == "import":
        request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)
        return rng.uniform(0.1, 2.5)
    if phase == "backup":
        _in_background("POST", f"{service.base}/admin/backup")
        return rng.uniform(0.0, 0.3)
    return rng.uniform(0.2, 4.0)  # ingest: polls, plays and webhooks being written


def viewers(sim: Simulator, rng: random.Random, n: int = 2) -> None:
    """`n` people start a film now, pause a while, resume and stop within a minute: plays opened, paused and
    closed around every kill (the household alone plays a few a day)."""
    world = sim.world
    films = [r for i in world.ids_of_type(MOVIE) if (r := world.item(i)) is not None and (r.runtime or 0) > 0]
    people = [u for u in world.users if not u.is_disabled]
    for _ in range(n):
        pause = rng.uniform(2, 20)
        resume = pause + rng.uniform(1, 10)
        actions = (Play(0, str(rng.choice(films).id), position=rng.uniform(0, 600)), Pause(pause), Resume(resume))
        device = Device(device_id=f"{rng.getrandbits(128):032x}", device_name=f"Viewer {rng.randrange(1000)}")
        script = PlaybackScript(
            rng.choice(people).id, sim.clock.now(), (*actions, Stop(resume + rng.uniform(1, 30))), device
        )
        sim.sessions.add_script(script)


def kill_service(
    service: Service, sim: Simulator, phase: str, rng: random.Random, figures: Figures, before: dict[str, Any]
) -> Any:
    """One kill in `phase`: restart, check what the last kill left, act, kill. Returns what was committed."""
    service.start()
    viewers(sim, rng)
    polls = service.polls()
    wait("two polls after the restart", lambda: service.polls() >= polls + 2, timeout=30)
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
            return bool(get_json(f"{service.base}/admin/refresh/status")["running"])
        if phase == "import":
            return bool(get_json(f"{service.base}/admin/import/playback-reporting")["running"])
        if phase == "backup":
            return bool(get_json(f"{service.base}/admin/backup")["running"])
        return bool(get_json(f"{service.base}/health")["poller"]["open_plays"])
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
    with closing(connect(db)) as conn:
        n_plays = conn.execute("SELECT COUNT(*) FROM plays").fetchone()[0]
        n_segs, total = conn.execute(
            "SELECT COUNT(*), coalesce(SUM(ended_at - started_at), 0) FROM segments"
        ).fetchone()
    return int(n_plays), int(n_segs), int(total)


def _revision(db: Path) -> str:
    with closing(connect(db)) as conn:
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
    request("POST", f"{service.base}/admin/refresh/start", ADMIN)
    wait("the library sync", lambda: get_json(f"{service.base}/admin/refresh/status")["status"] == "done", 300, 0.5)
    with closing(connect(service.db)) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM items WHERE removed_at IS NULL").fetchone()[0]
    world = len(sim.world)
    figures.library_complete = stored == world
    if not figures.library_complete:
        figures.problems.append(f"library: {stored} items stored, Emby has {world}")
    status = request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)[0]
    if status == 409:  # one started by the restart is running: wait for it, then run one more
        wait("the running import", lambda: not get_json(f"{service.base}/admin/import/playback-reporting")["running"])
        request("POST", f"{service.base}/admin/import/playback-reporting", ADMIN)
    time.sleep(1.0)
    run = wait(
        "the import",
        lambda: (
            (r := get_json(f"{service.base}/admin/import/playback-reporting"))["finished_at"] and not r["running"] and r
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
                    committed = kill_service(service, sim, phase, rng, figures, committed)
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
