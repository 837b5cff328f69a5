"""Which sessions the 4K transcode guard stops, as a table of cases: the real Emby 4.8 session payloads (a Roku
transcoding only its audio, playing directly, paused in a transcode without TranscodingInfo, idle) and variations of
them (a 4K or 8K source, the video transcoded, remuxed, Live TV). Only a transcoded 4K-or-more video offends."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tests.fixture_files import EMBY_SAMPLES

from emby_analytics.emby.models import SessionInfo, SessionsSnapshot
from emby_analytics.guard import offence, offences

TRANSCODE = "sessions_emby48_roku_transcode.json"  # 1080p h264, audio transcoded (IsVideoDirect: true)
DIRECT = "sessions_emby48_roku_directplay.json"
PAUSED = "session_emby48_roku_transcode_paused.json"  # Transcode, no TranscodingInfo
IDLE = "sessions_emby48_roku_idle.json"


def _sample(name: str) -> dict[str, Any]:
    data = json.loads((EMBY_SAMPLES / name).read_text())
    return copy.deepcopy(data[0] if isinstance(data, list) else data)


def _vary(
    name: str,
    *,
    size: tuple[int, int] | None = None,
    stream_size: bool = True,
    video_direct: bool | None = None,
    method: str | None = None,
    item_type: str | None = None,
) -> dict[str, Any]:
    """A real session with its source's size, the video's transcode, the play method or the item's type changed."""
    raw = _sample(name)
    item = raw.get("NowPlayingItem")
    if size is not None and item is not None:
        item["Width"], item["Height"] = size
        for stream in item.get("MediaStreams", []):
            if stream["Type"] == "Video":
                if stream_size:
                    stream["Width"], stream["Height"] = size
                else:
                    stream.pop("Width", None), stream.pop("Height", None)
    if video_direct is not None:
        raw["TranscodingInfo"]["IsVideoDirect"] = video_direct
    if method is not None:
        raw["PlayState"]["PlayMethod"] = method
        if method != "Transcode":
            raw.pop("TranscodingInfo", None)
    if item_type is not None and item is not None:
        item["Type"] = item_type
    return raw


UHD, SCOPE, EIGHT_K, QHD = (3840, 2160), (3840, 1600), (7680, 4320), (2560, 1440)

CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("the real audio-only transcode (1080p)", _sample(TRANSCODE), None),
    ("the real direct play", _sample(DIRECT), None),
    ("the real paused transcode, no TranscodingInfo", _sample(PAUSED), None),
    ("the real idle session", _sample(IDLE), None),
    ("1080p, video transcoded", _vary(TRANSCODE, video_direct=False), None),
    ("1440p is not 4K, video transcoded", _vary(TRANSCODE, size=QHD, video_direct=False), None),
    ("4K, audio-only transcode", _vary(TRANSCODE, size=UHD), None),
    ("4K, video transcoded", _vary(TRANSCODE, size=UHD, video_direct=False), "4K"),
    ("4K letterboxed, video transcoded", _vary(TRANSCODE, size=SCOPE, video_direct=False), "4K"),
    ("8K, video transcoded", _vary(TRANSCODE, size=EIGHT_K, video_direct=False), "8K"),
    ("4K known from the item only", _vary(TRANSCODE, size=UHD, stream_size=False, video_direct=False), "4K"),
    ("4K direct play", _vary(DIRECT, size=UHD), None),
    ("4K remux (DirectStream)", _vary(TRANSCODE, size=UHD, method="DirectStream"), None),
    ("4K paused in a transcode without TranscodingInfo", _vary(PAUSED, size=UHD), None),
    ("4K Live TV, video transcoded", _vary(TRANSCODE, size=UHD, video_direct=False, item_type="TvChannel"), None),
    ("4K film, video transcoded", _vary(TRANSCODE, size=UHD, video_direct=False, item_type="Movie"), "4K"),
]


@pytest.mark.parametrize(("raw", "expected"), [(raw, q) for _, raw, q in CASES], ids=[c[0] for c in CASES])
def test_which_sessions_offend(raw: dict[str, Any], expected: str | None) -> None:
    found = offence(SessionInfo.model_validate(raw))
    assert (found.quality if found is not None else None) == expected


def test_an_offence_names_the_play() -> None:
    raw = _vary(TRANSCODE, size=UHD, video_direct=False)
    item = raw["NowPlayingItem"]
    found = offence(SessionInfo.model_validate(raw))
    assert found is not None
    assert found.key == (raw["Id"], item["Id"])
    assert (found.user, found.client, found.device) == ("mark", "Roku SG", "Roku Ultra")
    assert found.title == (
        f"{item['SeriesName']} - {item['Name']} (S{item['ParentIndexNumber']:02d}E{item['IndexNumber']:02d})"
    )


def test_hostile_names_are_bounded() -> None:
    raw = _vary(TRANSCODE, size=UHD, video_direct=False)
    raw["UserName"] = "<script>" + "x" * 10_000
    found = offence(SessionInfo.model_validate(raw))
    assert found is not None and found.user is not None and len(found.user) == 200


def test_a_snapshot_lists_only_the_offenders() -> None:
    offending = _vary(TRANSCODE, size=UHD, video_direct=False)
    offending["Id"] = "f" * 32
    payload = [_sample(TRANSCODE), _sample(DIRECT), offending, _sample(IDLE), _vary(DIRECT, size=UHD)]
    found = offences(SessionsSnapshot.from_payload(payload))
    assert [o.session_id for o in found] == ["f" * 32]
