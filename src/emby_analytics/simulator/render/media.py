"""MediaStreams / MediaSources rendered on demand from an encode profile (see `world/profiles.py`).

Items store only a profile index, a bitrate and a per-item hash, so a 150k-item world stays small in memory.
"""

from __future__ import annotations

from typing import Any

from ..world.formats import hex32
from ..world.profiles import LANGUAGES, TEXT_SUBTITLES, AudioTrack, MediaProfile

JsonDict = dict[str, Any]


def _display_res(width: int, height: int) -> str:
    if width >= 7000:
        return "8K"
    if width >= 3800:
        return "4K"
    if width >= 1900 or height >= 1000:
        return "1080p"
    if width >= 1200 or height >= 700:
        return "720p"
    return f"{height}p" if height in (480, 576, 360) else "SD"


def _aspect(width: int, height: int) -> str:
    ratio = width / height
    for label, value in (("16:9", 16 / 9), ("4:3", 4 / 3), ("2:1", 2.0), ("2.40:1", 2.4), ("1.85:1", 1.85)):
        if abs(ratio - value) < 0.03:
            return label
    return f"{ratio:.2f}:1"


def _stream_common(index: int, kind: str) -> JsonDict:
    return {
        "Type": kind,
        "Index": index,
        "IsExternal": False,
        "IsTextSubtitleStream": False,
        "SupportsExternalStream": False,
        "Protocol": "File",
    }


def video_stream(p: MediaProfile, bitrate: int) -> JsonDict:
    hdr_label = {"Hdr10": " HDR10", "Hdr10Plus": " HDR10+", "DolbyVision": " Dolby Vision", "HyperLogGamma": " HLG"}
    transfer = {"None": "bt709", "HyperLogGamma": "arib-std-b67"}.get(p.extended, "smpte2084")
    primaries = "bt709" if p.extended == "None" else "bt2020"
    stream: JsonDict = {
        "Codec": p.video_codec,
        "ColorTransfer": transfer,
        "ColorPrimaries": primaries,
        "ColorSpace": "bt709" if primaries == "bt709" else "bt2020nc",
        "TimeBase": "1/1000",
        "VideoRange": p.video_range,
        "DisplayTitle": f"{_display_res(p.width, p.height)} {p.video_codec.upper()}{hdr_label.get(p.extended, '')}",
        "IsInterlaced": p.interlaced,
        "BitRate": bitrate,
        "BitDepth": p.bit_depth,
        "RefFrames": 1,
        "IsDefault": True,
        "IsForced": False,
        "Height": p.height,
        "Width": p.width,
        "AverageFrameRate": p.frame_rate,
        "RealFrameRate": p.frame_rate,
        "Profile": p.video_profile,
        "Type": "Video",
        "AspectRatio": _aspect(p.width, p.height),
        "Index": 0,
        "IsExternal": False,
        "IsTextSubtitleStream": False,
        "SupportsExternalStream": False,
        "Protocol": "File",
        "PixelFormat": "yuv420p10le" if p.bit_depth == 10 else "yuv420p",
        "Level": 150 if p.width >= 3840 else 120 if p.video_codec.lower() == "hevc" else 40,
        "IsAnamorphic": False,
        "ExtendedVideoType": p.extended,
        "ExtendedVideoSubType": _ext_subtype(p.extended),
        "ExtendedVideoSubTypeDescription": _ext_subtype(p.extended),
        "AttachmentSize": 0,
    }
    return stream


def _ext_subtype(extended: str) -> str:
    return {
        "Hdr10": "Hdr10",
        "Hdr10Plus": "Hdr10Plus0",
        "DolbyVision": "DoviProfile81",
        "HyperLogGamma": "HyperLogGamma",
    }.get(extended, "None")


def audio_stream(track: AudioTrack, index: int, lang: tuple[str, str], default: bool) -> JsonDict:
    suffix = " (Default)" if default else ""
    stream: JsonDict = {
        "Codec": track.codec,
        "Language": lang[0],
        "TimeBase": "1/1000",
        "DisplayTitle": f"{lang[1]} {track.codec.upper()} {track.layout}{suffix}",
        "DisplayLanguage": lang[1],
        "IsInterlaced": False,
        "ChannelLayout": track.layout,
        "BitRate": track.bitrate,
        "Channels": track.channels,
        "SampleRate": 48000,
        "IsDefault": default,
        "IsForced": False,
    }
    stream.update(_stream_common(index, "Audio"))
    stream.update(_tail())
    return stream


