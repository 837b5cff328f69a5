"""Turn Emby payloads into database rows (pure functions: no I/O)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from emby_analytics.db.schema import PATH_MAX, cap
from emby_analytics.emby.models import BaseItem, User, VirtualFolder

# Spellings seen in the wild for the same codec, mapped to one lower-case name.
_CODEC_ALIASES = {
    "h265": "hevc",
    "x265": "hevc",
    "h.265": "hevc",
    "x264": "h264",
    "avc": "h264",
    "h.264": "h264",
    "mpeg2video": "mpeg2",
    "wmv3": "vc1",
    "dca": "dts",
}


def normalize_codec(codec: str | None) -> str | None:
    if not codec or not codec.strip():
        return None
    name = codec.strip().lower()
    return _CODEC_ALIASES.get(name, name)[:32]


def item_row(item: BaseItem, library_id: str | None, now: datetime) -> dict[str, Any]:
    """The `items` row for one Emby item (timestamps and `seen_run` are set by the writer)."""
    video = item.primary_video_stream
    audio = item.primary_audio_stream
    source = item.primary_media_source
    return {
        "id": item.id,
        "type": item.type or "Unknown",
        "name": cap(item.name) or "",
        "original_title": cap(item.original_title),
        "sort_name": cap(item.sort_name),
        "media_type": cap(item.media_type, 32),
        "library_id": library_id,
        "parent_id": item.parent_id,
        "series_id": item.series_id,
        "series_name": cap(item.series_name),
        "season_id": item.season_id,
        "season_number": item.parent_index_number,
        "episode_number": item.index_number,
        "episode_number_end": item.index_number_end,
        "production_year": item.production_year,
        "premiere_date": item.premiere_date,
        "date_created": item.date_created,
        "location_type": cap(item.location_type, 32),
        "is_placeholder": item.is_placeholder,
        "container": cap(item.resolved_container, 64),
        "size_bytes": item.resolved_size,
        "bitrate": item.resolved_bitrate,
        "runtime_ticks": item.run_time_ticks,
        "width": item.resolved_width,
        "height": item.resolved_height,
        "video_codec": normalize_codec(video.codec) if video else None,
        "video_profile": cap(video.profile, 64) if video else None,
        "video_bit_depth": video.bit_depth if video else None,
        "video_range": cap(video.video_range, 32) if video else None,
        "video_hdr": cap(video.extended_video_type, 32) if video else None,
        "frame_rate": (video.real_frame_rate or video.average_frame_rate) if video else None,
        "audio_codec": normalize_codec(audio.codec) if audio else None,
        "audio_channels": audio.channels if audio else None,
        "audio_layout": cap(audio.channel_layout, 64) if audio else None,
        "audio_languages": _languages(item.audio_languages),
        "subtitle_languages": _languages(item.subtitle_languages),
        "genres": json.dumps([cap(g, 128) for g in item.genres or []][:50], ensure_ascii=False),
        "provider_ids": json.dumps(dict(list(item.provider_ids.items())[:20]), ensure_ascii=False),
        "path": cap(source.path if source and source.path else item.path, PATH_MAX),
        "primary_image_tag": cap((item.image_tags or {}).get("Primary"), 64),
        "backdrop_image_tag": cap(item.backdrop_image_tags[0], 64) if item.backdrop_image_tags else None,
        "series_primary_image_tag": cap(item.series_primary_image_tag, 64),
        "updated_at": now,
    }


def _languages(languages: list[str]) -> str | None:
    unique = sorted({lang.strip().lower()[:16] for lang in languages if lang and lang.strip()})
    return cap(",".join(unique)) if unique else None


def user_row(user: User, now: datetime) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": cap(user.name) or "",
        "is_admin": user.is_administrator,
        "is_disabled": user.is_disabled,
        "is_hidden": bool(user.policy and user.policy.is_hidden),
        "has_image": bool(user.primary_image_tag),
        "date_created": user.date_created,
        "last_login_at": user.last_login_date,
        "last_activity_at": user.last_activity_date,
        "updated_at": now,
    }


def library_row(folder: VirtualFolder, now: datetime) -> dict[str, Any]:
    return {
        "id": folder.library_id or "",
        "name": cap(folder.name) or "",
        "collection_type": cap(folder.collection_type, 64),
        "locations": json.dumps([cap(loc, PATH_MAX) for loc in folder.locations or []], ensure_ascii=False),
        "updated_at": now,
    }
