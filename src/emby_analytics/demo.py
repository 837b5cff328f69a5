"""`demo` and `simulate`: the simulated Emby on a loopback port, alone or with the service beside it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from pathlib import Path

from emby_analytics.app import create_app
from emby_analytics.config import Settings, load_settings
from emby_analytics.logconfig import configure_logging
from emby_analytics.serving import bind, serve, server
from emby_analytics.simulator.demo import build_simulator
from emby_analytics.simulator.server import LatencyConfig, create_simulator_app
from emby_analytics.simulator.world import WorldSpec

log = logging.getLogger(__name__)

DEMO_HISTORY_DAYS = 90
DEMO_MIN_LIVE, DEMO_MAX_LIVE = 2, 4  # sessions playing at any hour


async def run_simulator(args: argparse.Namespace) -> int:
    spec = WorldSpec.sized(args.items, seed=args.seed) if args.items else WorldSpec.demo(args.seed)
    latency = LatencyConfig(base_ms=args.latency_ms, jitter_ms=args.latency_ms / 4, seed=args.seed)
    sim = build_simulator(
        spec, api_key=args.api_key or secrets.token_hex(16), latency=latency, history_days=args.history_days
    )
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    print(f"Simulated Emby at http://{args.host}:{port}  (API key: {sim.api_key}; {len(sim.world)} items)", flush=True)
    await serve(create_simulator_app(sim), sock)
    return 0


def demo_settings(base: Settings, data_dir: Path, sim_url: str, api_key: str, host: str, port: int) -> Settings:
    overrides = {
        "emby_base_url": sim_url,
        "emby_external_url": sim_url,
        "emby_api_key": api_key,
        "sqlite_path": data_dir / "emby.db",
        "history_days": DEMO_HISTORY_DAYS,
        "host": host,
        "port": port,
    }
    return Settings.model_validate({**base.model_dump(), **overrides})


async def run_demo(args: argparse.Namespace, env_file: Path | None) -> int:
    base = load_settings(env_file=env_file)
    # About 90 days of the household's past viewing, imported through the Playback Reporting plugin at start-up,
    # so every chart has data; live sessions keep adding to it, two to four at any hour, so the dashboard moves.
    sim = build_simulator(
        WorldSpec.demo(args.seed),
        api_key=secrets.token_hex(16),
        history_days=DEMO_HISTORY_DAYS,
        history_zone=base.zone,
        max_concurrent=DEMO_MAX_LIVE,
        min_live=DEMO_MIN_LIVE,
    )
    sim_sock = bind("127.0.0.1", 0)
    sim_url = f"http://127.0.0.1:{sim_sock.getsockname()[1]}"
    port = args.port if args.port is not None else base.port
    settings = demo_settings(base, args.data_dir.resolve(), sim_url, sim.api_key, args.host, port)
    configure_logging(settings.log_level, settings.secret_values())
    app_sock = bind(args.host, port)

    sim_server = server(create_simulator_app(sim))
    print(
        f"Emby Analytics demo: http://{args.host}:{app_sock.getsockname()[1]}/  (the API Explorer at /api-explorer)\n"
        f"  simulated Emby: {sim_url}  ({len(sim.world)} items, {len(sim.world.users)} users)\n"
        f"  data: {settings.sqlite_path}\n"
        "  stop with Ctrl+C",
        flush=True,
    )
    simulator_task = asyncio.create_task(sim_server.serve(sockets=[sim_sock]))
    try:
        await serve(create_app(settings), app_sock)
    finally:
        sim_server.should_exit = True
        await simulator_task
    return 0
