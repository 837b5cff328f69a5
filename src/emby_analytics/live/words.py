"""Emby's transcode reasons in plain words (`emby_analytics.reasons`, shared with the transcode fix-list), and the
stream facts a card names (HDR kind, channel layout, Atmos)."""

from __future__ import annotations

from emby_analytics.emby.models import MediaStream
from emby_analytics.reasons import REASONS, reason_words

__all__ = ["REASONS", "channel_layout", "hdr_kind", "is_atmos", "reason_words"]


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
