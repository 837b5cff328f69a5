"""compact plays: interned descriptions, compact ids and times, the view plays

Plays move from one wide `plays` table (every text fact repeated on every row, times as 26-character text,
32-character ids, two copies of each open play's segments) to `play_rows` (WITHOUT ROWID, keyed by a compact id)
pointing at interned descriptions (`play_users`, `play_items`, `play_clients`, `play_streams`), with times as
integer microseconds; `segments` becomes WITHOUT ROWID, keyed by (play, seq). The view `plays` shows the same
columns as before (minus `import_key`), and inserts through it store rows as the service does.

Existing rows are copied and read back the same, with two deliberate changes: imported plays get the id the
import now derives from their Playback Reporting key (so importing again still adds nothing: the key itself is no
longer stored), and the id index, the import-key index and the segments' time index are gone. Open plays keep the
tracker state the previous version saved; the service reads it and rewrites it in the new, smaller form.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import re
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copies of what the service at this revision does (a migration must not change when the code does).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIGN = 1 << 63
_HEX = re.compile(r"[0-9a-f]+")
_PLUGIN_DATE = re.compile(r"pr:(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.\d*)?:")
_SOURCES = ("live", "webhook", "import")
_END_REASONS = ("stopped", "ended", "item_change", "disappeared", "gone", "event_stop")
_DESCRIBED = {
    "play_users": ("user_id", "user_name"),
    "play_items": (
        "item_id", "item_type", "item_name", "series_id", "series_name", "season_number", "episode_number",
        "runtime_ticks", "live_tv",
    ),
    "play_clients": ("client", "device_name", "device_id", "application_version", "remote_address"),
    "play_streams": (
        "play_method", "video_method", "audio_method", "subtitle_method", "video_codec_from", "video_codec_to",
        "audio_codec_from", "audio_codec_to", "transcode_reasons",
    ),
}  # fmt: skip
_REFS = {"play_users": "user_ref", "play_items": "item_ref", "play_clients": "client_ref", "play_streams": "stream_ref"}
_ROW_COLUMNS = (
    "id", "view_id", "source", "session_id", "user_ref", "item_ref", "client_ref", "stream_ref", "started_at",
    "stopped_at", "last_seen_at", "last_position_ticks", "max_position_ticks", "watch_seconds", "content_seconds",
    "paused_seconds", "completed", "short", "is_paused", "bitrate", "end_reason", "tracker_state",
)  # fmt: skip
_SEGMENT_COLUMNS = ("play_id", "seq", "started_at", "ended_at", "position_start_ticks", "position_end_ticks")
_CHUNK = 5000

_VIEW = (
    "CREATE VIEW plays AS SELECT p.id AS id, coalesce(p.view_id, p.id) AS view_id, CASE p.source WHEN 0 "
    "THEN 'live' WHEN 1 THEN 'webhook' WHEN 2 THEN 'import' END AS source, p.session_id AS session_id, "
    "u.user_id AS user_id, u.user_name AS user_name, i.item_id AS item_id, i.item_type AS item_type, "
    "i.item_name AS item_name, i.series_id AS series_id, i.series_name AS series_name, i.season_number AS "
    "season_number, i.episode_number AS episode_number, c.client AS client, c.device_name AS device_name, "
    "c.device_id AS device_id, c.remote_address AS remote_address, c.application_version AS "
    "application_version, p.started_at AS started_at, p.stopped_at AS stopped_at, "
    "coalesce(p.last_seen_at, p.stopped_at) AS last_seen_at, p.last_position_ticks AS "
    "last_position_ticks, coalesce(p.max_position_ticks, p.last_position_ticks) AS max_position_ticks, "
    "i.runtime_ticks AS runtime_ticks, p.watch_seconds AS watch_seconds, p.content_seconds AS "
    "content_seconds, coalesce(p.paused_seconds, max(0.0, (coalesce(p.stopped_at, p.last_seen_at) - "
    "p.started_at) / 1000000.0 - p.watch_seconds)) AS paused_seconds, p.completed AS completed, p.short "
    "AS short, i.live_tv AS live_tv, p.is_paused AS is_paused, s.play_method AS play_method, "
    "s.video_method AS video_method, s.audio_method AS audio_method, s.subtitle_method AS "
    "subtitle_method, s.video_codec_from AS video_codec_from, s.video_codec_to AS video_codec_to, "
    "s.audio_codec_from AS audio_codec_from, s.audio_codec_to AS audio_codec_to, s.transcode_reasons AS "
    "transcode_reasons, p.bitrate AS bitrate, CASE p.end_reason WHEN 0 THEN 'stopped' WHEN 1 THEN 'ended' "
    "WHEN 2 THEN 'item_change' WHEN 3 THEN 'disappeared' WHEN 4 THEN 'gone' WHEN 5 THEN 'event_stop' END "
    "AS end_reason, p.tracker_state AS tracker_state FROM play_rows p JOIN play_users u ON u.ref = "
    "p.user_ref JOIN play_items i ON i.ref = p.item_ref JOIN play_clients c ON c.ref = p.client_ref JOIN "
    "play_streams s ON s.ref = p.stream_ref"
)

_INSERT_TRIGGER = (
    "CREATE TRIGGER plays_insert INSTEAD OF INSERT ON plays BEGIN INSERT INTO play_users (user_id, "
    "user_name) VALUES (NEW.user_id, NEW.user_name) ON CONFLICT (user_id) DO UPDATE SET user_name = "
    "coalesce(excluded.user_name, play_users.user_name); INSERT INTO play_items (item_id, item_type, "
    "item_name, series_id, series_name, season_number, episode_number, runtime_ticks, live_tv) SELECT "
    "NEW.item_id, NEW.item_type, NEW.item_name, NEW.series_id, NEW.series_name, NEW.season_number, "
    "NEW.episode_number, NEW.runtime_ticks, coalesce(NEW.live_tv, 0) WHERE NOT EXISTS (SELECT 1 FROM "
    "play_items WHERE item_id IS NEW.item_id AND item_type IS NEW.item_type AND item_name IS "
    "NEW.item_name AND series_id IS NEW.series_id AND series_name IS NEW.series_name AND season_number IS "
    "NEW.season_number AND episode_number IS NEW.episode_number AND runtime_ticks IS NEW.runtime_ticks "
    "AND live_tv IS coalesce(NEW.live_tv, 0)); INSERT INTO play_clients (client, device_name, device_id, "
    "application_version, remote_address) SELECT NEW.client, NEW.device_name, NEW.device_id, "
    "NEW.application_version, NEW.remote_address WHERE NOT EXISTS (SELECT 1 FROM play_clients WHERE "
    "client IS NEW.client AND device_name IS NEW.device_name AND device_id IS NEW.device_id AND "
    "application_version IS NEW.application_version AND remote_address IS NEW.remote_address); INSERT "
    "INTO play_streams (play_method, video_method, audio_method, subtitle_method, video_codec_from, "
    "video_codec_to, audio_codec_from, audio_codec_to, transcode_reasons) SELECT NEW.play_method, "
    "NEW.video_method, NEW.audio_method, NEW.subtitle_method, NEW.video_codec_from, NEW.video_codec_to, "
    "NEW.audio_codec_from, NEW.audio_codec_to, NEW.transcode_reasons WHERE NOT EXISTS (SELECT 1 FROM "
    "play_streams WHERE play_method IS NEW.play_method AND video_method IS NEW.video_method AND "
    "audio_method IS NEW.audio_method AND subtitle_method IS NEW.subtitle_method AND video_codec_from IS "
    "NEW.video_codec_from AND video_codec_to IS NEW.video_codec_to AND audio_codec_from IS "
    "NEW.audio_codec_from AND audio_codec_to IS NEW.audio_codec_to AND transcode_reasons IS "
    "NEW.transcode_reasons); INSERT INTO play_rows (id, view_id, source, session_id, user_ref, item_ref, "
    "client_ref, stream_ref, started_at, stopped_at, last_seen_at, last_position_ticks, "
    "max_position_ticks, watch_seconds, content_seconds, paused_seconds, completed, short, is_paused, "
    "bitrate, end_reason, tracker_state) VALUES (NEW.id, nullif(NEW.view_id, NEW.id), CASE WHEN "
    "NEW.source IS NULL THEN NULL ELSE CASE NEW.source WHEN 'live' THEN 0 WHEN 'webhook' THEN 1 WHEN "
    "'import' THEN 2 ELSE RAISE(ABORT, 'unknown source') END END, NEW.session_id, (SELECT ref FROM "
    "play_users WHERE user_id = NEW.user_id), (SELECT ref FROM play_items WHERE item_id IS NEW.item_id "
    "AND item_type IS NEW.item_type AND item_name IS NEW.item_name AND series_id IS NEW.series_id AND "
    "series_name IS NEW.series_name AND season_number IS NEW.season_number AND episode_number IS "
    "NEW.episode_number AND runtime_ticks IS NEW.runtime_ticks AND live_tv IS coalesce(NEW.live_tv, 0) "
    "ORDER BY ref LIMIT 1), (SELECT ref FROM play_clients WHERE client IS NEW.client AND device_name IS "
    "NEW.device_name AND device_id IS NEW.device_id AND application_version IS NEW.application_version "
    "AND remote_address IS NEW.remote_address ORDER BY ref LIMIT 1), (SELECT ref FROM play_streams WHERE "
    "play_method IS NEW.play_method AND video_method IS NEW.video_method AND audio_method IS "
    "NEW.audio_method AND subtitle_method IS NEW.subtitle_method AND video_codec_from IS "
    "NEW.video_codec_from AND video_codec_to IS NEW.video_codec_to AND audio_codec_from IS "
    "NEW.audio_codec_from AND audio_codec_to IS NEW.audio_codec_to AND transcode_reasons IS "
    "NEW.transcode_reasons ORDER BY ref LIMIT 1), NEW.started_at, NEW.stopped_at, "
    "nullif(coalesce(NEW.last_seen_at, NEW.stopped_at, NEW.started_at), NEW.stopped_at), "
    "NEW.last_position_ticks, nullif(NEW.max_position_ticks, NEW.last_position_ticks), "
    "coalesce(NEW.watch_seconds, 0.0), coalesce(NEW.content_seconds, 0.0), CASE WHEN NEW.paused_seconds "
    "IS NULL OR NEW.paused_seconds = max(0.0, (coalesce(NEW.stopped_at, coalesce(NEW.last_seen_at, "
    "NEW.stopped_at, NEW.started_at)) - NEW.started_at) / 1000000.0 - coalesce(NEW.watch_seconds, 0.0)) "
    "THEN NULL ELSE NEW.paused_seconds END, coalesce(NEW.completed, 0), coalesce(NEW.short, 0), "
    "coalesce(NEW.is_paused, 0), NEW.bitrate, CASE WHEN NEW.end_reason IS NULL THEN NULL ELSE CASE "
    "NEW.end_reason WHEN 'stopped' THEN 0 WHEN 'ended' THEN 1 WHEN 'item_change' THEN 2 WHEN "
    "'disappeared' THEN 3 WHEN 'gone' THEN 4 WHEN 'event_stop' THEN 5 ELSE RAISE(ABORT, 'unknown "
    "end_reason') END END, NEW.tracker_state); END"
)

_DELETE_TRIGGER = (
    "CREATE TRIGGER plays_delete INSTEAD OF DELETE ON plays BEGIN DELETE FROM play_rows WHERE id = OLD.id; END"
)


def _micros(text: str | None) -> int | None:
    """A time as revision 0002 stored it (naive UTC text) as integer microseconds since 1970."""
    if text is None:
        return None
    delta = datetime.fromisoformat(text).replace(tzinfo=UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _encode_id(value: str | None) -> int | bytes | str | None:
    if value is None or not _HEX.fullmatch(value):
        return value
    if len(value) == 16:
        return int(value, 16) - _SIGN
    if len(value) % 2 == 0 and len(value) <= 64:
        return bytes.fromhex(value)
    return value


def _import_id(key: str, started: str) -> str:
    """The id the import gives the row with this key: the local second it started (read from a plugin key's
    DateCreated; a played flag's UTC LastPlayedDate) and a CRC-32 of the key."""
    match = _PLUGIN_DATE.match(key)
    if match is not None:
        second = int(datetime.fromisoformat(match.group(1).replace("T", " ")).replace(tzinfo=UTC).timestamp())
    else:
        second = int(datetime.fromisoformat(started).replace(tzinfo=UTC).timestamp())
    return f"{(second & 0xFFFF_FFFF) << 32 | zlib.crc32(key.encode()):016x}"


def _chunks(conn: sa.Connection, sql: str) -> Iterator[Sequence[Any]]:
    cursor = conn.exec_driver_sql(sql)
    while rows := cursor.fetchmany(_CHUNK):
        yield rows


def _create_tables() -> None:
    op.create_table(
        "play_users",
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_play_users")),
    )
    op.create_index(op.f("ix_play_users_user_id"), "play_users", ["user_id"], unique=True)
    op.create_table(
        "play_items",
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("item_type", sa.String(length=64), nullable=True),
        sa.Column("item_name", sa.String(length=512), nullable=True),
        sa.Column("series_id", sa.String(length=64), nullable=True),
        sa.Column("series_name", sa.String(length=512), nullable=True),
        sa.Column("season_number", sa.Integer(), nullable=True),
        sa.Column("episode_number", sa.Integer(), nullable=True),
        sa.Column("runtime_ticks", sa.BigInteger(), nullable=True),
        sa.Column("live_tv", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_play_items")),
    )
    op.create_index(op.f("ix_play_items_item_id"), "play_items", ["item_id"])
    op.create_index(op.f("ix_play_items_series_id"), "play_items", ["series_id"])
    op.create_table(
        "play_clients",
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=128), nullable=True),
        sa.Column("device_name", sa.String(length=256), nullable=True),
        sa.Column("device_id", sa.String(length=256), nullable=True),
        sa.Column("application_version", sa.String(length=64), nullable=True),
        sa.Column("remote_address", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_play_clients")),
    )
    op.create_index(op.f("ix_play_clients_device_id"), "play_clients", ["device_id"])
    op.create_table(
        "play_streams",
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("play_method", sa.String(length=16), nullable=True),
        sa.Column("video_method", sa.String(length=16), nullable=True),
        sa.Column("audio_method", sa.String(length=16), nullable=True),
        sa.Column("subtitle_method", sa.String(length=16), nullable=True),
        sa.Column("video_codec_from", sa.String(length=32), nullable=True),
        sa.Column("video_codec_to", sa.String(length=32), nullable=True),
        sa.Column("audio_codec_from", sa.String(length=32), nullable=True),
        sa.Column("audio_codec_to", sa.String(length=32), nullable=True),
        sa.Column("transcode_reasons", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("ref", name=op.f("pk_play_streams")),
    )
    op.create_table(
        "play_rows",
        sa.Column("id", sa.LargeBinary(), nullable=False),
        sa.Column("view_id", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.SmallInteger(), nullable=False),
        sa.Column("session_id", sa.LargeBinary(), nullable=True),
        sa.Column("user_ref", sa.Integer(), nullable=False),
        sa.Column("item_ref", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.Integer(), nullable=False),
        sa.Column("stream_ref", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("stopped_at", sa.BigInteger(), nullable=True),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("last_position_ticks", sa.BigInteger(), nullable=True),
        sa.Column("max_position_ticks", sa.BigInteger(), nullable=True),
        sa.Column("watch_seconds", sa.Float(), nullable=False),
        sa.Column("content_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("bitrate", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.SmallInteger(), nullable=True),
        sa.Column("tracker_state", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_ref"], ["play_clients.ref"], name=op.f("fk_play_rows_client_ref_play_clients")
        ),
        sa.ForeignKeyConstraint(["item_ref"], ["play_items.ref"], name=op.f("fk_play_rows_item_ref_play_items")),
        sa.ForeignKeyConstraint(
            ["stream_ref"], ["play_streams.ref"], name=op.f("fk_play_rows_stream_ref_play_streams")
        ),
        sa.ForeignKeyConstraint(["user_ref"], ["play_users.ref"], name=op.f("fk_play_rows_user_ref_play_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_rows")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "segments",
        sa.Column("play_id", sa.LargeBinary(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=False),
        sa.Column("position_start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("position_end_ticks", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["play_id"], ["play_rows.id"], name=op.f("fk_segments_play_id_play_rows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("play_id", "seq", name=op.f("pk_segments")),
        sqlite_with_rowid=False,
    )


class _Descriptions:
    """Intern each distinct description of the old rows once (the service's db.plays.intern, in bulk). Users are
    one row per id, named by the newest play that knew a name (rows come oldest first)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.refs: dict[str, dict[tuple[Any, ...], int]] = {table: {} for table in _DESCRIBED}
        self.users: dict[str, tuple[int, str | None]] = {}

    def user(self, user_id: str, name: str | None) -> int:
        known = self.users.get(user_id)
        if known is None:
            insert = "INSERT INTO play_users (user_id, user_name) VALUES (?, ?)"
            self.users[user_id] = known = (int(self.conn.exec_driver_sql(insert, (user_id, name)).lastrowid), name)
        elif name is not None and name != known[1]:
            self.conn.exec_driver_sql("UPDATE play_users SET user_name = ? WHERE ref = ?", (name, known[0]))
            self.users[user_id] = known = (known[0], name)
        return known[0]

    def ref(self, table: str, row: dict[str, Any]) -> int:
        if table == "play_users":
            return self.user(row["user_id"], row["user_name"])
        names = _DESCRIBED[table]
        values = tuple(bool(row[n]) if n == "live_tv" else row[n] for n in names)
        refs = self.refs[table]
        if values not in refs:
            marks = ", ".join("?" * len(names))
            insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 - our names
            refs[values] = int(self.conn.exec_driver_sql(insert, values).lastrowid)
        return refs[values]


def _copy_plays(conn: sa.Connection) -> dict[str, str]:
    """Copy plays_0002 into play_rows and the descriptions; returns the new ids of imported plays."""
    described = _Descriptions(conn)
    columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(plays_0002)")]
    new_ids: dict[str, str] = {
        play_id: _import_id(key, started)
        for play_id, key, started in conn.exec_driver_sql(
            "SELECT id, import_key, started_at FROM plays_0002 WHERE source = 'import' AND import_key IS NOT NULL"
        )
    }
    marks = ", ".join("?" * len(_ROW_COLUMNS))
    insert = f"INSERT INTO play_rows ({', '.join(_ROW_COLUMNS)}) VALUES ({marks})"  # noqa: S608 - our names
    query = f"SELECT {', '.join(columns)} FROM plays_0002 ORDER BY started_at, id"  # noqa: S608 - its own columns
    for chunk in _chunks(conn, query):
        values = []
        for raw in chunk:
            row = dict(zip(columns, raw, strict=True))
            play_id = new_ids.get(row["id"], row["id"])
            view_id = new_ids.get(row["view_id"], row["view_id"])
            started, stopped, seen = (
                _micros(row["started_at"]),
                _micros(row["stopped_at"]),
                _micros(row["last_seen_at"]),
            )
            assert started is not None and seen is not None
            watch, paused = row["watch_seconds"], row["paused_seconds"]
            derived = max(0.0, ((stopped if stopped is not None else seen) - started) / 1_000_000 - watch)
            last, highest = row["last_position_ticks"], row["max_position_ticks"]
            reason = row["end_reason"]
            refs = {_REFS[table]: described.ref(table, row) for table in _DESCRIBED}
            stored = {
                "id": _encode_id(play_id),
                "view_id": None if view_id == play_id else _encode_id(view_id),
                "source": _SOURCES.index(row["source"]),
                "session_id": _encode_id(row["session_id"]),
                **refs,
                "started_at": started,
                "stopped_at": stopped,
                "last_seen_at": None if seen == stopped else seen,
                "last_position_ticks": last,
                "max_position_ticks": None if highest == last else highest,
                "watch_seconds": watch,
                "content_seconds": row["content_seconds"],
                "paused_seconds": None if paused == derived else paused,
                "completed": row["completed"],
                "short": row["short"],
                "is_paused": row["is_paused"],
                "bitrate": row["bitrate"],
                "end_reason": None if reason is None else _END_REASONS.index(reason),
                "tracker_state": row["tracker_state"],
            }
            values.append(tuple(stored[name] for name in _ROW_COLUMNS))
        conn.exec_driver_sql(insert, values)
    return new_ids


def _copy_segments(conn: sa.Connection, new_ids: dict[str, str]) -> None:
    names = ", ".join(_SEGMENT_COLUMNS)
    insert = f"INSERT INTO segments ({names}) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608 - our names
    for chunk in _chunks(conn, f"SELECT {names} FROM segments_0002 ORDER BY play_id, seq"):  # noqa: S608
        values = [
            (_encode_id(new_ids.get(play_id, play_id)), seq, _micros(started), _micros(ended), start, end)
            for play_id, seq, started, ended, start, end in chunk
        ]
        conn.exec_driver_sql(insert, values)


def upgrade() -> None:
    conn = op.get_bind()
    op.rename_table("segments", "segments_0002")
    op.rename_table("plays", "plays_0002")
    _create_tables()
    new_ids = _copy_plays(conn)
    _copy_segments(conn, new_ids)
    op.drop_table("segments_0002")
    op.drop_table("plays_0002")
    # Built after the copy: one sorted pass each instead of an insert per row.
    op.create_index(op.f("ix_play_rows_started_at"), "play_rows", ["started_at"])
    op.create_index(op.f("ix_play_rows_user_ref_started_at"), "play_rows", ["user_ref", "started_at"])
    op.create_index(op.f("ix_play_rows_item_ref_started_at"), "play_rows", ["item_ref", "started_at"])
    op.create_index("ix_play_rows_open", "play_rows", ["stopped_at"], sqlite_where=sa.text("stopped_at IS NULL"))
    for statement in (_VIEW, _INSERT_TRIGGER, _DELETE_TRIGGER):
        op.execute(statement)
    _create_library_version()


def _create_library_version() -> None:
    """The library's data version, bumped by trigger on every write to items or libraries."""
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    for table in ("items", "libraries"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} BEGIN "  # noqa: S608
                "INSERT INTO data_versions (name, version) VALUES ('library', 1) "
                "ON CONFLICT (name) DO UPDATE SET version = version + 1; END"
            )


def downgrade() -> None:
    # Imported plays no longer keep their Playback Reporting key: 0002's import would add them all again.
    raise NotImplementedError("revision 0003 cannot be undone; restore a backup taken before upgrading")
