"""The simulated Emby server as an ASGI app: `Simulator`, `create_simulator_app`, routes and their handlers.

Modules: app.py (Simulator, the ASGI dispatcher), state.py (what handlers see), routes.py (the route table),
handlers.py (GET endpoints), remote.py (remote control), plugin.py (Playback Reporting query), query.py (item
queries), websocket.py (/embywebsocket), auth.py, faults.py (faults + latency), metrics.py, responses.py.
Depends on `world`, `playback` and `render`.
"""

from __future__ import annotations

from .app import Simulator, SimulatorApp, create_simulator_app
from .faults import FaultConfig, LatencyConfig
from .metrics import RequestMetrics
from .routes import ROUTES, Route
from .state import RemoteCommand, SimulatorState
from .websocket import SimulatorWebSockets

__all__ = [
    "ROUTES",
    "FaultConfig",
    "LatencyConfig",
    "RemoteCommand",
    "RequestMetrics",
    "Route",
    "Simulator",
    "SimulatorApp",
    "SimulatorState",
    "SimulatorWebSockets",
    "create_simulator_app",
]
