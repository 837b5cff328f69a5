"""The session engine: runs playback scripts against the injected clock and keeps the truth.

State is advanced lazily to `clock.now()` whenever anything is asked (clocks only move forward), so an
`AcceleratedClock`, a `ManualClock` or the system clock all work the same. Remote-control commands are
applied as actions at the current time, so the truth accounts for them. The engine holds runtime data only
(`SessionRuntime.item` is the record playing); `render/sessions.py` turns runtimes into `SessionInfo`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Literal

from ...clock import Clock
from ..world import ItemRecord, World
from ..world.formats import hex_id
from .scripts import (
    Action,
    ChangeTranscode,
    Disappear,
    EndReason,
    NoticeKind,
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

State = Literal["pending", "idle", "playing", "paused", "stalled", "gone"]


class SessionRuntime:
    """One session's live state, advanced action by action."""

    def __init__(self, engine: SessionEngine, script: PlaybackScript, session_id: str) -> None:
        self.engine = engine
        self.script = script
        self.id = session_id
        self.user_name = engine.user_name(script.user_id)
        self.pending: deque[tuple[datetime, Action]] = deque(
            sorted(((script.start + timedelta(seconds=a.at), a) for a in script.actions), key=lambda p: p[0])
        )
        self.state: State = "pending"
        self.hidden_until: datetime | None = None
        self.last_activity = script.start
        self.play: PlayTruth | None = None
        self.item: ItemRecord | None = None  # what `play` plays (None for an id the world does not know)
        self.method: PlayMethod = "DirectPlay"
        self.transcode: Transcode | None = None
        self.transcode_start = 0.0
        self.anchor_time = script.start
        self.anchor_pos = 0.0
        self.rate = 1.0
        self.seg_start: tuple[datetime, float] | None = None

    # -- time ---------------------------------------------------------------------------------------
    def position(self, when: datetime) -> float:
        if self.state != "playing":
            return self.anchor_pos
        return self.anchor_pos + (when - self.anchor_time).total_seconds() * self.rate

    def reported_position(self, when: datetime) -> float:
        """What the client last reported: exact, or as of its last periodic report while playing."""
        step = self.script.report_interval
        if self.state != "playing" or step <= 0:
            return self.position(when)
        elapsed = (when - self.anchor_time).total_seconds()
        return self.anchor_pos + (elapsed // step) * step * self.rate

    def reported_activity(self, when: datetime) -> datetime:
        """LastActivityDate: when the client last reported, the moment `reported_position` was true."""
        step = self.script.report_interval
        if self.state != "playing":
            return self.last_activity
        if step <= 0:
            return max(self.last_activity, when)  # a client that reports continuously
        elapsed = (when - self.anchor_time).total_seconds()
        return max(self.last_activity, self.anchor_time + timedelta(seconds=(elapsed // step) * step))

    def advance(self, now: datetime) -> None:
        if self.state == "pending" and now >= self.script.start:
            self.state = "idle"
        while self.pending and self.pending[0][0] <= now:
            when, action = self.pending.popleft()
            self._natural_end(when)
            if self.state == "gone":
                break
            self.state = "idle" if self.state == "pending" else self.state
            self.apply(action, when)
        self._natural_end(now)
        if self.hidden_until is not None and now >= self.hidden_until:
            self.hidden_until = None

    def visible(self, now: datetime) -> bool:
        return self.state not in ("pending", "gone") and (self.hidden_until is None or now >= self.hidden_until)

    def _natural_end(self, limit: datetime) -> None:
        if self.state != "playing" or self.play is None or not self.play.runtime_seconds:
            return
        remaining = self.play.runtime_seconds - self.anchor_pos
        end = self.anchor_time + timedelta(seconds=max(0.0, remaining) / self.rate)
        if end <= limit:
            self._close(end, "ended")

    # -- actions ------------------------------------------------------------------------------------
    def apply(self, action: Action, when: datetime) -> None:
        self.last_activity = max(self.last_activity, when)
        if isinstance(action, Play):
            if self.play is not None:
                self._close(when, "item_change")
            self._open(action, when)
        elif isinstance(action, Disappear):
            if action.duration is None:
                if self.play is not None:
                    self._close(when, "disappeared")
                self.state = "gone"
            else:
                self.hidden_until = when + timedelta(seconds=action.duration)
        elif self.play is None:
            return  # nothing playing: pause/seek/stop on an idle session do nothing
        elif isinstance(action, Stop):
            self._close(when, "stopped")
        elif isinstance(action, Pause | Stall):
            if self.state in ("playing", "stalled", "paused"):
                self._rebase(when)
                self._end_segment(when)
                if isinstance(action, Pause) and self.state != "paused":
                    self._notice("pause", when)
                self.state = "paused" if isinstance(action, Pause) else "stalled"
        elif isinstance(action, Resume):
            if self.state in ("paused", "stalled"):
                self._rebase(when)
                if self.state == "paused":
                    self._notice("unpause", when)
                self.state = "playing"
                self.seg_start = (when, self.anchor_pos)
        elif isinstance(action, Seek):
            self._rebase(when)
            self._end_segment(when)
            self.anchor_pos = self._clamp(action.position)
            if self.state == "playing":
                self.seg_start = (when, self.anchor_pos)
        elif isinstance(action, SetRate):
            self._rebase(when)
            self.rate = action.rate
        elif isinstance(action, ChangeTranscode):
            self._rebase(when)
            self.method, self.transcode = action.method, action.transcode
            self.transcode_start = self.anchor_pos
            self.play.methods.append((when, action.method))

    def _clamp(self, position: float) -> float:
        runtime = self.play.runtime_seconds if self.play else 0.0
        return max(0.0, min(position, runtime)) if runtime else max(0.0, position)

    def _rebase(self, when: datetime) -> None:
        pos = self.position(when)
        self.anchor_time, self.anchor_pos = when, pos
        if self.play is not None:
            self.play.max_position = max(self.play.max_position, pos)

    def _end_segment(self, when: datetime) -> None:
        if self.seg_start is not None and self.play is not None:
            start, pos_start = self.seg_start
            if when > start:
                self.play.segments.append(Segment(start, when, pos_start, self.anchor_pos))
            self.seg_start = None

    def _open(self, action: Play, when: datetime) -> None:
        self.play, self.item, runtime = self.engine.open_play(self, action, when)
        self.method, self.transcode, self.rate = action.method, action.transcode, action.rate
        self.anchor_time = when
        self.anchor_pos = max(0.0, min(action.position, runtime)) if runtime else max(0.0, action.position)
        self.transcode_start = self.anchor_pos
        self.play.max_position = self.anchor_pos
        self.state = "playing"
        self.seg_start = (when, self.anchor_pos)
        self._notice("start", when)

    def _notice(self, kind: NoticeKind, when: datetime, *, completed: bool = False) -> None:
        if self.play is not None:
            play, device = self.play, self.script.device
            notice = PlaybackNotice(kind, when, self.id, play.user_id, play.item_id, device, self.anchor_pos, completed)
            self.engine.notices.append(notice)

    def _close(self, when: datetime, reason: EndReason) -> None:
        if self.play is None:
            return
        self._rebase(when)
        self._end_segment(when)
        if reason != "disappeared":
            self._notice("stop", when, completed=reason == "ended")
        self.play.stopped, self.play.end_reason = when, reason
        self.last_activity = max(self.last_activity, when)
        self.play, self.item, self.transcode = None, None, None
        self.state = "idle"
        self.anchor_pos = 0.0


class SessionEngine:
    """All simulated sessions. Add scripts with `add_script`, or feed a lazy source (`attach`)."""

    def __init__(self, world: World, clock: Clock, *, seed: int | None = None) -> None:
        self.world = world
        self.clock = clock
        self.seed = world.spec.seed if seed is None else seed
        self.plays: list[PlayTruth] = []
        self.notices: list[PlaybackNotice] = []  # every announced transition so far, in order
        self._sessions: dict[str, SessionRuntime] = {}
        self._sources: list[tuple[Iterator[PlaybackScript], timedelta, list[PlaybackScript]]] = []
        self._counter = 0

    def user_name(self, user_id: str) -> str:
        user = self.world.user(user_id)
        return user.name if user is not None else "Unknown"

    def add_script(self, script: PlaybackScript) -> str:
        """Register a script; returns its session id (derived deterministically unless the script sets one)."""
        self._counter += 1
        session_id = script.session_id or hex_id(self.seed, "session", self._counter, script.device.device_id)
        if session_id in self._sessions:
            raise ValueError(f"session {session_id} already exists")
        self._sessions[session_id] = SessionRuntime(self, script, session_id)
        return session_id

    def attach(self, source: Iterator[PlaybackScript], lookahead: float = 3600.0) -> None:
        """Pull scripts from `source` (ordered by start) as the clock approaches their start: endless demos."""
        self._sources.append((source, timedelta(seconds=lookahead), []))

    def open_play(self, rt: SessionRuntime, action: Play, when: datetime) -> tuple[PlayTruth, ItemRecord | None, float]:
        rec = self.world.item(action.item_id)
        runtime = rec.runtime / 10_000_000 if rec is not None else 0.0
        item_type = rec.type if rec is not None else "Unknown"
        play = PlayTruth(
            play_id=len(self.plays) + 1,
            session_id=rt.id,
            user_id=rt.script.user_id,
            item_id=action.item_id,
            item_type=item_type,
            device_id=rt.script.device.device_id,
            client=rt.script.device.client,
            started=when,
            runtime_seconds=runtime,
            methods=[(when, action.method)],
        )
        self.plays.append(play)
        self.world.record_user_activity(rt.script.user_id, when)
        return play, rec, runtime

    # -- advancing ----------------------------------------------------------------------------------
    def advance(self, now: datetime | None = None) -> datetime:
        now = now or self.clock.now()
        for source, lookahead, buffer in self._sources:
            horizon = now + lookahead
            while True:
                if not buffer:
                    nxt = next(source, None)
                    if nxt is None:
                        break
                    buffer.append(nxt)
                if buffer[0].start > horizon:
                    break
                self.add_script(buffer.pop(0))
        for session_id, rt in list(self._sessions.items()):
            rt.advance(now)
            if rt.state == "gone":
                del self._sessions[session_id]  # truth stays in self.plays
        return now

    def runtimes(self, now: datetime | None = None) -> list[SessionRuntime]:
        """Sessions visible at `now` (default: clock now), most recently active first, like Emby."""
        now = self.advance(now)
        visible = [rt for rt in self._sessions.values() if rt.visible(now)]
        return sorted(visible, key=lambda rt: rt.reported_activity(now), reverse=True)

    def session(self, session_id: str) -> SessionRuntime | None:
        now = self.advance()
        rt = self._sessions.get(session_id.lower())
        return rt if rt is not None and rt.visible(now) else None

    # -- remote control -----------------------------------------------------------------------------
    def command(self, session_id: str, command: str, seek_ticks: int | None = None) -> bool:
        """Apply a Playstate command now; returns False if the session is unknown (caller answers 404)."""
        rt = self.session(session_id)
        if rt is None:
            return False
        now = self.clock.now()
        name = command.lower()
        action: Action | None = None
        if name == "stop":
            action = Stop(0)
        elif name == "pause":
            action = Pause(0)
        elif name == "unpause":
            action = Resume(0)
        elif name == "playpause":
            action = Resume(0) if rt.state in ("paused", "stalled") else Pause(0)
        elif name == "seek" and seek_ticks is not None:
            action = Seek(0, seek_ticks / 10_000_000)
        elif name == "seekrelative" and seek_ticks is not None:
            action = Seek(0, rt.position(now) + seek_ticks / 10_000_000)
        if action is not None:
            closing = rt.play
            rt.apply(action, now)
            if isinstance(action, Stop) and closing is not None:
                closing.end_reason = "remote_stop"
        return True

    # -- truth --------------------------------------------------------------------------------------
    def truth(self, now: datetime | None = None) -> list[PlayTruth]:
        """Every play so far; open plays are snapshotted with their current segment closed at `now`."""
        now = self.advance(now)
        open_plays = {id(rt.play): rt for rt in self._sessions.values() if rt.play is not None}
        out: list[PlayTruth] = []
        for play in self.plays:
            rt = open_plays.get(id(play))
            if rt is None:
                out.append(replace(play, segments=list(play.segments), methods=list(play.methods)))
                continue
            segments = list(play.segments)
            if rt.seg_start is not None and now > rt.seg_start[0]:
                segments.append(Segment(rt.seg_start[0], now, rt.seg_start[1], rt.position(now)))
            out.append(
                replace(
                    play,
                    segments=segments,
                    methods=list(play.methods),
                    max_position=max(play.max_position, rt.position(now)),
                )
            )
        return out

    def watch_seconds_by_user_day(self, now: datetime | None = None) -> dict[tuple[str, date], float]:
        """Truth watched seconds per (user id, UTC day)."""
        totals: dict[tuple[str, date], float] = defaultdict(float)
        for play in self.truth(now):
            for day, seconds in play.seconds_by_day().items():
                totals[(play.user_id, day)] += seconds
        return dict(totals)

    def total_watch_seconds(self, user_id: str | None = None, now: datetime | None = None) -> float:
        return sum(p.watched_seconds for p in self.truth(now) if user_id is None or p.user_id == user_id)
