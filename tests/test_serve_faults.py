"""`emby-analytics serve` as a self-hoster meets it (issue 8), with real processes on loopback and real files:
SIGTERM with a slow Emby and a slow client in flight, start-up failures, a client hanging up mid-body.

The simulated Emby runs in a thread of this process (`emby_analytics.testing.live_simulator`), so a test can slow
it down and count its requests while the service runs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from tests.processes import COMMAND, ROOT, free_port, get_json, stop, wait_for

from emby_analytics.serving import bind
from emby_analytics.simulator.playback import Play, PlaybackScript, Stop
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.testing import live_simulator

API_KEY = "e" * 32
WEBHOOK_TOKEN = "w" * 32
STOP_WITHIN_SEC = 5.0


@pytest.fixture
def emby() -> Iterator[tuple[Simulator, str]]:
    with live_simulator(API_KEY) as running:
        yield running


def _env(db: Path, emby_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "EMBY_BASE_URL": emby_url,
        "EMBY_API_KEY": API_KEY,
        "SQLITE_PATH": str(db),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        **extra,
    }


@contextmanager
def _serve(db: Path, emby_url: str, log: Path, **extra: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`serve` for the block, once it answers; (the process, its URL). Its log (stderr) goes to `log`."""
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*COMMAND, "--env-file", "/dev/null", "serve"],
            env=_env(db, emby_url, port, **extra),
            stdout=subprocess.DEVNULL,
            stderr=sink,
            cwd=ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("serve to answer", lambda: get_json(f"{base}/version"), 30)
        yield process, base
    finally:
        stop(process, kill=True)


def _partial_post(base: str, path: str) -> socket.socket:
    """A client that announces a 1,000-byte body, sends a few bytes of it and then sends nothing more."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    sock.sendall(head.encode() + b'{"Event": "playback.')
    return sock


def _open_plays(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        return int(conn.execute("SELECT count(*) FROM plays WHERE stopped_at IS NULL").fetchone()[0])


def test_sigterm_stops_within_5_s_with_a_slow_emby_and_a_slow_client(
    tmp_path: Path, emby: tuple[Simulator, str]
) -> None:
    sim, url = emby
    movie = next(str(r.id) for r in sim.world.records(sim.world.ids_of_type(MOVIE)) if r.runtime >= 3600 * 10**7)
    sim.sessions.add_script(PlaybackScript(sim.world.users[0].id, sim.clock.now(), (Play(0, movie), Stop(3000))))
    db, log = tmp_path / "data" / "emby.db", tmp_path / "serve.log"
    with _serve(db, url, log, NOW_POLL_SEC="1") as (process, base):
        wait_for("the play to be stored as open", lambda: _open_plays(db), 30)

        # Emby turns slow: every call now takes a minute (longer than EMBY_TIMEOUT_SEC), polls and syncs included.
        sim.latency.set(None, 60_000)
        asked = sim.metrics.by_endpoint["/System/Info"]
        outcome: list[str] = []

        def check_emby() -> None:
            try:
                with urllib.request.urlopen(f"{base}/health/emby", timeout=30) as response:
                    outcome.append(str(response.status))
            except (urllib.error.URLError, OSError) as exc:
                outcome.append(type(exc).__name__)

        checker = threading.Thread(target=check_emby)
        checker.start()
        wait_for("/health/emby to be asking Emby", lambda: sim.metrics.by_endpoint["/System/Info"] > asked, 10, 0.02)
        with closing(_partial_post(base, f"/webhooks/emby?token={WEBHOOK_TOKEN}")):
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=STOP_WITHIN_SEC)
            took = time.monotonic() - started
        checker.join(timeout=30)

    assert code == 0, log.read_text(errors="replace")
    assert took < STOP_WITHIN_SEC
    assert outcome, "the /health/emby request never ended"
    assert _open_plays(db) == 1  # kept open, for the next start to resume
    logged = log.read_text(errors="replace")
    assert "Application shutdown complete" in logged  # the lifespan's finally ran: jobs stopped, plays flushed
    assert "request cancelled at shutdown" in logged  # the slow requests, cut short after the grace
    assert "Traceback" not in logged and "level=error" not in logged
    assert API_KEY not in logged and WEBHOOK_TOKEN not in logged


def _serve_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "--env-file", "/dev/null", "serve"], env=env, capture_output=True, text=True, timeout=30, cwd=ROOT
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("emby-analytics: "), lines
    return lines[0]


def test_a_taken_port_is_one_line_and_touches_no_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line(_serve_once(_env(data / "emby.db", "http://127.0.0.1:9", port)))
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert not data.exists()  # bound first: nothing created before the port was ours


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("folder", "is a folder"),
        ("not a database", "file is not a database"),
        ("data folder under a file", "cannot create the data folder"),
    ],
)
def test_an_unusable_database_is_one_line(tmp_path: Path, case: str, expected: str) -> None:
    if case == "folder":
        db = tmp_path / "emby.db"
        db.mkdir()
    elif case == "not a database":
        db = tmp_path / "emby.db"
        db.write_text("these are my notes, not a database\n" * 20)
    else:
        (tmp_path / "file").write_text("a file")
        db = tmp_path / "file" / "data" / "emby.db"
    line = _one_line(_serve_once(_env(db, "http://127.0.0.1:9", free_port())))
    assert expected in line and str(db.parent) in line


def test_a_read_only_data_folder_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    try:
        if os.access(data, os.W_OK):
            pytest.skip("running as root, who may write in any folder: run the suite as an ordinary user")
        line = _one_line(_serve_once(_env(data / "emby.db", "http://127.0.0.1:9", free_port())))
        assert "cannot create the database" in line and "Permission denied" in line
    finally:
        data.chmod(0o700)


def test_a_client_hanging_up_mid_body_is_a_debug_line(tmp_path: Path, emby: tuple[Simulator, str]) -> None:
    _sim, url = emby
    log = tmp_path / "serve.log"
    with _serve(tmp_path / "data" / "emby.db", url, log, LOG_LEVEL="debug") as (process, base):
        for _ in range(3):
            _partial_post(base, f"/webhooks/emby?token={WEBHOOK_TOKEN}").close()
        wait_for(
            "the hang-ups to be logged",
            lambda: log.read_text(errors="replace").count('msg="client disconnected mid-request"') >= 3,
            15,
        )
        assert get_json(f"{base}/version")["version"]  # still serving
        assert process.poll() is None
    logged = log.read_text(errors="replace")
    disconnects = [line for line in logged.splitlines() if "disconnected" in line]
    assert all("level=debug" in line for line in disconnects), disconnects
    assert "level=error" not in logged
    assert "Traceback" not in logged
    assert WEBHOOK_TOKEN not in logged


async def test_every_connection_sends_at_once() -> None:
    """Nagle's algorithm is off on each connection the listening socket accepts (TCP_NODELAY): an answer written
    as its head then its body leaves at once instead of waiting for the client's delayed ACK (40 ms a request,
    every request, before `bind` said TCP outright)."""
    sock = bind("127.0.0.1", 0)
    nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nodelay.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    async with await asyncio.start_server(accepted, sock=sock):
        _reader, writer = await asyncio.open_connection(*sock.getsockname())
        assert await asyncio.wait_for(nodelay, 5) != 0
        writer.close()
        await writer.wait_closed()
