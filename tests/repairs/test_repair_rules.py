"""The pure rules of the repairs, as tables: which positions are impossible and what they become, how overlapping
segments merge, which per-stream methods an overall method implies."""

from __future__ import annotations

import pytest

from emby_analytics.repairs.methods import derived_methods
from emby_analytics.repairs.overlaps import Segment, union
from emby_analytics.repairs.positions import fixed_position

T = 10_000_000  # ticks per second
HOUR = 3600 * T


@pytest.mark.parametrize(
    ("value", "runtime", "expected"),
    [
        (None, HOUR, None),
        (0, HOUR, 0),
        (HOUR // 2, HOUR, HOUR // 2),
        (HOUR, HOUR, HOUR),
        (HOUR + 60 * T, HOUR, HOUR + 60 * T),  # credits run on: a minute (or 5 %) of slack
        (HOUR + 180 * T, HOUR, HOUR + 180 * T),  # 5 % of an hour is 3 minutes
        (HOUR + 181 * T, HOUR, None),  # past the end, not a unit mix-up: unknown
        (-1, HOUR, None),  # negative
        (-5 * T, None, None),
        (HOUR // 2 * T, HOUR, HOUR // 2),  # converted to ticks twice: divided back
        (5 * HOUR, None, 5 * HOUR),  # runtime unknown: nothing to compare with
        (5 * HOUR, 0, 5 * HOUR),
        (10 * 60 * T + 1, 5 * 60 * T, None),  # 5-minute clip: past its end and not a multiple of 10^7
    ],
)
def test_fixed_position(value: int | None, runtime: int | None, expected: int | None) -> None:
    assert fixed_position(value, runtime) == expected


def _s(start: int, end: int, ps: int | None = None, pe: int | None = None) -> Segment:
    return Segment(start, end, ps, pe)


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        ([], []),
        ([_s(0, 10)], [_s(0, 10)]),
        ([_s(0, 10), _s(10, 20)], [_s(0, 10), _s(10, 20)]),  # touching: two segments, nothing counted twice
        ([_s(0, 10, 0, 10), _s(5, 20, 5, 20)], [_s(0, 20, 0, 20)]),
        ([_s(5, 20, 5, 20), _s(0, 10, 0, 10)], [_s(0, 20, 0, 20)]),  # order does not matter
        ([_s(0, 30, 0, 30), _s(5, 10, 5, 10)], [_s(0, 30, 0, 30)]),  # contained
        ([_s(0, 10), _s(0, 10)], [_s(0, 10)]),  # the same stretch twice
        ([_s(0, 10, 5, 6), _s(0, 10)], [_s(0, 10, 5, 6)]),  # ... once without positions
        ([_s(0, 10), _s(0, 10, 5, 6)], [_s(0, 10)]),
        ([_s(0, 10), _s(20, 30), _s(25, 40, 1, 2)], [_s(0, 10), _s(20, 40, None, 2)]),
    ],
)
def test_union(segments: list[Segment], expected: list[Segment]) -> None:
    merged = union(segments)
    assert merged == expected
    assert sum(s.ended - s.started for s in merged) <= sum(s.ended - s.started for s in segments)


@pytest.mark.parametrize(
    ("method", "is_audio", "video", "audio", "expected"),
    [
        ("DirectPlay", False, (None, None), (None, None), ("direct", "direct")),
        ("DirectPlay", True, (None, None), (None, None), (None, "direct")),
        ("DirectStream", False, ("hevc", None), ("aac", None), ("copy", "copy")),
        ("Transcode", False, ("hevc", "h264"), ("truehd", "aac"), ("transcode", "transcode")),
        ("Transcode", False, ("h264", "h264"), ("dts", "aac"), ("copy", "transcode")),
        ("Transcode", False, ("HEVC", "hevc"), ("aac", "AAC"), ("copy", "copy")),
        ("Transcode", False, (None, "h264"), ("flac", None), (None, None)),  # codecs unknown: methods unknown
        ("Transcode", True, ("h264", "h264"), ("flac", "mp3"), (None, "transcode")),
        ("Unknown", False, ("h264", "h264"), ("aac", "aac"), (None, None)),
    ],
)
def test_derived_methods(
    method: str,
    is_audio: bool,
    video: tuple[str | None, str | None],
    audio: tuple[str | None, str | None],
    expected: tuple[str | None, str | None],
) -> None:
    assert derived_methods(method, is_audio, video, audio) == expected
