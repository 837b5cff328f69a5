"""a play's first segment in its row

Most plays have one segment, and a segment row costs ~45 bytes (its key repeats the play's id): the first segment
is kept in four columns of `play_rows` instead (its start and end as microseconds after the play's start, its
positions), and the view `segments` reads it from there (see `db.schema.first_segment_sql`). The first segment rows
the tracker wrote (both positions known) move into their plays' rows; any other stays a segment row, which the view
reads as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_IMPORT = 2  # play_rows.source of an imported play
_COLUMNS = ("first_start_micros", "first_end_micros", "first_position_start_ticks", "first_position_end_ticks")
_SEGMENT_COLUMNS = "play_id, seq, started_at, ended_at, position_start_ticks, position_end_ticks"
# `db.schema.SEGMENTS_VIEW` as of revision 0005, and as of this one.
_VIEW_0005 = (
    f"CREATE VIEW segments AS SELECT {_SEGMENT_COLUMNS} FROM segment_rows UNION ALL SELECT p.id, 0, p.started_at, "  # noqa: S608
    "p.started_at + CAST(round(p.watch_seconds * 1000000) AS INTEGER), NULL, NULL FROM play_rows p "
    f"WHERE p.source = {_IMPORT} AND p.watch_seconds > 0"
)
_VIEW_0006 = (
    f"CREATE VIEW segments AS SELECT {_SEGMENT_COLUMNS} FROM segment_rows UNION ALL SELECT p.id, 0, "  # noqa: S608
    "p.started_at + coalesce(p.first_start_micros, 0), p.started_at + coalesce(p.first_end_micros, "
    "CAST(round(p.watch_seconds * 1000000) AS INTEGER)), p.first_position_start_ticks, "
    "CASE WHEN p.first_end_micros IS NOT NULL THEN coalesce(p.first_position_end_ticks, p.last_position_ticks) "
    f"END FROM play_rows p WHERE (p.first_end_micros IS NOT NULL OR (p.source = {_IMPORT} AND p.watch_seconds > 0))"
)
# The first segments the tracker wrote: both positions known (a null end in the row means last_position_ticks).
_MOVED = "s.seq = 0 AND s.position_start_ticks IS NOT NULL AND s.position_end_ticks IS NOT NULL"


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column("play_rows", sa.Column(name, sa.BigInteger(), nullable=True))
    op.execute("DROP VIEW segments")
    op.execute(
        "UPDATE play_rows SET first_start_micros = s.started_at - play_rows.started_at, "  # noqa: S608
        "first_end_micros = s.ended_at - play_rows.started_at, first_position_start_ticks = s.position_start_ticks, "
        "first_position_end_ticks = nullif(s.position_end_ticks, play_rows.last_position_ticks) "
        f"FROM segment_rows s WHERE s.play_id = play_rows.id AND {_MOVED}"
    )
    op.execute(f"DELETE FROM segment_rows AS s WHERE {_MOVED}")  # noqa: S608
    op.execute(_VIEW_0006)


def downgrade() -> None:
    op.execute("DROP VIEW segments")
    op.execute(
        f"INSERT INTO segment_rows ({_SEGMENT_COLUMNS}) SELECT id, 0, started_at + first_start_micros, "  # noqa: S608
        "started_at + first_end_micros, first_position_start_ticks, "
        "coalesce(first_position_end_ticks, last_position_ticks) FROM play_rows WHERE first_end_micros IS NOT NULL"
    )
    for name in _COLUMNS:  # SQLite drops a column in place (a rebuilt play_rows would cascade to segment_rows)
        op.execute(f"ALTER TABLE play_rows DROP COLUMN {name}")
    op.execute(_VIEW_0005)
