"""`SessionInfo` rendering in real Emby 4.8 key order (see samples/sessions_emby48_*.json).

`SessionRenderer` renders each play's NowPlayingItem once, from the record the engine opened, and reuses it
while the play lasts (one BaseItemDto costs about 50 µs: 200 sessions per poll would add 10 ms otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..playback import PlayTruth, SessionRuntime
from ..world.formats import emby_date, hex32, ticks
from .items import render_item

JsonDict = dict[str, Any]


class SessionRenderer:
    """Renders an engine's runtimes as `/Sessions` does. Keep one per server: it holds the NowPlayingItems."""

    def __init__(self, server_id: str) -> None:
        self.server_id = server_id
        self._now_playing: dict[str, tuple[PlayTruth, JsonDict | None]] = {}  # session id -> (open play, item)

    def render(self, runtimes: Iterable[SessionRuntime], now: datetime) -> list[JsonDict]:
        out = [render_session(rt, now, self.server_id, self._item(rt)) for rt in runtimes]
        # A closed play's item is never shown again (a new play is a new PlayTruth).
        for session_id in [s for s, (play, _) in self._now_playing.items() if play.stopped is not None]:
            del self._now_playing[session_id]
        return out

    def _item(self, rt: SessionRuntime) -> JsonDict | None:
        if rt.play is None:
            return None
        cached = self._now_playing.get(rt.id)
        if cached is None or cached[0] is not rt.play:
            item = render_item(rt.engine.world, rt.item, None, now_playing=True) if rt.item is not None else None
            cached = self._now_playing[rt.id] = (rt.play, item)
        return cached[1]


def _play_state(rt: SessionRuntime, now: datetime, item: JsonDict | None) -> JsonDict:
    if rt.play is None:
        return {
            "CanSeek": False,
            "IsPaused": False,
            "IsMuted": False,
            "RepeatMode": "RepeatNone",
            "SubtitleOffset": 0,
            "PlaybackRate": 1,
        }
    streams = (item or {}).get("MediaStreams", [])
    audio = next((s["Index"] for s in streams if s["Type"] == "Audio"), None)
    subtitle = next((s["Index"] for s in streams if s["Type"] == "Subtitle"), None)
    state: JsonDict = {
        "PositionTicks": ticks(rt.reported_position(now)),
        "CanSeek": True,
        "IsPaused": rt.state == "paused",
        "IsMuted": False,
    }
    if audio is not None:
        state["AudioStreamIndex"] = audio
    if subtitle is not None:
        state["SubtitleStreamIndex"] = subtitle
    state["MediaSourceId"] = hex32(int(rt.play.item_id), 77) if rt.play.item_id.isdigit() else rt.play.item_id
    state["PlayMethod"] = rt.method
    state["RepeatMode"] = "RepeatNone"
    state["SubtitleOffset"] = 0
    if rt.script.device.reports_rate:
        state["PlaybackRate"] = rt.rate if rt.rate != int(rt.rate) else int(rt.rate)
    return state


def _vp_step(name: str, short: str, step: str, param: str) -> JsonDict:
    return {
        "HardwareContextName": "Software",
        "IsHardwareContext": False,
        "Name": name,
        "Short": short,
        "StepType": step,
        "StepTypeName": "Decode" if step == "Decoder" else "Encode",
        "Param": param,
        "ParamShort": param,
    }


