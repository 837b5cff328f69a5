"""Persist the tracker's output: play rows, their segments and the open plays' continuation state, in one transaction,
writing only what changed since the last write.

A play is stored as `db.plays` lays it out, its first segment in its row and the others as segment rows. While it
is open, `tracker_state` holds only what its columns and segment rows do not: the tracker's cursor, which segment
is still open, and how the play was first and last delivered when that differs from the delivery its row reports.
`PlayWriter` remembers what each open play's rows hold, so a tick rewrites the play's row only when it changed and
upserts only the segment rows that changed (the open one and any just closed), not all of them; a restarted
service rebuilds each open play from its row, its segments and that state (watch-time rule 7). The play's context
maps to columns by field name (text capped at each column's length); the rules of how a play is reported are
`reporting`'s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, delete, select, update

from emby_analytics.db.dialect import upsert
from emby_analytics.db.plays import SegmentValues, refs_of, stored_row
from emby_analytics.db.schema import FIRST_SEGMENT_COLUMNS, cap, play_rows, plays, segment_rows, segments
from emby_analytics.tracking.model import Cursor, JsonDict, Play, PlayContext, Segment, Stream, TickResult
from emby_analytics.tracking.reporting import EarlierPlay, reported_stream, resumed_view

log = logging.getLogger(__name__)

_CONTEXT_FIELDS = tuple(f.name for f in fields(PlayContext) if f.name != "stream")
_STREAM_FIELDS = tuple(f.name for f in fields(Stream))
# Text longer than its column is cut to fit (Emby sends what clients tell it); session ids as revision 0002 did.
_LIMITS = {c.name: c.type.length for c in plays.columns if isinstance(c.type, String) and c.type.length}
_LIMITS["session_id"] = 64

_DELETE_DROPPED_SEGMENTS = delete(segment_rows).where(
    and_(segment_rows.c.play_id == bindparam("drop_play_id"), segment_rows.c.seq >= bindparam("drop_from_seq"))
)
# What changes while a play runs; a row whose other columns stay as written is updated in these alone.
_PROGRESS = (
    "stopped_at",
    "last_seen_at",
    "last_position_ticks",
    "max_position_ticks",
    "watch_seconds",
    "content_seconds",
    "paused_seconds",
    "completed",
    "short",
    "is_paused",
    "end_reason",
    "tracker_state",
    *FIRST_SEGMENT_COLUMNS,
)
_UPDATE_PROGRESS = (
    update(play_rows)
    .where(play_rows.c.id == bindparam("progress_id"))
    .values({name: bindparam(name) for name in _PROGRESS})
)


def resume_state(play: Play) -> JsonDict:
    """What an open play needs to continue after a restart beyond its columns and segment rows."""
    state: JsonDict = {"cursor": play.cursor.to_dict(compact=True)}
    opened = [seq for seq, segment in enumerate(play.segments) if segment.open]
    if opened:
        state["open"] = opened
    reported = reported_stream(play.context.stream, play.stream_latest)
    if play.context.stream != reported:
        state["first"] = _known(play.context.stream)
    if play.stream_latest != reported:
        state["latest"] = _known(play.stream_latest)
    if play.transcode_changed:
        state["transcode_changed"] = True
    return state


def _known(stream: Stream) -> JsonDict:
    return {name: value for name, value in stream.to_dict().items() if value not in (None, [])}


def play_row(play: Play) -> dict[str, Any]:
    """The play as the view `plays` spells it (what `db.plays.stored_row` stores)."""
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
        "tracker_state": json.dumps(resume_state(play), separators=(",", ":")) if play.is_open else None,
    }
    for name, limit in _LIMITS.items():
        if isinstance(row.get(name), str):
            row[name] = cap(row[name], limit)
    return row


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


@dataclass
class _Saved:
    """What the database holds for an open play, as this writer last wrote it."""

    row: dict[str, Any]
    segments: list[SegmentValues]
    context: PlayContext  # the descriptions `row`'s refs stand for
    stream: Stream


@dataclass
class Staged:
    """A write's outcome, for `PlayWriter.committed` once its transaction committed."""

    saved: dict[str, _Saved | None]
    rows_written: int = 0
    segments_written: int = 0


@dataclass
class WriteTotals:
    rows: int = 0  # play rows inserted or updated
    segments: int = 0  # segment rows upserted


