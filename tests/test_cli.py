"""The `emby-analytics` command as a user runs it: real processes, real ports on loopback, real files."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import START

from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.simulator.world import World, WorldSpec

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait_for(predicate: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def simulator_process() -> Iterator[tuple[str, str]]:
    """`emby-analytics simulate` on a free loopback port; yields (url, api key)."""
    # The with block closes the stdout pipe (an open one is a ResourceWarning, an error here).
    with subprocess.Popen(
        [sys.executable, "-m", "emby_analytics", "simulate", "--port", "0", "--seed", "3", "--api-key", "k" * 32],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            assert match, line
            yield match.group(1), "k" * 32
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_version_and_help() -> None:
    assert "emby-analytics 0." in _run("--version", env={}).stdout
    result = _run(env={})
    assert result.returncode == 2
    assert "serve" in result.stdout and "demo" in result.stdout


def test_invalid_setting_stops_with_a_clear_message(tmp_path: Path) -> None:
    result = _run("migrate", env={"NOW_POLL_SEC": "0", "SQLITE_PATH": str(tmp_path / "e.db")})
    assert result.returncode == 2
    assert "NOW_POLL_SEC" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_without_an_api_key_says_so(tmp_path: Path) -> None:
    result = _run("serve", env={"SQLITE_PATH": str(tmp_path / "e.db"), "EMBY_API_KEY": ""})
    assert result.returncode == 2
    assert "EMBY_API_KEY: required" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_and_reports(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "emby.db"
    first = _run("migrate", env={"SQLITE_PATH": str(db)})
    assert first.returncode == 0, first.stderr
    head = migrate.head_revision()
    assert f"empty -> {head}" in first.stdout
    again = _run("migrate", env={"SQLITE_PATH": str(db)})
    assert f"{head} -> {head}" in again.stdout
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "libraries", "items", "sync_runs", "plays", "segments", "alembic_version"} <= tables


def test_sync_against_the_simulate_command(tmp_path: Path, simulator_process: tuple[str, str]) -> None:
    url, key = simulator_process
    db = tmp_path / "emby.db"
    env = {"EMBY_BASE_URL": url, "EMBY_API_KEY": key, "SQLITE_PATH": str(db), "REFRESH_CHUNK_SIZE": "200"}
    result = _run("sync", env=env)
    assert result.returncode == 0, result.stderr
    assert key not in result.stderr + result.stdout
    assert "full sync:" in result.stderr
    counts = World.generate(WorldSpec.demo(3), ManualClock(START)).counts()
    with sqlite3.connect(db) as conn:
        movies = conn.execute("SELECT count(*) FROM items WHERE type='Movie' AND removed_at IS NULL").fetchone()[0]
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
    assert movies == counts["MovieCount"]
    assert users == len(World.generate(WorldSpec.demo(3), ManualClock(START)).users)

    incremental = _run("sync", "--incremental", env=env)
    assert incremental.returncode == 0, incremental.stderr
    assert "incremental sync:" in incremental.stderr

    wrong_key = _run("sync", env={**env, "EMBY_API_KEY": "wrong-key-wrong-key"})
    assert wrong_key.returncode == 1
    assert "wrong-key-wrong-key" not in wrong_key.stderr
    assert "Traceback" not in wrong_key.stderr


def test_demo_serves_the_simulators_exact_counts(tmp_path: Path) -> None:
    port = _free_port()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emby_analytics",
            "--env-file",
            "/dev/null",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "demo"),
            "--seed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    ) as process:  # closes the stdout pipe
        try:
            assert process.stdout is not None
            assert f"http://127.0.0.1:{port}/" in process.stdout.readline()
            base = f"http://127.0.0.1:{port}"
            world = World.generate(WorldSpec.demo(5), ManualClock(START))
            counts = world.counts()
            _wait_for(lambda: _get_json(f"{base}/stats/overview")["items_by_type"].get("Episode"))  # type: ignore[index]
            _wait_for(lambda: _job(base, "library-incremental")["runs"] >= 1)
            _wait_for(lambda: _job(base, "users")["runs"] >= 1)
            overview = _get_json(f"{base}/stats/overview")
            assert isinstance(overview, dict)
            assert overview["total_users"] == len(world.users)
            assert overview["items_by_type"]["Movie"] == counts["MovieCount"]
            assert overview["items_by_type"]["Series"] == counts["SeriesCount"]
            assert overview["items_by_type"]["Episode"] == counts["EpisodeCount"]
            assert overview["total_items"] == counts["ItemCount"]
            assert _get_json(f"{base}/stats/users/total") == {"total_users": len(world.users)}
            assert (tmp_path / "demo" / "emby.db").exists()
        finally:
            process.terminate()
            process.wait(timeout=15)


def _job(base: str, name: str) -> dict[str, object]:
    health = _get_json(f"{base}/health")
    assert isinstance(health, dict)
    return next(job for job in health["jobs"] if job["name"] == name)  # type: ignore[no-any-return]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
