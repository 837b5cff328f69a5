"""rollups: watch time per local day, kept as plays close

Adds the rollup tables and the bookkeeping columns of `play_rows` (see `db.schema`, "rollups"). Existing plays
start unfolded; the service folds them in the background after the upgrade (statistics stay exact meanwhile,
only slower).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("play_rows", recreate="never") as batch:
        batch.add_column(sa.Column("folded", sa.Boolean(), server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("view_counted", sa.Boolean(), server_default=sa.text("0"), nullable=False))
    op.create_index("ix_play_rows_unfolded", "play_rows", ["started_at"], sqlite_where=sa.text("folded = 0"))
    op.create_table(
        "rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_state")),
    )
    op.create_table(
        "rollup_user_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_ref", "live_tv", name=op.f("pk_rollup_user_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_item_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "item_ref", name=op.f("pk_rollup_item_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_user_totals",
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_ref", "live_tv", name=op.f("pk_rollup_user_totals")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_user_hours",
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_ref", "hour", "live_tv", name=op.f("pk_rollup_user_hours")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_item_totals",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("item_type", sa.String(length=64), nullable=True),
        sa.Column("series_id", sa.String(length=64), nullable=True),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_rollup_item_totals")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_hours",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "hour", "live_tv", name=op.f("pk_rollup_hours")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_client_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "client_ref", "stream_ref", "live_tv", name=op.f("pk_rollup_client_days")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_peaks",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_rollup_peaks")),
    )


def downgrade() -> None:
    for table in ("rollup_peaks", "rollup_client_days", "rollup_hours", "rollup_item_totals", "rollup_user_hours",
                  "rollup_user_totals", "rollup_item_days", "rollup_user_days"):  # fmt: skip
        op.drop_table(table)
    op.drop_table("rollup_state")
    op.drop_index("ix_play_rows_unfolded", table_name="play_rows")
    with op.batch_alter_table("play_rows", recreate="never") as batch:
        batch.drop_column("view_counted")
        batch.drop_column("folded")
