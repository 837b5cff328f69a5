"""The one backoff policy: how long to wait after consecutive failures (Emby requests, jobs, the websocket)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """After `n` failures in a row, wait about `base · 2^(n−1)`, never more than `cap`.

    "Equal jitter" (half fixed, half random) keeps the waits growing while spreading clients apart. A server's
    Retry-After is honoured, but never beyond the cap."""

    base: float
    cap: float

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0:
            raise ValueError("backoff must be >= 0")

    def delay(self, failures: int, rng: random.Random, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(max(failures - 1, 0), 32))
        wait = ceiling * (0.5 + 0.5 * rng.random())
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.cap)
        return float(wait)
