"""A one-line terminal progress bar for `emby-analytics sync` (plain log lines when not on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from emby_analytics.sync.library import SyncProgress

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, *, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = min_interval
        self._last = 0.0
        self._last_phase = ""

    def __call__(self, progress: SyncProgress) -> None:
        now = time.monotonic()
        phase_changed = progress.phase != self._last_phase
        if not phase_changed and now - self._last < self.min_interval and progress.phase != "done":
            return
        self._last = now
        self._last_phase = progress.phase
        if self.tty:
            self.stream.write("\r" + render(progress) + "\x1b[K")
            if progress.phase == "done":
                self.stream.write("\n")
        elif phase_changed:
            self.stream.write(render(progress) + "\n")
        self.stream.flush()


def render(progress: SyncProgress) -> str:
    if progress.total > 0:
        fraction = min(progress.processed / progress.total, 1.0)
        filled = round(fraction * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        return f"{progress.kind} sync [{bar}] {fraction:6.1%} {progress.processed}/{progress.total} {progress.phase}"
    return f"{progress.kind} sync {progress.processed} items {progress.phase}"
