"""Version and build commit, shown by `/version` and `emby-analytics --version`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from emby_analytics import __version__

VERSION = __version__


def build_commit() -> str:
    """The commit this build came from: EMBY_ANALYTICS_COMMIT (set by the Docker build), else git, else 'unknown'."""
    commit = os.environ.get("EMBY_ANALYTICS_COMMIT", "").strip()
    if commit:
        return commit[:40]
    source = Path(__file__).resolve().parents[2]
    if (source / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
                cwd=source,
                capture_output=True,
                text=True,
                timeout=2,
                check=True,
            )
            return out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            return "unknown"
    return "unknown"
