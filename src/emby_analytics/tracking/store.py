"""Persist the tracker's output: play rows, their segments and the open plays' continuation state, in one transaction.

Open plays carry the tracker's own state (`tracker_state`, JSON), written on every tick, so a restarted service
rebuilds exactly the tracker it had (watch-time rule 7). Closed plays drop it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select

from emby_analytics.db.dialect import upsert
from emby_analytics.db.schema import cap, plays, segments
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, Stream, TickResult

# A resume "starts near where the previous play stopped" (rule 11) when within this much content.
RESUME_TOLERANCE_SECONDS = 120


_DELETE_DROPPED_SEGMENTS = delete(segments).where(
    and_(segments.c.play_id == bindparam("drop_play_id"), segments.c.seq >= bindparam("drop_from_seq"))
)


_WEIGHT = {"DirectPlay": 0, "DirectStream": 1, "Transcode": 2}


def reported_stream(play: Play) -> Stream:
    """The delivery a play is reported under: the heavier of how it started and how it is now (a play that
    switched to transcoding mid-way counts as a transcode, the load Emby's server carried)."""
    first, latest = play.stream, play.stream_latest
    weight = _WEIGHT.get(latest.play_method or "", -1) - _WEIGHT.get(first.play_method or "", -1)
    return latest if weight > 0 else first


def play_row(play: Play) -> dict[str, Any]:
    first = reported_stream(play)
    return {
        "id": play.play_id,
        "view_id": play.play_id,  # replaced by an earlier play's view id when this one resumes it (insert only)
        "source": play.source,
        "session_id": cap(play.session_id, 64),
        "user_id": play.user_id,
        "user_name": cap(play.user_name),
        "item_id": play.item_id,
        "item_type": cap(play.item_type, 64),
        "item_name": cap(play.item_name),
        "series_id": play.series_id,
        "series_name": cap(play.series_name),
        "season_number": play.season_number,
        "episode_number": play.episode_number,
        "client": cap(play.client, 128),
        "device_name": cap(play.device_name, 256),
        "device_id": cap(play.device_id, 256),
        "remote_address": cap(play.remote_address, 64),
        "application_version": cap(play.application_version, 64),
        "started_at": play.started_at,
        "stopped_at": play.stopped_at,
        "last_seen_at": play.last_seen_at,
        "last_position_ticks": play.last_position_ticks,
        "max_position_ticks": play.max_position_ticks,
        "runtime_ticks": play.runtime_ticks,
        "watch_seconds": play.watch_seconds,
        "content_seconds": play.content_seconds,
        "paused_seconds": play.paused_seconds,
        "completed": play.completed,
        "short": play.short,
        "live_tv": play.live_tv,
        "is_paused": play.is_paused,
        "play_method": first.play_method,
        "video_method": first.video_method,
        "audio_method": first.audio_method,
        "subtitle_method": first.subtitle_method,
        "video_codec_from": cap(first.video_codec_from, 32),
        "video_codec_to": cap(first.video_codec_to, 32),
        "audio_codec_from": cap(first.audio_codec_from, 32),
        "audio_codec_to": cap(first.audio_codec_to, 32),
        "transcode_reasons": cap(" ".join(sorted(first.transcode_reasons))) or None,
        "bitrate": first.bitrate,
        "end_reason": play.end_reason,
        "tracker_state": json.dumps(play.state_dict()) if play.is_open else None,
    }


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


def _resumed_view(conn: Connection, play: Play, window: timedelta) -> str | None:
    """The view id of the unfinished play this one resumes (rule 11), if any."""
    if window <= timedelta(0):
        return None
    previous = conn.execute(
        select(plays.c.view_id, plays.c.last_position_ticks, plays.c.runtime_ticks)
        .where(
            plays.c.user_id == play.user_id,
            plays.c.item_id == play.item_id,
            plays.c.id != play.play_id,
            plays.c.started_at >= play.started_at - window,
            plays.c.started_at < play.started_at,
            plays.c.stopped_at.is_not(None),
            plays.c.completed.is_(False),
        )
        .order_by(plays.c.started_at.desc())
        .limit(1)
    ).first()
    if previous is None or previous.last_position_ticks is None:
        return None
    start = play.segments[0].position_start_ticks if play.segments else play.last_position_ticks
    tolerance = RESUME_TOLERANCE_SECONDS * TICKS_PER_SECOND
    return str(previous.view_id) if abs(start - previous.last_position_ticks) <= tolerance else None


def persist(conn: Connection, result: TickResult, *, resume_window: timedelta) -> None:
    """Write every play the tick changed (and its segments) in the caller's transaction."""
    if not result.changed:
        return
    opened = {play.play_id for play in result.opened}
    rows = []
    for play in result.changed:
        row = play_row(play)
        if play.play_id in opened:
            row["view_id"] = _resumed_view(conn, play, resume_window) or play.play_id
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
