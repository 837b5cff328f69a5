"""`cleanup/intervals/dedupe`: segments of one play that cover the same moments, which would count them twice.

The tracker never writes them; an older version, a hand-edited database or an import of another tool's intervals
can. A play's segments are replaced by their union (each moment once), its watch time recomputed from them, and
the rollups, which hold the old time, rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection

from emby_analytics.db.schema import decode_id
from emby_analytics.repairs import SAMPLE
from emby_analytics.rollups.fold import unfold_all

# Each segment of a closed play with more than one, beside the latest end of the segments that began before it:
# it overlaps them when it begins before that end.
_OVERLAPS = (
    "SELECT play_id, started_at, ended_at, prev_end FROM (SELECT s.play_id, s.started_at, s.ended_at, "
    "max(s.ended_at) OVER (PARTITION BY s.play_id ORDER BY s.started_at, s.seq ROWS BETWEEN UNBOUNDED PRECEDING "
    "AND 1 PRECEDING) AS prev_end FROM segments s WHERE s.play_id IN (SELECT r.play_id FROM segment_rows r "
    "JOIN play_rows p ON p.id = r.play_id WHERE p.stopped_at IS NOT NULL)) WHERE started_at < prev_end"
)


class Segment(NamedTuple):
    started: int  # microseconds since 1970
    ended: int
    position_start: int | None
    position_end: int | None


def union(segments: list[Segment]) -> list[Segment]:
    """The segments merged where they overlap, in time order: each moment once. A merged segment starts at the
    position of its earliest piece and ends at the position of the piece that ends last."""
    merged: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (s.started, s.ended)):  # positions may be null
        if merged and segment.started < merged[-1].ended:
            last = merged[-1]
            if segment.ended > last.ended:
                merged[-1] = last._replace(ended=segment.ended, position_end=segment.position_end)
        else:
            merged.append(segment)
    return merged


@dataclass
class OverlapReport:
    plays: int = 0  # plays with overlapping segments
    overlapping_segments: int = 0
    seconds_counted_twice: float = 0.0
    sample_play_ids: list[str] = field(default_factory=list)
    repaired: bool = False


def overlap_report(conn: Connection) -> OverlapReport:
    """Overlapping segments, changing nothing."""
    return _survey(conn, repair=False)


def remove_overlaps(conn: Connection) -> OverlapReport:
    """Replace each affected play's segments by their union (in the caller's transaction)."""
    return _survey(conn, repair=True)


def _survey(conn: Connection, *, repair: bool) -> OverlapReport:
    report = OverlapReport(repaired=repair)
    plays: set[Any] = set()
    micros = 0
    for play_id, started, ended, prev_end in conn.exec_driver_sql(_OVERLAPS).all():
        plays.add(play_id)
        report.overlapping_segments += 1
        micros += min(ended, prev_end) - started
    report.plays = len(plays)
    report.seconds_counted_twice = round(micros / 1_000_000, 3)
    report.sample_play_ids = sorted(decode_id(p) for p in plays)[:SAMPLE]
    if repair and plays:
        for play_id in plays:
            _rewrite(conn, play_id)
        unfold_all(conn)
    return report


def _rewrite(conn: Connection, play_id: Any) -> None:
    started_at = conn.exec_driver_sql("SELECT started_at FROM play_rows WHERE id = ?", (play_id,)).scalar_one()
    rows = conn.exec_driver_sql(
        "SELECT started_at, ended_at, position_start_ticks, position_end_ticks FROM segments WHERE play_id = ?",
        (play_id,),
    ).all()
    first, *rest = union([Segment(*row) for row in rows])
    conn.exec_driver_sql("DELETE FROM segment_rows WHERE play_id = ?", (play_id,))
    conn.exec_driver_sql(
        "UPDATE play_rows SET first_start_micros = ?, first_end_micros = ?, first_position_start_ticks = ?, "
        "first_position_end_ticks = ?, watch_seconds = ? WHERE id = ?",
        (
            first.started - started_at,
            first.ended - started_at,
            first.position_start,
            first.position_end,
            sum(s.ended - s.started for s in (first, *rest)) / 1_000_000,
            play_id,
        ),
    )
    for seq, segment in enumerate(rest, start=1):
        conn.exec_driver_sql(
            "INSERT INTO segment_rows (play_id, seq, started_at, ended_at, position_start_ticks, position_end_ticks) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (play_id, seq, *segment),
        )
