"""Retry timing: exponential backoff with jitter, capped."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """`retries` attempts after the first; retry n waits about base * 2**(n-1), never more than `cap`."""

    retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be >= 0")
        if self.backoff_base < 0 or self.backoff_cap < 0:
            raise ValueError("backoff must be >= 0")

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1-based).

        "Equal jitter" (half fixed, half random) keeps the waits growing while spreading clients apart.
        A server's Retry-After is honoured, but never beyond the cap.
        """
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** max(retry - 1, 0))
        wait = ceiling * (0.5 + 0.5 * rng.random())
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.backoff_cap)
        return float(wait)
