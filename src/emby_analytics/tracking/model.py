"""Data of the tracker: what a poll or an event tells (`SessionObs`, `PlaybackEvent`), what a play is (`Play`,
`Segment`, `Stream`), the thresholds (`TrackerConfig`) and what one tick changed (`TickResult`).

Pure: imports nothing from the project. Times are aware UTC datetimes; positions are Emby ticks (100 ns).
`Play.state_dict()` / `Play.from_state_dict()` round-trip everything, including the continuation state the tracker
needs after a restart (watch-time.md rule 7), through JSON-compatible values.
"""

from __future__ import annotations

import hashlib
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

TICKS_PER_SECOND = 10_000_000

PlayMethod = Literal["DirectPlay", "DirectStream", "Transcode"]
StreamMethod = Literal["direct", "copy", "transcode"]
EventKind = Literal["start", "pause", "unpause", "stop", "progress"]
Status = Literal["playing", "paused", "stalled"]
# stopped: the session went idle; ended: idle at the end of the item; item_change: autoplay/next item;
# disappeared: the session vanished (rule 5); gone: absent when Emby answered again after an outage/restart (rule 6);
# event_stop: a webhook/websocket stop.
EndReason = Literal["stopped", "ended", "item_change", "disappeared", "gone", "event_stop"]
Source = Literal["live", "webhook"]
JsonDict = dict[str, Any]


@dataclass(frozen=True)
class TrackerConfig:
    """Thresholds (watch-time.md "Settings") and tolerances.

    - `jitter_sec`: position deviations from the expected line up to this many seconds of content/rate are noise
      (clients round positions and report a moment after the fact): below it
      a play is "continuous"; above it, behind = a pause between polls, ahead = a forward seek. 2 s keeps the
      per-transition error within the ±2 s target while a 3 s pause between polls is still seen.
    - `report_lag_max_sec`: a playing session's LastActivityDate is taken as the moment its position was reported
      when it is at most this old (clients report every ~10 s); older ones are not trusted and the poll time is used.
    - `snap_sec`: a LastActivityDate up to this far ahead of the poll is the poll itself (the clocks differ a little;
      Emby writes the stamp to 100 ns, so an older one is read as it is, see `accounting.sample_time`).
    - `coarse_jitter_sec`: the noise tolerance when the report time is unknown (no usable LastActivityDate): a client
      reporting every 10 s lags up to 10 s, which must not read as a pause or a seek.
    """

    poll_interval_sec: float = 5.0
    stall_seconds: float = 60.0
    min_play_seconds: float = 30.0
    completed_percent: float = 90.0
    jitter_sec: float = 2.0
    coarse_jitter_sec: float = 10.5
    report_lag_max_sec: float = 30.0
    snap_sec: float = 1.0

    @property
    def grace_sec(self) -> float:
        """Rule 5: a session missing from one poll keeps its play for NOW_POLL_SEC × 2."""
        return self.poll_interval_sec * 2


@dataclass(frozen=True)
class Stream:
    """How a play is delivered: play method, per-stream decisions, codecs from (file) → to (transcoder)."""

    play_method: PlayMethod | None = None
    video_method: StreamMethod | None = None
    audio_method: StreamMethod | None = None
    subtitle_method: StreamMethod | None = None
    video_codec_from: str | None = None
    video_codec_to: str | None = None
    audio_codec_from: str | None = None
    audio_codec_to: str | None = None
    transcode_reasons: tuple[str, ...] = ()
    bitrate: int | None = None

    def to_dict(self) -> JsonDict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["transcode_reasons"] = list(self.transcode_reasons)
        return out

    @classmethod
    def from_dict(cls, data: JsonDict) -> Stream:
        return cls(**{**data, "transcode_reasons": tuple(data.get("transcode_reasons") or ())})


@dataclass(frozen=True)
class PlayContext:
    """Who played what, where and how: everything about a play but its timing, as one value from the observation
    (`observe`) to the stored row (`store`). A new fact is a field here, its column (and migration) and the line in
    `observe` that reads it; the store maps fields to columns by name.

    `stream` is the delivery as first seen (the play keeps the latest beside it). `live_tv`: item types TvChannel,
    LiveTv, Channel, TvProgram, or an item with a ChannelId and no runtime."""

    user_id: str
    item_id: str
    user_name: str | None = None
    item_type: str | None = None
    item_name: str | None = None
    series_id: str | None = None
    series_name: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    runtime_ticks: int | None = None
    client: str | None = None
    device_name: str | None = None
    device_id: str | None = None
    remote_address: str | None = None
    application_version: str | None = None
    live_tv: bool = False
    stream: Stream = field(default_factory=Stream)

    @property
    def known(self) -> bool:
        """More than the ids: a poll has described it (a play opened by a webhook knows only who and what)."""
        return self.item_name is not None or self.item_type is not None

    def to_dict(self) -> JsonDict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["stream"] = self.stream.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: JsonDict) -> PlayContext:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["stream"] = Stream.from_dict(data.get("stream") or {})
        return cls(**values)


