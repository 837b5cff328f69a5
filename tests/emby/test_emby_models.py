"""Lenient parsing of Emby payloads: dates, ids, provider ids, huge numbers, bad records."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from emby_analytics.emby.models import (
    BaseItem,
    ItemCounts,
    ItemsPage,
    SessionInfo,
    SessionsSnapshot,
    SocketMessage,
    User,
    VirtualFolder,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-09T22:31:50.9443462Z", datetime(2025, 1, 9, 22, 31, 50, 944346, tzinfo=UTC)),
        ("2025-01-09T22:31:50.944Z", datetime(2025, 1, 9, 22, 31, 50, 944000, tzinfo=UTC)),
        ("2025-01-09T22:31:50Z", datetime(2025, 1, 9, 22, 31, 50, tzinfo=UTC)),
        ("2025-01-09T22:31:50.9443462", datetime(2025, 1, 9, 22, 31, 50, 944346, tzinfo=UTC)),
        ("2025-01-09T23:31:50+01:00", datetime(2025, 1, 9, 22, 31, 50, tzinfo=UTC)),
        ("0001-01-01T00:00:00.0000000Z", None),  # .NET DateTime.MinValue = never
        ("not a date", None),
        ("", None),
    ],
)
def test_dates_are_lenient_and_utc(text: str, expected: datetime | None) -> None:
    item = BaseItem.model_validate({"Id": "1", "DateCreated": text})
    assert item.date_created == expected
    if item.date_created is not None:
        assert item.date_created.utcoffset() is not None


def test_snake_case_and_aliases_both_work() -> None:
    by_alias = BaseItem.model_validate({"Id": "5", "RunTimeTicks": 10_000_000, "SeriesName": "S"})
    by_name = BaseItem(id="5", run_time_ticks=10_000_000, series_name="S")
    assert by_alias == by_name
    assert by_alias.runtime_seconds == 1.0


def test_models_are_frozen() -> None:
    item = BaseItem.model_validate({"Id": "5"})
    with pytest.raises(ValidationError):
        item.name = "x"  # type: ignore[misc]


def test_provider_ids_case_insensitive() -> None:
    item = BaseItem.model_validate(
        {"Id": "1", "ProviderIds": {"IMDB": "tt1", "Tmdb": 42, "Tvdb": "", "Bad": None, " Trakt ": "7"}}
    )
    assert item.provider_ids == {"imdb": "tt1", "tmdb": "42", "trakt": "7"}
    assert item.provider_id("Imdb") == item.provider_id("imdb") == "tt1"
    assert BaseItem.model_validate({"Id": "1", "ProviderIds": "junk"}).provider_ids == {}


def test_ids_given_as_numbers_become_text() -> None:
    item = BaseItem.model_validate(
        {"Id": 12, "ParentId": 3, "GenreItems": [{"Name": "Drama", "Id": 7765}], "Studios": [{"Id": 9}]}
    )
    assert (item.id, item.parent_id, item.genre_items[0].id, item.studios[0].id) == ("12", "3", "7765", "9")


@pytest.mark.parametrize("huge", [2**64, -(2**70), 10**39, 1e300, float("inf"), "NaN"])
def test_huge_or_junk_numbers_drop_the_field_not_the_record(huge: Any) -> None:
    item = BaseItem.model_validate(
        {"Id": "1", "Size": huge, "RunTimeTicks": huge, "CommunityRating": huge, "Width": huge}
    )
    assert item.size is None and item.run_time_ticks is None and item.width is None
    # Floats only need to be finite (they are not stored as int64).
    assert item.community_rating is None or math.isfinite(item.community_rating)
    assert item.runtime_seconds is None


def test_int64_edge_is_kept() -> None:
    item = BaseItem.model_validate({"Id": "1", "Size": 2**63 - 1})
    assert item.size == 2**63 - 1


def test_nulls_and_missing_collections() -> None:
    item = BaseItem.model_validate(
        {"Id": "1", "Genres": None, "MediaSources": None, "ImageTags": None, "Studios": None, "Name": None}
    )
    assert item.genres == [] and item.media_sources == [] and item.image_tags == {} and item.studios == []
    assert item.primary_video_stream is None and item.subtitle_languages == []


def test_missing_id_fails_the_record() -> None:
    with pytest.raises(ValidationError):
        BaseItem.model_validate({"Name": "no id"})


def test_stream_selection_and_fallbacks() -> None:
    item = BaseItem.model_validate(
        {
            "Id": "1",
            "MediaSources": [
                {"Type": "Placeholder", "Size": 0},
                {
                    "Type": "Default",
                    "Container": "mkv",
                    "Size": 1000,
                    "Bitrate": 5000,
                    "RunTimeTicks": 600_000_000,
                    "DefaultAudioStreamIndex": 2,
                    "MediaStreams": [
                        {"Index": 0, "Type": "Video", "Codec": "hevc", "Width": 3840, "Height": 2160},
                        {"Index": 1, "Type": "Audio", "Codec": "aac", "Language": "eng", "IsDefault": True},
                        {"Index": 2, "Type": "Audio", "Codec": "truehd", "Language": "ger"},
                        {"Index": 3, "Type": "Subtitle", "Language": "eng"},
                        {"Index": 4, "Type": "Subtitle", "Language": "ENG"},
                        {"Index": 5, "Type": "Subtitle", "Language": "fre"},
                        {"Index": 6, "Type": "Subtitle"},
                    ],
                },
            ],
        }
    )
    assert item.primary_media_source is not None and item.primary_media_source.size == 1000
    assert (item.resolved_width, item.resolved_height) == (3840, 2160)
    assert (item.resolved_container, item.resolved_size, item.resolved_bitrate) == ("mkv", 1000, 5000)
    assert item.runtime_seconds == 60.0
    # The source's DefaultAudioStreamIndex wins over the IsDefault flag.
    assert item.primary_audio_stream is not None and item.primary_audio_stream.codec == "truehd"
    assert item.subtitle_languages == ["eng", "fre"]
    assert item.audio_languages == ["eng", "ger"]


def test_top_level_values_win_over_fallbacks() -> None:
    item = BaseItem.model_validate(
        {
            "Id": "1",
            "Width": 1280,
            "Height": 720,
            "Container": "mp4",
            "Size": 7,
            "Bitrate": 9,
            "MediaSources": [{"Type": "Default", "Container": "mkv", "Size": 1, "Bitrate": 1}],
        }
    )
    assert (item.resolved_width, item.resolved_height, item.resolved_container) == (1280, 720, "mp4")
    assert (item.resolved_size, item.resolved_bitrate) == (7, 9)


def test_first_audio_stream_when_none_is_default() -> None:
    item = BaseItem.model_validate(
        {"Id": "1", "MediaStreams": [{"Type": "Audio", "Codec": "ac3"}, {"Type": "Audio", "Codec": "aac"}]}
    )
    assert item.primary_audio_stream is not None and item.primary_audio_stream.codec == "ac3"


def test_items_page_skips_and_counts_bad_records(caplog: pytest.LogCaptureFixture) -> None:
    payload = {
        "Items": [
            {"Id": "1", "Name": "ok"},
            {"Name": "no id <script>"},
            {"Id": "3", "MediaSources": "not a list"},
            "not an object",
            {"Id": "5", "Size": 2**80},
        ],
        "TotalRecordCount": 5,
    }
    with caplog.at_level(logging.WARNING):
        page = ItemsPage.from_payload(payload)
    assert [i.id for i in page.items] == ["1", "5"]
    assert page.skipped == 3
    assert page.total_record_count == 5
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert any("id=3" in w for w in warnings)
    assert not any("<script>" in w or "not a list" in w for w in warnings)


def test_items_page_rejects_non_object() -> None:
    with pytest.raises(ValueError):
        ItemsPage.from_payload([1, 2])


def test_sessions_snapshot() -> None:
    snapshot = SessionsSnapshot.from_payload(
        [
            {"Id": "a" * 32, "NowPlayingItem": {"Id": "9", "Name": "x"}, "PlayState": {"PositionTicks": 5}},
            {"Id": "b" * 32},
            {"NoId": True},
            {"Id": "c" * 32, "NowPlayingItem": {"Name": "item without id"}},
        ]
    )
    assert snapshot.skipped == 2
    assert [s.id for s in snapshot.playing] == ["a" * 32]
    assert snapshot.sessions[1].play_state.position_ticks is None
    with pytest.raises(ValueError):
        SessionsSnapshot.from_payload({"Items": []})


def test_transcode_reasons_as_string() -> None:
    session = SessionInfo.model_validate(
        {"Id": "s", "TranscodingInfo": {"TranscodeReasons": "VideoCodecNotSupported, AudioCodecNotSupported"}}
    )
    assert session.transcoding_info is not None
    assert session.transcoding_info.transcode_reasons == ["VideoCodecNotSupported", "AudioCodecNotSupported"]


def test_user_virtual_folder_counts_socket() -> None:
    user = User.model_validate(
        {
            "Id": "f" * 32,
            "Name": "ann",
            "HasPassword": True,
            "LastActivityDate": "2025-01-09T22:31:50.9443462Z",
            "Policy": {"IsAdministrator": True, "IsHidden": False, "EnabledFolders": ["1", 2]},
        }
    )
    assert user.is_administrator and not user.is_hidden and not user.is_disabled
    assert user.policy is not None and user.policy.enabled_folders == ["1", "2"]
    assert not User.model_validate({"Id": "1"}).is_administrator

    folder = VirtualFolder.model_validate(
        {"Name": "Movies", "Locations": ["/m"], "CollectionType": "movies", "ItemId": "7", "Guid": "g"}
    )
    assert folder.library_id == "7" and folder.locations == ["/m"]

    counts = ItemCounts.model_validate({"MovieCount": 7550, "SeriesCount": 2592, "EpisodeCount": 82747})
    assert (counts.movie_count, counts.episode_count, counts.book_count) == (7550, 82747, 0)

    frame = SocketMessage.model_validate({"MessageType": "Sessions", "Data": [{"Id": "x"}], "MessageId": "m1"})
    assert frame.message_type == "Sessions" and frame.data == [{"Id": "x"}]
    assert SessionsSnapshot.from_payload(frame.data).sessions[0].id == "x"


_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_item_keys = st.sampled_from(
    ["Id", "Name", "Size", "RunTimeTicks", "DateCreated", "ProviderIds", "MediaSources", "MediaStreams",
     "Width", "GenreItems", "UserData", "ImageTags", "Genres", "CommunityRating"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_item_keys, _json, max_size=8), max_size=6))
def test_items_page_never_crashes_on_arbitrary_records(records: list[dict[str, Any]]) -> None:
    page = ItemsPage.from_payload({"Items": records, "TotalRecordCount": len(records)})
    assert len(page.items) + page.skipped == len(records)
    for item in page.items:
        # The convenience properties are total functions of any item that validated.
        _ = (
            item.primary_video_stream,
            item.primary_audio_stream,
            item.subtitle_languages,
            item.runtime_seconds,
        )
        _ = (item.resolved_width, item.resolved_height, item.resolved_size, item.resolved_bitrate)
