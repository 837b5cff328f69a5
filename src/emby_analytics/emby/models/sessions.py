"""Sessions (GET /Sessions): who is connected, what they play, and how (PlayState, TranscodingInfo)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from emby_analytics.emby.models.base import (
    EmbyId,
    EmbyModel,
    ModelList,
    OptBool,
    OptDateTime,
    OptEmbyId,
    OptFloat,
    OptInt,
    OptStr,
    StrList,
)
from emby_analytics.emby.models.items import TICKS_PER_SECOND, BaseItem
from emby_analytics.emby.records import parse_records


class PlayState(EmbyModel):
    """PlayerStateInfo. An idle session's PlayState has no PositionTicks, MediaSourceId or PlayMethod."""

    position_ticks: OptInt = None
    can_seek: OptBool = None
    is_paused: OptBool = None
    is_muted: OptBool = None
    volume_level: OptInt = None
    audio_stream_index: OptInt = None
    subtitle_stream_index: OptInt = None
    media_source_id: OptStr = None
    play_method: OptStr = None
    repeat_mode: OptStr = None
    subtitle_offset: OptInt = None
    playback_rate: OptFloat = None
    shuffle: OptBool = None


class TranscodingInfo(EmbyModel):
    """Present only while the server transcodes (a Transcode PlayMethod can still come without it)."""

    audio_codec: OptStr = None
    video_codec: OptStr = None
    sub_protocol: OptStr = None
    container: OptStr = None
    is_video_direct: OptBool = None
    is_audio_direct: OptBool = None
    bitrate: OptInt = None
    audio_bitrate: OptInt = None
    video_bitrate: OptInt = None
    framerate: OptFloat = None
    completion_percentage: OptFloat = None
    transcoding_position_ticks: OptFloat = None
    transcoding_start_position_ticks: OptFloat = None
    width: OptInt = None
    height: OptInt = None
    audio_channels: OptInt = None
    transcode_reasons: StrList = Field(default_factory=list)
    current_cpu_usage: OptFloat = None
    average_cpu_usage: OptFloat = None
    current_throttle: OptInt = None
    video_decoder: OptStr = None
    video_decoder_is_hardware: OptBool = None
    video_decoder_hw_accel: OptStr = None
    video_encoder: OptStr = None
    video_encoder_is_hardware: OptBool = None
    video_encoder_hw_accel: OptStr = None


class SessionUser(EmbyModel):
    """An entry of AdditionalUsers."""

    user_id: OptEmbyId = None
    user_name: OptStr = None


class SessionInfo(EmbyModel):
    """One Emby session. GET /Sessions includes idle ones: `now_playing_item` is None for those."""

    id: EmbyId
    server_id: OptStr = None
    user_id: OptEmbyId = None
    user_name: OptStr = None
    user_primary_image_tag: OptStr = None
    additional_users: ModelList[SessionUser] = Field(default_factory=list)
    client: OptStr = None
    device_name: OptStr = None
    device_id: OptStr = None
    device_type: OptStr = None
    internal_device_id: OptInt = None
    application_version: OptStr = None
    app_icon_url: OptStr = None
    remote_end_point: OptStr = None
    protocol: OptStr = None
    last_activity_date: OptDateTime = None
    playable_media_types: StrList = Field(default_factory=list)
    supported_commands: StrList = Field(default_factory=list)
    supports_remote_control: OptBool = None
    playlist_index: OptInt = None
    playlist_length: OptInt = None
    playlist_item_id: OptStr = None
    play_state: PlayState = Field(default_factory=PlayState)
    now_playing_item: BaseItem | None = None
    transcoding_info: TranscodingInfo | None = None

    @property
    def is_playing(self) -> bool:
        """True when something is loaded (playing or paused)."""
        return self.now_playing_item is not None

    @property
    def is_transcoding(self) -> bool:
        return self.transcoding_info is not None or (self.play_state.play_method or "") == "Transcode"

    @property
    def position_seconds(self) -> float | None:
        ticks = self.play_state.position_ticks
        return ticks / TICKS_PER_SECOND if ticks is not None and ticks >= 0 else None


class SessionsSnapshot(EmbyModel):
    """The valid sessions of one GET /Sessions answer, and how many records were skipped as invalid."""

    sessions: ModelList[SessionInfo] = Field(default_factory=list)
    skipped: int = 0

    @property
    def playing(self) -> list[SessionInfo]:
        """Sessions with a NowPlayingItem (GET /Sessions also lists idle ones)."""
        return [s for s in self.sessions if s.is_playing]

    @classmethod
    def from_payload(cls, payload: Any) -> SessionsSnapshot:
        """Parse a bare SessionInfo array (also the Data of a websocket "Sessions" frame)."""
        sessions, skipped = parse_records(payload, SessionInfo, "session")
        return cls(sessions=sessions, skipped=skipped)