def subtitle_stream(codec: str, index: int, lang: tuple[str, str], forced: bool) -> JsonDict:
    text = codec in TEXT_SUBTITLES
    stream: JsonDict = {
        "Codec": codec,
        "Language": lang[0],
        "TimeBase": "1/1000",
        "Title": f"{lang[1]} [Forced]" if forced else lang[1],
        "DisplayTitle": f"{lang[1]} ({codec.upper()})",
        "DisplayLanguage": lang[1],
        "IsInterlaced": False,
        "IsDefault": False,
        "IsForced": forced,
    }
    stream.update(_stream_common(index, "Subtitle"))
    stream["IsTextSubtitleStream"] = text
    stream["SupportsExternalStream"] = text
    stream.update(_tail())
    stream["SubtitleLocationType"] = "InternalStream"
    return stream


def _tail() -> JsonDict:
    return {
        "ExtendedVideoType": "None",
        "ExtendedVideoSubType": "None",
        "ExtendedVideoSubTypeDescription": "None",
        "AttachmentSize": 0,
    }


def media_streams(p: MediaProfile, bitrate: int, item_hash: int) -> list[JsonDict]:
    """Video, audio and subtitle streams; languages vary per item, deterministically."""
    video_bitrate = max(200_000, bitrate - sum(t.bitrate for t in p.audio))
    streams = [video_stream(p, video_bitrate)]
    for i, track in enumerate(p.audio):
        lang = LANGUAGES[0] if i == 0 else LANGUAGES[(item_hash >> (i * 3)) % len(LANGUAGES)]
        streams.append(audio_stream(track, len(streams), lang, i == 0))
    for i, codec in enumerate(p.subtitles):
        lang = LANGUAGES[(item_hash >> (i * 5 + 16)) % len(LANGUAGES)]
        streams.append(subtitle_stream(codec, len(streams), lang, forced=i == 1 and codec == "pgssub"))
    return streams


def audio_only_streams(codec: str, channels: int, bitrate: int) -> list[JsonDict]:
    track = AudioTrack(codec, channels, "stereo" if channels == 2 else "mono", bitrate)
    stream = audio_stream(track, 0, LANGUAGES[0], True)
    stream.pop("Language")
    stream.pop("DisplayLanguage")
    stream["DisplayTitle"] = f"{codec.upper()} {track.layout}"
    stream["SampleRate"] = 44100
    return [stream]


def media_source(
    item_id: int,
    name: str,
    path: str | None,
    container: str,
    size: int,
    runtime_ticks: int | None,
    bitrate: int | None,
    streams: list[JsonDict],
    placeholder: bool = False,
) -> JsonDict:
    """A MediaSourceInfo like the samples (Default, or Placeholder with no Path for virtual episodes)."""
    source: JsonDict = {"Protocol": "File", "Id": hex32(item_id, 77)}
    if path is not None and not placeholder:
        source["Path"] = path
    source["Type"] = "Placeholder" if placeholder else "Default"
    if not placeholder:
        source["Container"] = container
    source["Size"] = 0 if placeholder else size
    source["Name"] = name
    source["IsRemote"] = False
    if runtime_ticks and not placeholder:
        source["RunTimeTicks"] = runtime_ticks
    source.update(
        {
            "SupportsTranscoding": True,
            "SupportsDirectStream": True,
            "SupportsDirectPlay": True,
            "IsInfiniteStream": False,
            "RequiresOpening": False,
            "RequiresClosing": False,
            "RequiresLooping": False,
            "SupportsProbing": False,
            "MediaStreams": [] if placeholder else streams,
            "Formats": [],
        }
    )
    if bitrate and not placeholder:
        source["Bitrate"] = bitrate
    source["RequiredHttpHeaders"] = {}
    source["ReadAtNativeFramerate"] = False
    audio = [s["Index"] for s in streams if s["Type"] == "Audio"]
    subs = [s["Index"] for s in streams if s["Type"] == "Subtitle"]
    if audio and not placeholder:
        source["DefaultAudioStreamIndex"] = audio[0]
    source["DefaultSubtitleStreamIndex"] = subs[0] if subs and not placeholder else -1
    return source
