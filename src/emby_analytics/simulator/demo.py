"""Ready-made simulators for `emby-analytics demo` / `simulate` and the benchmarks."""

from __future__ import annotations

from datetime import UTC, tzinfo

from ..clock import Clock, SystemClock
from .playback import PlaybackHistory, household_scripts
from .server import FaultConfig, LatencyConfig, Simulator
from .world import World, WorldSpec


def build_simulator(
    spec: WorldSpec | None = None,
    clock: Clock | None = None,
    *,
    api_key: str = "simulator-api-key",
    household: bool = True,
    household_seed: int | None = None,
    max_concurrent: int = 3,
    min_live: int = 0,
    latency: LatencyConfig | None = None,
    faults: FaultConfig | None = None,
    history_days: int = 0,
    history_zone: tzinfo = UTC,
) -> Simulator:
    """A simulator over `spec` (default: `WorldSpec.demo()`), with endless household activity attached.

    `history_days` > 0 installs the Playback Reporting plugin with that many days of past household playback,
    its times written in `history_zone` (the plugin writes server-local times). `min_live`: sessions kept playing
    at every moment (the demo's dashboard always moves).
    """
    clock = clock or SystemClock()
    world = World.generate(spec or WorldSpec.demo(), clock)
    history = (
        PlaybackHistory.generate(world, end=clock.now(), days=history_days, zone=history_zone)
        if history_days > 0
        else None
    )
    sim = Simulator(world, clock, api_key=api_key, latency=latency, faults=faults, history=history)
    if household:
        seed = world.spec.seed if household_seed is None else household_seed
        scripts = household_scripts(world, clock, seed=seed, max_concurrent=max_concurrent, min_live=min_live)
        sim.sessions.attach(scripts)
    return sim
