"""Encode profiles: the table of container/codec/resolution/HDR/audio combinations items point into."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .formats import mix64


@dataclass(frozen=True, slots=True)
class AudioTrack:
    codec: str
    channels: int
    layout: str
    bitrate: int


@dataclass(frozen=True, slots=True)
class MediaProfile:
    """One encode: container, video stream facts, audio tracks and subtitle codecs."""

    container: str
    video_codec: str  # as reported; a few are odd-cased ("HEVC") on purpose
    video_profile: str
    width: int
    height: int
    bit_depth: int
    video_range: str  # SDR | HDR
    extended: str  # None | Hdr10 | Hdr10Plus | DolbyVision | HyperLogGamma
    frame_rate: float
    base_bitrate: int
    audio: tuple[AudioTrack, ...]
    subtitles: tuple[str, ...]
    interlaced: bool = False


AUDIO_TRACKS: tuple[AudioTrack, ...] = (
    AudioTrack("aac", 2, "stereo", 160_000),
    AudioTrack("ac3", 6, "5.1", 640_000),
    AudioTrack("eac3", 6, "5.1", 640_000),
    AudioTrack("dts", 6, "5.1", 1_536_000),
    AudioTrack("truehd", 8, "7.1", 4_000_000),
    AudioTrack("flac", 2, "stereo", 900_000),
    AudioTrack("opus", 2, "stereo", 128_000),
    AudioTrack("eac3", 8, "7.1", 1_024_000),
)
_A = {f"{t.codec}/{t.layout}": t for t in AUDIO_TRACKS}

LANGUAGES: tuple[tuple[str, str], ...] = (
    ("eng", "English"),
    ("spa", "Spanish"),
    ("fre", "French"),
    ("ger", "German"),
    ("jpn", "Japanese"),
    ("ita", "Italian"),
)
TEXT_SUBTITLES = frozenset({"subrip", "ass", "mov_text", "webvtt"})

# Rare or tricky encodes come first: the first items of a world take them in order, so even a
# small world contains every codec, range and resolution class at least once.
_FORCED: tuple[MediaProfile, ...] = (
    MediaProfile(
        "mkv", "h264", "High", 1920, 1080, 8, "SDR", "None", 23.976025, 8_000_000, (_A["eac3/5.1"],), ("subrip",)
    ),
    MediaProfile(
        "mkv",
        "hevc",
        "Main 10",
        3840,
        2160,
        10,
        "HDR",
        "Hdr10",
        23.976025,
        45_000_000,
        (_A["truehd/7.1"], _A["ac3/5.1"]),
        ("pgssub", "subrip"),
    ),
    MediaProfile("mp4", "h264", "Main", 720, 480, 8, "SDR", "None", 29.97003, 1_500_000, (_A["aac/stereo"],), (), True),
    MediaProfile("avi", "mpeg2video", "Main", 640, 360, 8, "SDR", "None", 25.0, 1_200_000, (_A["ac3/5.1"],), ()),
    MediaProfile(
        "mkv",
        "hevc",
        "Main 10",
        3840,
        1600,
        10,
        "HDR",
        "DolbyVision",
        23.976025,
        38_000_000,
        (_A["truehd/7.1"],),
        ("pgssub",),
    ),
    MediaProfile(
        "mkv", "av1", "Main", 1920, 800, 10, "SDR", "None", 23.976025, 4_000_000, (_A["opus/stereo"],), ("ass",)
    ),
    MediaProfile(
        "m2ts", "vc1", "Advanced", 1920, 1080, 8, "SDR", "None", 23.976025, 25_000_000, (_A["dts/5.1"],), ("pgssub",)
    ),
    MediaProfile(
        "ts", "mpeg2video", "Main", 1920, 1080, 8, "SDR", "None", 29.97003, 12_000_000, (_A["ac3/5.1"],), (), True
    ),
    MediaProfile(
        "mkv",
        "HEVC",
        "Main 10",
        1920,
        1036,
        10,
        "HDR",
        "Hdr10Plus",
        23.976025,
        9_000_000,
        (_A["eac3/7.1"],),
        ("subrip",),
    ),
    MediaProfile(
        "mkv", "hevc", "Main 10", 7680, 4320, 10, "HDR", "Hdr10", 59.94006, 120_000_000, (_A["flac/stereo"],), ()
    ),
    MediaProfile(
        "ts", "hevc", "Main 10", 3840, 2160, 10, "HDR", "HyperLogGamma", 50.0, 30_000_000, (_A["aac/stereo"],), ()
    ),
    MediaProfile(
        "mp4", "h264", "High", 1280, 720, 8, "SDR", "None", 23.976025, 3_500_000, (_A["aac/stereo"],), ("mov_text",)
    ),
    MediaProfile(
        "mkv", "H264", "High", 1440, 720, 8, "SDR", "None", 23.976025, 2_500_000, (_A["ac3/5.1"],), ("subrip",)
    ),
    MediaProfile(
        "mkv",
        "hevc",
        "Main 10",
        3840,
        2160,
        10,
        "HDR",
        "DolbyVision",
        23.976025,
        60_000_000,
        (_A["truehd/7.1"], _A["eac3/5.1"]),
        ("pgssub", "pgssub"),
    ),
)

# (width, height, weight) for the random remainder of the table: mostly 1080p, a tail each way.
_RESOLUTIONS: tuple[tuple[int, int, int], ...] = (
    (720, 480, 4),
    (640, 360, 2),
    (1280, 720, 14),
    (1920, 1080, 40),
    (1920, 800, 10),
    (1920, 1036, 3),
    (3840, 2160, 15),
    (3840, 1600, 5),
    (7680, 4320, 1),
)
_VIDEO_CODECS: tuple[tuple[str, int], ...] = (
    ("h264", 50),
    ("hevc", 35),
    ("av1", 6),
    ("mpeg2video", 3),
    ("vc1", 2),
    ("HEVC", 2),
    ("H264", 2),
)
_CONTAINERS: tuple[tuple[str, int], ...] = (("mkv", 70), ("mp4", 20), ("ts", 4), ("avi", 3), ("m2ts", 3))


def _pick(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def build_profiles(seed: int, extra: int = 90) -> tuple[MediaProfile, ...]:
    """The world's encode table: the forced rare encodes followed by `extra` weighted random ones."""
    rng = random.Random(seed * 7919 + 1)
    out = list(_FORCED)
    for _ in range(extra):
        width, height = _pick(rng, tuple(((w, h), wt) for w, h, wt in _RESOLUTIONS))
        codec = _pick(rng, _VIDEO_CODECS)
        hdr = width >= 3840 and codec.lower() in ("hevc", "av1") and rng.random() < 0.7
        extended = rng.choice(("Hdr10", "Hdr10", "DolbyVision", "Hdr10Plus")) if hdr else "None"
        pixels = width * height
        base = int(pixels * (1.6 if codec.lower() in ("h264", "mpeg2video", "vc1") else 1.0) * rng.uniform(1.5, 4.5))
        n_audio = rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        audio = tuple(rng.choice(AUDIO_TRACKS) for _ in range(n_audio))
        subs = tuple(rng.choice(("subrip", "subrip", "ass", "pgssub")) for _ in range(rng.choice((0, 1, 1, 2, 3))))
        out.append(
            MediaProfile(
                container=_pick(rng, _CONTAINERS),
                video_codec=codec,
                video_profile=("Main 10" if hdr or codec.lower() == "av1" else "Main")
                if codec.lower() in ("hevc", "av1")
                else "High",
                width=width,
                height=height,
                bit_depth=10 if hdr or codec.lower() == "av1" else 8,
                video_range="HDR" if hdr else "SDR",
                extended=extended,
                frame_rate=rng.choice((23.976025, 23.976025, 24.0, 25.0, 29.97003)),
                base_bitrate=base,
                audio=audio,
                subtitles=subs,
            )
        )
    return tuple(out)


def jitter_bitrate(base: int, item_hash: int) -> int:
    """±20 % per item so sizes are not all identical."""
    return int(base * (0.8 + (mix64(item_hash) % 4001) / 10_000))
