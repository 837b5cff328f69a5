"""A simulated Emby server: a deterministic world, live sessions with known truth, latency and faults.

Entry points: `WorldSpec` / `World` (world.py), `Simulator` / `create_simulator_app` (app.py), and the
playback API in `sessions.py`.
"""

from __future__ import annotations

from .app import Simulator, create_simulator_app
from .faults import FaultConfig, LatencyConfig
from .metrics import RequestMetrics
from .routes import ROUTES
from .sessions import (
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
from .state import RemoteCommand
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
