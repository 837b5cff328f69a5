"""Real processes, for the tests that run the command as a user does: `emby-analytics simulate` on a free loopback
port, waiting for a condition, reading JSON, stopping cleanly. One copy, shared by test_cli and test_crash_restart."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
COMMAND = (sys.executable, "-m", "emby_analytics")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60, step: float = 0.25) -> T:
    """`probe()` until it returns something truthy; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except (OSError, sqlite3.Error, ValueError, KeyError) as exc:  # not up yet, no table yet, ...
            last_error = exc
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error!r})")


def get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def stop(process: subprocess.Popen[Any] | None, *, kill: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    if kill:
        process.kill()
    else:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running(*args: str, url: str = r"http://127\.0\.0\.1:\d+") -> Iterator[str]:
    """`emby-analytics <args>` for the block, once it printed its address (the first line matching `url`);
    yields that address. Stopped with SIGTERM afterwards."""
    # The with block closes the stdout pipe (an open one is a ResourceWarning, an error in the test suite).
    with subprocess.Popen(
        [*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT
    ) as process:
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, f"{args[0]} did not start"
            line = process.stdout.readline()
            match = re.search(url, line)
            assert match, line
            yield match.group(0).rstrip("/")
        finally:
            stop(process)


@contextmanager
def simulate(*args: str, seed: str, api_key: str) -> Iterator[str]:
    """`emby-analytics simulate` on a free loopback port for the block; yields its URL."""
    with running("simulate", "--port", "0", "--seed", seed, "--api-key", api_key, *args) as url:
        yield url


@contextmanager
def serving(data: Path, emby_url: str, api_key: str, **settings: str) -> Iterator[str]:
    """`emby-analytics serve` on a free loopback port against `emby_url`, its database in `data` (and its log,
    serve.log), any setting by its variable name; yields its URL once it answers."""
    port = free_port()
    env = {
        **os.environ, "EMBY_BASE_URL": emby_url, "EMBY_API_KEY": api_key, "SQLITE_PATH": str(data / "emby.db"),
        "HOST": "127.0.0.1", "PORT": str(port), **settings,
    }  # fmt: skip
    with (data / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [*COMMAND, "--env-file", "/dev/null", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("serve to answer", lambda: get_json(f"{base}/version"), 30)
        yield base
    finally:
        stop(process)
