"""Now-playing cards from real Emby 4.8 session payloads (a Roku transcoding, playing directly, paused) and from
variations of them (HDR kinds, Atmos, hardware transcoding, a film): what a card shows, and when two snapshots
are one view."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.fixture_files import EMBY_OPENAPI, EMBY_SAMPLES

from emby_analytics.emby.models import SessionInfo
from emby_analytics.live.cards import NowCard, card, same_view
from emby_analytics.live.words import REASONS, reason_words

AT = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def _sample(name: str) -> dict[str, Any]:
    data = json.loads((EMBY_SAMPLES / name).read_text())
    return copy.deepcopy(data[0] if isinstance(data, list) else data)


def _card(raw: dict[str, Any], at: datetime = AT) -> NowCard:
    made = card(SessionInfo.model_validate(raw), at, AT)
    assert made is not None
    return made


def test_a_transcoding_roku_episode() -> None:
    raw = _sample("sessions_emby48_roku_transcode.json")
    item = raw["NowPlayingItem"]
    made = _card(raw)
    assert (
        made.display
        == f"{item['SeriesName']} - {item['Name']} (S{item['ParentIndexNumber']:02d}E{item['IndexNumber']:02d})"
    )
    assert (made.user, made.client, made.device) == ("mark", "Roku SG", "Roku Ultra")
    assert made.play_method == "Transcode" and not made.is_paused
    assert made.video is not None and (made.video.resolution, made.video.codec, made.video.hdr) == (
        "1080p",
        "h264",
        None,
    )
    assert made.audio is not None and (made.audio.codec, made.audio.layout, made.audio.atmos) == ("eac3", "5.1", False)
    assert made.transcode is not None
    assert (made.transcode.video_from, made.transcode.video_to) == ("h264", "h264")
    assert (made.transcode.audio_from, made.transcode.audio_to) == ("eac3", "aac")
    assert made.transcode.reasons == ["AudioCodecNotSupported"]
    assert made.transcode.reasons_text == ["the client cannot play the audio codec"]
    assert made.transcode.hardware is None and made.transcode.progress_pct == pytest.approx(28.0188, abs=1e-3)
    assert made.bitrate == raw["TranscodingInfo"]["Bitrate"]
    assert made.position_sec == pytest.approx(raw["PlayState"]["PositionTicks"] / 10_000_000, abs=1e-3)
    assert made.poster == f"/img/primary/{item['SeriesId']}" and made.backdrop == f"/img/backdrop/{item['SeriesId']}"


def test_direct_play_and_paused() -> None:
    direct = _card(_sample("sessions_emby48_roku_directplay.json"))
    assert direct.play_method == "DirectPlay" and direct.transcode is None
    paused = _card(_sample("session_emby48_roku_transcode_paused.json"))
    assert paused.is_paused


@pytest.mark.parametrize(
    ("changes", "hdr"),
    [
        ({"ExtendedVideoType": "DolbyVision"}, "Dolby Vision"),
        ({"ExtendedVideoType": "Hdr10Plus"}, "HDR10+"),
        ({"ExtendedVideoType": "Hdr10"}, "HDR10"),
        ({"ExtendedVideoType": "HyperLogGamma"}, "HLG"),
        ({"ColorTransfer": "smpte2084"}, "HDR10"),
        ({"ColorTransfer": "arib-std-b67"}, "HLG"),
        ({"VideoRange": "SDR"}, None),
    ],
)
def test_hdr_kinds(changes: dict[str, str], hdr: str | None) -> None:
    raw = _sample("sessions_emby48_roku_directplay.json")
    video = next(s for s in raw["NowPlayingItem"]["MediaStreams"] if s["Type"] == "Video")
    video.update(changes, Width=3840, Height=1600, BitDepth=10)
    made = _card(raw)
    assert made.video is not None and (made.video.resolution, made.video.bit_depth, made.video.hdr) == ("4K", 10, hdr)


def test_a_film_with_atmos_transcoded_in_hardware() -> None:
    raw = _sample("sessions_emby48_roku_transcode.json")
    item = raw["NowPlayingItem"]
    item.update(Type="Movie", Name="Dune", ProductionYear=2021, SeriesId=None, SeriesName=None)
    audio = next(s for s in item["MediaStreams"] if s["Type"] == "Audio")
    audio.update(Codec="truehd", Channels=8, Profile="Dolby TrueHD + Dolby Atmos")
    raw["TranscodingInfo"].update(VideoEncoderIsHardware=True, VideoEncoderHwAccel="VAAPI", Framerate=48)
    made = _card(raw)
    assert made.display == "Dune (2021)" and made.poster == f"/img/primary/{item['Id']}"
    assert made.audio is not None and (made.audio.layout, made.audio.atmos) == ("7.1", True)
    assert made.transcode is not None and made.transcode.hardware == "encode VAAPI"


def test_every_reason_emby_names_has_words() -> None:
    spec = json.loads(EMBY_OPENAPI.read_text())
    emby_reasons = spec["components"]["schemas"]["TranscodeReason"]["enum"]
    assert set(emby_reasons) <= set(REASONS), "a reason of Emby's OpenAPI without plain words"
    assert reason_words("SomethingNewNotSupported") == "something new not supported"


def test_burned_in_subtitles_scaling_speed_and_throttling() -> None:
    raw = _sample("sessions_emby48_roku_transcode.json")
    subtitle = next(s for s in raw["NowPlayingItem"]["MediaStreams"] if s["Type"] == "Subtitle")
    raw["PlayState"]["SubtitleStreamIndex"] = subtitle["Index"]
    raw["TranscodingInfo"].update(
        TranscodeReasons=["SubtitleCodecNotSupported"], Width=1280, Height=720, Framerate=12, CurrentThrottle=3
    )
    video = next(s for s in raw["NowPlayingItem"]["MediaStreams"] if s["Type"] == "Video")
    video["AverageFrameRate"] = 24
    made = _card(raw)
    assert made.subs is not None and made.subs.burned_in and made.subs.language == "English"
    assert made.transcode is not None
    assert (made.transcode.to_resolution, made.transcode.speed, made.transcode.throttled) == ("720p", 0.5, True)
    assert made.transcode.reasons_text == ["the subtitles must be burned into the picture"]
    raw["PlayState"]["SubtitleStreamIndex"] = -1
    assert _card(raw).subs is None, "no subtitle chosen"


@pytest.mark.parametrize(
    ("item", "poster", "backdrop"),
    [
        ({"Type": "Movie", "Id": "7", "ImageTags": {"Primary": "p"}, "BackdropImageTags": ["b"]}, "7", "7"),
        ({"Type": "Movie", "Id": "7", "ImageTags": {}, "BackdropImageTags": []}, None, None),
        # Emby's episode: the series' poster and backdrop, named by their own tags.
        (
            {"Type": "Episode", "Id": "8", "SeriesId": "5", "SeriesPrimaryImageTag": "s", "ImageTags": {"Primary": "e"},
             "ParentBackdropItemId": "5", "ParentBackdropImageTags": ["b"]},
            "5", "5",
        ),
        ({"Type": "Episode", "Id": "8", "SeriesId": "5", "ImageTags": {"Primary": "e"}}, "8", None),
        # A film never borrows a parent's backdrop.
        ({"Type": "Movie", "Id": "7", "ParentBackdropItemId": "5", "ParentBackdropImageTags": ["b"]}, None, None),
    ],
)  # fmt: skip
def test_images_only_where_emby_says_they_exist(
    item: dict[str, object], poster: str | None, backdrop: str | None
) -> None:
    """A browser logs every image that fails to load: no URL for an image the item does not have."""
    raw = _sample("sessions_emby48_roku_directplay.json")
    raw["NowPlayingItem"] = {"Name": "x", "RunTimeTicks": 10**10, **item}
    made = _card(raw)
    assert made.poster == (f"/img/primary/{poster}" if poster else None)
    assert made.backdrop == (f"/img/backdrop/{backdrop}" if backdrop else None)


def test_a_hostile_item_id_makes_no_image_url() -> None:
    raw = _sample("sessions_emby48_roku_directplay.json")
    raw["NowPlayingItem"].update(Type="Movie", Id="../../admin/backup", SeriesId=None)
    made = _card(raw)
    assert made.poster is None and made.backdrop is None


def test_time_alone_moving_positions_is_the_same_view() -> None:
    raw = _sample("sessions_emby48_roku_directplay.json")
    first = _card(raw)
    raw["PlayState"]["PositionTicks"] += 5 * 10_000_000
    later = _card(raw, AT + timedelta(seconds=5))
    assert same_view([first], [later])
    raw["PlayState"]["PositionTicks"] += 600 * 10_000_000  # a seek
    assert not same_view([first], [_card(raw, AT + timedelta(seconds=10))])
    raw["PlayState"]["PositionTicks"] -= 600 * 10_000_000
    raw["PlayState"]["IsPaused"] = True
    assert not same_view([first], [_card(raw, AT + timedelta(seconds=10))])
    assert not same_view([first], [])
