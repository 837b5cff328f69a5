"""daily library snapshots, and an index of placeholder episodes

One row per local day with the library's size and counts by type and quality, written by the snapshot job, read
by `/stats/storage/growth`: a new, empty table, nothing to backfill. And a partial index of the placeholder
(missing and unaired) episodes by series, for library health: it holds only those few rows, so building it reads
the items table once (~0.2 s for 150,000 items) and costs next to nothing on disk.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_snapshots",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("by_type", sa.Text(), nullable=False),
        sa.Column("by_quality", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_library_snapshots")),
    )
    op.create_index("ix_items_placeholders", "items", ["series_id"], sqlite_where=sa.text("is_placeholder = 1"))


def downgrade() -> None:
    op.drop_index("ix_items_placeholders", table_name="items")
    op.drop_table("library_snapshots")
