"""Killing the service with SIGKILL in the middle of playback and starting it again loses no play and duplicates none.

Real processes on loopback: `emby-analytics simulate` (its household starts playing within seconds) and
`emby-analytics serve` polling it every second into a SQLite file in tmp_path. The database is read directly,
read-only, while the service runs and after it died.

Seed 123 makes the simulated household start its first session about 18 s after the simulator starts (a film
that plays for over half an hour without a pause) and a second one about 5 s later; `--history-days 0` keeps the
Playback Reporting history out, so every play in the table is a live one.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from tests.processes import COMMAND, ROOT, free_port, get_json, simulate, stop, wait_for

from emby_analytics.db.schema import decode_id, from_micros

API_KEY = "c" * 32
SEED = "123"
DOWNTIME_SEC = 4.0

Row = dict[str, Any]


@pytest.fixture
def simulator_url() -> Iterator[str]:
    with simulate("--history-days", "0", seed=SEED, api_key=API_KEY) as url:
        yield url


def _serve(db: Path, simulator_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "EMBY_BASE_URL": simulator_url,
        "EMBY_API_KEY": API_KEY,
        "SQLITE_PATH": str(db),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "NOW_POLL_SEC": "1",
        "LOG_LEVEL": "info",
    }
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*COMMAND, "--env-file", "/dev/null", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            cwd=ROOT,
        )
    return process, f"http://127.0.0.1:{port}"


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    return conn


def _plays(db: Path) -> dict[str, Row]:
    with closing(_connect(db)) as conn:
        rows = conn.execute(
            "SELECT id, source, session_id, user_id, item_id, started_at, stopped_at, last_seen_at, watch_seconds,"
            " end_reason FROM plays"
        ).fetchall()
    out: dict[str, Row] = {}
    for row in rows:
        play = dict(row)  # as stored: times in microseconds, ids compact (schema.py)
        for key in ("started_at", "stopped_at", "last_seen_at"):
            if play[key] is not None:
                play[key] = from_micros(play[key])
        play["id"], play["session_id"] = decode_id(play["id"]), decode_id(play["session_id"])
        out[play["id"]] = play
    return out


def _quick_check(db: Path) -> str:
    with closing(_connect(db)) as conn:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])


def _polls(base: str) -> int:
    health = get_json(f"{base}/health")
    return int(next(job["runs"] for job in health["jobs"] if job["name"] == "sessions-poll"))


def _playing_now(simulator_url: str) -> set[tuple[str, str]]:
    """(session id, item id) of every session the simulator is playing right now."""
    sessions = get_json(f"{simulator_url}/Sessions", {"X-Emby-Token": API_KEY})
    return {(s["Id"], s["NowPlayingItem"]["Id"]) for s in sessions if s.get("NowPlayingItem")}


def _open_and_observed(db: Path) -> dict[str, Row] | None:
    """The plays table once a live play is open and has been seen by a few polls (not just opened)."""
    rows = _plays(db)
    observed = [
        p
        for p in rows.values()
        if p["stopped_at"] is None and (p["last_seen_at"] - p["started_at"]).total_seconds() >= 2.5
    ]
    return rows if observed else None


def test_sigkill_mid_playback_loses_no_play_and_duplicates_none(tmp_path: Path, simulator_url: str) -> None:
    db = tmp_path / "data" / "emby.db"
    log = tmp_path / "serve.log"
    started = time.monotonic()
    first, base = _serve(db, simulator_url, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        wait_for("an open play observed by several polls", lambda: _open_and_observed(db), 40)
        assert first.poll() is None, log.read_text(errors="replace")
        first.kill()  # SIGKILL, in the middle of playback
        first.wait(timeout=10)
        killed_at = datetime.now(UTC)

        assert _quick_check(db) == "ok"
        at_kill = _plays(db)  # everything the dead process committed
        open_at_kill = {pid: p for pid, p in at_kill.items() if p["stopped_at"] is None}
        assert open_at_kill, at_kill
        assert all(p["source"] == "live" for p in at_kill.values())

        # Stay down for longer than the disappearance grace (2 polls): a real restart is not instant, and the
        # restored plays must still continue rather than close and reopen.
        time.sleep(DOWNTIME_SEC)
        second, base = _serve(db, simulator_url, log)

        def settled() -> dict[str, Row] | None:
            if _polls(base) < 4:
                return None
            rows = _plays(db)
            for pid in open_at_kill:
                play = rows.get(pid)
                if play is None or (play["last_seen_at"] <= killed_at and play["stopped_at"] is None):
                    return None  # not re-observed yet
            return rows

        after = wait_for("several polls after the restart", settled, 20)
        playing = _playing_now(simulator_url)
        assert second.poll() is None, log.read_text(errors="replace")
    finally:
        stop(first, kill=True)
        stop(second)
    elapsed = time.monotonic() - started

    assert _quick_check(db) == "ok"
    # Nothing lost: every play committed before the kill is still there, with the same identity, and its time
    # never went backwards.
    for pid, before in at_kill.items():
        now = after.get(pid)
        assert now is not None, f"play {pid} was lost"
        for key in ("session_id", "user_id", "item_id", "started_at"):
            assert now[key] == before[key], (pid, key)
        assert now["watch_seconds"] >= before["watch_seconds"] - 1e-6, (pid, before, now)
        if before["stopped_at"] is not None:
            assert now["stopped_at"] == before["stopped_at"], pid

    # Nothing duplicated: plays of one session and item never overlap, and a session has at most one open play.
    by_key: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for play in after.values():
        by_key[(play["session_id"], play["item_id"])].append(play)
        assert play["watch_seconds"] <= (play["last_seen_at"] - play["started_at"]).total_seconds() + 1.0, play
    for pair, group in by_key.items():
        group.sort(key=lambda p: p["started_at"])
        for earlier, later in pairwise(group):
            assert earlier["stopped_at"] is not None, (pair, group)
            assert later["started_at"] >= earlier["stopped_at"], (pair, group)
    open_sessions = [p["session_id"] for p in after.values() if p["stopped_at"] is None]
    assert len(open_sessions) == len(set(open_sessions)), open_sessions

    # The plays open at the kill continued (same id, more time) when the simulator still plays them, and were
    # otherwise closed at their last observation.
    for pid, before in open_at_kill.items():
        now = after[pid]
        if (now["session_id"], now["item_id"]) in playing:
            assert now["stopped_at"] is None, (before, now)
            assert now["last_seen_at"] > killed_at
            grew = now["watch_seconds"] - before["watch_seconds"]
            assert grew > 0, (before, now)
            assert grew <= (now["last_seen_at"] - before["last_seen_at"]).total_seconds() + 1.0, (before, now)
        else:
            assert now["stopped_at"] is not None, (before, now)
            assert before["last_seen_at"] - timedelta(seconds=1) <= now["stopped_at"] <= now["last_seen_at"]
    assert elapsed < 60, f"took {elapsed:.1f} s"
    logged = log.read_text(errors="replace")
    assert "Traceback" not in logged
    assert API_KEY not in logged
    token_file = db.parent / "webhook_token"  # generated at the first start, kept across the restart
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text(encoding="utf-8").strip() not in logged
