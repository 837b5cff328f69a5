"""Transcode reasons in plain words, and the fix-list's cause and fix for a file on a client: a table of cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from emby_analytics.reasons import REASONS, Source, TranscodeReason, advice, advise, audio_label, video_label

SPEC = Path(__file__).parent / "fixtures" / "emby" / "openapi_trimmed.json"
HEVC10 = Source(container="mkv", video_codec="hevc", video_profile="Main 10", video_bit_depth=10)
TRUEHD = Source(audio_codec="truehd", audio_channels=8)

CASES: list[tuple[str, Source, str | None, str]] = [
    (
        "VideoCodecNotSupported",
        HEVC10,
        "Roku SG",
        "HEVC Main10 is not supported by Roku SG: an H.264 version, or a client that plays HEVC",
    ),
    (
        "VideoCodecNotSupported",
        Source(video_codec="av1", video_bit_depth=8),
        "Emby Web",
        "AV1 is not supported by Emby Web: an H.264 version, or a client that plays AV1",
    ),
    (
        "VideoCodecNotSupported",
        Source(video_codec="h264", video_bit_depth=10),
        "Roku SG",
        "H.264 10-bit is not supported by Roku SG: an 8-bit H.264 version, or a client that plays it",
    ),
    (
        "VideoCodecNotSupported",
        Source(),
        None,
        "The video codec is not supported by this client: an H.264 version, or a client that plays it",
    ),
    (
        "AudioCodecNotSupported",
        TRUEHD,
        "Emby for Android",
        "TrueHD 7.1 audio is not supported by Emby for Android: an AC3/EAC3 track, or a client (or receiver) that "
        "plays TrueHD",
    ),
    (
        "AudioCodecNotSupported",
        Source(audio_codec="eac3", audio_channels=6),
        "Emby Web",
        "EAC3 5.1 audio is not supported by Emby Web: an AAC track, or a client that plays EAC3",
    ),
    (
        "AudioChannelsNotSupported",
        TRUEHD,
        "Roku SG",
        "7.1 audio has more channels than Roku SG plays: a stereo or 5.1 track, or a client (or receiver) that "
        "takes 7.1",
    ),
    (
        "SubtitleCodecNotSupported",
        Source(subtitle_codec="PGSSUB"),
        "Roku SG",
        "PGS subtitles cannot be shown by Roku SG, so they are burned into the picture: a text (SRT) subtitle, or "
        "subtitles off",
    ),
    (
        "SubtitleCodecNotSupported",
        Source(),
        "Roku SG",
        "The subtitles cannot be shown by Roku SG, so they are burned into the picture: a text (SRT) subtitle, or "
        "subtitles off",
    ),
    (
        "ContainerNotSupported",
        HEVC10,
        "Emby for Samsung",
        "The MKV container is not supported by Emby for Samsung: remux to MP4, or a client that plays it",
    ),
    (
        "ContainerNotSupported",
        Source(container="mp4"),
        "X",
        "The MP4 container is not supported by X: remux to MKV (the streams can stay as they are), or a client "
        "that plays it",
    ),
    (
        "ContainerBitrateExceedsLimit",
        Source(bitrate=42_500_000),
        "Emby for Android",
        "The file's bitrate (42.5 Mbps) is above Emby for Android's limit: raise the client's bitrate limit in its "
        "settings (and the user's in Emby), or a lower-bitrate version",
    ),
    (
        "VideoBitrateNotSupported",
        Source(),
        "Roku SG",
        "The file's bitrate is above Roku SG's limit: raise the client's bitrate limit in its settings (and the "
        "user's in Emby), or a lower-bitrate version",
    ),
    (
        "VideoRangeNotSupported",
        Source(video_range="HDR", video_hdr="Hdr10"),
        "Emby Web",
        "HDR10 cannot be shown by Emby Web, so it is tone-mapped to SDR: an SDR version, or an HDR-capable display "
        "and client",
    ),
    (
        "VideoRangeNotSupported",
        Source(video_range="HDR", video_hdr="DolbyVision"),
        "Roku SG",
        "Dolby Vision cannot be shown by Roku SG, so it is tone-mapped to SDR: an SDR version, or an HDR-capable "
        "display and client with Dolby Vision",
    ),
    (
        "VideoRangeNotSupported",
        Source(),
        "Roku SG",
        "HDR cannot be shown by Roku SG, so it is tone-mapped to SDR: an SDR version, or an HDR-capable display and "
        "client",
    ),
    (
        "VideoLevelNotSupported",
        Source(video_codec="h264"),
        "Roku SG",
        "The H.264 level of this file is too high for Roku SG: a version encoded at a lower level (H.264 level 4.1 "
        "plays almost everywhere), or a newer client",
    ),
    (
        "VideoProfileNotSupported",
        HEVC10,
        "Roku SG",
        "HEVC profile Main 10 is not supported by Roku SG: an H.264 High profile version, or a client that plays "
        "HEVC Main 10",
    ),
    (
        "VideoBitDepthNotSupported",
        HEVC10,
        "Roku SG",
        "10-bit HEVC is not supported by Roku SG: an 8-bit version, or a client that plays it",
    ),
    (
        "VideoResolutionNotSupported",
        Source(width=3840, height=1600),
        "Emby for Android",
        "4K is more than Emby for Android plays: a 1080p version, or a client that plays 4K",
    ),
    (
        "VideoResolutionNotSupported",
        Source(width=1920, height=1080),
        "Old TV",
        "1080p is more than Old TV plays: a 720p version, or a client that plays 1080p",
    ),
    (
        "InterlacedVideoNotSupported",
        Source(),
        "Roku SG",
        "Interlaced video is not supported by Roku SG: a deinterlaced version",
    ),
    (
        "SubtitleContentOptionsEnabled",
        Source(),
        "Emby Web",
        "Subtitle styling set in Emby Web makes Emby burn the subtitles into the picture: turn off the custom "
        "subtitle appearance in the client's settings, or subtitles off",
    ),
    (
        "SomethingNewNotSupported",
        Source(),
        "Roku SG",
        "Something new not supported (Roku SG): a version in formats Roku SG plays directly",
    ),
]


@pytest.mark.parametrize(("reason", "source", "client", "expected"), CASES)
def test_cause_and_fix(reason: str, source: Source, client: str | None, expected: str) -> None:
    assert advice(reason, source, client).text == expected


def test_every_reason_emby_names_has_words_and_advice() -> None:
    spec = json.loads(SPEC.read_text())
    enum = spec["components"]["schemas"]["TranscodeReason"]["enum"]
    assert set(enum) == set(REASONS) == set(get_args(TranscodeReason))
    generic = advice("SomethingNewNotSupported", Source(), "C").fix
    for reason in enum:
        said = advice(reason, HEVC10, "C")
        assert said.reason == reason and said.cause and said.fix and said.fix != generic, reason
        assert "C" in said.cause or reason == "UnknownVideoStreamInfo" or reason == "UnknownAudioStreamInfo"


def test_a_transcode_without_reasons_says_so() -> None:
    (said,) = advise([], Source(), "Roku SG")
    assert said.cause == "Emby did not say why Roku SG got a transcode"
    assert [a.reason for a in advise(["VideoCodecNotSupported", "AudioCodecNotSupported"], Source(), "C")] == [
        "VideoCodecNotSupported",
        "AudioCodecNotSupported",
    ]


@pytest.mark.parametrize(
    ("source", "video", "audio"),
    [
        (
            Source(video_codec="hevc", video_bit_depth=10, audio_codec="truehd", audio_channels=8),
            "HEVC Main10",
            "TrueHD 7.1",
        ),
        (Source(video_codec="HEVC", video_profile="Main", audio_codec="dca", audio_channels=6), "HEVC", "DTS 5.1"),
        (Source(video_codec="h264", audio_codec="aac", audio_channels=2), "H.264", "AAC 2.0"),
        (Source(video_codec="mpeg2video", audio_codec="pcm_s16le", audio_channels=5), "MPEG-2", "PCM 5-channel"),
        (Source(video_codec="prores", audio_codec="weird"), "PRORES", "WEIRD"),
        (Source(), None, None),
    ],
)
def test_labels(source: Source, video: str | None, audio: str | None) -> None:
    assert (video_label(source), audio_label(source)) == (video, audio)
