"""Ready-made simulators for `emby-analytics demo` / `simulate` and the benchmarks."""

from __future__ import annotations

from ..clock import Clock, SystemClock
from .app import Simulator
from .faults import FaultConfig, LatencyConfig
from .household import household_scripts
from .world import World, WorldSpec


def build_simulator(
    spec: WorldSpec | None = None,
    clock: Clock | None = None,
    *,
    api_key: str = "simulator-api-key",
    household: bool = True,
    household_seed: int | None = None,
    max_concurrent: int = 3,
    latency: LatencyConfig | None = None,
    faults: FaultConfig | None = None,
) -> Simulator:
    """A simulator over `spec` (default: `WorldSpec.demo()`), with endless household activity attached."""
    clock = clock or SystemClock()
    world = World.generate(spec or WorldSpec.demo(), clock)
    sim = Simulator(world, clock, api_key=api_key, latency=latency, faults=faults)
    if household:
        seed = world.spec.seed if household_seed is None else household_seed
        sim.sessions.attach(household_scripts(world, clock, seed=seed, max_concurrent=max_concurrent))
    return sim
