"""The sync progress bar: a redrawn line on a terminal, one line per phase otherwise."""

from __future__ import annotations

import io

from emby_analytics.progress import ProgressBar, render
from emby_analytics.sync.library import SyncProgress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_render_shows_fraction_and_counts() -> None:
    line = render(SyncProgress("full", "library 3", 50, 200))
    assert "25.0%" in line and "50/200" in line and "[" + "#" * 8 in line
    assert render(SyncProgress("incremental", "library 3", 7, 0)) == "incremental sync 7 items library 3"


def test_terminal_gets_one_redrawn_line() -> None:
    out = FakeTerminal()
    bar = ProgressBar(out, min_interval=0)
    for done in range(0, 101, 10):
        bar(SyncProgress("full", "library 1", done, 100))
    bar(SyncProgress("full", "done", 100, 100))
    text = out.getvalue()
    assert text.count("\r") == 12 and text.endswith("\n") and text.count("\n") == 1


def test_pipe_gets_one_line_per_phase() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, min_interval=0)
    for phase in ("libraries", "library 1", "library 1", "library 2", "done"):
        bar(SyncProgress("full", phase, 1, 2))
    assert out.getvalue().count("\n") == 4
