"""How a recorded play is reported (pure rules the store applies; no I/O): under which delivery, and which viewing
it continues (watch-time.md rule 11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import TICKS_PER_SECOND, Play, Stream

# A resume "starts near where the previous play stopped" (rule 11) when within this much content.
RESUME_TOLERANCE_SECONDS = 120
_WEIGHT = {"DirectPlay": 0, "DirectStream": 1, "Transcode": 2}


def reported_stream(first: Stream, latest: Stream) -> Stream:
    """The delivery a play is reported under: the heavier of how it started and how it is now (a play that
    switched to transcoding mid-way counts as a transcode, the load Emby's server carried)."""
    weight = _WEIGHT.get(latest.play_method or "", -1) - _WEIGHT.get(first.play_method or "", -1)
    return latest if weight > 0 else first


@dataclass(frozen=True)
class EarlierPlay:
    """A finished play of the same user and item, as the store read it."""

    view_id: str
    started_at: datetime
    last_position_ticks: int | None
    completed: bool


def resumed_view(play: Play, earlier: Sequence[EarlierPlay], window: timedelta) -> str | None:
    """The viewing a new play continues (rule 11): the latest earlier play of the same user and item that began
    within `window` before it, was not completed, and stopped near where this one starts. None: a new viewing."""
    candidates = [e for e in earlier if play.started_at - window <= e.started_at < play.started_at]
    if window <= timedelta(0) or not candidates:
        return None
    previous = max(candidates, key=lambda e: e.started_at)
    if previous.completed or previous.last_position_ticks is None:
        return None
    start = play.segments[0].position_start_ticks if play.segments else play.last_position_ticks
    near = abs(start - previous.last_position_ticks) <= RESUME_TOLERANCE_SECONDS * TICKS_PER_SECOND
    return previous.view_id if near else None
