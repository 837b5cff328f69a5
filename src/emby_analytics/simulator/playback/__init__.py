"""Playback: scripts, actions and truth (scripts.py), the session engine (engine.py), the household generator
(household.py) and the Playback Reporting plugin's history (history.py). Depends on `world` only.

engine = sim.sessions                      # a SessionEngine bound to the world and clock
sid = engine.add_script(PlaybackScript(user_id, start, (Play(0, item_id), Pause(600), Resume(660), Stop(1800))))
engine.attach(household_scripts(world, clock, seed=1))   # endless realistic activity
engine.truth()                             # [PlayTruth]: segments, watched_seconds, content_seconds, ...
engine.notices                             # [PlaybackNotice]: start/pause/unpause/stop, as Emby's webhooks tell
engine.watch_seconds_by_user_day()         # {(user_id, date): seconds}
history = PlaybackHistory.generate(world, end=clock.now(), days=90)   # past plays, as the plugin recorded them
"""

from __future__ import annotations

from .engine import SessionEngine, SessionRuntime
from .history import PlaybackHistory, PlayedState
from .household import household_scripts
from .scripts import (
    Action,
    ChangeTranscode,
    Device,
    Disappear,
    Pause,
    Play,
    PlaybackNotice,
    PlaybackScript,
    PlayMethod,
    PlayTruth,
    Resume,
    Seek,
    Segment,
    SetRate,
    Stall,
    Stop,
    Transcode,
)

__all__ = [
    "Action",
    "ChangeTranscode",
    "Device",
    "Disappear",
    "Pause",
    "Play",
    "PlayMethod",
    "PlayTruth",
    "PlaybackHistory",
    "PlaybackNotice",
    "PlaybackScript",
    "PlayedState",
    "Resume",
    "Seek",
    "Segment",
    "SessionEngine",
    "SessionRuntime",
    "SetRate",
    "Stall",
    "Stop",
    "Transcode",
    "household_scripts",
]
