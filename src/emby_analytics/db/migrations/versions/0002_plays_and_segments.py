"""plays and segments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "plays",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("view_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("import_key", sa.String(length=128), nullable=True),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=512), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("item_type", sa.String(length=64), nullable=True),
        sa.Column("item_name", sa.String(length=512), nullable=True),
        sa.Column("series_id", sa.String(length=64), nullable=True),
        sa.Column("series_name", sa.String(length=512), nullable=True),
        sa.Column("season_number", sa.Integer(), nullable=True),
        sa.Column("episode_number", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=128), nullable=True),
        sa.Column("device_name", sa.String(length=256), nullable=True),
        sa.Column("device_id", sa.String(length=256), nullable=True),
        sa.Column("remote_address", sa.String(length=64), nullable=True),
        sa.Column("application_version", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_position_ticks", sa.BigInteger(), nullable=True),
        sa.Column("max_position_ticks", sa.BigInteger(), nullable=True),
        sa.Column("runtime_ticks", sa.BigInteger(), nullable=True),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("content_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("play_method", sa.String(length=16), nullable=True),
        sa.Column("video_method", sa.String(length=16), nullable=True),
        sa.Column("audio_method", sa.String(length=16), nullable=True),
        sa.Column("subtitle_method", sa.String(length=16), nullable=True),
        sa.Column("video_codec_from", sa.String(length=32), nullable=True),
        sa.Column("video_codec_to", sa.String(length=32), nullable=True),
        sa.Column("audio_codec_from", sa.String(length=32), nullable=True),
        sa.Column("audio_codec_to", sa.String(length=32), nullable=True),
        sa.Column("transcode_reasons", sa.String(length=512), nullable=True),
        sa.Column("bitrate", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("tracker_state", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plays")),
        sa.UniqueConstraint("import_key", name=op.f("uq_plays_import_key")),
    )
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plays_item_id_started_at"), ["item_id", "started_at"], unique=False)
        batch_op.create_index(
            "ix_plays_open",
            ["stopped_at"],
            unique=False,
            sqlite_where=sa.text("stopped_at IS NULL"),
            postgresql_where=sa.text("stopped_at IS NULL"),
        )
        batch_op.create_index(batch_op.f("ix_plays_started_at_id"), ["started_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plays_user_id_started_at"), ["user_id", "started_at"], unique=False)

    op.create_table(
        "webhook_receipts",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_webhook_receipts")),
    )
    with op.batch_alter_table("webhook_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_receipts_event"), ["event"], unique=False)

    op.create_table(
        "segments",
        sa.Column("play_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position_start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("position_end_ticks", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["play_id"], ["plays.id"], name=op.f("fk_segments_play_id_plays"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("play_id", "seq", name=op.f("pk_segments")),
    )
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_segments_started_at"), ["started_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segments_started_at"))

    op.drop_table("segments")
    with op.batch_alter_table("webhook_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_receipts_event"))

    op.drop_table("webhook_receipts")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plays_user_id_started_at"))
        batch_op.drop_index(batch_op.f("ix_plays_started_at_id"))
        batch_op.drop_index(
            "ix_plays_open", sqlite_where=sa.text("stopped_at IS NULL"), postgresql_where=sa.text("stopped_at IS NULL")
        )
        batch_op.drop_index(batch_op.f("ix_plays_item_id_started_at"))

    op.drop_table("plays")
