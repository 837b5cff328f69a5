"""`/stats/history/{play_id}`: one play with its segments, and in plain words why its watch time is what it is."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import plays, segments
from emby_analytics.stats.history import HistoryPlay, history_rows

TICKS = 10_000_000
_ENDS = {
    "stopped": "stopped: Emby listed the session as idle",
    "ended": "played to the end",
    "item_change": "the next item started in the same session",
    "disappeared": "the session vanished from Emby's list; closed at the last time it was seen playing",
    "gone": "the session was gone when Emby answered again; closed at the last time it was seen",
    "event_stop": "stopped: Emby's stop event gave the exact moment",
}


class PlaySegment(BaseModel):
    started_at: datetime
    stopped_at: datetime
    seconds: float
    position_start_sec: float
    position_end_sec: float


class PlayDetail(BaseModel):
    play: HistoryPlay
    end_reason: str | None
    segments: list[PlaySegment]
    why: list[str] = Field(description="Plain words: what was counted, what was left out and why.")


class UnknownPlay(LookupError):
    """No play with that id."""


def _span(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def play_detail(conn: Connection, play_id: str) -> PlayDetail:
    row = conn.execute(select(plays).where(plays.c.id == play_id)).first()
    if row is None:
        raise UnknownPlay(play_id)
    rows = conn.execute(select(segments).where(segments.c.play_id == play_id).order_by(segments.c.seq)).all()
    parts = [
        PlaySegment(
            started_at=s.started_at,
            stopped_at=s.ended_at,
            seconds=(s.ended_at - s.started_at).total_seconds(),
            position_start_sec=(s.position_start_ticks or 0) / TICKS,
            position_end_sec=(s.position_end_ticks or 0) / TICKS,
        )
        for s in rows
    ]
    return PlayDetail(play=history_rows([row])[0], end_reason=row.end_reason, segments=parts, why=_why(row, parts))


def _why(play: Any, parts: list[PlaySegment]) -> list[str]:
    watched = sum(p.seconds for p in parts)
    end = play.stopped_at or play.last_seen_at
    span = (end - play.started_at).total_seconds()
    source = play.source
    if source == "import":
        return [
            f"Imported from Emby's Playback Reporting plugin: {_span(watched)} of playing, its play duration "
            "minus its paused time (the plugin keeps no pauses or seeks of its own).",
        ]
    why = [
        f"{_span(watched)} counted: the time it was really playing, in {len(parts)} stretch"
        f"{'es' if len(parts) != 1 else ''}, of {_span(span)} from start to "
        f"{'end' if play.stopped_at else 'now'}."
    ]
    if parts and parts[0].started_at > play.started_at + timedelta(seconds=1):
        first = parts[0].started_at
        why.append(f"{_clock(play.started_at)}–{_clock(first)} not counted: it had not started playing.")
    for a, b in pairwise(parts):
        gap = (b.started_at - a.stopped_at).total_seconds()
        moved = b.position_start_sec - a.position_end_sec
        if moved > max(gap, 0) + 2:
            why.append(
                f"At {_clock(a.stopped_at)} it skipped ahead {_span(moved)} (a seek): the jump is not watching"
                + (f"; {_span(gap)} around it not counted." if gap >= 1 else ".")
            )
        elif moved < -2:
            why.append(f"At {_clock(a.stopped_at)} it went back {_span(-moved)}: the time watched again counts.")
        elif gap >= 1:
            why.append(
                f"{_clock(a.stopped_at)}–{_clock(b.started_at)} not counted ({_span(gap)}): paused or frozen "
                "(the position stood still), placed from where the position stopped and moved on."
            )
    if play.stopped_at is None:
        why.append("Still playing: the last stretch grows with every poll.")
    else:
        reason = _ENDS.get(play.end_reason or "", play.end_reason or "closed")
        why.append(f"Ended at {_clock(play.stopped_at)}: {reason}.")
    if play.short:
        why.append("Shorter than MIN_PLAY_SECONDS: its time counts in hours, but it is not counted as a play.")
    if play.live_tv:
        why.append("Live TV: recorded, left out of item statistics (and of hours unless COUNT_LIVE_TV).")
    return why
