"""answers computed from the library, kept between restarts

`/stats/storage/duplicates` reads every path and provider id of the library (~0.5 s at 150,000 items): a job now
computes it when a library sync ends (and looks every minute) and keeps it here beside the library's data version,
so the first request after a restart reads it instead. A new, empty table, nothing to backfill (the job fills it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_answers",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_library_answers")),
    )


def downgrade() -> None:
    op.drop_table("library_answers")
