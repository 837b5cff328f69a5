"""Request metrics: counts per endpoint and status, current and maximum in-flight concurrency."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RequestMetrics:
    total: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0

    def started(self, endpoint: str) -> None:
        self.total += 1
        self.by_endpoint[endpoint] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def finished(self, status: int) -> None:
        self.in_flight -= 1
        self.by_status[status] += 1

    def reset(self) -> None:
        """Zero the counters (in-flight requests keep being tracked)."""
        self.total = 0
        self.by_endpoint.clear()
        self.by_status.clear()
        self.max_in_flight = self.in_flight
