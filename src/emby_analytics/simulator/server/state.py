"""`SimulatorState`: what the route handlers read and change (world, clock, tokens, knobs, sessions, history).

`Simulator` (app.py) is this state plus its ASGI faces (the app and the websocket hub); handlers take the state
alone, so they do not depend on the app that routes to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...clock import Clock
from ..playback import PlaybackHistory, SessionEngine
from ..render import SessionRenderer
from ..world import World
from .faults import FaultConfig, LatencyConfig
from .metrics import RequestMetrics


@dataclass
class RemoteCommand:
    """One remote-control POST as received. `kind`: "Playing" (Playstate), "Message", "Command", "Play"."""

    session_id: str
    kind: str
    name: str
    arguments: dict[str, Any]
    at: datetime
    applied: bool = False


class SimulatorState:
    """A simulated Emby server's state and knobs (see `Simulator` in app.py for the constructor's use)."""

    def __init__(
        self,
        world: World,
        clock: Clock | None = None,
        *,
        api_key: str = "simulator-api-key",
        latency: LatencyConfig | None = None,
        faults: FaultConfig | None = None,
        sessions: SessionEngine | None = None,
        extra_tokens: Iterable[str] = (),
        history: PlaybackHistory | None = None,
    ) -> None:
        self.world = world
        self.clock: Clock = clock or world.clock
        self.api_key = api_key
        self.tokens: set[str] = {api_key, *extra_tokens}
        self.latency = latency or LatencyConfig()
        self.faults = faults or FaultConfig()
        self.metrics = RequestMetrics()
        self.sessions = sessions or SessionEngine(world, self.clock)
        self.session_renderer = SessionRenderer(world.server_id)  # /Sessions and the websocket share its items
        self.commands: list[RemoteCommand] = []
        # The Playback Reporting plugin's data and played flags (playback/history.py); None: no plugin.
        self.history = history
