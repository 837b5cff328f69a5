"""Accounting of one play: turning timed position samples into segments (watch-time.md rules 1, 2, 3, 10, 12).

Between two samples the tracker only knows two states. While a play runs, its position follows a line,
`anchor_pos + rate × (t − anchor_at)`; every transition is placed where that line says it happened:

- playing → paused: the pause happened when the line reached the paused position (rule 1);
- paused/stalled → playing: playback resumed `(position − paused position) / rate` before the sample;
- ahead of the line, or behind the last position: a seek; wall time counts, the jump is not content (rule 2);
- playing → playing, behind the line by more than the tolerance but not back: between consecutive samples a
  short pause or a small jump back (two thirds of the shortfall credited); after a gap, a pause credited only as
  far as the position advanced (rule 6);
- position frozen while "playing": credited on while the client's report interval allows (a slow reporter), else
  only up to the last advance; after `stall_seconds` it is a stall (rule 3).

A sample's time is when the client reported the position (LastActivityDate), not the poll: see `sample_time`. A
play's start is placed from its first sample and settled at its second (`place_start`, `settle_start`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .model import TICKS_PER_SECOND, EndReason, Play, Segment, SessionObs, TrackerConfig

_EPS_TICKS = TICKS_PER_SECOND // 100  # positions equal within 10 ms are "the same"


def _sec(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _clamp(when: datetime, lo: datetime, hi: datetime) -> datetime:
    return max(lo, min(when, hi)) if lo <= hi else lo


def sample_time(obs: SessionObs, at: datetime, cfg: TrackerConfig) -> tuple[datetime, bool]:
    """When the observed position was true, and whether that is known precisely.

    Emby stamps LastActivityDate (to 100 ns) when the client reports progress; clients that report every ~10 s are
    that much behind the poll, and the stamp says exactly how much. A stamp up to `snap_sec` in the future (the two
    clocks differ a little) or written to the whole second less than a second ago is no better than the poll; one
    older than `report_lag_max_sec` or further in the future is not trusted (then the poll time, coarsely)."""
    reported = obs.reported_at
    if reported is None or obs.is_paused:
        return at, reported is not None
    lag = (at - reported).total_seconds()
    if -cfg.snap_sec <= lag <= 0 or (0 < lag < 1 and reported.microsecond == 0):
        return at, True
    if 0 < lag <= cfg.report_lag_max_sec:
        return reported, True
    return at, False


def current_segment(play: Play) -> Segment | None:
    return play.segments[-1] if play.segments and play.segments[-1].open else None


def open_segment(play: Play, start: datetime, pos: int, until: datetime | None = None) -> Segment:
    if play.segments and play.segments[-1].ended_at > start:  # rule 12: never overlap the previous segment
        start = play.segments[-1].ended_at
    seg = Segment(start, max(start, until or start), max(0, pos), max(0, pos), open=True)
    play.segments.append(seg)
    return seg


def end_segment(play: Play, when: datetime, pos: int | None = None) -> None:
    """Close the open segment at `when` (moved back or forward as the placement says); drop it if empty."""
    seg = current_segment(play)
    if seg is None:
        return
    # The stretch opened by the first sample has ended (paused, stalled, seeked): the start is decided, and
    # `settle_start` must not move a later stretch back to the first report (one dropped here leaves no other).
    cur = play.cursor
    cur.guess_lo = cur.first_report_at = cur.first_poll_at = None
    seg.ended_at = max(seg.started_at, when)
    if pos is not None:
        seg.position_end_ticks = max(seg.position_start_ticks, pos)
    seg.open = False
    if seg.ended_at == seg.started_at:
        play.segments.pop()


def line_pos(play: Play, when: datetime, rate: float | None = None) -> float:
    cur = play.cursor
    anchor = cur.anchor_at or when
    return cur.anchor_pos + (rate or cur.rate) * (when - anchor).total_seconds() * TICKS_PER_SECOND


def line_time(play: Play, pos: int) -> datetime:
    cur = play.cursor
    anchor = cur.anchor_at or play.started_at
    return anchor + _sec((pos - cur.anchor_pos) / (cur.rate or 1.0) / TICKS_PER_SECOND)


def _anchor(play: Play, when: datetime, pos: int, rate: float) -> None:
    cur = play.cursor
    cur.anchor_at, cur.anchor_pos, cur.rate = when, pos, rate or 1.0
    cur.last_pos, cur.last_advance_at = pos, when


def place_start(
    tau: datetime, at: datetime, exact: bool, pos: int, rate: float, lo: datetime | None, cfg: TrackerConfig,
    report_lag: float = 0.0,
) -> tuple[datetime, bool]:  # fmt: skip
    """The start of a playing play first sampled at `tau` (polled at `at`) and not seen at the previous poll `lo`,
    and whether it is known rather than guessed.

    A position no larger than the time since the previous poll means it started from 0 that long ago. Otherwise
    it resumed from a saved position somewhere in (lo, tau]. A client reports at its start, then every few
    seconds: one silent since `tau` for longer than that window, or whose learned report interval is longer than
    it, cannot have reported in between, so `tau` was its start. Else the middle of the last poll interval
    (≤ half a poll off): nothing tells when a client that reports more often than we poll started."""
    pos_s = pos / TICKS_PER_SECOND / (rate or 1.0)
    gap = (tau - lo).total_seconds() if lo is not None else cfg.poll_interval_sec
    if pos_s <= gap + cfg.jitter_sec:
        start, known = tau - _sec(pos_s), True
    elif exact and lo is not None and tau < at and max((at - tau).total_seconds(), report_lag) >= gap:
        start, known = tau, True
    else:
        start, known = tau - _sec(min(gap, cfg.poll_interval_sec) / 2), False
    if lo is not None:
        start = max(lo, start)
    return min(start, at), known


def first_sample(
    play: Play,
    at: datetime,
    tau: datetime,
    exact: bool,
    pos: int,
    paused: bool,
    rate: float | None,
    lo: datetime | None,
    cfg: TrackerConfig,
) -> None:
    """Open a play first seen at `at` (position `pos` true at `tau`); see `place_start`. A start the client's
    pace or speed may still correct (a guess, or a speed it did not say) is settled at its next report."""
    cur = play.cursor
    cur.last_obs_at = at
    play.max_position_ticks = play.last_position_ticks = pos
    if paused:
        play.started_at = at
        cur.status = "paused"
        _anchor(play, at, pos, rate or 1.0)
        return
    play.started_at, known = place_start(tau, at, exact, pos, rate or 1.0, lo, cfg)
    if exact and (not known or rate is None):
        cur.guess_lo, cur.first_report_at, cur.first_poll_at = lo, tau, at
    cur.status = "playing"
    start_pos = pos - round((rate or 1.0) * (tau - play.started_at).total_seconds() * TICKS_PER_SECOND)
    open_segment(play, play.started_at, start_pos, until=at)
    _anchor(play, tau, pos, rate or 1.0)
    current = current_segment(play)
    if current is not None:
        current.position_end_ticks = max(current.position_start_ticks, pos)


def settle_start(play: Play, rate: float, cfg: TrackerConfig) -> None:
    """At the play's second report: place its start again knowing the client's report interval and speed
    (`place_start`), if nothing has happened to the play since. Decided once."""
    cur = play.cursor
    tau, at = cur.first_report_at, cur.first_poll_at
    lo = cur.guess_lo
    cur.guess_lo = cur.first_report_at = cur.first_poll_at = None
    if tau is None or at is None or len(play.segments) != 1:
        return
    seg = play.segments[0]
    pos = seg.position_start_ticks + round(cur.rate * (tau - seg.started_at).total_seconds() * TICKS_PER_SECOND)
    start, _ = place_start(tau, at, True, pos, rate, lo, cfg, cur.report_lag)
    seg.started_at = play.started_at = min(start, seg.ended_at)
    seg.position_start_ticks = max(0, pos - round(rate * (tau - seg.started_at).total_seconds() * TICKS_PER_SECOND))


def apply_sample(
    play: Play,
    at: datetime,
    tau: datetime,
    pos: int,
    paused: bool,
    rate: float | None,
    tol_sec: float,
    cfg: TrackerConfig,
) -> None:
    """Advance an open play by one sample: poll at `at`, position `pos` true at `tau` (see module docstring).
    `rate` None: the client did not say (then the rate it had, or one its positions show, see `_playing`)."""
    cur = play.cursor
    prev_obs = cur.last_obs_at or play.started_at
    play.max_position_ticks = max(play.max_position_ticks, pos)
    play.last_position_ticks = pos
    tol = tol_sec * TICKS_PER_SECOND
    if cur.status == "playing":
        if paused:
            lo = cur.last_advance_at or prev_obs
            seg = current_segment(play)
            if seg is not None:
                lo = max(lo, seg.started_at)
            t_pause = _clamp(line_time(play, pos), lo, at)
            end_segment(play, t_pause, pos)
            cur.status = "paused"
            _anchor(play, t_pause, pos, rate or cur.rate)
        else:
            _playing(play, at, tau, pos, rate, tol, cfg)
    elif paused:
        cur.status = "paused"  # a stalled client that pauses stays excluded
        _anchor(play, at, pos, rate or cur.rate)
    elif cur.status == "stalled" and abs(pos - cur.last_pos) <= _EPS_TICKS:
        pass  # still frozen: nothing is credited
    else:
        _resume(play, prev_obs, at, tau, pos, rate or cur.rate, tol)
    cur.last_obs_at = at


def _resume(play: Play, prev_obs: datetime, at: datetime, tau: datetime, pos: int, rate: float, tol: float) -> None:
    """Paused or stalled at `prev_obs`, playing now: resumed when the new line was at the old position."""
    cur = play.cursor
    lo, advanced = prev_obs, pos - cur.last_pos
    if 0 <= advanced <= rate * ((tau - lo).total_seconds() * TICKS_PER_SECOND + tol):
        t_res = _clamp(tau - _sec(advanced / rate / TICKS_PER_SECOND), lo, tau)
    else:  # moved back, or further than the wall time allows: a seek while paused; halfway is the best guess
        t_res = lo + (tau - lo) / 2
    start_pos = pos - round(rate * (tau - t_res).total_seconds() * TICKS_PER_SECOND)
    seg = open_segment(play, t_res, start_pos, until=at)
    seg.position_end_ticks = max(seg.position_start_ticks, pos)
    cur.status = "playing"
    _anchor(play, tau, pos, rate)


# Playback speeds a client may use; without a PlaybackRate field, positions that run this much faster say so.
_SPEEDS = (1.0, 1.25, 1.5, 1.75, 2.0)
_BACK_EPS_SEC = 0.05  # a position further behind the last one than this jumped back (a pause never moves it back)


def _implied_speed(play: Play, tau: datetime, pos: int) -> float | None:
    """The standard speed (≥ 1×) the advance since the last report shows, if it shows one within 3 %."""
    cur = play.cursor
    since = (tau - (cur.last_advance_at or tau)).total_seconds()
    if since < 2.0:
        return None
    speed = (pos - cur.last_pos) / TICKS_PER_SECOND / since
    return next((s for s in _SPEEDS if abs(speed - s) <= 0.03 * s), None)


def _playing(
    play: Play, at: datetime, tau: datetime, pos: int, rate_said: float | None, tol: float, cfg: TrackerConfig
) -> None:
    cur = play.cursor
    rate = rate_said or cur.rate  # a client that does not say its rate keeps the one it had
    seg = current_segment(play)
    if seg is None:  # defensive: playing without an open segment (e.g. restored oddly): start one here
        seg = open_segment(play, tau, pos, until=at)
    last_adv = cur.last_advance_at or seg.started_at
    if abs(pos - cur.last_pos) <= _EPS_TICKS:
        # No new report. Until its pace is known, a client may be one that reports every ~10 s (credit on, up to
        # the longest report interval we accept); once known, as long as its usual interval. Past that it sleeps:
        # credit only up to the last advance (rule 3), tentatively, until the position moves again.
        allowed = cur.report_lag + cfg.jitter_sec if cur.paced else cfg.report_lag_max_sec
        seg.ended_at = max(seg.started_at, at if (at - last_adv).total_seconds() <= allowed else last_adv)
        cur.holds += 1
        if (at - last_adv).total_seconds() >= cfg.stall_seconds:
            end_segment(play, last_adv, cur.last_pos)
            cur.status = "stalled"
        return
    rates = {cur.rate, rate}
    if rate_said is None and (implied := _implied_speed(play, tau, pos)) is not None:
        rates.add(implied)
    # behind (<0) or ahead (>0) of the line; a rate change between samples is within either rate's line
    d, rate = min(((pos - line_pos(play, tau, r), r) for r in rates), key=lambda x: abs(x[0]))
    if d > tol * rate or pos < cur.last_pos - _BACK_EPS_SEC * rate * TICKS_PER_SECOND:
        # seek (forward beyond the wall time, or back): wall time counts, the jump is not content (rule 2)
        split = _clamp(min(seg.ended_at, tau), seg.started_at, tau)
        end_segment(play, split, round(line_pos(play, split)))
        start_pos = pos - round(rate * (tau - split).total_seconds() * TICKS_PER_SECOND)
        seg = open_segment(play, split, start_pos)
    elif d < -tol * rate:
        # Behind the line but not back: paused between two samples, or jumped back a few seconds (a stream
        # restarted after a track change). Between consecutive samples the two look the same. A pause is two
        # transitions, a jump one, each allowed the same error: crediting two thirds of the shortfall keeps
        # both within it (a third off for a jump, two for a pause). After a gap (missed polls, an outage, a
        # restart) it is a pause: credit only as far as the position advanced (rule 6).
        shortfall = -d / rate / TICKS_PER_SECOND
        window = (tau - (cur.anchor_at or tau)).total_seconds()
        spacing = max(cfg.poll_interval_sec, cur.report_lag)
        consecutive = window <= spacing + cfg.jitter_sec or (cur.holds == 1 and window <= 2 * spacing + cfg.jitter_sec)
        gap = shortfall / 3 if consecutive else shortfall
        pause_at = _clamp(min(seg.ended_at, tau - _sec(gap)), max(seg.started_at, last_adv), tau)
        resume_at = min(tau, pause_at + _sec(gap))
        end_segment(play, pause_at, round(line_pos(play, pause_at)))
        start_pos = pos - round(rate * (tau - resume_at).total_seconds() * TICKS_PER_SECOND)
        previous_end = play.segments[-1].position_end_ticks if play.segments else start_pos
        seg = open_segment(play, resume_at, max(start_pos, min(previous_end, pos)))  # never re-count content
    seg.position_end_ticks = max(seg.position_start_ticks, pos)
    if cur.holds and pos > cur.last_pos:  # it stood still, then reported again: a slow reporter's interval
        cur.report_lag = min(cfg.report_lag_max_sec, max(cur.report_lag, (tau - last_adv).total_seconds()))
    cur.holds = 0
    cur.paced = True
    settle_start(play, rate, cfg)
    # Credit on to the poll while the report is as fresh as the client's pace makes it; an older one means it
    # stopped reporting after it: credit up to the report (the next sample settles which).
    fresh = (at - tau).total_seconds() <= cur.report_lag + cfg.jitter_sec
    seg.ended_at = max(seg.started_at, at if fresh else tau)
    _anchor(play, tau, pos, rate)


def credited_through_last_obs(play: Play) -> bool:
    """True when the open segment reaches the last observation (the position was still advancing there)."""
    seg = current_segment(play)
    last = play.cursor.last_obs_at
    return seg is not None and last is not None and seg.ended_at >= last


def close(play: Play, when: datetime, reason: EndReason, cfg: TrackerConfig, *, credit_to: bool = False) -> None:
    """Close at `when`. With `credit_to`, a play still advancing at its last observation is credited up to `when`
    (an exact stop time); otherwise credit ends where it stood (rule 5: at the last observation)."""
    seg = current_segment(play)
    if seg is not None:
        if credit_to and (credited_through_last_obs(play) or when < seg.ended_at):
            end_segment(play, when, round(line_pos(play, max(when, seg.started_at))))
        else:
            end_segment(play, min(seg.ended_at, max(when, seg.started_at)))
    if play.runtime_ticks and reason in ("stopped", "item_change", "event_stop"):
        slack = (cfg.grace_sec + cfg.jitter_sec) * play.cursor.rate * TICKS_PER_SECOND
        if play.runtime_ticks - play.max_position_ticks <= slack:
            reason = "ended"
    end = play.segments[-1].ended_at if play.segments else play.started_at
    play.stopped_at = max(when, end, play.started_at)
    play.end_reason = reason
    finish_flags(play, cfg)


def finish_flags(play: Play, cfg: TrackerConfig) -> None:
    """Rule 9 (short, set when closed) and rule 10 (completed); `completed` never goes back to False."""
    if play.runtime_ticks:
        play.completed = play.completed or play.completion * 100 >= cfg.completed_percent
    if play.stopped_at is not None:
        play.short = play.watch_seconds < cfg.min_play_seconds
