"""Emby's transcode reasons in plain words, and the stream facts a card names (HDR kind, channel layout, Atmos)."""

from __future__ import annotations

from emby_analytics.emby.models import MediaStream

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


def hdr_kind(video: MediaStream) -> str | None:
    """HDR10, HDR10+, Dolby Vision or HLG; None for SDR or unknown."""
    extended = (video.extended_video_type or "").lower()
    if extended in ("dolbyvision", "dovi"):
        return "Dolby Vision"
    if extended == "hdr10plus":
        return "HDR10+"
    if extended == "hyperloggamma" or (video.color_transfer or "").lower() == "arib-std-b67":
        return "HLG"
    if extended == "hdr10" or (video.color_transfer or "").lower() == "smpte2084":
        return "HDR10"
    if (video.video_range or "").upper() == "HDR":
        return "HDR"
    return None


def channel_layout(audio: MediaStream) -> str | None:
    """2.0, 5.1, 7.1 (or mono) from the stream's channel count."""
    if not audio.channels:
        return None
    return {1: "mono", 2: "2.0", 3: "2.1", 6: "5.1", 7: "6.1", 8: "7.1"}.get(audio.channels, f"{audio.channels} ch")


def is_atmos(audio: MediaStream) -> bool:
    """Dolby Atmos, as Emby names it in the stream's profile or title."""
    return any("atmos" in (text or "").lower() for text in (audio.profile, audio.title, audio.display_title))