def _transcoding_info(rt: SessionRuntime, now: datetime, item: JsonDict | None) -> JsonDict:
    tc = rt.transcode
    assert tc is not None and rt.play is not None
    streams = (item or {}).get("MediaStreams", [])
    video: dict[str, Any] = next((s for s in streams if s["Type"] == "Video"), {})
    audio: dict[str, Any] = next((s for s in streams if s["Type"] == "Audio"), {})
    width = tc.width or video.get("Width", 1920)
    height = tc.height or video.get("Height", 1080)
    video_bitrate = tc.bitrate or min(int(video.get("BitRate", 8_000_000)), 20_000_000)
    audio_bitrate = 256_000 if not tc.is_audio_direct else int(audio.get("BitRate", 256_000))
    position = rt.position(now)
    runtime = rt.play.runtime_seconds or 1.0
    buffered = min(runtime, position + 180.0)  # the encoder runs ahead of the player
    seed = int(rt.play.item_id) if rt.play.item_id.isdigit() else 1
    cpu = 0.05 + (seed % 37) / 100
    src_codec = str(video.get("Codec", "h264"))
    pipeline = [
        _vp_step(f"SW Decode {src_codec.upper()}", src_codec.upper(), "Decoder", f"0:0 - {src_codec.upper()}"),
        _vp_step(
            f"{'HW' if tc.hardware else 'SW'} Encode {tc.video_codec}",
            tc.video_codec.upper(),
            "Encoder",
            "copy" if tc.is_video_direct else tc.video_codec,
        ),
    ]
    return {
        "AudioCodec": str(audio.get("Codec", "aac")) if tc.is_audio_direct else tc.audio_codec,
        "VideoCodec": src_codec.lower() if tc.is_video_direct else tc.video_codec,
        "SubProtocol": "hls",
        "Container": tc.container,
        "IsVideoDirect": tc.is_video_direct,
        "IsAudioDirect": tc.is_audio_direct,
        "Bitrate": video_bitrate + audio_bitrate,
        "AudioBitrate": audio_bitrate,
        "VideoBitrate": video_bitrate,
        "Framerate": 46 if tc.is_video_direct else 31,
        "CompletionPercentage": buffered / runtime * 100,
        "TranscodingPositionTicks": ticks(buffered),
        "TranscodingStartPositionTicks": ticks(rt.transcode_start),
        "Width": width,
        "Height": height,
        "AudioChannels": tc.audio_channels,
        "TranscodeReasons": list(tc.reasons),
        "CurrentCpuUsage": cpu,
        "AverageCpuUsage": cpu * 1.4,
        "CpuHistory": [{"Item1": float(i + 1), "Item2": cpu} for i in range(3)],
        "ProcessStatistics": {
            "CurrentCpu": cpu,
            "AverageCpu": cpu * 1.4,
            "CurrentVirtualMemory": 174_387_200,
            "CurrentWorkingSet": 23_515_136,
            "Metrics": [
                {"Time": f"PT{i + 1}.0S", "CpuPercent": cpu, "VirtualMemory": 174_387_200, "WorkingSet": 23_515_136}
                for i in range(3)
            ],
        },
        "CurrentThrottle": 0,
        "VideoDecoderIsHardware": False,
        "VideoEncoderIsHardware": tc.hardware,
        "VideoPipelineInfo": pipeline,
        "SubtitlePipelineInfos": [],
    }


def render_session(rt: SessionRuntime, now: datetime, server_id: str, item: JsonDict | None) -> JsonDict:
    """One `SessionInfo`; `item` is the rendered NowPlayingItem (see `SessionRenderer`)."""
    device = rt.script.device
    out: JsonDict = {
        "PlayState": _play_state(rt, now, item),
        "AdditionalUsers": [],
        "RemoteEndPoint": device.remote_address,
        "Protocol": device.protocol,
        "PlayableMediaTypes": list(device.playable_media_types),
        "PlaylistIndex": 0,
        "PlaylistLength": 1 if rt.play is not None else 0,
        "Id": rt.id,
        "ServerId": server_id,
        "UserId": rt.script.user_id,
        "UserName": rt.engine.user_name(rt.script.user_id) if rt.engine.world.user(rt.script.user_id) else rt.user_name,
        "Client": device.client,
        "LastActivityDate": emby_date(rt.reported_activity(now)),
        "DeviceName": device.device_name,
    }
    if rt.play is not None and item is not None:
        out["NowPlayingItem"] = item
    out["InternalDeviceId"] = device.internal_id
    out["DeviceId"] = device.device_id
    out["ApplicationVersion"] = device.app_version
    if device.app_icon_url:
        out["AppIconUrl"] = device.app_icon_url
    out["SupportedCommands"] = list(device.supported_commands)
    if rt.play is not None and rt.method == "Transcode" and rt.transcode is not None and rt.transcode.report_info:
        out["TranscodingInfo"] = _transcoding_info(rt, now, item)
    out["SupportsRemoteControl"] = bool(device.supported_commands)
    return out
