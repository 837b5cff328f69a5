"""The database schema as SQLAlchemy Core tables. Alembic migrations create exactly this (a test compares them).

Times are stored as UTC. Strings that come from Emby are capped in length before they are stored (see `sync`),
so a hostile 10 KB name cannot bloat the database.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
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
    Column("updated_at", UTCDateTime(), nullable=False),
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

plays = Table(
    "plays",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("view_id", String(32), nullable=False),  # resumes of one viewing share it (watch-time rule 11)
    Column("source", String(16), nullable=False),  # live | webhook | import
    Column("import_key", String(128), unique=True),  # set for imported history: re-imports never duplicate
    Column("session_id", String(64)),
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
    Column("started_at", UTCDateTime(), nullable=False),
    Column("stopped_at", UTCDateTime()),  # null while the play is open
    Column("last_seen_at", UTCDateTime(), nullable=False),
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
    Column("transcode_reasons", String(512)),  # space-separated, sorted
    Column("bitrate", BigInteger),
    Column("end_reason", String(32)),
    Column("tracker_state", Text),  # the tracker's continuation state while open (JSON), so restarts lose nothing
    Index(None, "started_at", "id"),
    Index(None, "user_id", "started_at"),
    Index(None, "item_id", "started_at"),
    # Only open plays are looked up by stopped_at (at start-up): index just those.
    Index(
        "ix_plays_open",
        "stopped_at",
        sqlite_where=text("stopped_at IS NULL"),
        postgresql_where=text("stopped_at IS NULL"),
    ),
)

segments = Table(
    "segments",
    metadata,
    Column("play_id", String(32), ForeignKey("plays.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=False),
    Column("position_start_ticks", BigInteger),
    Column("position_end_ticks", BigInteger),
    Index(None, "started_at"),
)

webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("key", String(128), primary_key=True),  # same delivery twice (Emby retries) = same key
    Column("event", String(64), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Index(None, "event"),
)
