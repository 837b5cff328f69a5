"""A simulated Emby server: a deterministic world, live sessions with known truth, latency and faults.

Rooms, each depending only on those before it: `world` (the library: `World`, `WorldSpec`, records),
`playback` (scripts, truth, `SessionEngine`, household, plugin history), `render` (Emby's JSON from records
and runtimes), `server` (`Simulator`, `create_simulator_app`, routes, faults, websocket). `demo.py` builds
ready-made simulators; `scenarios.py` scripts the watch-time scenarios.
"""

from __future__ import annotations

from .playback import (
    ChangeTranscode,
    Device,
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    PlayTruth,
    Resume,
    Seek,
    SessionEngine,
    SetRate,
    Stall,
    Stop,
    Transcode,
    household_scripts,
)
from .server import ROUTES, FaultConfig, LatencyConfig, RemoteCommand, RequestMetrics, Simulator, create_simulator_app
from .world import World, WorldSpec

__all__ = [
    "ROUTES",
    "ChangeTranscode",
    "Device",
    "Disappear",
    "FaultConfig",
    "LatencyConfig",
    "Pause",
    "Play",
    "PlayTruth",
    "PlaybackScript",
    "RemoteCommand",
    "RequestMetrics",
    "Resume",
    "Seek",
    "SessionEngine",
    "SetRate",
    "Simulator",
    "Stall",
    "Stop",
    "Transcode",
    "World",
    "WorldSpec",
    "create_simulator_app",
    "household_scripts",
]
