"""The reliability run's side of things (`benchmarks/reliability.py`): a real `serve` process started and killed on
one database, requests to it, what its database says after a kill (plays lost, duplicated, half-written backups),
and the figures a self-hoster counts."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from emby_analytics.backups import NAME_PATTERN
from emby_analytics.db.schema import decode_id
from emby_analytics.serving import bind

ROOT = Path(__file__).resolve().parents[1]
COMMAND = (sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null")
API_KEY = "0123456789abcdef0123456789abcdef"
ADMIN_TOKEN = "reliability-admin-token-5f1c9e27"
WEBHOOK_TOKEN = "reliability-webhook-token-8d3b6a41"
SECRETS = {"api key": API_KEY, "admin token": ADMIN_TOKEN, "webhook token": WEBHOOK_TOKEN}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


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


def request(method: str, url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def get_json(url: str) -> Any:
    status, body = request("GET", url, ADMIN)
    if status != 200:
        raise RuntimeError(f"GET {url}: {status}")
    return json.loads(body)


def wait(what: str, probe: Callable[[], Any], timeout: float = 60, step: float = 0.2) -> Any:
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
        wait("the service to answer", lambda: self.alive() and request("GET", f"{self.base}/version", ADMIN)[0] == 200)

    def alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"the service exited: {self.log.read_text(errors='replace')[-2000:]}")
        return True

    def polls(self) -> int:
        jobs = get_json(f"{self.base}/health")["jobs"]
        return int(next(job["runs"] for job in jobs if job["name"] == "sessions-poll"))

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            # Generous: beside the measured suite on a 2-core machine a clean stop once took over 15 s.
            self.process.wait(timeout=60)
        self.process = None


# -- what the database says ------------------------------------------------------------------------------------


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)


def quick_check(db: Path) -> bool:
    with closing(connect(db)) as conn:
        return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")


def plays(db: Path) -> dict[str, dict[str, Any]]:
    """Every committed play: id → its identity and progress (times in microseconds, as stored)."""
    with closing(connect(db)) as conn:
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
