"""Library items (BaseItemDto) and pages of them (QueryResult_BaseItemDto)."""

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
    ProviderIds,
    StrDict,
    StrList,
)
from emby_analytics.emby.models.media import MediaSource, MediaStream, NameIdPair, UserItemData
from emby_analytics.emby.records import parse_records

TICKS_PER_SECOND = 10_000_000
# Item types of Live TV: recorded as plays, kept out of item and library statistics.
LIVE_TV_TYPES = frozenset({"TvChannel", "LiveTv", "Channel", "TvProgram"})


class BaseItem(EmbyModel):
    """The BaseItemDto fields an analytics tool uses. All but `id` are optional; lists default to empty."""

    id: EmbyId
    name: OptStr = None
    original_title: OptStr = None
    sort_name: OptStr = None
    server_id: OptStr = None
    type: OptStr = None
    media_type: OptStr = None
    collection_type: OptStr = None
    is_folder: OptBool = None
    parent_id: OptEmbyId = None
    # Episodes (and seasons)
    series_name: OptStr = None
    series_id: OptEmbyId = None
    season_id: OptEmbyId = None
    season_name: OptStr = None
    parent_index_number: OptInt = None
    index_number: OptInt = None
    index_number_end: OptInt = None
    # Music
    album: OptStr = None
    album_id: OptEmbyId = None
    album_artist: OptStr = None
    artists: StrList = Field(default_factory=list)
    # Live TV
    channel_id: OptEmbyId = None
    channel_name: OptStr = None
    channel_number: OptStr = None
    # Dates and ratings
    production_year: OptInt = None
    premiere_date: OptDateTime = None
    end_date: OptDateTime = None
    date_created: OptDateTime = None
    official_rating: OptStr = None
    community_rating: OptFloat = None
    critic_rating: OptFloat = None
    status: OptStr = None
    overview: OptStr = None
    # File
    run_time_ticks: OptInt = None
    container: OptStr = None
    size: OptInt = None
    bitrate: OptInt = None
    path: OptStr = None
    file_name: OptStr = None
    width: OptInt = None
    height: OptInt = None
    location_type: OptStr = None
    # Metadata
    provider_ids: ProviderIds = Field(default_factory=dict)
    genres: StrList = Field(default_factory=list)
    genre_items: ModelList[NameIdPair] = Field(default_factory=list)
    studios: ModelList[NameIdPair] = Field(default_factory=list)
    tags: StrList = Field(default_factory=list)
    # Images
    image_tags: StrDict = Field(default_factory=dict)
    backdrop_image_tags: StrList = Field(default_factory=list)
    series_primary_image_tag: OptStr = None
    parent_backdrop_item_id: OptStr = None  # an episode's or season's: its series
    parent_backdrop_image_tags: StrList = Field(default_factory=list)
    primary_image_aspect_ratio: OptFloat = None
    # Folders and user state
    user_data: UserItemData | None = None
    child_count: OptInt = None
    recursive_item_count: OptInt = None
    media_sources: ModelList[MediaSource] = Field(default_factory=list)
    media_streams: ModelList[MediaStream] = Field(default_factory=list)

    def provider_id(self, provider: str) -> str | None:
        """A provider id by case-insensitive name, e.g. `provider_id("imdb")`."""
        return self.provider_ids.get(provider.strip().lower())

    @property
    def primary_media_source(self) -> MediaSource | None:
        """The first non-Placeholder media source (unaired/missing episodes have only placeholders)."""
        return next((s for s in self.media_sources if not s.is_placeholder), None)

    @property
    def is_placeholder(self) -> bool:
        """True for virtual items: LocationType Virtual, or media sources that are all placeholders."""
        if (self.location_type or "").lower() == "virtual":
            return True
        return bool(self.media_sources) and all(s.is_placeholder for s in self.media_sources)

    @property
    def streams(self) -> list[MediaStream]:
        """Top-level MediaStreams (now-playing items carry these), else those of the primary media source."""
        if self.media_streams:
            return self.media_streams
        source = self.primary_media_source
        return source.media_streams if source is not None else []

    @property
    def primary_video_stream(self) -> MediaStream | None:
        return _pick_default([s for s in self.streams if s.is_video], None)

    @property
    def primary_audio_stream(self) -> MediaStream | None:
        source = self.primary_media_source
        preferred = source.default_audio_stream_index if source is not None else None
        return _pick_default([s for s in self.streams if s.is_audio], preferred)

    @property
    def audio_languages(self) -> list[str]:
        return _languages(s for s in self.streams if s.is_audio)

    @property
    def subtitle_languages(self) -> list[str]:
        """Distinct subtitle languages as Emby names them (e.g. "eng"), in stream order."""
        return _languages(s for s in self.streams if s.is_subtitle)

    @property
    def runtime_seconds(self) -> float | None:
        ticks = self.run_time_ticks
        if ticks is None:
            source = self.primary_media_source
            ticks = source.run_time_ticks if source is not None else None
        return ticks / TICKS_PER_SECOND if ticks is not None and ticks >= 0 else None

    @property
    def resolved_width(self) -> int | None:
        video = self.primary_video_stream
        return _positive(self.width) or _positive(video.width if video else None)

    @property
    def resolved_height(self) -> int | None:
        video = self.primary_video_stream
        return _positive(self.height) or _positive(video.height if video else None)

    @property
    def resolved_container(self) -> str | None:
        source = self.primary_media_source
        return self.container or (source.container if source is not None else None) or None

    @property
    def resolved_size(self) -> int | None:
        source = self.primary_media_source
        return _positive(self.size) or _positive(source.size if source is not None else None)

    @property
    def resolved_bitrate(self) -> int | None:
        source = self.primary_media_source
        video = self.primary_video_stream
        return (
            _positive(self.bitrate)
            or _positive(source.bitrate if source is not None else None)
            or _positive(video.bit_rate if video is not None else None)
        )


def _positive(value: int | None) -> int | None:
    # Placeholders report Size 0; zero means "unknown" for every size-like field here.
    return value if value is not None and value > 0 else None


def _pick_default(streams: list[MediaStream], preferred_index: int | None) -> MediaStream | None:
    if preferred_index is not None and preferred_index >= 0:
        for stream in streams:
            if stream.index == preferred_index:
                return stream
    return next((s for s in streams if s.is_default), streams[0] if streams else None)


def _languages(streams: Any) -> list[str]:
    seen: dict[str, str] = {}
    for stream in streams:
        language = (stream.language or "").strip()
        if language and language.lower() not in seen:
            seen[language.lower()] = language
    return list(seen.values())


class ItemsPage(EmbyModel):
    """One page of a QueryResult_BaseItemDto. `skipped` counts records that failed validation."""

    items: ModelList[BaseItem] = Field(default_factory=list)
    total_record_count: OptInt = None
    start_index: OptInt = None
    skipped: int = 0

    @classmethod
    def from_payload(cls, payload: Any) -> ItemsPage:
        """Parse a QueryResult, skipping (and counting) items that fail validation."""
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object with Items")
        items, skipped = parse_records(payload.get("Items") or [], BaseItem, "item")
        total = payload.get("TotalRecordCount")
        start = payload.get("StartIndex")
        return cls(
            items=items,
            total_record_count=total if isinstance(total, int) and not isinstance(total, bool) else None,
            start_index=start if isinstance(start, int) and not isinstance(start, bool) else None,
            skipped=skipped,
        )
