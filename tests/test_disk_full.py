"""A full disk under a running `serve` (issue 8): the service's own files stop growing, as on a full disk, by a
per-process file-size limit set from outside (`prlimit`), then lifted, as when space returns. A real process on
loopback against the simulated Emby (in this process, so the test starts a viewer and knows the truth).

While the disk is full: webhooks are still answered and applied, `/health` says degraded in plain words and
counts what waits; afterwards everything is stored, nothing is lost, and the pause lands at its exact moment."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.fixture_files import EMBY_SAMPLES
from tests.processes import COMMAND, ROOT, free_port, get_json, stop, wait_for

from emby_analytics.db.schema import decode_id, from_micros
from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import live_simulator

API_KEY = "d" * 32
WEBHOOK_TOKEN = "disk-full-webhook-token-0123"
ADMIN_TOKEN = "disk-full-admin-token-0123456"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY) as running:
        yield running


def _health(base: str) -> Any:
    return get_json(f"{base}/health", ADMIN)


def _open_play(db: Path) -> tuple[str, str, datetime] | None:
    """(play id, session id, last seen) of the open play, once one is stored."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        row = conn.execute("SELECT id, session_id, last_seen_at FROM plays WHERE stopped_at IS NULL").fetchone()
    return None if row is None else (decode_id(row[0]), decode_id(row[1]), from_micros(row[2]))


def _segments(db: Path, play_id: str) -> list[tuple[datetime, datetime]]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        rows = conn.execute("SELECT play_id, started_at, ended_at FROM segments ORDER BY started_at").fetchall()
    return [(from_micros(a), from_micros(b)) for pid, a, b in rows if decode_id(pid) == play_id]


def _pause_webhook(sim: Simulator, session_id: str, user_id: str, item_id: str, at: datetime) -> bytes:
    samples = json.loads((EMBY_SAMPLES / "webhook_playback.pause_movie_emby4.8.11.json").read_text())
    body = samples[0] if isinstance(samples, list) else samples
    runtime = sim.sessions.session(session_id)
    assert runtime is not None
    position = round(runtime.position(at) * 10_000_000)
    body.update(Event="playback.pause", Date=at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z")
    body["User"] = {"Name": "someone", "Id": user_id}
    body["Item"] = {**body["Item"], "Id": item_id}
    body["Session"] = {**body["Session"], "Id": session_id, "DeviceId": "disk-full-device"}
    body["PlaybackInfo"] = {**body.get("PlaybackInfo", {}), "PositionTicks": position}
    return json.dumps(body).encode()


def test_a_full_disk_loses_nothing(tmp_path: Path, emby: tuple[Simulator, str]) -> None:
    sim, url = emby
    db = tmp_path / "data" / "emby.db"
    port = free_port()
    env = {
        **os.environ, "EMBY_BASE_URL": url, "EMBY_API_KEY": API_KEY, "SQLITE_PATH": str(db), "HOST": "127.0.0.1",
        "PORT": str(port), "NOW_POLL_SEC": "1", "WEBHOOK_TOKEN": WEBHOOK_TOKEN, "ADMIN_TOKEN": ADMIN_TOKEN,
        "BACKUP_INTERVAL_HOURS": "0", "COMPACT_INTERVAL_DAYS": "0",
    }  # fmt: skip
    # The log goes nowhere: a file would hit the same limit, a pipe could fill.
    process = subprocess.Popen(
        [*COMMAND, "--env-file", "/dev/null", "serve"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("serve to answer", lambda: get_json(f"{base}/version", ADMIN), 30)
        film = next(r for i in sim.world.ids_of_type(MOVIE) if (r := sim.world.item(i)) is not None and r.runtime)
        user = next(u for u in sim.world.users if not u.is_disabled)
        device = Device(device_id="disk-full-device", device_name="Bedroom TV")
        session_id = sim.sessions.add_script(PlaybackScript(user.id, sim.clock.now(), (Play(0, str(film.id)),), device))
        play_id, _, _ = wait_for("an open play stored", lambda: _open_play(db), 30)
        wait_for("its first segment", lambda: _segments(db, play_id), 30)

        # The disk is full: no file of the service may grow past its size now.
        wal = Path(f"{db}-wal")
        limit = max(wal.stat().st_size, db.stat().st_size)
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))  # soft: liftable
        full = wait_for("a poll's write refused", lambda: (h := _health(base))["poller"]["last_write_error"] and h)
        assert full["status"] == "degraded" and "disk" in full["poller"]["last_write_error"]
        paused_at = sim.clock.now()
        webhook = _pause_webhook(sim, session_id, user.id, str(film.id), paused_at)
        sim.sessions.command(session_id, "Pause")  # the viewer pauses; Emby's webhook says so at once
        request = urllib.request.Request(
            f"{base}/webhooks/emby?token={WEBHOOK_TOKEN}", data=webhook, method="POST",
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200 and json.loads(answer.read()) == {"outcome": "applied"}
        waiting = _health(base)["poller"]
        assert waiting["waiting_webhooks"] == 1 and waiting["unsaved_plays"] >= 1
        assert process.poll() is None, "the service kept running"

        # Space returns.
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        recovered = wait_for(
            "everything stored", lambda: (h := _health(base))["poller"]["last_write_error"] is None and h, 30
        )
        assert (recovered["poller"]["waiting_webhooks"], recovered["poller"]["unsaved_plays"]) == (0, 0)
        segments = _segments(db, play_id)
        assert len(segments) == 1 and abs((segments[0][1] - paused_at).total_seconds()) < 0.01, "paused at its moment"
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
            assert conn.execute("SELECT COUNT(*) FROM webhook_receipts").fetchone() == (1,), "the receipt too"
    finally:
        stop(process)
