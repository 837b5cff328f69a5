"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "libraries",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("collection_type", sa.String(length=64), nullable=True),
        sa.Column("locations", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_libraries")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=64), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("emby_calls", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resume_library", sa.String(length=64), nullable=True),
        sa.Column("resume_index", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=1024), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_runs_kind_id"), ["kind", "id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_disabled", sa.Boolean(), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("has_image", sa.Boolean(), nullable=False),
        sa.Column("date_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("original_title", sa.String(length=512), nullable=True),
        sa.Column("sort_name", sa.String(length=512), nullable=True),
        sa.Column("media_type", sa.String(length=32), nullable=True),
        sa.Column("library_id", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("series_id", sa.String(length=64), nullable=True),
        sa.Column("series_name", sa.String(length=512), nullable=True),
        sa.Column("season_id", sa.String(length=64), nullable=True),
        sa.Column("season_number", sa.Integer(), nullable=True),
        sa.Column("episode_number", sa.Integer(), nullable=True),
        sa.Column("episode_number_end", sa.Integer(), nullable=True),
        sa.Column("production_year", sa.Integer(), nullable=True),
        sa.Column("premiere_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("location_type", sa.String(length=32), nullable=True),
        sa.Column("is_placeholder", sa.Boolean(), nullable=False),
        sa.Column("container", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("bitrate", sa.BigInteger(), nullable=True),
        sa.Column("runtime_ticks", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("video_codec", sa.String(length=32), nullable=True),
        sa.Column("video_profile", sa.String(length=64), nullable=True),
        sa.Column("video_bit_depth", sa.Integer(), nullable=True),
        sa.Column("video_range", sa.String(length=32), nullable=True),
        sa.Column("video_hdr", sa.String(length=32), nullable=True),
        sa.Column("frame_rate", sa.Float(), nullable=True),
        sa.Column("audio_codec", sa.String(length=32), nullable=True),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("audio_layout", sa.String(length=64), nullable=True),
        sa.Column("audio_languages", sa.String(length=512), nullable=True),
        sa.Column("subtitle_languages", sa.String(length=512), nullable=True),
        sa.Column("genres", sa.Text(), nullable=True),
        sa.Column("provider_ids", sa.Text(), nullable=True),
        sa.Column("path", sa.String(length=2048), nullable=True),
        sa.Column("primary_image_tag", sa.String(length=64), nullable=True),
        sa.Column("backdrop_image_tag", sa.String(length=64), nullable=True),
        sa.Column("series_primary_image_tag", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_run", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["library_id"], ["libraries.id"], name=op.f("fk_items_library_id_libraries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_height"), ["height"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_library_id"), ["library_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_season_id"), ["season_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_type_removed_at"), ["type", "removed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_items_video_codec"), ["video_codec"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_video_codec"))
        batch_op.drop_index(batch_op.f("ix_items_type_removed_at"))
        batch_op.drop_index(batch_op.f("ix_items_series_id"))
        batch_op.drop_index(batch_op.f("ix_items_season_id"))
        batch_op.drop_index(batch_op.f("ix_items_library_id"))
        batch_op.drop_index(batch_op.f("ix_items_height"))

    op.drop_table("items")
    op.drop_table("users")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_runs_kind_id"))

    op.drop_table("sync_runs")
    op.drop_table("libraries")