class PlayWriter:
    """Writes what the tracker changed, and only that: it remembers what each open play's rows hold.

    `write` runs inside the caller's transaction and returns what it staged; the caller passes that to `committed`
    once the transaction committed, or calls `forget` for the plays of a write that failed or was cancelled (their
    next write is then a complete one: the row upserted, every segment upserted, stale segments deleted).
    """

    def __init__(self) -> None:
        self._saved: dict[str, _Saved] = {}
        self.totals = WriteTotals()

    def write(self, conn: Connection, result: TickResult, *, resume_window: timedelta) -> Staged:
        staged = Staged({})
        if not result.changed:
            return staged
        opened = {play.play_id for play in result.opened}
        complete: list[dict[str, Any]] = []
        progress: list[dict[str, Any]] = []
        changed_segments: list[dict[str, Any]] = []
        drops: list[dict[str, Any]] = []
        for play in result.changed:
            saved = self._saved.get(play.play_id)
            row = play_row(play)
            stream = reported_stream(play.context.stream, play.stream_latest)
            if saved is not None and saved.context is play.context and saved.stream is stream:
                refs = {name: saved.row[name] for name in ("user_ref", "item_ref", "client_ref", "stream_ref")}
            else:
                refs = refs_of(conn, row)
            values = [(s.started_at, s.ended_at, s.position_start_ticks, s.position_end_ticks) for s in play.segments]
            stored = stored_row(row, refs, values[0] if values else None)
            if play.play_id in opened:
                earlier = _earlier_plays(conn, play, resume_window)
                view = resumed_view(play, earlier, resume_window)
                stored["view_id"] = None if view in (None, play.play_id) else view
            elif saved is not None:
                stored["view_id"] = saved.row["view_id"]  # set once, when the play opened
            if saved is None or any(stored[name] != saved.row[name] for name in stored if name not in _PROGRESS):
                complete.append(stored)
            elif any(stored[name] != saved.row[name] for name in _PROGRESS):
                progress.append({"progress_id": play.play_id, **{name: stored[name] for name in _PROGRESS}})
            before = saved.segments if saved is not None else []
            for seq, segment in enumerate(values[1:], start=1):  # the first is in the row
                if seq >= len(before) or before[seq] != segment:
                    changed_segments.append(_segment_row(play.play_id, seq, segment))
            if saved is None or len(before) > max(len(values), 1):
                # The tracker may merge or drop a segment it had opened (a stall detected late): remove what is gone.
                drops.append({"drop_play_id": play.play_id, "drop_from_seq": max(len(values), 1)})
            staged.saved[play.play_id] = _Saved(stored, values, play.context, stream) if play.is_open else None
        upsert(conn, play_rows, complete, insert_only=("view_id",))
        if progress:
            conn.execute(_UPDATE_PROGRESS, progress)
        upsert(conn, segment_rows, changed_segments, key=("play_id", "seq"))
        if drops:
            conn.execute(_DELETE_DROPPED_SEGMENTS, drops)  # one prepared statement for every play (executemany)
        staged.rows_written = len(complete) + len(progress)
        staged.segments_written = len(changed_segments)
        return staged

    def committed(self, staged: Staged) -> None:
        for play_id, saved in staged.saved.items():
            if saved is None:
                self._saved.pop(play_id, None)
            else:
                self._saved[play_id] = saved
        self.totals.rows += staged.rows_written
        self.totals.segments += staged.segments_written

    def forget(self, changed: Iterable[Play]) -> None:
        for play in changed:
            self._saved.pop(play.play_id, None)


def _segment_row(play_id: str, seq: int, segment: SegmentValues) -> dict[str, Any]:
    started, ended, position_start, position_end = segment
    return {
        "play_id": play_id,
        "seq": seq,
        "started_at": started,
        "ended_at": ended,
        "position_start_ticks": position_start,
        "position_end_ticks": position_end,
    }


def load_open_plays(conn: Connection) -> list[Play]:
    """The open plays as the tracker last saved them (watch-time rule 7)."""
    rows = conn.execute(select(plays).where(plays.c.stopped_at.is_(None), plays.c.tracker_state.is_not(None))).all()
    if not rows:
        return []
    by_play: dict[str, list[Any]] = {}
    ids = [row.id for row in rows]
    query = select(segments).where(segments.c.play_id.in_(ids)).order_by(segments.c.play_id, segments.c.seq)
    for segment in conn.execute(query):
        by_play.setdefault(segment.play_id, []).append(segment)
    restored = []
    for row in rows:
        try:
            restored.append(_restored(row, by_play.get(row.id, [])))
        except (ValueError, KeyError, TypeError):
            # One unreadable state must not keep the service from starting: the play stays open in the database,
            # where /admin/recover-intervals closes it as far as it was recorded.
            log.warning("open play not resumed: its saved tracker state does not read", extra={"play_id": row.id})
    return restored


def _restored(row: Any, segment_rows: Sequence[Any]) -> Play:
    state = json.loads(row.tracker_state)
    if "play_id" in state:  # saved by a version that kept the whole play in its state (before 0003)
        return Play.from_state_dict(state)
    reported = Stream(
        **{name: getattr(row, name) for name in _STREAM_FIELDS if name != "transcode_reasons"},
        transcode_reasons=tuple(row.transcode_reasons.split()) if row.transcode_reasons else (),
    )
    first = Stream.from_dict(state["first"]) if "first" in state else reported
    latest = Stream.from_dict(state["latest"]) if "latest" in state else reported
    context = PlayContext(**{name: getattr(row, name) for name in _CONTEXT_FIELDS}, stream=first)
    opened = set(state.get("open", ()))
    restored_segments = [
        Segment(s.started_at, s.ended_at, s.position_start_ticks or 0, s.position_end_ticks or 0, s.seq in opened)
        for s in segment_rows
    ]
    return Play(
        play_id=row.id,
        session_id=row.session_id,
        started_at=row.started_at,
        last_seen_at=row.last_seen_at,
        context=context,
        stream_latest=latest,
        transcode_changed=bool(state.get("transcode_changed")),
        last_position_ticks=row.last_position_ticks or 0,
        max_position_ticks=row.max_position_ticks or 0,
        segments=restored_segments,
        completed=bool(row.completed),
        short=bool(row.short),
        source=row.source,
        cursor=Cursor.from_dict(state.get("cursor") or {}),
    )
