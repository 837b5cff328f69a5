"""`fix-pos-units`: positions and durations no player could have produced, found and repaired in closed plays (an
open play is the tracker's: it rewrites the row from memory at the next snapshot).

A position is impossible when it is negative or lies past the item's end (its runtime, with 5 % or a minute of
slack: runtimes are rounded and credits run on). One that is a multiple of 10,000,000 and lands within the
runtime (past its first second) once divided by it was converted from seconds to ticks twice, and is divided
back; any other is cleared (unknown beats wrong). A duration is impossible when negative, or when a play watched
longer than it lasted on the wall clock; a segment that ends before it starts is dropped. Watch time is the
segments' sum, so a play's watch time is recomputed from them, and the rollups, which hold the old time, are
rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from emby_analytics.db.schema import SOURCES, decode_id, watched_micros_sql
from emby_analytics.repairs import SAMPLE
from emby_analytics.rollups.fold import unfold_all

TICKS_PER_SECOND = 10_000_000
_ROW_POSITIONS = ("last_position_ticks", "max_position_ticks", "first_position_start_ticks", "first_position_end_ticks")
_SEGMENT_POSITIONS = ("position_start_ticks", "position_end_ticks")


def position_limit(runtime_ticks: int) -> int:
    """The furthest position a play of an item this long can report."""
    return runtime_ticks + max(runtime_ticks // 20, 60 * TICKS_PER_SECOND)


def fixed_position(value: int | None, runtime_ticks: int | None) -> int | None:
    """The position a stored one should be: itself when possible, divided back when converted twice, else None."""
    if value is None or value < 0:
        return None
    if not runtime_ticks or runtime_ticks <= 0 or value <= position_limit(runtime_ticks):
        return value
    # Converted twice, a position of at least a second is a multiple of 10^7 that divides into at least 10^7.
    back, rest = divmod(value, TICKS_PER_SECOND)
    if not rest and TICKS_PER_SECOND <= back <= position_limit(runtime_ticks):
        return back
    return None


@dataclass
class PositionReport:
    negative_positions: int = 0  # positions below zero (in plays and their segments)
    beyond_runtime: int = 0  # positions past the item's end
    unit_mixups: int = 0  # of those, converted to ticks twice (divided back on repair)
    negative_durations: int = 0  # plays with a negative watch, content or pause time
    watch_beyond_span: int = 0  # plays that watched longer than they lasted
    backwards_segments: int = 0  # segments that end before they start
    plays: int = 0  # plays with any of the above
    sample_play_ids: list[str] = field(default_factory=list)
    repaired: bool = False
    statistics_rebuilt: bool = False  # the repair changed time the rollups hold


def _limit_sql(runtime: str) -> str:
    return f"({runtime} + max({runtime} / 20, {60 * TICKS_PER_SECOND}))"


def _position_problems(conn: Connection) -> list[Any]:
    """(table, play id, seq, column, value, runtime) of every impossible position."""
    limit = _limit_sql("i.runtime_ticks")
    found: list[Any] = []
    for column in _ROW_POSITIONS:
        found += conn.exec_driver_sql(
            f"SELECT 'play', p.id, NULL, '{column}', p.{column}, i.runtime_ticks FROM play_rows p "  # noqa: S608
            f"JOIN play_items i ON i.ref = p.item_ref WHERE p.stopped_at IS NOT NULL AND (p.{column} < 0 "
            f"OR (i.runtime_ticks > 0 AND p.{column} > {limit}))"
        ).all()
    for column in _SEGMENT_POSITIONS:
        found += conn.exec_driver_sql(
            f"SELECT 'segment', s.play_id, s.seq, '{column}', s.{column}, i.runtime_ticks "  # noqa: S608
            "FROM segment_rows s JOIN play_rows p ON p.id = s.play_id JOIN play_items i ON i.ref = p.item_ref "
            f"WHERE p.stopped_at IS NOT NULL AND (s.{column} < 0 OR (i.runtime_ticks > 0 AND s.{column} > {limit}))"
        ).all()
    return found


def _span(rows: str) -> str:
    """A play's wall-clock span in seconds, as SQL over `play_rows` named `rows`."""
    return f"(coalesce({rows}.stopped_at, {rows}.last_seen_at, {rows}.started_at) - {rows}.started_at) / 1000000.0"


