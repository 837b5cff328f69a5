"""transcodes per day, item, client and delivery, rolled up

`/stats/transcodes/fix-list` and `/stats/transcodes/by-client` grouped every play of their window on each request
(6-10 s for all time at 2,000,000 plays). Two rollups keep what they count as plays are folded:
`rollup_transcode_days` (local day the play began, item as played, client app, delivery, user: transcoded plays,
their watch time, the latest end; indexed by item), the same per group for all time (`rollup_transcode_totals`) and
`rollup_client_app_days` (day, user, client app: every play). Both leave Live TV
out and count short plays. They are filled here from the plays folded already, cut into local days in the zone the
rollups were cut in (`rollup_state`), keyed by the least refs the fold keys them by.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As `rollups.fold` reads them at this revision.
_TRANSCODED = "(s.play_method = 'Transcode' OR (s.play_method = 'DirectStream' AND s.transcode_reasons IS NOT NULL))"
_WATCH = "CAST(round(p.watch_seconds * 1000000) AS INTEGER)"
# The local day a play began: the last local midnight at or before it (`_days`, keyed by its start).
_DAY = "(SELECT d.day FROM _days d WHERE d.start <= p.started_at ORDER BY d.start DESC LIMIT 1)"


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def upgrade() -> None:
    op.create_table(
        "rollup_transcode_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "item_ref", "client_ref", "stream_ref", "user_ref", name=op.f("pk_rollup_transcode_days")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_rollup_transcode_days_item_ref"), "rollup_transcode_days", ["item_ref"])
    op.create_table(
        "rollup_transcode_totals",
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item_ref", "client_ref", "stream_ref", name=op.f("pk_rollup_transcode_totals")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_client_app_days",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_ref", "client_ref", name=op.f("pk_rollup_client_app_days")),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    state = conn.exec_driver_sql("SELECT zone FROM rollup_state").first()
    span = conn.exec_driver_sql("SELECT min(started_at), max(started_at) FROM play_rows WHERE folded = 1").first()
    if state is None or span is None or span[0] is None:
        return  # nothing folded yet: the fold fills them
    zone = ZoneInfo(state[0])
    first = datetime.fromtimestamp(span[0] / 1e6, UTC).astimezone(zone).date().toordinal() - 1
    last = datetime.fromtimestamp(span[1] / 1e6, UTC).astimezone(zone).date().toordinal() + 1
    conn.exec_driver_sql("CREATE TEMP TABLE _days (start INTEGER PRIMARY KEY, day INTEGER NOT NULL)")
    conn.exec_driver_sql(
        "INSERT INTO _days (start, day) VALUES (?, ?)",
        [
            (_micros(datetime.combine(date.fromordinal(day), time(), zone).astimezone(UTC)), day)
            for day in range(first, last + 1)
        ],
    )
    # The least ref of each client app, and of each transcoded delivery as the fix-list reads it.
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _apps AS SELECT c.ref AS ref, (SELECT min(m.ref) FROM play_clients m "
        "WHERE m.client IS c.client) AS first FROM play_clients c"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _deliveries AS SELECT s.ref AS ref, (SELECT min(m.ref) FROM play_streams m "  # noqa: S608
        "WHERE m.play_method IS s.play_method AND m.transcode_reasons IS s.transcode_reasons "
        "AND m.video_codec_from IS s.video_codec_from AND m.audio_codec_from IS s.audio_codec_from) AS first "
        f"FROM play_streams s WHERE {_TRANSCODED}"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _reasons AS SELECT s.ref AS ref, (SELECT min(m.ref) FROM play_streams m "  # noqa: S608
        f"WHERE m.transcode_reasons IS s.transcode_reasons AND {_TRANSCODED.replace('s.', 'm.')}) AS first "
        f"FROM play_streams s WHERE {_TRANSCODED}"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _items AS SELECT i.ref AS ref, (SELECT min(m.ref) FROM play_items m "
        "WHERE m.item_id = i.item_id) AS first FROM play_items i WHERE i.live_tv = 0"
    )
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._reasons_ref ON _reasons (ref)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._items_ref ON _items (ref)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._apps_ref ON _apps (ref)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX temp._deliveries_ref ON _deliveries (ref)")
    conn.exec_driver_sql(
        "INSERT INTO rollup_transcode_days (day, item_ref, client_ref, stream_ref, user_ref, plays, micros, last) "  # noqa: S608
        f"SELECT {_DAY}, p.item_ref, a.first, t.first, p.user_ref, COUNT(*), SUM({_WATCH}), MAX(p.stopped_at) "
        "FROM play_rows p JOIN play_items i ON i.ref = p.item_ref JOIN _apps a ON a.ref = p.client_ref "
        "JOIN _deliveries t ON t.ref = p.stream_ref WHERE p.folded = 1 AND i.live_tv = 0 GROUP BY 1, 2, 3, 4, 5"
    )
    conn.exec_driver_sql(
        "INSERT INTO rollup_transcode_totals (item_ref, client_ref, stream_ref, plays, micros) "  # noqa: S608
        f"SELECT t.first, a.first, w.first, COUNT(*), SUM({_WATCH}) FROM play_rows p "
        "JOIN _items t ON t.ref = p.item_ref JOIN _apps a ON a.ref = p.client_ref "
        "JOIN _reasons w ON w.ref = p.stream_ref WHERE p.folded = 1 GROUP BY 1, 2, 3"
    )
    conn.exec_driver_sql(
        "INSERT INTO rollup_client_app_days (day, user_ref, client_ref, plays) "  # noqa: S608
        f"SELECT {_DAY}, p.user_ref, a.first, COUNT(*) FROM play_rows p JOIN play_items i ON i.ref = p.item_ref "
        "JOIN _apps a ON a.ref = p.client_ref WHERE p.folded = 1 AND i.live_tv = 0 GROUP BY 1, 2, 3"
    )
    for table in ("_days", "_apps", "_deliveries", "_reasons", "_items"):
        conn.exec_driver_sql(f"DROP TABLE temp.{table}")


def downgrade() -> None:
    op.drop_table("rollup_client_app_days")
    op.drop_table("rollup_transcode_totals")
    op.drop_index(op.f("ix_rollup_transcode_days_item_ref"), table_name="rollup_transcode_days")
    op.drop_table("rollup_transcode_days")
