"""Server, users, libraries, counts: SystemInfo, PublicSystemInfo, UserDto, VirtualFolderInfo, ItemCounts."""

from __future__ import annotations

from pydantic import Field

from emby_analytics.emby.models.base import (
    EmbyId,
    EmbyModel,
    OptBool,
    OptDateTime,
    OptEmbyId,
    OptFloat,
    OptInt,
    OptStr,
    StrList,
)


class PublicSystemInfo(EmbyModel):
    """GET /System/Info/Public (no token needed)."""

    id: EmbyId
    server_name: OptStr = None
    version: OptStr = None
    local_address: OptStr = None
    local_addresses: StrList = Field(default_factory=list)
    wan_address: OptStr = None
    remote_addresses: StrList = Field(default_factory=list)


class SystemInfo(PublicSystemInfo):
    """GET /System/Info (the subset we use of its ~25-29 keys)."""

    operating_system: OptStr = None
    operating_system_display_name: OptStr = None
    system_update_level: OptStr = None
    has_pending_restart: OptBool = None
    has_update_available: OptBool = None
    is_shutting_down: OptBool = None
    is_in_maintenance_mode: OptBool = None
    can_self_restart: OptBool = None
    supports_https: OptBool = None
    http_server_port_number: OptInt = None
    https_port_number: OptInt = None
    web_socket_port_number: OptInt = None


class UserPolicy(EmbyModel):
    """The UserPolicy subset reports need (admin, hidden, disabled, allowed to transcode...)."""

    is_administrator: OptBool = None
    is_hidden: OptBool = None
    is_hidden_remotely: OptBool = None
    is_disabled: OptBool = None
    enable_remote_access: OptBool = None
    enable_media_playback: OptBool = None
    enable_audio_playback_transcoding: OptBool = None
    enable_video_playback_transcoding: OptBool = None
    enable_playback_remuxing: OptBool = None
    enable_content_downloading: OptBool = None
    enable_live_tv_access: OptBool = None
    enable_all_folders: OptBool = None
    enabled_folders: StrList = Field(default_factory=list)
    simultaneous_stream_limit: OptInt = None
    remote_client_bitrate_limit: OptInt = None


class User(EmbyModel):
    """UserDto (GET /Users, GET /Users/{id})."""

    id: EmbyId
    name: OptStr = None
    server_id: OptStr = None
    prefix: OptStr = None
    date_created: OptDateTime = None
    last_login_date: OptDateTime = None
    last_activity_date: OptDateTime = None
    has_password: OptBool = None
    has_configured_password: OptBool = None
    primary_image_tag: OptStr = None
    primary_image_aspect_ratio: OptFloat = None
    policy: UserPolicy | None = None

    @property
    def is_administrator(self) -> bool:
        return bool(self.policy and self.policy.is_administrator)

    @property
    def is_disabled(self) -> bool:
        return bool(self.policy and self.policy.is_disabled)

    @property
    def is_hidden(self) -> bool:
        return bool(self.policy and self.policy.is_hidden)


class VirtualFolder(EmbyModel):
    """A library (VirtualFolderInfo, GET /Library/VirtualFolders)."""

    name: OptStr = None
    locations: StrList = Field(default_factory=list)
    collection_type: OptStr = None
    item_id: OptEmbyId = None
    id: OptEmbyId = None
    guid: OptStr = None
    primary_image_item_id: OptEmbyId = None
    refresh_progress: OptFloat = None
    refresh_status: OptStr = None

    @property
    def library_id(self) -> str | None:
        """The library's item id (Emby's JS client maps Id = ItemId; items' ParentId points at it)."""
        return self.item_id or self.id


class ItemCounts(EmbyModel):
    """GET /Items/Counts: 14 integers; unused types are 0."""

    movie_count: int = 0
    series_count: int = 0
    episode_count: int = 0
    game_count: int = 0
    artist_count: int = 0
    program_count: int = 0
    game_system_count: int = 0
    trailer_count: int = 0
    song_count: int = 0
    album_count: int = 0
    music_video_count: int = 0
    box_set_count: int = 0
    book_count: int = 0
    item_count: int = 0
