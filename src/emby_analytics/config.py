"""Settings: read once from the environment (and an optional `.env`) at the edge, then passed in.

Every field's name is its environment variable (case-insensitive). `docs/configuration.md` and `.env.example`
document each one; a test keeps the three in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

LogLevel = Literal["debug", "info", "warning", "warn", "error"]
AutoCookie = Literal["true", "false", "local"]
ReadAccess = Literal["public", "local", "token"]
MIN_TOKEN_LENGTH = 16


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and what is allowed."""


class Settings(BaseModel):
    """Every setting of the service. Build it with `load_settings()`."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    emby_base_url: str = Field(
        "http://localhost:8096", description="Emby server URL, with or without the /emby prefix."
    )
    emby_api_key: SecretStr = Field(SecretStr(""), description="Emby API key (Dashboard > Advanced > API Keys).")
    emby_external_url: str = Field(
        "", description="Emby URL as browsers reach it, for links in the UI (default: EMBY_BASE_URL)."
    )
    emby_timeout_sec: Annotated[float, Field(gt=0, le=300)] = Field(
        15.0, description="Timeout of one Emby request, in seconds."
    )
    emby_websocket: bool = Field(
        True, description="Listen to Emby's websocket so playback changes are seen at once (polling continues)."
    )
    sqlite_path: Path = Field(Path("/var/lib/emby-analytics/emby.db"), description="SQLite database file.")
    web_path: Path | None = Field(
        None, description="Folder of UI files to serve instead of the UI bundled in the package."
    )
    refresh_interval: Annotated[int, Field(ge=10, le=86_400)] = Field(
        60, description="Seconds between incremental library syncs."
    )
    refresh_chunk_size: Annotated[int, Field(ge=1, le=1000)] = Field(
        100, description="Items requested per Emby page during library sync."
    )
    full_sync_interval_hours: Annotated[int, Field(ge=1, le=720)] = Field(
        24, description="Hours between full library syncs."
    )
    compact_interval_days: Annotated[int, Field(ge=0, le=365)] = Field(
        7,
        description="Days between compactions of the database file (0 = never); each waits until no play is open.",
    )
    backup_dir: Path | None = Field(
        None, description="Folder of database backups (default: backups/ in the data folder)."
    )
    backup_interval_hours: Annotated[int, Field(ge=0, le=8760)] = Field(
        24, description="Hours between scheduled backups of the database (0 = none; POST /admin/backup still works)."
    )
    backup_keep: Annotated[int, Field(ge=1, le=1000)] = Field(
        7, description="Backups kept in the backup folder; older ones are deleted after each backup."
    )
    user_sync_interval: Annotated[int, Field(ge=60, le=86_400)] = Field(900, description="Seconds between user syncs.")
    history_days: Annotated[int, Field(ge=0, le=36_500)] = Field(
        2, description="Days of Playback Reporting history to import (0 = everything)."
    )
    now_poll_sec: Annotated[int, Field(ge=1, le=300)] = Field(
        5, description="Seconds between polls of Emby's /Sessions."
    )
    stall_seconds: Annotated[int, Field(ge=10, le=3600)] = Field(
        60, description="A playing session whose position is frozen this long counts as paused."
    )
    min_play_seconds: Annotated[int, Field(ge=0, le=3600)] = Field(
        30, description="Plays shorter than this are kept and flagged, but not counted as plays."
    )
    completed_percent: Annotated[int, Field(ge=1, le=100)] = Field(
        90, description="A play that reached this share of the runtime marks the item watched."
    )
    resume_window_hours: Annotated[int, Field(ge=0, le=720)] = Field(
        24, description="Resumes of an unfinished item within this many hours count as one play."
    )
    count_live_tv: bool = Field(False, description="Include Live TV in user hours.")
    prevent_4k_video_transcoding: bool = Field(
        False, description="Stop 4K video transcodes, with a message to the viewer (changeable in /admin/guard)."
    )
    image_cache_mb: Annotated[int, Field(ge=1, le=1_048_576)] = Field(
        256, description="Disk space for cached Emby images, in MiB; the least recently used go first."
    )
    stats_cache_mb: Annotated[int, Field(ge=0, le=4096)] = Field(
        32, description="Memory for whole statistics answers kept until the data changes, in MiB; 0 turns it off."
    )
    webhook_token: SecretStr | None = Field(
        None,
        description="Secret in the webhook URL pasted into Emby; generated and stored beside the database when unset.",
    )
    log_level: LogLevel = Field("info", description="Log level: debug, info, warning, error.")
    admin_token: SecretStr | None = Field(
        None, description="Admin token; generated and stored beside the database when unset."
    )
    admin_auto_cookie: AutoCookie | None = Field(
        None,
        description="Give the admin cookie to UI visitors: true, false or local (default: local when generated).",
    )
    read_access: ReadAccess = Field(
        "local",
        description="Who may read statistics: public, local (loopback and private addresses) or token (the admin).",
    )
    trusted_proxies: str = Field(
        "",
        description="Reverse proxies (addresses or networks, comma-separated) whose forwarded client address is "
        "believed.",
    )
    cors_origins: str = Field(
        "", description="Origins (comma-separated) allowed to read the API from a browser page of another site."
    )
    host: str = Field("0.0.0.0", description="Address the HTTP server listens on.")  # noqa: S104
    port: Annotated[int, Field(ge=1, le=65_535)] = Field(8080, description="Port the HTTP server listens on.")
    tz: str = Field("UTC", description="IANA time zone used to bucket days and hours.")

    @field_validator("emby_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host, e.g. http://emby:8096")
        if parts.query or parts.fragment or parts.username:
            raise ValueError("must not carry a query, fragment or credentials")
        return value.strip().rstrip("/")

    @field_validator("emby_api_key", "admin_token", "webhook_token")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(ord(c) < 0x21 or ord(c) == 0x7F for c in value.get_secret_value()):
            raise ValueError("must not contain spaces or control characters")
        return value

    @field_validator("emby_external_url")
    @classmethod
    def _check_external_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("tz")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone name such as UTC or Europe/Berlin") from exc
        return value

    @field_validator("admin_token", "webhook_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(f"must be at least {MIN_TOKEN_LENGTH} characters (unset: one is generated)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for part in _listed(value):
            try:
                ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network such as 172.18.0.0/16") from None
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        for part in _listed(value):
            parts = urlsplit(part)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
                raise ValueError(f"{part!r} is not an origin such as https://dash.example.org")
        return value

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(part, strict=False) for part in _listed(self.trusted_proxies))

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(part.rstrip("/") for part in _listed(self.cors_origins))

    @field_validator("log_level", "admin_auto_cookie", "read_access", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("admin_token", "webhook_token", "admin_auto_cookie", "web_path", "backup_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def data_dir(self) -> Path:
        return self.sqlite_path.parent

    @property
    def image_cache_dir(self) -> Path:
        return self.data_dir / "image-cache"

    @property
    def backup_folder(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def image_cache_bytes(self) -> int:
        return self.image_cache_mb * 1024 * 1024

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def secret_values(self) -> list[str]:
        """Every configured secret, for the log formatter to scrub."""
        values = [self.emby_api_key.get_secret_value()]
        values += [s.get_secret_value() for s in (self.admin_token, self.webhook_token) if s is not None]
        return [v for v in values if v]

    @property
    def external_url(self) -> str:
        return self.emby_external_url or self.emby_base_url


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def setting_names() -> list[str]:
    """The environment variable of every setting, in declaration order."""
    return [name.upper() for name in Settings.model_fields]


def load_settings(env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Build settings from `env` (default: the process environment over `env_file`); raise ConfigError if invalid.

    Passing `env` replaces both the process environment and the file, which keeps tests hermetic.
    """
    source: dict[str, str | None] = {}
    if env is None:
        if env_file is not None and env_file.is_file():
            source.update(dotenv_values(env_file))
        source.update(os.environ)
    else:
        source.update(env)
    names = set(setting_names())
    known = {k.lower(): v for k, v in source.items() if k.upper() in names and v is not None}
    try:
        return Settings.model_validate(known)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = ["invalid configuration:"]
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "literal_error":
            message = "must be one of " + message.removeprefix("Input should be ")
        lines.append(f"  {name}: {message} (got {_shown(name, error.get('input'))})")
    return "\n".join(lines)


def _shown(name: str, value: object) -> str:
    # Never echo a secret back, even an invalid one, nor a password written into a URL.
    if name in ("EMBY_API_KEY", "ADMIN_TOKEN", "WEBHOOK_TOKEN"):
        return "<hidden>"
    if isinstance(value, str) and "@" in value and "://" in value:
        parts = urlsplit(value)
        if parts.username is not None or parts.password is not None:
            return repr(parts._replace(netloc="<credentials hidden>@" + (parts.hostname or "")).geturl())
    return repr(value)