_SPAN = _span("p")
_DURATION_PROBLEMS = (
    f"SELECT p.id, p.watch_seconds < 0 OR p.content_seconds < 0 OR p.paused_seconds < 0, "  # noqa: S608
    f"p.watch_seconds > {_SPAN} + 1 FROM play_rows p WHERE p.stopped_at IS NOT NULL AND (p.watch_seconds < 0 "
    f"OR p.content_seconds < 0 OR p.paused_seconds < 0 OR p.watch_seconds > {_SPAN} + 1)"
)
_BACKWARDS = (
    "SELECT s.play_id, s.seq FROM segment_rows s JOIN play_rows p ON p.id = s.play_id "
    "WHERE s.ended_at < s.started_at AND p.stopped_at IS NOT NULL UNION ALL "
    "SELECT id, 0 FROM play_rows WHERE first_end_micros < first_start_micros AND stopped_at IS NOT NULL"
)


def position_report(conn: Connection) -> PositionReport:
    """What `repair_positions` would change, changing nothing."""
    return _survey(conn, repair=False)


def repair_positions(conn: Connection) -> PositionReport:
    """Repair every impossible position and duration (in the caller's transaction); returns what was found."""
    return _survey(conn, repair=True)


def _survey(conn: Connection, *, repair: bool) -> PositionReport:
    report = PositionReport(repaired=repair)
    plays: set[Any] = set()
    for table, play_id, seq, column, value, runtime in _position_problems(conn):
        plays.add(play_id)
        if value < 0:
            report.negative_positions += 1
        else:
            report.beyond_runtime += 1
            report.unit_mixups += fixed_position(value, runtime) is not None
        if repair:
            fixed = fixed_position(value, runtime)
            if table == "play":
                conn.exec_driver_sql(f"UPDATE play_rows SET {column} = ? WHERE id = ?", (fixed, play_id))  # noqa: S608
            else:
                conn.exec_driver_sql(
                    f"UPDATE segment_rows SET {column} = ? WHERE play_id = ? AND seq = ?",  # noqa: S608
                    (fixed, play_id, seq),
                )
    timed: set[Any] = set()
    for play_id, seq in conn.exec_driver_sql(_BACKWARDS).all():
        report.backwards_segments += 1
        timed.add(play_id)
        if repair and seq:
            conn.exec_driver_sql("DELETE FROM segment_rows WHERE play_id = ? AND seq = ?", (play_id, seq))
        elif repair:
            conn.exec_driver_sql(
                "UPDATE play_rows SET first_start_micros = NULL, first_end_micros = NULL, "
                "first_position_start_ticks = NULL, first_position_end_ticks = NULL WHERE id = ?",
                (play_id,),
            )
    for play_id, negative, beyond in conn.exec_driver_sql(_DURATION_PROBLEMS).all():
        report.negative_durations += bool(negative)
        report.watch_beyond_span += bool(beyond)
        timed.add(play_id)
    plays |= timed
    # The rollups hold segments' time: it changes with a segment dropped, or an import's watch time (its segment).
    if repair and timed and (_recompute_watch(conn, timed) or report.backwards_segments):
        unfold_all(conn)
        report.statistics_rebuilt = True
    report.plays = len(plays)
    report.sample_play_ids = sorted(decode_id(p) for p in plays)[:SAMPLE]
    return report


def _recompute_watch(conn: Connection, ids: set[Any]) -> int:
    """Watch time from the segments (an import's implied one: its own, kept within the play's span); negative
    content and pause times cleared (content to nothing covered, pauses to the tracker's derived figure). Returns
    how many imports' watch time (so their one segment) changed."""
    imported = SOURCES.index("import")
    changed = 0
    for play_id in ids:
        conn.exec_driver_sql(
            "UPDATE play_rows SET content_seconds = max(content_seconds, 0), paused_seconds = CASE WHEN "
            "paused_seconds < 0 THEN NULL ELSE paused_seconds END WHERE id = ?",
            (play_id,),
        )
        within = f"min(max(watch_seconds, 0), {_span('play_rows')})"
        changed += conn.exec_driver_sql(
            f"UPDATE play_rows SET watch_seconds = {within} WHERE id = ? AND source = {imported} "  # noqa: S608
            f"AND first_end_micros IS NULL AND watch_seconds IS NOT {within}",
            (play_id,),
        ).rowcount
        conn.exec_driver_sql(
            f"UPDATE play_rows SET watch_seconds = ({watched_micros_sql('play_rows')}) / 1000000.0 "  # noqa: S608
            f"WHERE id = ? AND NOT (source = {imported} AND first_end_micros IS NULL)",
            (play_id,),
        )
    return changed
