"""a user's all time per item and per client, rolled up

A user's page read every one of their folded plays and its segments to rank their items and sum their devices:
~0.6 s of CPU for a user with 200,000 plays. Two rollups keep those sums as plays are folded: `rollup_user_items`
(user, item as played) and `rollup_user_clients` (user, client and device, Live TV or not, with the latest end).
They are filled here from the plays folded already, with the sums the page took from them: a play's watch time
from its segments, a viewing at its first play once the fold counted it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# `db.schema.watched_micros_sql("p")` as of this revision: the first segment in the row, then the stored ones.
_WATCHED = (
    "CASE WHEN (p.first_end_micros IS NOT NULL OR (p.source = 2 AND p.watch_seconds > 0)) THEN p.started_at + "
    "coalesce(p.first_end_micros, CAST(round(p.watch_seconds * 1000000) AS INTEGER)) - (p.started_at + "
    "coalesce(p.first_start_micros, 0)) ELSE 0 END + coalesce((SELECT SUM(s.ended_at - s.started_at) "
    "FROM segment_rows s WHERE s.play_id = p.id), 0)"
)
_VIEWS = "(p.view_id IS NULL AND p.view_counted)"


def upgrade() -> None:
    op.create_table(
        "rollup_user_items",
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_ref", "item_ref", name=op.f("pk_rollup_user_items")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_user_clients",
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("ended", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_ref", "client_ref", "live_tv", name=op.f("pk_rollup_user_clients")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO rollup_user_items (user_ref, item_ref, micros, views) "  # noqa: S608 - our SQL
        f"SELECT p.user_ref, p.item_ref, SUM({_WATCHED}), SUM({_VIEWS}) FROM play_rows p WHERE p.folded = 1 "
        "GROUP BY p.user_ref, p.item_ref"
    )
    # Keyed by the least ref with the same client and device, as the client rollup is (`rollups.fold`).
    op.execute(
        "INSERT INTO rollup_user_clients (user_ref, client_ref, live_tv, micros, views, ended) "  # noqa: S608
        "SELECT p.user_ref, (SELECT min(m.ref) FROM play_clients m WHERE m.client IS c.client "
        f"AND m.device_name IS c.device_name), i.live_tv, SUM({_WATCHED}), SUM({_VIEWS}), "
        "MAX(coalesce(p.stopped_at, p.last_seen_at)) FROM play_rows p JOIN play_clients c ON c.ref = p.client_ref "
        "JOIN play_items i ON i.ref = p.item_ref WHERE p.folded = 1 GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    op.drop_table("rollup_user_clients")
    op.drop_table("rollup_user_items")
