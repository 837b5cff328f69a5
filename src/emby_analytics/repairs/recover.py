"""`recover-intervals`: plays left open in the database that the tracker does not hold, closed as far as they were
recorded.

The tracker resumes every open play it saved (watch-time rule 7), so after a crash this finds nothing. A play
can still be left behind: a database restored from a backup under a running service, or a saved tracker state
that no longer reads. Such a play ends at the last moment it was seen; its stored segments are its watch time
(nothing is invented past them and nothing counted twice), and the fold job then adds it to the rollups.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from sqlalchemy import Connection

from emby_analytics.db.schema import END_REASONS, decode_id, watched_micros_sql
from emby_analytics.repairs import SAMPLE

_OPEN = (
    "SELECT p.id, max(coalesce(p.last_seen_at, p.started_at), coalesce((SELECT max(s.ended_at) FROM segments s "
    "WHERE s.play_id = p.id), p.started_at)) FROM play_rows p WHERE p.stopped_at IS NULL"
)


@dataclass
class Recovered:
    open_plays: int = 0  # open in the database
    held: int = 0  # of those, held by the tracker (left to it)
    closed: int = 0
    watch_seconds: float = 0.0  # what the closed plays keep
    sample_play_ids: list[str] = field(default_factory=list)


def recover_open_plays(conn: Connection, held: Set[str]) -> Recovered:
    """Close every open play whose id is not in `held` (in the caller's transaction)."""
    out = Recovered()
    closed: list[str] = []
    for play_id, last in conn.exec_driver_sql(_OPEN).all():
        out.open_plays += 1
        if decode_id(play_id) in held:
            out.held += 1
            continue
        conn.exec_driver_sql(
            f"UPDATE play_rows SET stopped_at = ?, last_seen_at = NULL, is_paused = 0, tracker_state = NULL, "  # noqa: S608
            f"end_reason = ?, watch_seconds = ({watched_micros_sql('play_rows')}) / 1000000.0 WHERE id = ?",
            (last, END_REASONS.index("gone"), play_id),
        )
        out.watch_seconds += conn.exec_driver_sql(
            "SELECT watch_seconds FROM play_rows WHERE id = ?", (play_id,)
        ).scalar_one()
        closed.append(decode_id(play_id))
    out.closed = len(closed)
    out.watch_seconds = round(out.watch_seconds, 3)
    out.sample_play_ids = sorted(closed)[:SAMPLE]
    return out
