"""storage diet: rollups per client and per delivery, imported plays' segments derived

Two changes that make a play cost fewer bytes (see `db.schema`):
- `rollup_client_days` was keyed by the interned client and delivery descriptions, which also differ by address,
  app version and codecs (about a row per play); it is now keyed per client and device and per play method, and
  `rollup_delivery_days` counts per delivery decision. The rollups are emptied and every play is folded again in
  the background (statistics stay exact meanwhile, only slower), as after a change of `TZ`.
- `segments` becomes `segment_rows` and the view `segments`: an imported play's one segment is derived from its
  row, so imported plays' segment rows are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_IMPORT = 2  # play_rows.source of an imported play
_ROLLUPS = (
    "rollup_user_days", "rollup_item_days", "rollup_user_totals", "rollup_user_hours", "rollup_item_totals",
    "rollup_hours", "rollup_client_days", "rollup_delivery_days", "rollup_peaks",
)  # fmt: skip
_SEGMENT_COLUMNS = "play_id, seq, started_at, ended_at, position_start_ticks, position_end_ticks"
# `db.schema.SEGMENTS_VIEW` as of this revision.
_SEGMENTS_VIEW = (
    f"CREATE VIEW segments AS SELECT {_SEGMENT_COLUMNS} FROM segment_rows UNION ALL SELECT p.id, 0, p.started_at, "  # noqa: S608
    "p.started_at + CAST(round(p.watch_seconds * 1000000) AS INTEGER), NULL, NULL FROM play_rows p "
    f"WHERE p.source = {_IMPORT} AND p.watch_seconds > 0"
)
_CLIENT_INDEX = "ix_play_clients_client_device_name"
_STREAM_INDEX = "ix_play_streams_play_method_video_method_audio_method_transcode_reasons"


def _segments_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("play_id", sa.LargeBinary(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=False),
        sa.Column("position_start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("position_end_ticks", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["play_id"], ["play_rows.id"], name=op.f(f"fk_{name}_play_id_play_rows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("play_id", "seq", name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )


def _client_days(method_column: str) -> None:
    op.create_table(
        "rollup_client_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column(method_column, sa.Integer(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "client_ref", method_column, "live_tv", name=op.f("pk_rollup_client_days")),
        sqlite_with_rowid=False,
    )


def _refold(tables: tuple[str, ...]) -> None:
    """Empty every rollup and mark every play unfolded: the service folds them again in the background."""
    for table in tables:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 - our tables
    op.execute("UPDATE play_rows SET folded = 0, view_counted = 0 WHERE folded = 1 OR view_counted = 1")
    op.execute("UPDATE rollup_state SET generation = generation + 1")


def upgrade() -> None:
    op.create_index(_CLIENT_INDEX, "play_clients", ["client", "device_name"])
    op.create_index(_STREAM_INDEX, "play_streams", ["play_method", "video_method", "audio_method", "transcode_reasons"])
    op.drop_table("rollup_client_days")
    _client_days("method_ref")
    op.create_table(
        "rollup_delivery_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "stream_ref", name=op.f("pk_rollup_delivery_days")),
        sqlite_with_rowid=False,
    )
    _refold(_ROLLUPS)
    _segments_table("segment_rows")
    op.execute(
        f"INSERT INTO segment_rows ({_SEGMENT_COLUMNS}) SELECT {_SEGMENT_COLUMNS} FROM segments "  # noqa: S608
        f"WHERE play_id NOT IN (SELECT id FROM play_rows WHERE source = {_IMPORT})"
    )
    op.drop_table("segments")
    op.execute(_SEGMENTS_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW segments")
    _segments_table("segments")
    op.execute(f"INSERT INTO segments ({_SEGMENT_COLUMNS}) SELECT {_SEGMENT_COLUMNS} FROM segment_rows")  # noqa: S608
    op.execute(
        f"INSERT INTO segments ({_SEGMENT_COLUMNS}) SELECT id, 0, started_at, "  # noqa: S608
        "started_at + CAST(round(watch_seconds * 1000000) AS INTEGER), NULL, NULL FROM play_rows "
        f"WHERE source = {_IMPORT} AND watch_seconds > 0"
    )
    op.drop_table("segment_rows")
    op.drop_table("rollup_delivery_days")
    op.drop_table("rollup_client_days")
    _client_days("stream_ref")
    _refold(tuple(t for t in _ROLLUPS if t != "rollup_delivery_days"))
    op.drop_index(_STREAM_INDEX, table_name="play_streams")
    op.drop_index(_CLIENT_INDEX, table_name="play_clients")
