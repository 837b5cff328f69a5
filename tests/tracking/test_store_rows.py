"""How a play's row reports its delivery when it changed mid-play."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emby_analytics.tracking.model import Play, Stream
from emby_analytics.tracking.store import play_row

AT = datetime(2025, 1, 1, 20, tzinfo=UTC)
DIRECT = Stream(play_method="DirectPlay", video_method="direct", audio_method="direct")
REMUX = Stream(play_method="DirectStream", video_method="copy", audio_method="copy")
TRANSCODE = Stream(
    play_method="Transcode", video_method="transcode", video_codec_from="hevc", video_codec_to="h264",
    transcode_reasons=("VideoCodecNotSupported", "ContainerBitrateExceedsLimit"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("first", "latest", "reported"),
    [
        (DIRECT, DIRECT, DIRECT),
        (DIRECT, TRANSCODE, TRANSCODE),  # switched to transcoding: counts as a transcode
        (TRANSCODE, DIRECT, TRANSCODE),  # started transcoding: still a transcode
        (REMUX, DIRECT, REMUX),
        (DIRECT, REMUX, REMUX),
        (Stream(), TRANSCODE, TRANSCODE),  # the first poll did not know the method
    ],
)
def test_reported_delivery(first: Stream, latest: Stream, reported: Stream) -> None:
    play = Play("p" * 32, "s" * 32, "u" * 32, "1", AT, AT, stream=first, stream_latest=latest)
    row = play_row(play)
    assert (row["play_method"], row["video_method"], row["video_codec_to"]) == (
        reported.play_method,
        reported.video_method,
        reported.video_codec_to,
    )
    if reported is TRANSCODE:
        assert row["transcode_reasons"] == "ContainerBitrateExceedsLimit VideoCodecNotSupported"
