"""What a now-playing card shows, computed once per snapshot from Emby's session (pure: no I/O).

A card carries the position at the snapshot's moment (`position_sec`, `at`): a browser moves its progress bar on
from there while `is_paused` is false, so a second ticks by without a message. Everything else on the card changes
only with Emby's own state, so two snapshots whose cards agree but for the positions that time explains are one
view (`same_view`), and the hub sends nothing. Names are capped as storage caps them (`db.schema.NAME_MAX`): no
name from Emby should make every view kilobytes longer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from emby_analytics.db.schema import cap
from emby_analytics.emby.models import BaseItem, SessionInfo
from emby_analytics.images import ImageKind, proxy_url
from emby_analytics.live.words import channel_layout, hdr_kind, is_atmos, reason_words
from emby_analytics.quality import quality
from emby_analytics.titles import display
from emby_analytics.tracking.observe import delivery, is_live_tv, selected_streams

TICKS_PER_SECOND = 10_000_000
DRIFT_SEC = 2.0  # a position this far from where time alone would have moved it is a seek, not playback


class VideoInfo(BaseModel):
    resolution: str = Field(description="4K, 1080p, ... by the classifier of the statistics (letterboxing allowed).")
    width: int | None
    height: int | None
    codec: str | None
    bit_depth: int | None
    hdr: str | None = Field(description="HDR10, HDR10+, Dolby Vision, HLG; null for SDR or unknown.")


class AudioInfo(BaseModel):
    language: str | None
    codec: str | None
    layout: str | None = Field(description="2.0, 5.1, 7.1, ...")
    atmos: bool


class SubtitleInfo(BaseModel):
    language: str | None
    codec: str | None
    burned_in: bool = Field(description="Drawn into the picture by a transcode (not shown by the client).")


class TranscodeInfo(BaseModel):
    video_from: str | None
    video_to: str | None
    audio_from: str | None
    audio_to: str | None
    reasons: list[str] = Field(description="Emby's reasons, as it names them.")
    reasons_text: list[str] = Field(description="The same reasons in plain words.")
    hardware: str | None = Field(description="The hardware acceleration Emby says it uses (decoder / encoder).")
    to_resolution: str | None = Field(description="The resolution sent, when the transcode scales the picture.")
    progress_pct: float | None = Field(description="How much of the file the transcode has made, in percent.")
    speed: float | None = Field(description="Frames transcoded per second of the source's rate (1.0 keeps up).")
    throttled: bool = Field(description="The transcode is far enough ahead that Emby slows it down.")


class NowCard(BaseModel):
    session_id: str
    user_id: str | None
    user: str | None
    item_id: str
    title: str | None
    display: str | None = Field(description="`Series - Episode (SxxEyy)`, a film with its year, else the name.")
    item_type: str | None
    live_tv: bool
    client: str | None
    device: str | None
    remote_address: str | None = Field(description="Shown to the admin only.")
    position_sec: float = Field(description="Where playback was at `at`; a client moves on from there unless paused.")
    duration_sec: float | None
    progress_pct: float | None
    is_paused: bool
    at: datetime = Field(description="The moment the position was true (the snapshot's).")
    play_method: str | None = Field(description="DirectPlay, DirectStream or Transcode.")
    video: VideoInfo | None
    audio: AudioInfo | None
    subs: SubtitleInfo | None
    bitrate: int | None = Field(description="Bits per second sent to the client.")
    transcode: TranscodeInfo | None
    poster: str | None = Field(description="Our image proxy's poster URL (a series' for an episode).")
    backdrop: str | None
    started_at: datetime = Field(description="When this service first saw the session play this item.")


def card(session: SessionInfo, at: datetime, started_at: datetime) -> NowCard | None:
    """The card of a playing session (None when idle or without an item)."""
    item = session.now_playing_item
    if item is None or not item.id:
        return None
    state, info = session.play_state, session.transcoding_info
    video, audio, subtitle = selected_streams(session, item)
    how = delivery(session, item)
    position = (state.position_ticks or 0) / TICKS_PER_SECOND
    duration = item.run_time_ticks / TICKS_PER_SECOND if item.run_time_ticks else None
    named = display(
        item.type, item.name, item.series_name, item.parent_index_number, item.index_number, item.production_year
    )
    poster, backdrop = _images(item)
    return NowCard(
        session_id=session.id,
        user_id=session.user_id,
        user=cap(session.user_name),
        item_id=item.id,
        title=cap(item.name),
        display=cap(named),
        item_type=item.type,
        live_tv=is_live_tv(item),
        client=cap(session.client),
        device=cap(session.device_name),
        remote_address=cap(session.remote_end_point, 64),
        position_sec=round(position, 3),
        duration_sec=duration,
        progress_pct=round(min(position / duration, 1.0) * 100, 1) if duration else None,
        is_paused=bool(state.is_paused),
        at=at,
        play_method=how.play_method,
        video=None if video is None else VideoInfo(
            resolution=quality(video.width, video.height), width=video.width, height=video.height,
            codec=cap(video.codec, 32), bit_depth=video.bit_depth, hdr=hdr_kind(video),
        ),
        audio=None if audio is None else AudioInfo(
            language=cap(audio.display_language or audio.language, 64), codec=cap(audio.codec, 32),
            layout=channel_layout(audio), atmos=is_atmos(audio),
        ),
        subs=None if subtitle is None else SubtitleInfo(
            language=cap(subtitle.display_language or subtitle.language, 64), codec=cap(subtitle.codec, 32),
            burned_in=how.subtitle_method == "transcode",
        ),
        bitrate=how.bitrate,
        transcode=None if how.play_method != "Transcode" else TranscodeInfo(
            video_from=how.video_codec_from, video_to=how.video_codec_to, audio_from=how.audio_codec_from,
            audio_to=how.audio_codec_to, reasons=list(how.transcode_reasons),
            reasons_text=[reason_words(r) for r in how.transcode_reasons],
            hardware=cap(_hardware(session), 64),
            to_resolution=quality(info.width, info.height) if info and (info.width or info.height) else None,
            progress_pct=info.completion_percentage if info is not None else None,
            speed=_speed(session, (video.average_frame_rate or video.real_frame_rate) if video is not None else None),
            throttled=bool(info is not None and info.current_throttle),
        ),
        poster=poster,
        backdrop=backdrop,
        started_at=started_at,
    )  # fmt: skip


def _images(item: BaseItem) -> tuple[str | None, str | None]:
    """Our image proxy's poster and backdrop URLs, only for images Emby says exist (a browser logs every image that
    fails to load) and only for ids the proxy takes. An episode shows its series' poster and backdrop."""
    episodic = item.type in ("Episode", "Season")
    if episodic and item.series_id and item.series_primary_image_tag:
        poster_id: str | None = item.series_id
    else:
        poster_id = item.id if item.image_tags.get("Primary") else None
    if item.backdrop_image_tags:
        backdrop_id: str | None = item.id
    else:
        backdrop_id = item.parent_backdrop_item_id if episodic and item.parent_backdrop_image_tags else None
    return proxy_url(ImageKind.primary, poster_id), proxy_url(ImageKind.backdrop, backdrop_id)


