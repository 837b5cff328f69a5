"""transcodes kept for all time only: the day rows go, the users of each group are kept beside its total

Revision 0009's day rows (`rollup_transcode_days`, keyed by day, item, client app, delivery and user, with an index
by item) did not aggregate: 854,083 rows for 889,262 transcoded plays at tier L, 25 bytes a play, and with
`rollup_client_app_days` keyed by user too they took the file past its 250 bytes a play. A window of days now reads
its plays; all time reads `rollup_transcode_totals`, which gains the latest end of each group, and
`rollup_transcode_users` (the users of each group). `rollup_client_app_days` loses the user. All are filled from
0009's rows, which hold the same folded plays.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# As `rollups.fold` reads them at this revision.
_TRANSCODED = "(m.play_method = 'Transcode' OR (m.play_method = 'DirectStream' AND m.transcode_reasons IS NOT NULL))"


def _create() -> None:
    op.create_table(
        "rollup_transcode_totals",
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item_ref", "client_ref", "stream_ref", name=op.f("pk_rollup_transcode_totals")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_transcode_users",
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "item_ref", "client_ref", "stream_ref", "user_ref", name=op.f("pk_rollup_transcode_users")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_client_app_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "client_ref", name=op.f("pk_rollup_client_app_days")),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    conn = op.get_bind()
    # 0009's day rows are keyed by the item as played and the least delivery; the totals by the least ref of the
    # item id and of the transcode reasons.
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _items AS SELECT i.ref AS ref, (SELECT min(m.ref) FROM play_items m "
        "WHERE m.item_id = i.item_id) AS first FROM play_items i"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _reasons AS SELECT s.ref AS ref, (SELECT min(m.ref) FROM play_streams m "  # noqa: S608
        f"WHERE m.transcode_reasons IS s.transcode_reasons AND {_TRANSCODED}) AS first FROM play_streams s"
    )
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._items_ref ON _items (ref)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._reasons_ref ON _reasons (ref)")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _groups AS SELECT it.first AS item_ref, d.client_ref AS client_ref, r.first AS stream_ref, "
        "d.user_ref AS user_ref, d.plays AS plays, d.micros AS micros, d.last AS last FROM rollup_transcode_days d "
        "JOIN _items it ON it.ref = d.item_ref JOIN _reasons r ON r.ref = d.stream_ref"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _apps AS SELECT day, client_ref, SUM(plays) AS plays FROM rollup_client_app_days "
        "GROUP BY day, client_ref"
    )
    op.drop_index(op.f("ix_rollup_transcode_days_item_ref"), table_name="rollup_transcode_days")
    op.drop_table("rollup_transcode_days")
    op.drop_table("rollup_transcode_totals")
    op.drop_table("rollup_client_app_days")
    _create()
    conn.exec_driver_sql(
        "INSERT INTO rollup_transcode_totals (item_ref, client_ref, stream_ref, plays, micros, last) "
        "SELECT item_ref, client_ref, stream_ref, SUM(plays), SUM(micros), MAX(last) FROM _groups GROUP BY 1, 2, 3"
    )
    conn.exec_driver_sql(
        "INSERT INTO rollup_transcode_users (item_ref, client_ref, stream_ref, user_ref) "
        "SELECT DISTINCT item_ref, client_ref, stream_ref, user_ref FROM _groups"
    )
    conn.exec_driver_sql("INSERT INTO rollup_client_app_days (day, client_ref, plays) SELECT * FROM _apps")
    for table in ("_items", "_reasons", "_groups", "_apps"):
        conn.exec_driver_sql(f"DROP TABLE temp.{table}")


def downgrade() -> None:
    op.drop_table("rollup_client_app_days")
    op.drop_table("rollup_transcode_users")
    op.drop_table("rollup_transcode_totals")
    # 0009's tables, filled from the folded plays by 0009 itself (a migration file is no importable module).
    spec = importlib.util.spec_from_file_location(
        "_revision_0009", Path(__file__).with_name("0009_transcode_rollups.py")
    )
    assert spec is not None and spec.loader is not None
    revision_0009 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision_0009)
    revision_0009.upgrade()