@dataclass(frozen=True)
class SessionObs:
    """One playing session as one `/Sessions` poll showed it: its play's context, and where the play stands.

    `reported_at` is the session's LastActivityDate: Emby stamps it when the client reports progress, so it tells
    *when* `position_ticks` was true (clients that report every 10 s lag up to 10 s behind the poll).
    """

    session_id: str
    context: PlayContext
    position_ticks: int | None = None
    is_paused: bool = False
    playback_rate: float | None = None
    reported_at: datetime | None = None

    @property
    def user_id(self) -> str:
        return self.context.user_id

    @property
    def item_id(self) -> str:
        return self.context.item_id


@dataclass(frozen=True)
class PlaybackEvent:
    """An exact transition (webhook or websocket). Matched to a play by item and session id *or* device id."""

    at: datetime
    kind: EventKind
    user_id: str
    item_id: str
    session_id: str | None = None
    device_id: str | None = None
    position_ticks: int | None = None
    played_to_completion: bool | None = None
    event_key: str | None = None


@dataclass
class Segment:
    """A stretch of actual playing. While `open`, `ended_at` is how far the play is credited so far."""

    started_at: datetime
    ended_at: datetime
    position_start_ticks: int
    position_end_ticks: int
    open: bool = False

    @property
    def seconds(self) -> float:
        return max(0.0, (self.ended_at - self.started_at).total_seconds())

    @property
    def content_ticks(self) -> int:
        return max(0, self.position_end_ticks - self.position_start_ticks)

    def to_dict(self) -> JsonDict:
        return {
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "position_start_ticks": self.position_start_ticks,
            "position_end_ticks": self.position_end_ticks,
            "open": self.open,
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> Segment:
        return cls(
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["ended_at"]),
            int(data["position_start_ticks"]),
            int(data["position_end_ticks"]),
            bool(data["open"]),
        )


_CURSOR_DT = ("anchor_at", "last_advance_at", "last_obs_at", "guess_lo", "first_report_at", "first_poll_at")


@dataclass
class Cursor:
    """The tracker's continuation state for an open play (persisted with it, rule 7).

    The "line" is the play's expected position over time while playing: `anchor_pos + rate × (t − anchor_at)`.
    `credit_until` is the end of the open segment. `last_obs_at` is the last poll/event that saw the play;
    `last_pos` the last position seen, `last_advance_at` when the line reached it (the stall clock, rule 3).
    """

    status: Status = "playing"
    anchor_at: datetime | None = None
    anchor_pos: int = 0
    rate: float = 1.0
    last_pos: int = 0
    last_advance_at: datetime | None = None
    last_obs_at: datetime | None = None
    exact: bool = False  # the anchor came from an exact event (webhook/websocket)
    report_lag: float = 0.0  # learned report interval (s): how long a slow client's position may stand still
    paced: bool = False  # the position has moved on since the first sample: `report_lag` is known (maybe 0)
    holds: int = 0  # samples in a row whose position stood still (a slow report, a stall, or not known yet)
    # The first sample, while its start may still be corrected by the client's pace or speed (accounting.settle_start)
    guess_lo: datetime | None = None
    first_report_at: datetime | None = None
    first_poll_at: datetime | None = None
    event_keys: list[str] = field(default_factory=list)

    def to_dict(self, *, compact: bool = False) -> JsonDict:
        """JSON-compatible values (datetimes as ISO strings); `compact` leaves out fields at their default."""
        out: JsonDict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if compact and value == (f.default_factory() if f.default_factory is not MISSING else f.default):
                continue
            if f.name in _CURSOR_DT:
                value = value.isoformat() if value is not None else None
            elif f.name == "event_keys":
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: JsonDict) -> Cursor:
        saved: JsonDict = dict(data)
        if "held" in saved:  # saved before `paced`/`holds`: that tracker always trusted its learned report_lag
            saved.setdefault("paced", True)
            saved.setdefault("holds", int(bool(saved["held"])))
        known = {f.name for f in fields(cls)}
        values: JsonDict = {k: v for k, v in saved.items() if k in known}
        for key in _CURSOR_DT:
            values[key] = datetime.fromisoformat(values[key]) if values.get(key) else None
        return cls(**values)