def _hardware(session: SessionInfo) -> str | None:
    info = session.transcoding_info
    if info is None:
        return None
    used = [
        f"{kind} {accel or 'hardware'}"
        for kind, on, accel in (
            ("decode", info.video_decoder_is_hardware, info.video_decoder_hw_accel),
            ("encode", info.video_encoder_is_hardware, info.video_encoder_hw_accel),
        )
        if on
    ]
    return ", ".join(used) or None


def _speed(session: SessionInfo, source_fps: float | None) -> float | None:
    info = session.transcoding_info
    if info is None or not info.framerate or not source_fps:
        return None
    return round(info.framerate / source_fps, 2)


def same_view(old: list[NowCard], new: list[NowCard]) -> bool:
    """Whether `new` shows what `old` already did, positions moved on only as time explains (see the module)."""
    if len(old) != len(new):
        return False
    for was, now in zip(old, new, strict=True):
        if was.model_dump(exclude=_MOVING) != now.model_dump(exclude=_MOVING):
            return False
        expected = was.position_sec + (0.0 if was.is_paused else (now.at - was.at).total_seconds())
        if abs(now.position_sec - expected) > DRIFT_SEC:
            return False
    return True


# What moves on its own between snapshots: positions (checked against time), the moment, a transcode's progress.
_MOVING: dict[str, Any] = {
    "position_sec": True,
    "progress_pct": True,
    "at": True,
    "transcode": {"progress_pct": True, "speed": True},
}
