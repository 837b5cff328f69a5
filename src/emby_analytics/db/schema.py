"""The database schema as SQLAlchemy Core tables. Alembic migrations create exactly this (a test compares them).

Times are stored as UTC. Strings that come from Emby are capped in length before they are stored (see `sync`),
so a hostile 10 KB name cannot bloat the database. Plays, the one table that grows with use, are stored compactly
(see "plays" below: times as integer microseconds, ids as integers or bytes, shared descriptions interned) and read
through the view `plays`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.engine import Dialect

# Stable constraint names so migrations on SQLite and PostgreSQL agree.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


# Emby strings are data from other people: capped so a hostile 10 KB name cannot bloat the database.
NAME_MAX = 512
PATH_MAX = 2048


def cap(value: str | None, limit: int = NAME_MAX) -> str | None:
    return None if value is None else value[:limit]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(value: datetime) -> int:
    """An aware datetime as integer microseconds since 1970 UTC (exact: a datetime holds microseconds)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use aware UTC datetimes")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class UTCMicros(TypeDecorator[datetime]):
    """Aware UTC datetimes stored as integer microseconds since 1970: 8 bytes instead of 26 characters of text,
    exact, and ordered as the times are. SQL sees numbers (`ended_at - started_at` is microseconds)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(value)


_HEX = re.compile(r"[0-9a-f]+")
_SIGN = 1 << 63


def encode_id(value: str) -> int | bytes | str:
    """An id as stored: 16 lowercase hex digits (the ids the service makes) as a signed 64-bit integer, other
    lowercase hex of even length up to 64 digits (older play ids, Emby session ids) as bytes, anything else as it
    is. Reversible, and order-keeping within each kind."""
    if _HEX.fullmatch(value):
        if len(value) == 16:
            return int(value, 16) - _SIGN
        if len(value) % 2 == 0 and len(value) <= 64:
            return bytes.fromhex(value)
    return value


def decode_id(value: int | bytes | str) -> str:
    if isinstance(value, int):
        return f"{value + _SIGN:016x}"
    if isinstance(value, bytes):
        return value.hex()
    return value


class CompactId(TypeDecorator[str]):
    """A text id stored by `encode_id` (8 or 16 bytes instead of 32 characters), read back as the same text.
    The column has no text affinity, so SQLite keeps integers and bytes as they are."""

    impl = LargeBinary
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return lambda value: None if value is None else encode_id(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return lambda value: None if value is None else decode_id(value)


users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(512), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_disabled", Boolean, nullable=False, default=False),
    Column("is_hidden", Boolean, nullable=False, default=False),
    Column("has_image", Boolean, nullable=False, default=False),
    Column("date_created", UTCDateTime()),
    Column("last_login_at", UTCDateTime()),
    Column("last_activity_at", UTCDateTime()),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime()),
)

libraries = Table(
    "libraries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(512), nullable=False),
    Column("collection_type", String(64)),
    Column("locations", Text, nullable=False, default="[]"),  # JSON array of paths
    Column("updated_at", UTCDateTime(), nullable=False),  # when a sync last found it changed
    Column("removed_at", UTCDateTime()),
)

items = Table(
    "items",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("name", String(512), nullable=False),
    Column("original_title", String(512)),
    Column("sort_name", String(512)),
    Column("media_type", String(32)),
    Column("library_id", String(64), ForeignKey("libraries.id")),
    Column("parent_id", String(64)),
    Column("series_id", String(64)),
    Column("series_name", String(512)),
    Column("season_id", String(64)),
    Column("season_number", Integer),
    Column("episode_number", Integer),
    Column("episode_number_end", Integer),
    Column("production_year", Integer),
    Column("premiere_date", UTCDateTime()),
    Column("date_created", UTCDateTime()),
    Column("location_type", String(32)),
    Column("is_placeholder", Boolean, nullable=False, default=False),
    Column("container", String(64)),
    Column("size_bytes", BigInteger),
    Column("bitrate", BigInteger),
    Column("runtime_ticks", BigInteger),
    Column("width", Integer),
    Column("height", Integer),
    Column("video_codec", String(32)),
    Column("video_profile", String(64)),
    Column("video_bit_depth", Integer),
    Column("video_range", String(32)),
    Column("video_hdr", String(32)),  # ExtendedVideoType: None, Hdr10, Hdr10Plus, DolbyVision, HyperLogGamma
    Column("frame_rate", Float),
    Column("audio_codec", String(32)),
    Column("audio_channels", Integer),
    Column("audio_layout", String(64)),
    Column("audio_languages", String(512)),  # comma-separated, sorted
    Column("subtitle_languages", String(512)),  # comma-separated, sorted
    Column("genres", Text),  # JSON array
    Column("provider_ids", Text),  # JSON object with lower-case keys
    Column("path", String(2048)),
    Column("primary_image_tag", String(64)),
    Column("backdrop_image_tag", String(64)),
    Column("series_primary_image_tag", String(64)),
    Column("first_seen_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime()),
    Column("seen_run", Integer),  # the last full sync run that saw this item; unseen ones are marked removed
    Index(None, "type", "removed_at"),
    Index(None, "series_id"),
    Index(None, "season_id"),
    Index(None, "library_id"),
    Index(None, "video_codec"),
    Index(None, "height"),
    # Placeholder (missing and unaired) episodes are a few per series: library health lists them per series.
    Index("ix_items_placeholders", "series_id", sqlite_where=text("is_placeholder = 1")),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # full | incremental | users
    Column("status", String(16), nullable=False),  # running | done | failed | interrupted
    Column("phase", String(64), nullable=False, default=""),
    Column("processed", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("emby_calls", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("watermark", UTCDateTime()),  # incremental syncs ask Emby for items saved since this
    Column("resume_library", String(64)),  # where an interrupted full sync picks up
    Column("resume_index", Integer, nullable=False, default=0),
    Column("error", String(1024)),
    Index(None, "kind", "id"),
)

# -- plays ---------------------------------------------------------------------------------------------------------
# A play is stored in `play_rows` (one small row: times, positions, seconds, flags) that points at four interned
# descriptions it shares with other plays: who (`play_users`), what (`play_items`: the item as it was when played),
# on which device (`play_clients`) and how it was delivered (`play_streams`). Each distinct description is stored
# once, so a play costs ~100 bytes instead of ~450. The view `plays` joins them back into the one row per play that
# readers use (`plays` below); writers intern through `db.plays`. Items, clients and deliveries are kept as they
# were at the time of the play (renaming an item in Emby does not rewrite history); a user is one row per user id,
# named as Emby named them last, so a user's plays are found through one ref and the (user_ref, started_at) index
# serves them newest first.

play_users = Table(
    "play_users",
    metadata,
    Column("ref", Integer, primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("user_name", String(512)),  # the name seen last
    Index(None, "user_id", unique=True),
)

play_items = Table(
    "play_items",
    metadata,
    Column("ref", Integer, primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("item_type", String(64)),
    Column("item_name", String(512)),
    Column("series_id", String(64)),
    Column("series_name", String(512)),
    Column("season_number", Integer),
    Column("episode_number", Integer),
    Column("runtime_ticks", BigInteger),
    Column("live_tv", Boolean, nullable=False),
    Index(None, "item_id"),
    Index(None, "series_id"),  # a series' history: its episodes' refs (on the small table, ~1 byte per play)
)

play_clients = Table(
    "play_clients",
    metadata,
    Column("ref", Integer, primary_key=True),
    Column("client", String(128)),
    Column("device_name", String(256)),
    Column("device_id", String(256)),
    Column("application_version", String(64)),
    Column("remote_address", String(64)),
    Index(None, "device_id"),
    Index(None, "client", "device_name"),  # the rollups count per client and device (`rollups.fold`)
)

play_streams = Table(
    "play_streams",
    metadata,
    Column("ref", Integer, primary_key=True),
    Column("play_method", String(16)),
    Column("video_method", String(16)),
    Column("audio_method", String(16)),
    Column("subtitle_method", String(16)),
    Column("video_codec_from", String(32)),
    Column("video_codec_to", String(32)),
    Column("audio_codec_from", String(32)),
    Column("audio_codec_to", String(32)),
    Column("transcode_reasons", String(512)),  # space-separated, sorted
    # The rollups count per method and per delivery (`rollups.fold`): found by these columns.
    Index(None, "play_method", "video_method", "audio_method", "transcode_reasons"),
)

# Codes of `play_rows.source` and `play_rows.end_reason` (the view spells them out).
SOURCES = ("live", "webhook", "import")
END_REASONS = ("stopped", "ended", "item_change", "disappeared", "gone", "event_stop")

play_rows = Table(
    "play_rows",
    metadata,
    Column("id", CompactId, primary_key=True),
    Column("view_id", CompactId),  # null: the play is its own viewing (rule 11: resumes share an earlier id)
    Column("source", SmallInteger, nullable=False),  # index into SOURCES
    Column("session_id", CompactId),
    Column("user_ref", Integer, ForeignKey("play_users.ref"), nullable=False),
    Column("item_ref", Integer, ForeignKey("play_items.ref"), nullable=False),
    Column("client_ref", Integer, ForeignKey("play_clients.ref"), nullable=False),
    Column("stream_ref", Integer, ForeignKey("play_streams.ref"), nullable=False),
    Column("started_at", UTCMicros, nullable=False),
    Column("stopped_at", UTCMicros),  # null while the play is open
    Column("last_seen_at", UTCMicros),  # null: the same as stopped_at
    Column("last_position_ticks", BigInteger),
    Column("max_position_ticks", BigInteger),  # null: the same as last_position_ticks
    Column("watch_seconds", Float, nullable=False),
    Column("content_seconds", Float, nullable=False),
    # null: the wall span minus the watch time (what the tracker reports); set when it says otherwise (imports)
    Column("paused_seconds", Float),
    Column("completed", Boolean, nullable=False),
    Column("short", Boolean, nullable=False),
    Column("is_paused", Boolean, nullable=False),
    Column("bitrate", BigInteger),
    Column("end_reason", SmallInteger),  # index into END_REASONS
    # While open, what the tracker needs to continue after a restart beyond the columns (its cursor, JSON).
    Column("tracker_state", Text),
    # Rollup bookkeeping (see "rollups" below): the play's time is in the rollups; on a viewing's first play,
    # the viewing has been counted. Both start false; only the rollup folder sets them.
    Column("folded", Boolean, nullable=False, server_default=text("0")),
    Column("view_counted", Boolean, nullable=False, server_default=text("0")),
    # The play's first segment, kept in its row (most plays have one segment, and a segment row costs ~45 bytes):
    # its start and end as microseconds after started_at, its positions (null end: last_position_ticks). Null
    # when the play has no first segment here (none yet, or an import's, which is implied: see `segment_rows`).
    Column("first_start_micros", BigInteger),
    Column("first_end_micros", BigInteger),
    Column("first_position_start_ticks", BigInteger),
    Column("first_position_end_ticks", BigInteger),
    Index(None, "started_at"),
    Index(None, "user_ref", "started_at"),
    # An item's (a series', a title search's) plays newest first without a scan (~25 bytes per play).
    Index(None, "item_ref", "started_at"),
    # Only open plays are looked up by stopped_at (at start-up): index just those.
    Index("ix_play_rows_open", "stopped_at", sqlite_where=text("stopped_at IS NULL")),
    # The plays not yet in the rollups (open ones, and those closed since the last fold): a handful.
    Index("ix_play_rows_unfolded", "started_at", sqlite_where=text("folded = 0")),
    sqlite_with_rowid=False,  # the id is the key: no rowid, and no second index of the ids
)
# Columns a play's writers leave to their defaults (the rollup folder owns them).
ROLLUP_BOOKKEEPING = ("folded", "view_counted")
FIRST_SEGMENT_COLUMNS = (
    "first_start_micros",
    "first_end_micros",
    "first_position_start_ticks",
    "first_position_end_ticks",
)

# A play's watched stretches after its first (`play_rows.first_*` holds that one). An imported play stores none: its
# one segment is [started_at, started_at + watch) with no positions (`sync.history`), which its row says already.
# The view `segments` (below) reads all of them as rows.
segment_rows = Table(
    "segment_rows",
    metadata,
    Column("play_id", CompactId, ForeignKey("play_rows.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("started_at", UTCMicros, nullable=False),
    Column("ended_at", UTCMicros, nullable=False),
    Column("position_start_ticks", BigInteger),
    Column("position_end_ticks", BigInteger),
    sqlite_with_rowid=False,  # a play's segments sit together, keyed by (play, seq)
)

# The view readers use: one row per play with every fact spelled out, as the `plays` table of revision 0002 was.
views = MetaData()

plays = Table(
    "plays",
    views,
    Column("id", CompactId, primary_key=True),
    Column("view_id", CompactId, nullable=False),
    Column("source", String(16), nullable=False),  # live | webhook | import
    Column("session_id", CompactId),
    Column("user_id", String(64), nullable=False),
    Column("user_name", String(512)),
    Column("item_id", String(64), nullable=False),
    Column("item_type", String(64)),
    Column("item_name", String(512)),
    Column("series_id", String(64)),
    Column("series_name", String(512)),
    Column("season_number", Integer),
    Column("episode_number", Integer),
    Column("client", String(128)),
    Column("device_name", String(256)),
    Column("device_id", String(256)),
    Column("remote_address", String(64)),
    Column("application_version", String(64)),
    Column("started_at", UTCMicros, nullable=False),
    Column("stopped_at", UTCMicros),
    Column("last_seen_at", UTCMicros, nullable=False),
    Column("last_position_ticks", BigInteger),
    Column("max_position_ticks", BigInteger),
    Column("runtime_ticks", BigInteger),
    Column("watch_seconds", Float, nullable=False, default=0.0),
    Column("content_seconds", Float, nullable=False, default=0.0),
    Column("paused_seconds", Float, nullable=False, default=0.0),
    Column("completed", Boolean, nullable=False, default=False),
    Column("short", Boolean, nullable=False, default=False),
    Column("live_tv", Boolean, nullable=False, default=False),
    Column("is_paused", Boolean, nullable=False, default=False),
    Column("play_method", String(16)),
    Column("video_method", String(16)),
    Column("audio_method", String(16)),
    Column("subtitle_method", String(16)),
    Column("video_codec_from", String(32)),
    Column("video_codec_to", String(32)),
    Column("audio_codec_from", String(32)),
    Column("audio_codec_to", String(32)),
    Column("transcode_reasons", String(512)),
    Column("bitrate", BigInteger),
    Column("end_reason", String(32)),
    Column("tracker_state", Text),
)

# Every segment: each play's first (from its row) and the rest (from `segment_rows`).
segments = Table(
    "segments",
    views,
    Column("play_id", CompactId, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("started_at", UTCMicros, nullable=False),
    Column("ended_at", UTCMicros, nullable=False),
    Column("position_start_ticks", BigInteger),
    Column("position_end_ticks", BigInteger),
)


@dataclass(frozen=True)
class FirstSegmentSql:
    """A play's first segment as its row holds it (stored in `first_*`, or implied by an import), as SQL over
    `play_rows` named `rows`: whether it has one, and its start, end and positions. A correlated subquery must use
    this beside `segment_rows` rather than the view: SQLite does not push the play's id into the view's UNION ALL,
    and would build the whole view for it."""

    present: str
    start: str
    end: str
    position_start: str
    position_end: str


def first_segment_sql(rows: str) -> FirstSegmentSql:
    stored = f"{rows}.first_end_micros IS NOT NULL"
    implied = f"{rows}.source = {SOURCES.index('import')} AND {rows}.watch_seconds > 0"
    return FirstSegmentSql(
        present=f"({stored} OR ({implied}))",
        start=f"{rows}.started_at + coalesce({rows}.first_start_micros, 0)",
        end=f"{rows}.started_at + coalesce({rows}.first_end_micros, "
        f"CAST(round({rows}.watch_seconds * 1000000) AS INTEGER))",
        position_start=f"{rows}.first_position_start_ticks",
        position_end=f"CASE WHEN {stored} THEN coalesce({rows}.first_position_end_ticks, "
        f"{rows}.last_position_ticks) END",
    )


def watched_micros_sql(rows: str) -> str:
    """A play's watch time in microseconds (the sum of its segments) as a correlated SQL expression over
    `play_rows` named `rows`: its first segment (in its row) and its stored segments; 0 when it has none."""
    first = first_segment_sql(rows)
    return (
        f"CASE WHEN {first.present} THEN {first.end} - ({first.start}) ELSE 0 END + coalesce("  # noqa: S608
        f"(SELECT SUM(s.ended_at - s.started_at) FROM segment_rows s WHERE s.play_id = {rows}.id), 0)"
    )


def _segments_view_sql() -> str:
    first = first_segment_sql("p")
    columns = "play_id, seq, started_at, ended_at, position_start_ticks, position_end_ticks"
    return (
        f"CREATE VIEW segments AS SELECT {columns} FROM segment_rows UNION ALL SELECT p.id, 0, {first.start}, "  # noqa: S608
        f"{first.end}, {first.position_start}, {first.position_end} FROM play_rows p WHERE {first.present}"
    )


SEGMENTS_VIEW = _segments_view_sql()


def _spelled(column: str, names: tuple[str, ...]) -> str:
    return "CASE " + column + "".join(f" WHEN {i} THEN '{name}'" for i, name in enumerate(names)) + " END"


def _coded(value: str, names: tuple[str, ...], what: str) -> str:
    cases = "".join(f" WHEN '{name}' THEN {i}" for i, name in enumerate(names))
    return f"CASE WHEN {value} IS NULL THEN NULL ELSE CASE {value}{cases} ELSE RAISE(ABORT, 'unknown {what}') END END"


# What the tracker reports as paused time: the wall span minus the watch time (`Play.paused_seconds`).
_DERIVED_PAUSE = "max(0.0, (coalesce({stopped}, {seen}) - {started}) / 1000000.0 - {watch})"
_DIMENSIONS = (
    (play_users, "user_ref", "u"),
    (play_items, "item_ref", "i"),
    (play_clients, "client_ref", "c"),
    (play_streams, "stream_ref", "s"),
)


def _dimension_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name != "ref"]


def _view_sql() -> str:
    spelled = {
        "id": "p.id",
        "view_id": "coalesce(p.view_id, p.id)",
        "source": _spelled("p.source", SOURCES),
        "last_seen_at": "coalesce(p.last_seen_at, p.stopped_at)",
        "max_position_ticks": "coalesce(p.max_position_ticks, p.last_position_ticks)",
        "paused_seconds": "coalesce(p.paused_seconds, "
        + _DERIVED_PAUSE.format(
            stopped="p.stopped_at", seen="p.last_seen_at", started="p.started_at", watch="p.watch_seconds"
        )
        + ")",
        "end_reason": _spelled("p.end_reason", END_REASONS),
    }
    for table, _ref, alias in _DIMENSIONS:
        spelled.update({name: f"{alias}.{name}" for name in _dimension_columns(table)})
    selected = ", ".join(f"{spelled.get(c.name, 'p.' + c.name)} AS {c.name}" for c in plays.columns)
    joins = " ".join(f"JOIN {t.name} {a} ON {a}.ref = p.{ref}" for t, ref, a in _DIMENSIONS)
    return f"CREATE VIEW plays AS SELECT {selected} FROM play_rows p {joins}"  # noqa: S608 - names of our tables


def _insert_trigger_sql() -> str:
    """`INSERT INTO plays` stores the row the way `db.plays` does (tests and tools insert plays this way)."""
    statements: list[str] = []
    refs: dict[str, str] = {}
    statements.append(
        "INSERT INTO play_users (user_id, user_name) VALUES (NEW.user_id, NEW.user_name) ON CONFLICT (user_id) "
        "DO UPDATE SET user_name = coalesce(excluded.user_name, play_users.user_name)"
    )
    refs["user_ref"] = "(SELECT ref FROM play_users WHERE user_id = NEW.user_id)"
    for table, ref, _alias in _DIMENSIONS[1:]:
        names = _dimension_columns(table)
        given = [("coalesce(NEW.live_tv, 0)" if n == "live_tv" else f"NEW.{n}") for n in names]
        same = " AND ".join(f"{n} IS {v}" for n, v in zip(names, given, strict=True))
        statements.append(
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(given)} "  # noqa: S608 - our names
            f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} WHERE {same})"
        )
        refs[ref] = f"(SELECT ref FROM {table.name} WHERE {same} ORDER BY ref LIMIT 1)"  # noqa: S608 - our names
    seen = "coalesce(NEW.last_seen_at, NEW.stopped_at, NEW.started_at)"
    derived = _DERIVED_PAUSE.format(
        stopped="NEW.stopped_at", seen=seen, started="NEW.started_at", watch="coalesce(NEW.watch_seconds, 0.0)"
    )
    values = {
        "id": "NEW.id",
        "view_id": "nullif(NEW.view_id, NEW.id)",
        "source": _coded("NEW.source", SOURCES, "source"),
        "session_id": "NEW.session_id",
        **refs,
        "started_at": "NEW.started_at",
        "stopped_at": "NEW.stopped_at",
        "last_seen_at": f"nullif({seen}, NEW.stopped_at)",
        "last_position_ticks": "NEW.last_position_ticks",
        "max_position_ticks": "nullif(NEW.max_position_ticks, NEW.last_position_ticks)",
        "watch_seconds": "coalesce(NEW.watch_seconds, 0.0)",
        "content_seconds": "coalesce(NEW.content_seconds, 0.0)",
        "paused_seconds": f"CASE WHEN NEW.paused_seconds IS NULL OR NEW.paused_seconds = {derived} "
        "THEN NULL ELSE NEW.paused_seconds END",
        "completed": "coalesce(NEW.completed, 0)",
        "short": "coalesce(NEW.short, 0)",
        "is_paused": "coalesce(NEW.is_paused, 0)",
        "bitrate": "NEW.bitrate",
        "end_reason": _coded("NEW.end_reason", END_REASONS, "end_reason"),
        "tracker_state": "NEW.tracker_state",
    }
    # Left null: a play inserted this way gets its first segment as a segment row (`segment_rows`, seq 0).
    columns = [c.name for c in play_rows.columns if c.name not in (*ROLLUP_BOOKKEEPING, *FIRST_SEGMENT_COLUMNS)]
    listed = ", ".join(values[c] for c in columns)
    statements.append(f"INSERT INTO play_rows ({', '.join(columns)}) VALUES ({listed})")  # noqa: S608 - our names
    return "CREATE TRIGGER plays_insert INSTEAD OF INSERT ON plays BEGIN " + "; ".join(statements) + "; END"


# Created with the tables (a new database) and by migration 0003, which keeps its own copy of this SQL (and 0005
# of the segments view's).
PLAYS_VIEW = (
    _view_sql(),
    _insert_trigger_sql(),
    "CREATE TRIGGER plays_delete INSTEAD OF DELETE ON plays BEGIN DELETE FROM play_rows WHERE id = OLD.id; END",
)
for _statement in (*PLAYS_VIEW, SEGMENTS_VIEW):
    event.listen(metadata, "after_create", DDL(_statement))  # type: ignore[no-untyped-call]
for _view in ("plays", "segments"):
    event.listen(metadata, "before_drop", DDL(f"DROP VIEW IF EXISTS {_view}"))  # type: ignore[no-untyped-call]

# -- rollups -------------------------------------------------------------------------------------------------------
# Watch time and viewings of closed plays, summed per local day (`day`: the date's proleptic ordinal in TZ) so a
# statistic over any window of whole days reads a few rows per day instead of every segment. Maintained by
# `rollups.fold` from the plays (each play once: `play_rows.folded`); a statistic adds the plays not yet folded
# from their segments. Time is integer microseconds, so sums are exact in any order. `rollup_state` remembers the
# time zone the days were cut in (a new TZ refolds everything) and counts folds (a cache key for readers).

rollup_state = Table(
    "rollup_state",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("zone", String(64), nullable=False),
    Column("generation", Integer, nullable=False),
)

rollup_user_days = Table(
    "rollup_user_days",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("user_ref", Integer, primary_key=True),
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),  # viewings whose first play began that day
    sqlite_with_rowid=False,
)

rollup_item_days = Table(
    "rollup_item_days",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("item_ref", Integer, primary_key=True),  # play_items: the item as played (Live TV is left out)
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# The same for all time, so "all time" reads one row per user or item instead of every day's.
rollup_user_totals = Table(
    "rollup_user_totals",
    metadata,
    Column("user_ref", Integer, primary_key=True),
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),
    sqlite_with_rowid=False,
)

rollup_user_hours = Table(
    "rollup_user_hours",
    metadata,
    Column("user_ref", Integer, primary_key=True),
    Column("hour", SmallInteger, primary_key=True),  # local hour, 0-23
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# One user's all time per item as played and per client (a user's page), so the page of a user with 200,000 plays
# reads a row per item they played (~60,000) instead of walking every play and its segments. Live TV included (the
# page leaves it out of items, not of devices); `views`: viewings whose first play was of this item or client.
rollup_user_items = Table(
    "rollup_user_items",
    metadata,
    Column("user_ref", Integer, primary_key=True),
    Column("item_ref", Integer, primary_key=True),  # play_items: the item as played
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),
    sqlite_with_rowid=False,
)

rollup_user_clients = Table(
    "rollup_user_clients",
    metadata,
    Column("user_ref", Integer, primary_key=True),
    Column("client_ref", Integer, primary_key=True),  # the least play_clients.ref with this client and device
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),
    Column("ended", BigInteger, nullable=False),  # the latest end of a play (microseconds since 1970 UTC)
    sqlite_with_rowid=False,
)

rollup_item_totals = Table(
    "rollup_item_totals",
    metadata,
    Column("item_id", String(64), primary_key=True),  # one row per item, whatever it was called when played
    Column("item_type", String(64)),  # as last played
    Column("series_id", String(64)),
    Column("micros", BigInteger, nullable=False),
    Column("views", Integer, nullable=False),
    sqlite_with_rowid=False,
)

rollup_hours = Table(
    "rollup_hours",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("hour", SmallInteger, primary_key=True),  # local hour, 0-23
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# Per client and device (what `/stats/clients` shows) and per delivery (what `/stats/play-methods` shows), not per
# interned description: those also differ by address, app version and codecs, and would make a row per play.
# Each is keyed by the first interned row that describes it (the least `ref` with the same values), so a day has
# a row per device and method that played.
rollup_client_days = Table(
    "rollup_client_days",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("client_ref", Integer, primary_key=True),  # the least play_clients.ref with this client and device
    Column("method_ref", Integer, primary_key=True),  # the least play_streams.ref with this play method
    Column("live_tv", Boolean, primary_key=True),
    Column("micros", BigInteger, nullable=False),
    Column("plays", Integer, nullable=False),  # plays begun that day, short ones not
    sqlite_with_rowid=False,
)

rollup_delivery_days = Table(
    "rollup_delivery_days",
    metadata,
    Column("day", Integer, primary_key=True),
    # the least play_streams.ref with this play method, video and audio decision and transcode reasons
    Column("stream_ref", Integer, primary_key=True),
    Column("plays", Integer, nullable=False),  # plays begun that day, short ones not (Live TV too)
    sqlite_with_rowid=False,
)

# Transcodes (`/stats/transcodes/fix-list`, `/stats/transcodes/by-client`) for all time: one row per fix-list group
# (item, client app, transcode reasons) of every transcoded play (Live TV left out, short ones in), so an all-time
# page ranks ~300,000 rows at tier L instead of grouping ~900,000 plays. A window of days reads its plays instead:
# kept per day, these rows would not aggregate (a file rarely transcodes twice a day on one client: ~0.96 rows a
# transcoded play, 25 bytes a play), and reading a window's rows costs about what reading its plays does.
# `item_ref`: the least play_items.ref with this item id; `client_ref`: the least play_clients.ref with this client
# app; `stream_ref`: the least ref of a transcoded delivery with these transcode reasons.
rollup_transcode_totals = Table(
    "rollup_transcode_totals",
    metadata,
    Column("item_ref", Integer, primary_key=True),
    Column("client_ref", Integer, primary_key=True),
    Column("stream_ref", Integer, primary_key=True),
    Column("plays", Integer, nullable=False),
    Column("micros", BigInteger, nullable=False),  # the plays' whole watch time (watch_seconds, in microseconds)
    Column("last", BigInteger, nullable=False),  # the latest end of those plays (microseconds since 1970 UTC)
    sqlite_with_rowid=False,
)

# The users of each group above ("users affected" cannot be summed across rows): ~2 a group at tier L.
rollup_transcode_users = Table(
    "rollup_transcode_users",
    metadata,
    Column("item_ref", Integer, primary_key=True),
    Column("client_ref", Integer, primary_key=True),
    Column("stream_ref", Integer, primary_key=True),
    Column("user_ref", Integer, primary_key=True),
    sqlite_with_rowid=False,
)

# Every play begun that day (Live TV left out, short ones in) per client app: the share of transcodes per client
# for all time. `client_ref`: the least play_clients.ref with this client app.
rollup_client_app_days = Table(
    "rollup_client_app_days",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("client_ref", Integer, primary_key=True),
    Column("plays", Integer, nullable=False),
    sqlite_with_rowid=False,
)

rollup_peaks = Table(
    "rollup_peaks",
    metadata,
    Column("day", Integer, primary_key=True),
    # Most plays open at once that day, counted when a play of that day was last folded (a day an unfolded play
    # touches is counted afresh by the reader).
    Column("peak", Integer, nullable=False),
    Column("at", UTCMicros),  # when that peak was first reached
)

# One row per local day (`day`: the date's proleptic ordinal in TZ, as the rollups cut days): the library as it
# stood when the snapshot job last looked that day (`stats.growth`), so its growth can be charted and forecast.
library_snapshots = Table(
    "library_snapshots",
    metadata,
    Column("day", Integer, primary_key=True),
    Column("taken_at", UTCDateTime(), nullable=False),
    Column("items", Integer, nullable=False),  # in the library: not removed, not placeholders
    Column("size_bytes", BigInteger, nullable=False),
    Column("by_type", Text, nullable=False),  # JSON {type: {"items": n, "size_bytes": n}}
    Column("by_quality", Text, nullable=False),  # JSON {quality: n}, video items only
)

# Answers computed from the library alone and kept between restarts (`stats.library_answers`), each beside the
# library's data version it was computed at: one whose version is no longer the library's is never used.
library_answers = Table(
    "library_answers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),  # its key (release, month), a NUL, then zlib-compressed JSON
)

webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("key", String(128), primary_key=True),  # same delivery twice (Emby retries) = same key
    Column("event", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Index(None, "event"),
)

# The library's data version: every write to `items` or `libraries` bumps it, by trigger, so every writer (full and
# incremental syncs, the item lookup, another process) is counted by one owner. Answers that read only the library
# are cached under it (`stats.library_cache`; kept in `library_answers` by `stats.library_answers`).
data_versions = Table(
    "data_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
)
LIBRARY_VERSION = "library"
LIBRARY_VERSION_TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_{op.lower()}_version AFTER {op} ON {table} BEGIN "  # noqa: S608 - our names
    f"INSERT INTO data_versions (name, version) VALUES ('{LIBRARY_VERSION}', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = version + 1; END"
    for table in ("items", "libraries")
    for op in ("INSERT", "UPDATE", "DELETE")
)
for _statement in LIBRARY_VERSION_TRIGGERS:
    event.listen(metadata, "after_create", DDL(_statement))  # type: ignore[no-untyped-call]
