"""Persist the tracker's output: play rows, their segments and the open plays' continuation state, in one transaction.

Open plays carry the tracker's own state (`tracker_state`, JSON), written on every tick, so a restarted service
rebuilds exactly the tracker it had (watch-time rule 7). Closed plays drop it. The play's context maps to columns
by field name (text capped at each column's length); the rules of how a play is reported are `reporting`'s.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, delete, select

from emby_analytics.db.dialect import upsert
from emby_analytics.db.schema import cap, plays, segments
from emby_analytics.tracking.model import Play, PlayContext, Stream, TickResult
from emby_analytics.tracking.reporting import EarlierPlay, reported_stream, resumed_view

_DELETE_DROPPED_SEGMENTS = delete(segments).where(
    and_(segments.c.play_id == bindparam("drop_play_id"), segments.c.seq >= bindparam("drop_from_seq"))
)
_CONTEXT_FIELDS = tuple(f.name for f in fields(PlayContext) if f.name != "stream")
_STREAM_FIELDS = tuple(f.name for f in fields(Stream))


# Text longer than its column is cut to fit (Emby sends what clients tell it).
_LIMITS = {c.name: c.type.length for c in plays.columns if isinstance(c.type, String) and c.type.length}


def play_row(play: Play) -> dict[str, Any]:
    stream = reported_stream(play.context.stream, play.stream_latest)
    described = {name: getattr(play.context, name) for name in _CONTEXT_FIELDS}
    delivery: dict[str, Any] = {name: getattr(stream, name) for name in _STREAM_FIELDS}
    delivery["transcode_reasons"] = " ".join(sorted(stream.transcode_reasons)) or None
    row: dict[str, Any] = {
        "id": play.play_id,
        "view_id": play.play_id,  # replaced by an earlier play's view id when this one resumes it (insert only)
        "source": play.source,
        "session_id": play.session_id,
        **described,
        **delivery,
        "started_at": play.started_at,
        "stopped_at": play.stopped_at,
        "last_seen_at": play.last_seen_at,
        "last_position_ticks": play.last_position_ticks,
        "max_position_ticks": play.max_position_ticks,
        "watch_seconds": play.watch_seconds,
        "content_seconds": play.content_seconds,
        "paused_seconds": play.paused_seconds,
        "completed": play.completed,
        "short": play.short,
        "is_paused": play.is_paused,
        "end_reason": play.end_reason,
        "tracker_state": json.dumps(play.state_dict()) if play.is_open else None,
    }
    for name, limit in _LIMITS.items():
        if isinstance(row.get(name), str):
            row[name] = cap(row[name], limit)
    return row


def _segment_rows(play: Play) -> list[dict[str, Any]]:
    return [
        {
            "play_id": play.play_id,
            "seq": seq,
            "started_at": segment.started_at,
            "ended_at": segment.ended_at,
            "position_start_ticks": segment.position_start_ticks,
            "position_end_ticks": segment.position_end_ticks,
        }
        for seq, segment in enumerate(play.segments)
    ]


def _earlier_plays(conn: Connection, play: Play, window: timedelta) -> list[EarlierPlay]:
    """The finished plays of the same user and item that began within `window` before this one."""
    if window <= timedelta(0):
        return []
    rows = conn.execute(
        select(plays.c.view_id, plays.c.started_at, plays.c.last_position_ticks, plays.c.completed).where(
            plays.c.user_id == play.user_id,
            plays.c.item_id == play.item_id,
            plays.c.id != play.play_id,
            plays.c.started_at >= play.started_at - window,
            plays.c.started_at < play.started_at,
            plays.c.stopped_at.is_not(None),
        )
    )
    return [EarlierPlay(r.view_id, r.started_at, r.last_position_ticks, bool(r.completed)) for r in rows]


def persist(conn: Connection, result: TickResult, *, resume_window: timedelta) -> None:
    """Write every play the tick changed (and its segments) in the caller's transaction."""
    if not result.changed:
        return
    opened = {play.play_id for play in result.opened}
    rows = []
    for play in result.changed:
        row = play_row(play)
        if play.play_id in opened:
            earlier = _earlier_plays(conn, play, resume_window)
            row["view_id"] = resumed_view(play, earlier, resume_window) or play.play_id
        rows.append(row)
    upsert(conn, plays, rows, insert_only=("view_id",))
    segment_rows = [row for play in result.changed for row in _segment_rows(play)]
    upsert(conn, segments, segment_rows, key=("play_id", "seq"))
    # The tracker may merge or drop a segment it had opened (a stall detected late): remove what is gone.
    # One prepared statement for every play (executemany), not one statement built and run per play.
    conn.execute(
        _DELETE_DROPPED_SEGMENTS,
        [{"drop_play_id": play.play_id, "drop_from_seq": len(play.segments)} for play in result.changed],
    )


def load_open_plays(conn: Connection) -> list[Play]:
    """The open plays as the tracker last saved them (watch-time rule 7)."""
    rows = conn.execute(
        select(plays.c.tracker_state).where(plays.c.stopped_at.is_(None), plays.c.tracker_state.is_not(None))
    )
    return [Play.from_state_dict(json.loads(row.tracker_state)) for row in rows]
