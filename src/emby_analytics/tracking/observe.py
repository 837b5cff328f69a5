"""Converters from Emby payload models to the tracker's inputs (the only tracking module that knows Emby models).

Stream decisions: DirectPlay plays the file as is (every stream "direct"); DirectStream remuxes (streams "copy");
Transcode uses TranscodingInfo.IsVideoDirect / IsAudioDirect ("copy" when direct, else "transcode"); a Transcode
session without TranscodingInfo (seen on real Roku sessions) leaves video/audio unknown (None). A selected subtitle
is "transcode" (burned in) when the reasons name subtitles or an image subtitle rides a transcoded video, else
"direct". Live TV: item types TvChannel, LiveTv, Channel, TvProgram, or an item with a ChannelId and no runtime
(a recording has a runtime; a live stream does not).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from emby_analytics.emby.models import LIVE_TV_TYPES, BaseItem, MediaStream, SessionInfo, SessionsSnapshot, WebhookEvent

from .model import EventKind, PlaybackEvent, PlayContext, PlayMethod, SessionObs, Stream, StreamMethod

_METHODS: frozenset[str] = frozenset({"DirectPlay", "DirectStream", "Transcode"})
_KINDS: frozenset[str] = frozenset({"start", "pause", "unpause", "stop", "progress"})


def is_live_tv(item: BaseItem) -> bool:
    return (item.type or "") in LIVE_TV_TYPES or (item.channel_id is not None and not item.run_time_ticks)


def stream_at(streams: list[MediaStream], index: int | None, kind: str) -> MediaStream | None:
    of_kind = [s for s in streams if (s.type or "").lower() == kind]
    if index is not None:
        chosen = next((s for s in of_kind if s.index == index), None)
        if chosen is not None:
            return chosen
    return next((s for s in of_kind if s.is_default), of_kind[0] if of_kind else None)


def observation(session: SessionInfo) -> SessionObs | None:
    """One playing session, or None when idle or without a user or item id."""
    item = session.now_playing_item
    if item is None or not session.user_id or not item.id:
        return None
    state = session.play_state
    context = PlayContext(
        user_id=session.user_id,
        item_id=item.id,
        user_name=session.user_name,
        item_type=item.type,
        item_name=item.name,
        series_id=item.series_id,
        series_name=item.series_name,
        season_number=item.parent_index_number if item.series_id else None,
        episode_number=item.index_number if item.series_id else None,
        runtime_ticks=item.run_time_ticks,
        client=session.client,
        device_name=session.device_name,
        device_id=session.device_id,
        remote_address=session.remote_end_point,
        application_version=session.application_version,
        live_tv=is_live_tv(item),
        stream=delivery(session, item),
    )
    return SessionObs(
        session_id=session.id,
        context=context,
        position_ticks=state.position_ticks,
        is_paused=bool(state.is_paused),
        playback_rate=state.playback_rate,
        reported_at=session.last_activity_date,
    )


def selected_streams(
    session: SessionInfo, item: BaseItem
) -> tuple[MediaStream | None, MediaStream | None, MediaStream | None]:
    """(video, audio, subtitle) the session plays of the item: the chosen audio and subtitle (none chosen: no
    subtitle), else the default stream of each kind."""
    state, streams = session.play_state, item.streams
    subtitle = (
        stream_at(streams, state.subtitle_stream_index, "subtitle")
        if state.subtitle_stream_index is not None and state.subtitle_stream_index >= 0
        else None
    )
    return stream_at(streams, None, "video"), stream_at(streams, state.audio_stream_index, "audio"), subtitle


def delivery(session: SessionInfo, item: BaseItem) -> Stream:
    """How the session delivers the item (see the module docstring)."""
    state, info = session.play_state, session.transcoding_info
    method = cast(PlayMethod, state.play_method) if state.play_method in _METHODS else None
    video, audio, subtitle = selected_streams(session, item)
    # Sorted: a set of reasons, kept in the order the store writes them (a restored play compares equal).
    reasons = tuple(sorted(info.transcode_reasons)) if info is not None else ()
    video_m: StreamMethod | None
    audio_m: StreamMethod | None
    if method == "DirectPlay":
        video_m, audio_m = "direct", "direct"
    elif method == "DirectStream":
        video_m, audio_m = "copy", "copy"
    elif method == "Transcode" and info is not None:
        video_m = "copy" if info.is_video_direct else "transcode"
        audio_m = "copy" if info.is_audio_direct else "transcode"
    else:
        video_m = audio_m = None
    sub_m: StreamMethod | None = None
    if subtitle is not None:
        burned = any("subtitle" in r.lower() for r in reasons) or (
            video_m == "transcode" and subtitle.is_text_subtitle_stream is False
        )
        sub_m = "transcode" if burned else "direct"
    video_from = video.codec if video is not None else None
    audio_from = audio.codec if audio is not None else None
    direct = method in ("DirectPlay", "DirectStream")
    return Stream(
        play_method=method,
        video_method=video_m if video is not None or info is not None else None,
        audio_method=audio_m if audio is not None or info is not None else None,
        subtitle_method=sub_m,
        video_codec_from=video_from,
        video_codec_to=(info.video_codec if info is not None and info.video_codec else video_from if direct else None),
        audio_codec_from=audio_from,
        audio_codec_to=(info.audio_codec if info is not None and info.audio_codec else audio_from if direct else None),
        transcode_reasons=reasons,
        bitrate=(info.bitrate if info is not None and info.bitrate else item.resolved_bitrate),
    )


def observations(snapshot: SessionsSnapshot) -> list[SessionObs]:
    """The playing sessions of one /Sessions answer (idle ones and ones without a user or item skipped)."""
    return [obs for s in snapshot.sessions if (obs := observation(s)) is not None]


def idle_sessions(snapshot: SessionsSnapshot) -> dict[str, datetime | None]:
    """Idle sessions → LastActivityDate (Emby stamps it at a stop): pass as `Tracker.observe(..., idle=...)`."""
    return {s.id: s.last_activity_date for s in snapshot.sessions if s.now_playing_item is None}


def playback_event(event: WebhookEvent, received_at: datetime, key: str | None = None) -> PlaybackEvent | None:
    """A `playback.*` webhook as a tracker event (None for other events or without user/item).

    The time is the webhook's `Date` (when Emby saw the transition), else `received_at`. `playback.stop` with
    PlayedToCompletion reports PositionTicks 0, which is not a position: dropped. `key` defaults to a stable key of
    the body's facts, so a retried delivery dedupes."""
    name = event.event.lower()
    kind = name.removeprefix("playback.")
    if not name.startswith("playback.") or kind not in _KINDS:
        return None
    if event.user is None or not event.user.id or event.item is None or not event.item.id:
        return None
    info = event.playback_info
    position = info.position_ticks if info is not None else None
    completed = info.played_to_completion if info is not None else None
    if kind == "stop" and completed and not position:
        position = None
    at = event.date or received_at
    session = event.session
    session_id = session.id if session is not None else None
    device_id = session.device_id if session is not None else None
    if key is None:
        key = f"{name}|{session_id or device_id}|{event.item.id}|{at.isoformat()}|{position}"
    return PlaybackEvent(
        at=at,
        kind=cast(EventKind, kind),
        user_id=event.user.id,
        item_id=event.item.id,
        session_id=session_id,
        device_id=device_id,
        position_ticks=position,
        played_to_completion=completed,
        event_key=key,
    )
