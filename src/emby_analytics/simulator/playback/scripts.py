"""Playback scripts (what a client does, when) and ground truth (what was really watched).

A `PlaybackScript` is one session on one device for one user: a start time and timed actions whose `at` is
seconds after `start`. Positions are in seconds of content. Semantics:

- `Play` starts an item (or, while another plays, closes that play and starts a new one: autoplay/item change).
- `Pause` / `Resume`: paused time never counts. `Resume` also ends a `Stall`.
- `Stall`: the client keeps reporting "playing" but its position freezes (a sleeping client): not watching.
- `Seek`: jump to a position; the play continues (wall time counts, the jump is not content covered).
- `ChangeTranscode`: switch play method / transcode details mid-play (same play).
- `SetRate`: playback speed; content advances `rate` seconds per wall second.
- `Stop`: the play ends, the session stays listed as idle. Reaching the runtime also stops (reason "ended").
- `Disappear(duration)`: the session vanishes from `/Sessions` for `duration` seconds while the client keeps
  doing what it did (truth keeps counting); with `duration=None` it is gone for good and the play ends there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

PlayMethod = Literal["DirectPlay", "DirectStream", "Transcode"]

ROKU_COMMANDS: tuple[str, ...] = (
    "GoHome",
    "SendString",
    "GoToSearch",
    "GoToSettings",
    "DisplayContent",
    "DisplayMessage",
    "SetAudioStreamIndex",
    "SetSubtitleStreamIndex",
    "PlayMediaSource",
    "Mute",
    "Unmute",
    "ToggleMute",
    "VolumeUp",
    "VolumeDown",
    "SetVolume",
    "ToggleOsdMenu",
)


@dataclass(frozen=True)
class Device:
    """The client side of a session (what `/Sessions` reports about the device and app)."""

    client: str = "Emby Web"
    device_name: str = "Chrome Windows"
    device_id: str = "8a1c2b3d-0000-4000-8000-000000000001"
    app_version: str = "4.8.10.0"
    remote_address: str = "192.168.1.20"
    protocol: str = "HTTP/1.1"
    app_icon_url: str | None = "https://github.com/MediaBrowser/Emby.Resources/raw/master/images/devices/chrome.png"
    supported_commands: tuple[str, ...] = ROKU_COMMANDS
    playable_media_types: tuple[str, ...] = ("Audio", "Video")
    internal_id: int = 1
    reports_rate: bool = True  # False: the client leaves PlaybackRate out of its reports (older apps)


@dataclass(frozen=True)
class Transcode:
    """Transcode details. `report_info=False` reproduces sessions that say Transcode with no TranscodingInfo."""

    video_codec: str = "h264"
    audio_codec: str = "aac"
    container: str = "ts"
    is_video_direct: bool = False
    is_audio_direct: bool = False
    width: int | None = None  # None: the source's
    height: int | None = None
    bitrate: int | None = None  # None: derived from the source
    audio_channels: int = 2
    reasons: tuple[str, ...] = ("VideoCodecNotSupported",)
    hardware: bool = False
    report_info: bool = True


@dataclass(frozen=True)
class Play:
    at: float
    item_id: str
    position: float = 0.0
    method: PlayMethod = "DirectPlay"
    transcode: Transcode | None = None
    rate: float = 1.0


@dataclass(frozen=True)
class Pause:
    at: float


@dataclass(frozen=True)
class Resume:
    at: float


@dataclass(frozen=True)
class Stall:
    at: float


@dataclass(frozen=True)
class Seek:
    at: float
    position: float


@dataclass(frozen=True)
class ChangeTranscode:
    at: float
    method: PlayMethod = "Transcode"
    transcode: Transcode | None = None


@dataclass(frozen=True)
class SetRate:
    at: float
    rate: float


@dataclass(frozen=True)
class Stop:
    at: float


@dataclass(frozen=True)
class Disappear:
    at: float
    duration: float | None = None


Action = Play | Pause | Resume | Stall | Seek | ChangeTranscode | SetRate | Stop | Disappear


@dataclass(frozen=True)
class PlaybackScript:
    """One session: `user_id` on `device` from `start`; `report_interval` > 0 makes the client report its
    position only every that many seconds of playing (positions in `/Sessions` lag like real clients)."""

    user_id: str
    start: datetime
    actions: tuple[Action, ...]
    device: Device = field(default_factory=Device)
    report_interval: float = 0.0
    session_id: str | None = None

    def end(self) -> datetime:
        """Time of the last scripted action (a natural end of the last item may come later)."""
        last = max((a.at for a in self.actions), default=0.0)
        return self.start + timedelta(seconds=last)


@dataclass(frozen=True)
class Segment:
    """A stretch of actual playing: wall time [start, end), content position [pos_start, pos_end] in seconds."""

    start: datetime
    end: datetime
    pos_start: float
    pos_end: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


EndReason = Literal["stopped", "item_change", "ended", "disappeared", "remote_stop"]
NoticeKind = Literal["start", "pause", "unpause", "stop"]


@dataclass(frozen=True)
class PlaybackNotice:
    """A transition Emby announces the moment it happens (a webhook, `render/webhooks.py`): starts, pauses,
    resumes from a pause, stops. Stalls, seeks and vanishing sessions announce nothing."""

    kind: NoticeKind
    at: datetime
    session_id: str
    user_id: str
    item_id: str
    device: Device
    position: float  # seconds of content
    played_to_completion: bool = False


@dataclass
class PlayTruth:
    """Ground truth for one play (one user, one item, one session), as the scenario runner compares it."""

    play_id: int
    session_id: str
    user_id: str
    item_id: str
    item_type: str
    device_id: str
    client: str
    started: datetime
    runtime_seconds: float
    stopped: datetime | None = None  # None while the play is still open
    end_reason: EndReason | None = None
    segments: list[Segment] = field(default_factory=list)
    methods: list[tuple[datetime, PlayMethod]] = field(default_factory=list)
    max_position: float = 0.0

    @property
    def watched_seconds(self) -> float:
        """Time actually playing: not paused, not stalled, seeks not counted as watching."""
        return sum(s.seconds for s in self.segments)

    @property
    def content_seconds(self) -> float:
        """Forward content advance inside segments (seeks and rewinds excluded), capped at the runtime."""
        covered = sum(max(0.0, s.pos_end - s.pos_start) for s in self.segments)
        return min(covered, self.runtime_seconds) if self.runtime_seconds else covered

    @property
    def completion(self) -> float:
        return self.max_position / self.runtime_seconds if self.runtime_seconds else 0.0

    def seconds_by_day(self) -> dict[date, float]:
        """Watched seconds split at UTC midnights."""
        out: dict[date, float] = defaultdict(float)
        for seg in self.segments:
            cursor = seg.start
            while cursor < seg.end:
                midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time(), cursor.tzinfo)
                piece_end = min(seg.end, midnight)
                out[cursor.date()] += (piece_end - cursor).total_seconds()
                cursor = piece_end
        return dict(out)
