"""Latency and fault injection, switchable at runtime and deterministic for a seed.

Endpoints are named by their route template as listed in `routes.ROUTES` (e.g. "/Items", "/Users/{UserId}/Items",
"/Sessions"); matching is case-insensitive. `endpoint=None` means every endpoint.

    sim.latency.set("/Items", base_ms=50, jitter_ms=20)   # per-endpoint base latency ± jitter
    sim.faults.fail_next(3, status=503, endpoint="/Items")  # the next 3 /Items requests answer 503
    sim.faults.stall_next(1, seconds=30)                     # the next request sleeps 30 s first
    hold = sim.faults.hold_next(1, endpoint="/Sessions")     # the next request waits until hold.release()
    sim.faults.malformed_next(1, endpoint="/Sessions")       # truncated JSON body
    sim.faults.unauthorized_next(2)                          # 401 even with a valid token
    sim.faults.answer_next(1, b"<html>", "text/html")        # the next request gets this body, whatever it asked
    sim.faults.set_rate("error", 0.05, status=502)           # 5 % of all requests answer 502
    sim.faults.clear()
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["error", "stall", "malformed", "unauthorized", "answer", "hold"]


def _norm(endpoint: str | None) -> str | None:
    return endpoint.lower() if endpoint is not None else None


@dataclass
class Hold:
    """Requests held by `hold_next`: `arrived` is set once one waits; all go on, answered normally, at `release()`.
    A slow Emby whose answer comes when the test says so, not after wall time."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()

    async def wait(self) -> None:
        self.arrived.set()
        await self.released.wait()


@dataclass
class Fault:
    """What to do to one request."""

    kind: FaultKind
    status: int = 500
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = ""
    hold: Hold | None = None


@dataclass
class _Rule:
    kind: FaultKind
    endpoint: str | None
    remaining: int | None  # None: probabilistic rule
    probability: float = 1.0
    status: int = 500
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = ""
    hold: Hold | None = None

    def applies(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint


@dataclass
class LatencyConfig:
    """Real-time delay added before answering (asyncio.sleep), independent of the simulated clock."""

    base_ms: float = 0.0
    jitter_ms: float = 0.0
    per_endpoint: dict[str, tuple[float, float]] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.per_endpoint = {k.lower(): v for k, v in self.per_endpoint.items()}

    def set(self, endpoint: str | None, base_ms: float, jitter_ms: float = 0.0) -> None:
        """Set the global (endpoint=None) or one endpoint's base latency and uniform ± jitter."""
        if endpoint is None:
            self.base_ms, self.jitter_ms = base_ms, jitter_ms
        else:
            self.per_endpoint[endpoint.lower()] = (base_ms, jitter_ms)

    def clear(self) -> None:
        self.base_ms = self.jitter_ms = 0.0
        self.per_endpoint.clear()

    def delay_for(self, endpoint: str) -> float:
        """Seconds to wait for one request to `endpoint`."""
        base, jitter = self.per_endpoint.get(endpoint.lower(), (self.base_ms, self.jitter_ms))
        if base <= 0 and jitter <= 0:
            return 0.0
        return max(0.0, base + (self._rng.uniform(-jitter, jitter) if jitter else 0.0)) / 1000


@dataclass
class FaultConfig:
    """Fault rules; counted rules ("next N") are consumed first, then probabilistic ones are rolled."""

    seed: int = 0
    enabled: bool = True
    injected: dict[str, int] = field(default_factory=dict)  # kind -> how many were injected

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._rules: list[_Rule] = []

    def _add(self, rule: _Rule) -> None:
        self._rules.append(rule)

    def fail_next(self, n: int = 1, status: int = 500, endpoint: str | None = None) -> None:
        self._add(_Rule("error", _norm(endpoint), n, status=status))

    def stall_next(self, n: int = 1, seconds: float = 30.0, endpoint: str | None = None) -> None:
        self._add(_Rule("stall", _norm(endpoint), n, seconds=seconds))

    def hold_next(self, n: int = 1, endpoint: str | None = None) -> Hold:
        """The next `n` requests wait until the returned hold is released (see `Hold`)."""
        hold = Hold()
        self._add(_Rule("hold", _norm(endpoint), n, hold=hold))
        return hold

    def malformed_next(self, n: int = 1, endpoint: str | None = None) -> None:
        self._add(_Rule("malformed", _norm(endpoint), n))

    def unauthorized_next(self, n: int = 1, endpoint: str | None = None) -> None:
        self._add(_Rule("unauthorized", _norm(endpoint), n, status=401))

    def answer_next(
        self, n: int, body: bytes, content_type: str, *, status: int = 200, endpoint: str | None = None
    ) -> None:
        """The next `n` requests get this answer instead of the real one (a proxy's error page, a hostile file)."""
        self._add(_Rule("answer", _norm(endpoint), n, status=status, body=body, content_type=content_type))

    def set_rate(
        self,
        kind: FaultKind,
        probability: float,
        *,
        endpoint: str | None = None,
        status: int = 500,
        seconds: float = 0.0,
    ) -> None:
        """Inject `kind` on a fraction of requests (replaces an earlier rate for the same kind/endpoint)."""
        self._rules = [
            r for r in self._rules if not (r.remaining is None and r.kind == kind and r.endpoint == _norm(endpoint))
        ]
        if probability > 0:
            self._add(_Rule(kind, _norm(endpoint), None, probability, status, seconds))

    def clear(self) -> None:
        self._rules.clear()

    def pending(self) -> int:
        """Counted faults not yet delivered."""
        return sum(r.remaining or 0 for r in self._rules)

    def pick(self, endpoint: str) -> Fault | None:
        """Decide the fault (if any) for one request; consumes counted rules."""
        if not self.enabled:
            return None
        key = endpoint.lower()
        for rule in self._rules:
            if rule.remaining is not None and rule.remaining > 0 and rule.applies(key):
                rule.remaining -= 1
                return self._deliver(rule)
        self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        for rule in self._rules:
            if rule.remaining is None and rule.applies(key) and self._rng.random() < rule.probability:
                return self._deliver(rule)
        return None

    def _deliver(self, rule: _Rule) -> Fault:
        self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
        return Fault(rule.kind, rule.status, rule.seconds, rule.body, rule.content_type, rule.hold)
