"""Emby's transcode reasons in plain words: what each means (the live view's cards), and for the transcode fix-list
the specific cause for one file on one client and what would let it play directly.

Pure: a function of the reason code (Emby's `TranscodeReason` enum), the source file's facts and the client's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Emby's TranscodeReason enum (its OpenAPI document), as a type for parameters (a test keeps it equal to `REASONS`).
TranscodeReason = Literal[
    "ContainerNotSupported",
    "VideoCodecNotSupported",
    "AudioCodecNotSupported",
    "ContainerBitrateExceedsLimit",
    "AudioBitrateNotSupported",
    "AudioChannelsNotSupported",
    "VideoResolutionNotSupported",
    "UnknownVideoStreamInfo",
    "UnknownAudioStreamInfo",
    "AudioProfileNotSupported",
    "AudioSampleRateNotSupported",
    "AnamorphicVideoNotSupported",
    "InterlacedVideoNotSupported",
    "SecondaryAudioNotSupported",
    "RefFramesNotSupported",
    "VideoBitDepthNotSupported",
    "VideoBitrateNotSupported",
    "VideoFramerateNotSupported",
    "VideoLevelNotSupported",
    "VideoProfileNotSupported",
    "AudioBitDepthNotSupported",
    "SubtitleCodecNotSupported",
    "DirectPlayError",
    "VideoRangeNotSupported",
    "SubtitleContentOptionsEnabled",
]

# TranscodeReason (Emby's OpenAPI enum) → what it means to someone looking at the card.
REASONS: dict[str, str] = {
    "ContainerNotSupported": "the client cannot play the file's container",
    "VideoCodecNotSupported": "the client cannot play the video codec",
    "AudioCodecNotSupported": "the client cannot play the audio codec",
    "ContainerBitrateExceedsLimit": "the file's bitrate is above the client's limit",
    "AudioBitrateNotSupported": "the audio bitrate is too high for the client",
    "AudioChannelsNotSupported": "the client cannot play that many audio channels",
    "VideoResolutionNotSupported": "the client cannot play the video's resolution",
    "UnknownVideoStreamInfo": "the video stream is not described well enough to play directly",
    "UnknownAudioStreamInfo": "the audio stream is not described well enough to play directly",
    "AudioProfileNotSupported": "the client cannot play the audio profile",
    "AudioSampleRateNotSupported": "the client cannot play the audio sample rate",
    "AnamorphicVideoNotSupported": "the client cannot play anamorphic video",
    "InterlacedVideoNotSupported": "the client cannot play interlaced video",
    "SecondaryAudioNotSupported": "the client cannot play a second audio track",
    "RefFramesNotSupported": "the video uses more reference frames than the client supports",
    "VideoBitDepthNotSupported": "the client cannot play the video's bit depth",
    "VideoBitrateNotSupported": "the video bitrate is too high for the client",
    "VideoFramerateNotSupported": "the client cannot play the video's frame rate",
    "VideoLevelNotSupported": "the client cannot play the video's codec level",
    "VideoProfileNotSupported": "the client cannot play the video's codec profile",
    "AudioBitDepthNotSupported": "the client cannot play the audio's bit depth",
    "SubtitleCodecNotSupported": "the subtitles must be burned into the picture",
    "DirectPlayError": "direct play failed on the client",
    "VideoRangeNotSupported": "the client cannot show the video's HDR",
    "SubtitleContentOptionsEnabled": "subtitle styling asked for makes the subtitles burned in",
}


def reason_words(reason: str) -> str:
    """A reason in plain words; one Emby adds later, split at its capitals."""
    if reason in REASONS:
        return REASONS[reason]
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in reason).strip()
    return words or reason


@dataclass(frozen=True)
class Source:
    """What is known of the file that was played (the library's item; any of it may be unknown)."""

    container: str | None = None
    video_codec: str | None = None
    video_profile: str | None = None
    video_bit_depth: int | None = None
    video_range: str | None = None  # SDR, HDR
    video_hdr: str | None = None  # Emby's ExtendedVideoType: Hdr10, Hdr10Plus, DolbyVision, HyperLogGamma
    width: int | None = None
    height: int | None = None
    bitrate: int | None = None  # bits per second
    audio_codec: str | None = None
    audio_channels: int | None = None
    subtitle_codec: str | None = None


@dataclass(frozen=True)
class Advice:
    """One reason for one file on one client: the cause, and what would let it play directly."""

    reason: str
    cause: str
    fix: str

    @property
    def text(self) -> str:
        return f"{self.cause}: {self.fix}"


_VIDEO = {
    "hevc": "HEVC",
    "h265": "HEVC",
    "h264": "H.264",
    "avc": "H.264",
    "av1": "AV1",
    "vp9": "VP9",
    "vp8": "VP8",
    "mpeg2video": "MPEG-2",
    "mpeg4": "MPEG-4",
    "vc1": "VC-1",
    "wmv3": "WMV",
}
_AUDIO = {
    "truehd": "TrueHD",
    "mlp": "TrueHD",
    "dts": "DTS",
    "dca": "DTS",
    "eac3": "EAC3",
    "ac3": "AC3",
    "aac": "AAC",
    "flac": "FLAC",
    "opus": "Opus",
    "mp3": "MP3",
    "vorbis": "Vorbis",
    "alac": "ALAC",
}
_SUBTITLES = {
    "pgssub": "PGS",
    "pgs": "PGS",
    "hdmv_pgs_subtitle": "PGS",
    "dvdsub": "VobSub",
    "dvd_subtitle": "VobSub",
    "vobsub": "VobSub",
    "ass": "ASS",
    "ssa": "SSA",
    "dvbsub": "DVB",
}
_HDR = {"hdr10": "HDR10", "hdr10plus": "HDR10+", "dolbyvision": "Dolby Vision", "hyperloggamma": "HLG"}
_LAYOUTS = {1: "mono", 2: "2.0", 3: "2.1", 6: "5.1", 7: "6.1", 8: "7.1"}


def _name(names: dict[str, str], value: str | None) -> str | None:
    if not value:
        return None
    lowered = value.lower()
    if lowered.startswith("pcm"):
        return "PCM"
    return names.get(lowered, value.upper())


def video_label(source: Source) -> str | None:
    """The video as people name it: "HEVC Main10", "H.264 10-bit", "AV1"; None when the codec is unknown."""
    name = _name(_VIDEO, source.video_codec)
    if name is None:
        return None
    deep = (source.video_bit_depth or 0) >= 10 or "10" in (source.video_profile or "")
    if name == "HEVC" and deep:
        return "HEVC Main10"
    return f"{name} {source.video_bit_depth or 10}-bit" if deep else name


def audio_label(source: Source) -> str | None:
    """The audio as people name it: "TrueHD 7.1", "DTS 5.1", "AAC"; None when the codec is unknown."""
    name = _name(_AUDIO, source.audio_codec)
    if name is None:
        return None
    layout = layout_of(source.audio_channels)
    return f"{name} {layout}" if layout else name


def layout_of(channels: int | None) -> str | None:
    if not channels:
        return None
    return _LAYOUTS.get(channels, f"{channels}-channel")


def hdr_label(source: Source) -> str | None:
    """HDR10, HDR10+, Dolby Vision, HLG or HDR; None for SDR or unknown."""
    kind = _HDR.get((source.video_hdr or "").lower())
    if kind:
        return kind
    return "HDR" if (source.video_range or "").upper() == "HDR" else None


def resolution_label(source: Source) -> str | None:
    if not source.height and not source.width:
        return None
    width, height = source.width or 0, source.height or 0
    if width >= 7000 or height >= 4000:
        return "8K"
    if width >= 3200 or height >= 2000:
        return "4K"
    return f"{height}p" if height else f"{width} pixels wide"


def _mbps(bitrate: int | None) -> str:
    return f" ({bitrate / 1_000_000:.1f} Mbps)" if bitrate else ""


def advice(reason: str, source: Source, client: str | None) -> Advice:
    """The cause of one transcode reason for this file on this client, and what would let it play directly."""
    who = client or "this client"
    video = video_label(source)
    codec = _name(_VIDEO, source.video_codec)
    audio = audio_label(source)
    audio_codec = _name(_AUDIO, source.audio_codec)

    def said(cause: str, fix: str) -> Advice:
        return Advice(reason, cause, fix)

    if reason == "VideoCodecNotSupported":
        if video is None:
            return said(f"The video codec is not supported by {who}", "an H.264 version, or a client that plays it")
        if codec == "H.264":  # the codec itself is common: its variant is what the client refuses
            return said(f"{video} is not supported by {who}", "an 8-bit H.264 version, or a client that plays it")
        return said(f"{video} is not supported by {who}", f"an H.264 version, or a client that plays {codec}")
    if reason == "VideoProfileNotSupported":
        profile = f" {source.video_profile}" if source.video_profile else ""
        what = f"{codec or 'The video'} profile{profile}" if profile else f"The {codec or 'video'} profile"
        return said(
            f"{what} is not supported by {who}",
            "an H.264 High profile version, or a client that plays " + (f"{codec}{profile}" if codec else "it"),
        )
    if reason == "VideoLevelNotSupported":
        return said(
            f"The {codec or 'video'} level of this file is too high for {who}",
            "a version encoded at a lower level (H.264 level 4.1 plays almost everywhere), or a newer client",
        )
    if reason == "VideoBitDepthNotSupported":
        depth = f"{source.video_bit_depth}-bit" if source.video_bit_depth else "This bit depth of"
        return said(
            f"{depth} {codec or 'video'} is not supported by {who}", "an 8-bit version, or a client that plays it"
        )
    if reason == "VideoRangeNotSupported":
        hdr = hdr_label(source) or "HDR"
        return said(
            f"{hdr} cannot be shown by {who}, so it is tone-mapped to SDR",
            "an SDR version, or an HDR-capable display and client"
            + (" with Dolby Vision" if hdr == "Dolby Vision" else ""),
        )
    if reason == "VideoResolutionNotSupported":
        size = resolution_label(source)
        lower = {"8K": "4K or 1080p", "4K": "1080p", "1080p": "720p"}.get(size or "")
        return said(
            f"{size or 'The video resolution'} is more than {who} plays",
            (f"a {lower} version" if lower else "a lower-resolution version")
            + f", or a client that plays {size or 'it'}",
        )
    if reason in ("ContainerBitrateExceedsLimit", "VideoBitrateNotSupported"):
        return said(
            f"The file's bitrate{_mbps(source.bitrate)} is above {who}'s limit",
            "raise the client's bitrate limit in its settings (and the user's in Emby), or a lower-bitrate version",
        )
    if reason == "VideoFramerateNotSupported":
        return said(
            f"The video's frame rate is not supported by {who}",
            "a version at a common frame rate (23.976, 25 or 30), or a client that plays it",
        )
    if reason == "RefFramesNotSupported":
        return said(
            f"The video uses more reference frames than {who} supports",
            "a version encoded with fewer reference frames (4 at 1080p)",
        )
    if reason == "AnamorphicVideoNotSupported":
        return said(f"Anamorphic video is not supported by {who}", "a version with square pixels")
    if reason == "InterlacedVideoNotSupported":
        return said(f"Interlaced video is not supported by {who}", "a deinterlaced version")
    if reason in ("UnknownVideoStreamInfo", "UnknownAudioStreamInfo"):
        kind = "video" if reason == "UnknownVideoStreamInfo" else "audio"
        return said(
            f"Emby does not know enough about the file's {kind} to send it to {who} as it is",
            "refresh the item's metadata in Emby (or remux the file so its streams can be read)",
        )
    if reason == "ContainerNotSupported":
        container = (source.container or "").upper()
        what = f"The {container} container" if container else "The file's container"
        fix = "remux to MKV (the streams can stay as they are)" if container == "MP4" else "remux to MP4"
        return said(f"{what} is not supported by {who}", fix + ", or a client that plays it")
    if reason == "AudioCodecNotSupported":
        if audio is None:
            return said(f"The audio codec is not supported by {who}", "an AC3/EAC3 track, or a client that plays it")
        if audio_codec in ("AC3", "EAC3"):
            return said(
                f"{audio} audio is not supported by {who}", f"an AAC track, or a client that plays {audio_codec}"
            )
        return said(
            f"{audio} audio is not supported by {who}",
            f"an AC3/EAC3 track, or a client (or receiver) that plays {audio_codec}",
        )
    if reason == "AudioChannelsNotSupported":
        layout = layout_of(source.audio_channels)
        what = f"{layout} audio has" if layout else "The audio has"
        return said(
            f"{what} more channels than {who} plays",
            "a stereo or 5.1 track, or a client (or receiver) that takes " + (layout or "them"),
        )
    if reason == "AudioBitrateNotSupported":
        return said(f"The audio bitrate is too high for {who}", "a lower-bitrate audio track (AC3 at 640 kbps)")
    if reason == "AudioProfileNotSupported":
        return said(
            f"The {audio_codec or 'audio'} profile is not supported by {who}",
            "an AAC-LC or AC3 track, or a client that plays it",
        )
    if reason == "AudioSampleRateNotSupported":
        return said(f"The audio's sample rate is not supported by {who}", "a 48 kHz audio track")
    if reason == "AudioBitDepthNotSupported":
        return said(f"The audio's bit depth is not supported by {who}", "a 16- or 24-bit audio track")
    if reason == "SecondaryAudioNotSupported":
        return said(
            f"{who[0].upper() + who[1:]} cannot switch to another audio track of the file",
            "make the wanted track the file's default, or a client that switches tracks itself",
        )
    if reason == "SubtitleCodecNotSupported":
        subtitles = _name(_SUBTITLES, source.subtitle_codec)
        what = f"{subtitles} subtitles" if subtitles else "The subtitles"
        return said(
            f"{what} cannot be shown by {who}, so they are burned into the picture",
            "a text (SRT) subtitle, or subtitles off",
        )
    if reason == "SubtitleContentOptionsEnabled":
        return said(
            f"Subtitle styling set in {who} makes Emby burn the subtitles into the picture",
            "turn off the custom subtitle appearance in the client's settings, or subtitles off",
        )
    if reason == "DirectPlayError":
        return said(
            f"Direct play failed on {who}",
            "see the client's log; MP4 with H.264 and AAC plays directly almost everywhere",
        )
    words = reason_words(reason)
    return said(f"{words[0].upper() + words[1:]} ({who})", f"a version in formats {who} plays directly")


def advise(reasons: Sequence[str], source: Source, client: str | None) -> list[Advice]:
    """Each reason's advice, in the order given; a transcode Emby gave no reason for gets one saying so."""
    if not reasons:
        who = client or "this client"
        return [
            Advice(
                "",
                f"Emby did not say why {who} got a transcode",
                "watch the play's details in Emby's dashboard while it plays",
            )
        ]
    return [advice(reason, source, client) for reason in reasons]