_DT_FIELDS = ("started_at", "stopped_at", "last_seen_at")


def play_id_for(session_id: str, item_id: str, started_at: datetime) -> str:
    """Deterministic id: a restart or a replay reproduces the same ids. 16 hex digits: the start's second (so
    plays are stored in time order and the id index grows at its end) and 32 bits of a hash of the play's key."""
    text = f"{session_id}|{item_id}|{started_at.isoformat()}"
    second = int(started_at.timestamp()) & 0xFFFF_FFFF
    return f"{second:08x}{hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]}"


@dataclass
class Play:
    """One user playing one item in one session (watch-time.md "Terms"): its context and its timing."""

    play_id: str
    session_id: str
    started_at: datetime
    last_seen_at: datetime
    context: PlayContext
    stream_latest: Stream = field(default_factory=Stream)
    transcode_changed: bool = False  # the play method or a stream decision changed mid-play
    stopped_at: datetime | None = None
    last_position_ticks: int = 0
    max_position_ticks: int = 0
    segments: list[Segment] = field(default_factory=list)
    completed: bool = False
    short: bool = False
    end_reason: EndReason | None = None
    source: Source = "live"
    cursor: Cursor = field(default_factory=Cursor)

    @property
    def user_id(self) -> str:
        return self.context.user_id

    @property
    def item_id(self) -> str:
        return self.context.item_id

    @property
    def runtime_ticks(self) -> int | None:
        return self.context.runtime_ticks

    # -- derived ------------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def is_paused(self) -> bool:
        return self.cursor.status == "paused"

    @property
    def is_stalled(self) -> bool:
        return self.cursor.status == "stalled"

    @property
    def watch_seconds(self) -> float:
        return sum(s.seconds for s in self.segments)

    @property
    def content_seconds(self) -> float:
        covered = sum(s.content_ticks for s in self.segments) / TICKS_PER_SECOND
        return min(covered, self.runtime_ticks / TICKS_PER_SECOND) if self.runtime_ticks else covered

    @property
    def paused_seconds(self) -> float:
        """Wall span minus watch time: paused, stalled, or between item start and first segment."""
        end = self.stopped_at or self.last_seen_at
        return max(0.0, (end - self.started_at).total_seconds() - self.watch_seconds)

    @property
    def completion(self) -> float:
        return self.max_position_ticks / self.runtime_ticks if self.runtime_ticks else 0.0

    # -- persistence --------------------------------------------------------------------------------
    def state_dict(self) -> JsonDict:
        """Everything, as JSON-compatible values (datetimes as ISO strings)."""
        out: JsonDict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _DT_FIELDS:
                out[f.name] = value.isoformat() if value is not None else None
            elif f.name in ("context", "stream_latest"):
                out[f.name] = value.to_dict()
            elif f.name == "segments":
                out[f.name] = [s.to_dict() for s in value]
            elif f.name == "cursor":
                out[f.name] = value.to_dict()
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_state_dict(cls, data: JsonDict) -> Play:
        kwargs: JsonDict = dict(data)
        for key in _DT_FIELDS:
            kwargs[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        # Open plays saved before the context had its own value kept its fields at the top level.
        kwargs["context"] = PlayContext.from_dict(data.get("context") or {**data, "stream": data.get("stream")})
        kwargs["stream_latest"] = Stream.from_dict(data.get("stream_latest") or {})
        kwargs["segments"] = [Segment.from_dict(s) for s in data.get("segments") or ()]
        kwargs["cursor"] = Cursor.from_dict(data.get("cursor") or {})
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kwargs.items() if k in known})


@dataclass
class TickResult:
    """The plays whose stored rows must change: `opened` ⊆ `changed`, and `closed` ⊆ `changed`."""

    changed: list[Play] = field(default_factory=list)
    opened: list[Play] = field(default_factory=list)
    closed: list[Play] = field(default_factory=list)

    def touch(self, play: Play) -> None:
        if all(p is not play for p in self.changed):
            self.changed.append(play)

    def merge(self, other: TickResult) -> None:
        for play in other.changed:
            self.touch(play)
        self.opened += [p for p in other.opened if all(q is not p for q in self.opened)]
        self.closed += [p for p in other.closed if all(q is not p for q in self.closed)]
