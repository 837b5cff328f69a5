"""The admin's choice of the guard, kept beside the database so it outlives a restart: once an admin turns the
guard on or off at run time, that wins over PREVENT_4K_VIDEO_TRANSCODING (which is only the starting point)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
FILE_NAME = "guard.json"


def kept_choice(path: Path) -> bool | None:
    """The choice an admin made, or None when there is none (or the file is unreadable: the setting then applies)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("prevent_4k_video_transcoding")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as error:
        log.warning(
            "the guard's kept choice is unreadable; PREVENT_4K_VIDEO_TRANSCODING applies", extra={"error": str(error)}
        )
        return None
    return value if isinstance(value, bool) else None


def keep_choice(path: Path, enabled: bool) -> None:
    """Written whole or not at all (a new file renamed over the old); raises OSError when the disk refuses."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps({"prevent_4k_video_transcoding": enabled}) + "\n", encoding="utf-8")
    os.replace(partial, path)
