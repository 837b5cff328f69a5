"""A simulated Emby served by uvicorn on a loopback port from a thread of the test process, for tests that run the
real `serve` command against it and still turn the simulator's knobs (latency per endpoint, its request counts)
while it runs. `emby-analytics simulate` (tests/processes.py) is the same server without the knobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from emby_analytics.clock import SystemClock
from emby_analytics.serving import bind
from emby_analytics.simulator.demo import build_simulator
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import WorldSpec

SPEC = WorldSpec(seed=7, users=3, movies=20, series=2, seasons_per_series=1, episodes_per_season=3, music_tracks=2)


@contextmanager
def live_simulator(api_key: str) -> Iterator[tuple[Simulator, str]]:
    """(the simulator, its URL) for the block: real time, no household (tests add the sessions they need)."""
    sim = build_simulator(SPEC, SystemClock(), api_key=api_key, household=False)
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(sim.app(), log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.02)
        yield sim, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
