"""The session tracker: successful polls, failed polls and exact events in; plays and segments out.

Pure and deterministic: no I/O, no clock (every call says what time it is). One open play per Emby session.
`observe` handles play lifecycles (rules 4, 5, 6), `accounting` the time inside a play (rules 1, 2, 3, 10, 12),
`event` the webhook/websocket transitions, which take precedence over estimates. Rule 7 (restart): build a new
`Tracker(config, plays)` from `Play.from_state_dict` of the persisted open plays; the next poll applies rule 6.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from . import accounting as acc
from .model import (
    TICKS_PER_SECOND,
    EndReason,
    Play,
    PlaybackEvent,
    PlayContext,
    SessionObs,
    TickResult,
    TrackerConfig,
    play_id_for,
)

_SEEN_KEYS = 4096  # event keys remembered for dedupe (per-play keys are persisted with the play)
_EVENT_KEYS_PER_PLAY = 32


class Tracker:
    def __init__(self, config: TrackerConfig | None = None, open_plays: Iterable[Play] = ()) -> None:
        self.config = config or TrackerConfig()
        self._plays: dict[str, Play] = {}  # session id -> open play
        self._seen: OrderedDict[str, None] = OrderedDict()
        for play in open_plays:
            if play.is_open:
                self._plays[play.session_id] = play
                for key in play.cursor.event_keys:
                    self._remember(key)
        seen = [p.cursor.last_obs_at for p in self._plays.values() if p.cursor.last_obs_at is not None]
        # the last poll that answered: after a restart, the newest observation of a restored play
        self._last_ok: datetime | None = max(seen) if seen else None

    def open_plays(self) -> list[Play]:
        return sorted(self._plays.values(), key=lambda p: (p.started_at, p.session_id))

    # -- polls --------------------------------------------------------------------------------------
    def observe(
        self, at: datetime, sessions: Sequence[SessionObs], idle: Mapping[str, datetime | None] | None = None
    ) -> TickResult:
        """A successful /Sessions poll at `at`: the playing sessions, and optionally the idle ones (session id →
        LastActivityDate, which Emby stamps at the stop: then a stop is placed exactly instead of at the last poll)."""
        out = TickResult()
        idle = idle or {}
        seen: set[str] = set()
        for obs in sessions:
            if obs.session_id in seen:
                continue  # Emby never lists a session twice; a malformed answer must not double count
            seen.add(obs.session_id)
            play = self._plays.get(obs.session_id)
            if play is not None and play.item_id == obs.item_id:
                self._update(play, obs, at)
                out.touch(play)
                continue
            new = self._new_play(obs, at)
            if play is not None:  # rule 4: item change closes the play where the new one started
                when = max(new.started_at, play.cursor.last_obs_at or play.started_at)
                acc.close(play, when, "item_change", self.config, credit_to=True)
                new.started_at = max(new.started_at, when)
                self._close_out(play, out)
            self._plays[obs.session_id] = new
            out.touch(new)
            out.opened.append(new)
        grace = timedelta(seconds=self.config.grace_sec + 0.5)
        for session_id, play in list(self._plays.items()):
            if session_id in seen:
                continue
            last = play.cursor.last_obs_at or play.started_at
            if session_id in idle:  # listed but idle: it stopped; Emby stamped the stop time
                stamp = idle[session_id]
                exact = stamp is not None and last <= stamp <= at
                acc.close(play, stamp if exact and stamp else last, "stopped", self.config, credit_to=exact)
                self._close_out(play, out)
            elif at - last > grace:  # rule 5/6: gone; close at its last observation
                reason: EndReason = (
                    "disappeared" if self._last_ok is not None and at - self._last_ok <= grace else "gone"
                )
                acc.close(play, last, reason, self.config)
                self._close_out(play, out)
        self._last_ok = at
        return out

    def _tolerance(self, exact: bool) -> float:
        return self.config.jitter_sec if exact else self.config.coarse_jitter_sec

    def _update(self, play: Play, obs: SessionObs, at: datetime) -> None:
        tau, exact = acc.sample_time(obs, at, self.config)
        tau = max(tau, play.cursor.anchor_at or tau)  # samples never go back before the anchor
        pos = obs.position_ticks if obs.position_ticks is not None else play.last_position_ticks
        acc.apply_sample(play, at, tau, pos, obs.is_paused, obs.playback_rate, self._tolerance(exact), self.config)
        play.last_seen_at = at
        seen = obs.context
        if not play.context.known:  # opened by an event: the poll describes the play
            play.context = seen
        elif seen.remote_address and seen.remote_address != play.context.remote_address:
            play.context = replace(play.context, remote_address=seen.remote_address)  # the client moved network
        first = play.context.stream
        if seen.stream != play.stream_latest:
            play.transcode_changed = play.transcode_changed or (
                (seen.stream.play_method, seen.stream.video_method, seen.stream.audio_method)
                != (first.play_method, first.video_method, first.audio_method)
            )
            play.stream_latest = seen.stream
        acc.finish_flags(play, self.config)

    def _new_play(self, obs: SessionObs, at: datetime) -> Play:
        tau, exact = acc.sample_time(obs, at, self.config)
        play = Play("", obs.session_id, at, at, obs.context, stream_latest=obs.context.stream)
        acc.first_sample(
            play,
            at,
            tau,
            exact,
            obs.position_ticks or 0,
            obs.is_paused,
            obs.playback_rate,
            self._last_ok,
            self.config,
        )
        play.play_id = play_id_for(obs.session_id, obs.item_id, play.started_at)
        acc.finish_flags(play, self.config)
        return play

    def _close_out(self, play: Play, out: TickResult) -> None:
        self._plays.pop(play.session_id, None)
        out.touch(play)
        out.closed.append(play)

    # -- exact events -------------------------------------------------------------------------------
    def _remember(self, key: str) -> None:
        self._seen[key] = None
        while len(self._seen) > _SEEN_KEYS:
            self._seen.popitem(last=False)

    def _find(self, ev: PlaybackEvent) -> Play | None:
        for play in self._plays.values():
            if (ev.session_id and play.session_id == ev.session_id) or (
                ev.device_id and play.context.device_id == ev.device_id
            ):
                return play
        return None

    def event(self, ev: PlaybackEvent) -> TickResult:
        """A webhook or websocket transition at its exact time. The same `event_key` twice is a retry: ignored."""
        out = TickResult()
        if ev.event_key is not None:
            if ev.event_key in self._seen:
                return out
            self._remember(ev.event_key)
        play = self._find(ev)
        if play is not None and play.item_id != ev.item_id:
            if ev.kind != "start":
                return out  # about another item than the one playing there: stale, ignore
            acc.close(play, ev.at, "item_change", self.config, credit_to=True)
            self._close_out(play, out)
            play = None
        if play is None:
            if ev.kind == "start" and ev.session_id:
                play = self._start_from_event(ev)
                out.opened.append(play)
                out.touch(play)
            return out
        if ev.event_key is not None:
            play.cursor.event_keys = [*play.cursor.event_keys, ev.event_key][-_EVENT_KEYS_PER_PLAY:]
        self._apply_event(play, ev, out)
        return out

    def _start_from_event(self, ev: PlaybackEvent) -> Play:
        assert ev.session_id is not None
        pos = ev.position_ticks or 0
        play = Play(
            play_id=play_id_for(ev.session_id, ev.item_id, ev.at),
            session_id=ev.session_id,
            started_at=ev.at,
            last_seen_at=ev.at,
            context=PlayContext(ev.user_id, ev.item_id, device_id=ev.device_id),
            source="webhook",
            max_position_ticks=pos,
            last_position_ticks=pos,
        )
        acc.open_segment(play, ev.at, pos)
        play.cursor.anchor_at = play.cursor.last_advance_at = play.cursor.last_obs_at = ev.at
        play.cursor.anchor_pos = play.cursor.last_pos = pos
        play.cursor.exact = True
        if ev.event_key:
            play.cursor.event_keys = [ev.event_key]
        self._plays[ev.session_id] = play
        return play

    def _apply_event(self, play: Play, ev: PlaybackEvent, out: TickResult) -> None:
        cur, cfg = play.cursor, self.config
        seg = acc.current_segment(play)
        when = max(ev.at, play.started_at)
        pos = ev.position_ticks if ev.position_ticks else None
        if ev.kind == "stop":
            if ev.played_to_completion:
                play.completed = True
            acc.close(play, when, "event_stop", cfg, credit_to=True)
            self._close_out(play, out)
            return
        out.touch(play)
        if ev.kind == "start":
            # The poll saw it first (a webhook arrives late, or after the poll): the event's moment is the real
            # start, earlier or later than the one placed, as long as nothing else happened to the play yet.
            first = play.segments[0] if len(play.segments) == 1 else None
            near = abs((ev.at - play.started_at).total_seconds()) < cfg.grace_sec
            if near and (first is not None or not play.segments):
                play.started_at = ev.at if first is None else min(ev.at, first.ended_at)
                if first is not None:
                    first.started_at = play.started_at
                    if ev.position_ticks is not None:
                        first.position_start_ticks = min(ev.position_ticks, first.position_end_ticks)
                cur.guess_lo = cur.first_report_at = cur.first_poll_at = None  # known: nothing left to settle
            return
        if ev.kind == "pause":
            if pos is None:
                pos = round(acc.line_pos(play, when)) if seg is not None else cur.last_pos
            if seg is not None:
                acc.end_segment(play, when, pos)
            elif cur.status == "paused" and play.segments and not play.segments[-1].open:
                last = play.segments[-1]  # a poll placed this pause already: the event knows better
                if last.started_at <= when and abs((when - last.ended_at).total_seconds()) <= cfg.grace_sec:
                    last.ended_at = when
            cur.status = "paused"
            self._exact_anchor(play, when, pos)
        elif ev.kind == "unpause":
            pos = pos if pos is not None else cur.last_pos
            if seg is None:
                acc.open_segment(play, when, pos, until=when)
            elif abs((seg.started_at - when).total_seconds()) <= cfg.grace_sec and len(play.segments) > 1:
                prev_end = play.segments[-2].ended_at
                seg.started_at = min(max(when, prev_end), seg.ended_at)
            cur.status = "playing"
            self._exact_anchor(play, when, pos)
        elif ev.kind == "progress" and pos is not None and cur.status == "playing" and seg is not None:
            acc.apply_sample(play, when, when, pos, False, cur.rate, cfg.jitter_sec, cfg)
        play.max_position_ticks = max(play.max_position_ticks, pos or 0)
        acc.finish_flags(play, cfg)

    @staticmethod
    def _exact_anchor(play: Play, when: datetime, pos: int) -> None:
        cur = play.cursor
        cur.anchor_at = cur.last_advance_at = when
        cur.anchor_pos = cur.last_pos = pos
        cur.last_obs_at = max(cur.last_obs_at or when, when)
        cur.exact = True
        play.last_position_ticks = pos


__all__ = ["TICKS_PER_SECOND", "Tracker"]
