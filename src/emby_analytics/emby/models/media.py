"""Media streams, media sources and per-user item data: the technical parts of a BaseItemDto."""

from __future__ import annotations

from pydantic import Field

from emby_analytics.emby.models.base import (
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


class MediaStream(EmbyModel):
    """One stream of a file. `type` is Video, Audio, Subtitle, EmbeddedImage, Attachment or Data."""

    index: OptInt = None
    type: OptStr = None
    codec: OptStr = None
    codec_tag: OptStr = None
    profile: OptStr = None
    level: OptFloat = None
    title: OptStr = None
    display_title: OptStr = None
    language: OptStr = None
    display_language: OptStr = None
    is_default: OptBool = None
    is_forced: OptBool = None
    is_hearing_impaired: OptBool = None
    is_external: OptBool = None
    is_text_subtitle_stream: OptBool = None
    subtitle_location_type: OptStr = None
    path: OptStr = None
    # Video
    width: OptInt = None
    height: OptInt = None
    bit_rate: OptInt = None
    bit_depth: OptInt = None
    average_frame_rate: OptFloat = None
    real_frame_rate: OptFloat = None
    aspect_ratio: OptStr = None
    is_interlaced: OptBool = None
    video_range: OptStr = None
    extended_video_type: OptStr = None
    extended_video_sub_type: OptStr = None
    color_transfer: OptStr = None
    color_primaries: OptStr = None
    color_space: OptStr = None
    pixel_format: OptStr = None
    # Audio
    channels: OptInt = None
    channel_layout: OptStr = None
    sample_rate: OptInt = None

    @property
    def is_video(self) -> bool:
        return (self.type or "").lower() == "video"

    @property
    def is_audio(self) -> bool:
        return (self.type or "").lower() == "audio"

    @property
    def is_subtitle(self) -> bool:
        return (self.type or "").lower() == "subtitle"


class MediaSource(EmbyModel):
    """One playable version of an item (MediaSourceInfo). `type` is Default, Grouping or Placeholder."""

    id: OptEmbyId = None
    type: OptStr = None
    protocol: OptStr = None
    path: OptStr = None
    name: OptStr = None
    container: OptStr = None
    size: OptInt = None
    bitrate: OptInt = None
    run_time_ticks: OptInt = None
    is_remote: OptBool = None
    supports_direct_play: OptBool = None
    supports_direct_stream: OptBool = None
    supports_transcoding: OptBool = None
    media_streams: ModelList[MediaStream] = Field(default_factory=list)
    formats: StrList = Field(default_factory=list)
    default_audio_stream_index: OptInt = None
    default_subtitle_stream_index: OptInt = None

    @property
    def is_placeholder(self) -> bool:
        """Unaired or missing episodes carry a Placeholder source with Size 0 and no Path."""
        return (self.type or "").lower() == "placeholder"


class UserItemData(EmbyModel):
    """Per-user state of an item (UserItemDataDto)."""

    playback_position_ticks: OptInt = None
    play_count: OptInt = None
    is_favorite: OptBool = None
    played: OptBool = None
    last_played_date: OptDateTime = None
    played_percentage: OptFloat = None
    unplayed_item_count: OptInt = None
    rating: OptFloat = None
    key: OptStr = None


class NameIdPair(EmbyModel):
    """A GenreItems / Studios / TagItems entry. Emby sends these ids as JSON numbers; kept as text."""

    name: OptStr = None
    id: OptEmbyId = None
