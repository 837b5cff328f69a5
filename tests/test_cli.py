"""The `emby-analytics` command as a user runs it: real processes, real ports on loopback, real files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import START
from tests.processes import ROOT, free_port, get_json, running, simulate, wait_for

from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.simulator.world import World, WorldSpec


def _run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emby_analytics", "--env-file", "/dev/null", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture
def simulator_process() -> Iterator[tuple[str, str]]:
    """`emby-analytics simulate` on a free loopback port; yields (url, api key)."""
    with simulate(seed="3", api_key="k" * 32) as url:
        yield url, "k" * 32


def test_version_and_help() -> None:
    assert "emby-analytics 0." in _run("--version", env={}).stdout
    result = _run(env={})
    assert result.returncode == 2
    assert "serve" in result.stdout and "demo" in result.stdout


def test_the_command_line_keeps_pydantic_v1_out_of_the_service() -> None:
    # FastAPI asks whether a route's model is a Pydantic v1 one by importing `pydantic.v1` (1.4 MB that the service
    # does not need); the command line answers "none here" first. Every route and the OpenAPI document still build.
    code = (
        "import contextlib, io, sys\n"
        "from emby_analytics.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['--env-file', '/dev/null', 'openapi'])\n"
        "print(code, '\"/stats/movies\"' in out.getvalue(), sys.modules['pydantic.v1'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.stdout.split() == ["0", "True", "None"], result.stderr


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
        views = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert {"users", "libraries", "items", "sync_runs", "play_rows", "segment_rows", "alembic_version"} <= tables
    assert views == {"plays", "segments"}


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
    port = free_port()
    args = ["--env-file", "/dev/null", "demo", "--port", str(port), "--data-dir", str(tmp_path / "demo"), "--seed", "5"]
    with running(*args) as base:
        assert base == f"http://127.0.0.1:{port}"
        world = World.generate(WorldSpec.demo(5), ManualClock(START))
        counts = world.counts()
        wait_for("the demo to sync", lambda: get_json(f"{base}/stats/overview")["items_by_type"].get("Episode"))  # type: ignore[index]
        wait_for("the demo to sync", lambda: _job(base, "library-incremental")["runs"] >= 1)
        wait_for("the demo to sync", lambda: _job(base, "users")["runs"] >= 1)
        overview = get_json(f"{base}/stats/overview")
        assert isinstance(overview, dict)
        assert overview["total_users"] == len(world.users)
        assert overview["items_by_type"]["Movie"] == counts["MovieCount"]
        assert overview["items_by_type"]["Series"] == counts["SeriesCount"]
        assert overview["items_by_type"]["Episode"] == counts["EpisodeCount"]
        assert overview["total_items"] == counts["ItemCount"]
        assert get_json(f"{base}/stats/users/total") == {"total_users": len(world.users)}
        assert (tmp_path / "demo" / "emby.db").exists()


def _job(base: str, name: str) -> dict[str, object]:
    health = get_json(f"{base}/health")
    assert isinstance(health, dict)
    return next(job for job in health["jobs"] if job["name"] == name)  # type: ignore[no-any-return]
