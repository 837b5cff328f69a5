"""Every captured real Emby payload in tests/fixtures/emby/samples parses through its model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.fixture_files import EMBY_SAMPLES as SAMPLES

from emby_analytics.emby.models import (
    BaseItem,
    ItemsPage,
    PublicSystemInfo,
    SessionInfo,
    SessionsSnapshot,
    SystemInfo,
    WebhookEvent,
)

SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))


def _load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _parse(path: Path) -> Any:
    """Parse a sample by its filename prefix; returns the parsed model (or list of them)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    name = path.name
    if name.startswith(("sessions_", "session_")):
        records = data if isinstance(data, list) else [data]
        return [SessionInfo.model_validate(r) for r in records]
    if name.startswith("nowplayingitem_"):
        # The capture wraps the item as {"NowPlayingItem": {...}}.
        return BaseItem.model_validate(data.get("NowPlayingItem", data))
    if name.startswith("item_"):
        return BaseItem.model_validate(data)
    if name.startswith("items_"):
        return ItemsPage.model_validate(data)
    if name.startswith("system_info_public_"):
        return PublicSystemInfo.model_validate(data)
    if name.startswith("system_info_"):
        return SystemInfo.model_validate(data)
    if name.startswith("webhook_"):
        return WebhookEvent.model_validate(data)
    raise AssertionError(f"no model mapped for sample {name}")


def test_samples_exist() -> None:
    assert len(SAMPLE_FILES) >= 20


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_parses(path: Path) -> None:
    parsed = _parse(path)
    assert parsed is not None
    if path.name.startswith("webhook_"):
        # The file name carries the event name.
        assert parsed.event == path.name.removeprefix("webhook_").split("_")[0]


@pytest.mark.parametrize("path", [p for p in SAMPLE_FILES if p.name.startswith("session")], ids=lambda p: p.name)
def test_session_samples_parse_leniently_with_nothing_skipped(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    snapshot = SessionsSnapshot.from_payload(data if isinstance(data, list) else [data])
    assert snapshot.skipped == 0
    assert len(snapshot.sessions) >= 1


def test_transcode_session() -> None:
    (session,) = _parse(SAMPLES / "sessions_emby48_roku_transcode.json")
    assert session.id == "f1fd0596d93fc5ad959006d3cdafcc71"
    assert session.user_name == "mark"
    assert session.client == "Roku SG"
    assert session.device_id == "9f53d43e-e5f7-5161-881a-d91843d0d372"
    assert session.internal_device_id == 33
    assert session.last_activity_date == datetime(2025, 1, 8, 19, 49, 51, 595819, tzinfo=UTC)
    assert session.play_state.play_method == "Transcode"
    assert session.play_state.position_ticks == 5_340_000_000
    assert session.position_seconds == 534.0
    assert session.play_state.is_paused is False
    assert session.play_state.playback_rate == 1.0
    assert session.is_transcoding and session.is_playing
    info = session.transcoding_info
    assert info is not None
    assert info.transcode_reasons == ["AudioCodecNotSupported"]
    assert (info.video_codec, info.audio_codec, info.container) == ("h264", "aac", "ts")
    assert info.is_video_direct is True and info.is_audio_direct is False
    assert (info.width, info.height, info.audio_channels, info.bitrate) == (1920, 1080, 2, 4787337)
    assert info.completion_percentage == pytest.approx(28.0188, abs=1e-3)
    item = session.now_playing_item
    assert item is not None
    assert (item.series_name, item.parent_index_number, item.index_number) == ("The Old Man", 2, 7)
    assert item.primary_video_stream is not None and item.primary_video_stream.codec == "h264"
    assert item.media_sources == []  # NowPlayingItem carries MediaStreams but no MediaSources


def test_paused_transcode_without_transcoding_info() -> None:
    (session,) = _parse(SAMPLES / "session_emby48_roku_transcode_paused.json")
    assert session.play_state.is_paused is True
    assert session.play_state.play_method == "Transcode"
    assert session.transcoding_info is None
    assert session.is_transcoding
    assert session.play_state.position_ticks == 13_720_000_000
    assert session.last_activity_date == datetime(2025, 1, 9, 22, 31, 50, 944346, tzinfo=UTC)


def test_idle_and_directplay_sessions() -> None:
    (idle,) = _parse(SAMPLES / "sessions_emby48_roku_idle.json")
    assert idle.now_playing_item is None and not idle.is_playing
    assert idle.play_state.position_ticks is None and idle.play_state.play_method is None
    assert idle.supports_remote_control is True
    (direct,) = _parse(SAMPLES / "sessions_emby48_roku_directplay.json")
    assert direct.play_state.play_method == "DirectPlay"
    assert direct.transcoding_info is None and not direct.is_transcoding
    snapshot = SessionsSnapshot.from_payload(_load("sessions_emby48_roku_idle.json"))
    assert snapshot.playing == []


def test_legacy_2014_session_still_parses() -> None:
    (session,) = _parse(SAMPLES / "session_legacy_docs_example_2014.json")
    assert session.client == "Emby Theater"
    assert session.now_playing_item is None  # it only has the legacy NowViewingItem


def test_episode_with_media_sources() -> None:
    item = _parse(SAMPLES / "item_episode_with_mediasources_emby48.json")
    assert item.type == "Episode"
    assert (item.series_id, item.season_id, item.parent_index_number, item.index_number) == (
        "4583860",
        "4786401",
        3,
        6,
    )
    assert item.series_name == "Somebody Somewhere"
    assert item.runtime_seconds == pytest.approx(1721.44)
    assert not item.is_placeholder
    source = item.primary_media_source
    assert source is not None and source.type == "Default" and source.size == 275_526_790
    # No top-level Width/Height: they come from the source's video stream.
    assert item.width is None
    assert (item.resolved_width, item.resolved_height) == (1440, 720)
    assert item.resolved_container == "mkv"
    assert item.resolved_size == 275_526_790
    assert item.primary_video_stream is not None and item.primary_video_stream.codec == "hevc"
    assert item.primary_audio_stream is not None and item.primary_audio_stream.codec == "eac3"
    assert item.subtitle_languages == ["eng"]
    assert item.provider_id("TVDB") == "10764769"
    assert item.user_data is not None and item.user_data.played is False


@pytest.mark.parametrize(
    "name", ["item_episode_unaired_placeholder_emby48.json", "item_episode_virtual_placeholder_emby48.json"]
)
def test_placeholder_episodes(name: str) -> None:
    item = _parse(SAMPLES / name)
    assert item.media_sources[0].type == "Placeholder"
    assert item.media_sources[0].is_placeholder
    assert item.is_placeholder
    assert item.primary_media_source is None
    assert item.path is None
    assert item.resolved_size is None  # Size 0 on a placeholder means "no file"
    assert item.primary_video_stream is None
    assert item.runtime_seconds is None or item.runtime_seconds >= 0


def test_season_and_now_playing_item() -> None:
    season = _parse(SAMPLES / "item_season_emby48.json")
    assert season.type == "Season" and season.is_folder is True
    assert season.user_data is not None and season.user_data.unplayed_item_count == 0
    assert season.provider_ids == {}
    item = _parse(SAMPLES / "nowplayingitem_episode_emby48.json")
    assert (item.series_name, item.parent_index_number, item.index_number) == ("Family Guy", 12, 16)
    assert item.provider_ids == {"tvdb": "4833644", "imdb": "tt3607766"}  # "IMDB" normalised
    assert (item.resolved_width, item.resolved_height, item.resolved_bitrate) == (848, 480, 840183)
    assert item.subtitle_languages == ["en"]
    assert item.audio_languages == ["eng"]


def test_items_page() -> None:
    page = _parse(SAMPLES / "items_series_query_emby48_truncated.json")
    assert page.total_record_count == 340
    assert len(page.items) == 3
    first = page.items[0]
    assert first.type == "Series" and first.name == "Acapulco (2021)"
    assert first.provider_id("imdb") == "tt13567344"
    assert first.genre_items[0].id == "8009"  # a JSON number, kept as text
    lenient = ItemsPage.from_payload(_load("items_series_query_emby48_truncated.json"))
    assert lenient.skipped == 0 and len(lenient.items) == 3


def test_system_info() -> None:
    info48 = _parse(SAMPLES / "system_info_emby4.8.0.62_redacted.json")
    assert (info48.server_name, info48.version, info48.operating_system) == ("nyamedia", "4.8.0.62", "Linux")
    assert info48.has_pending_restart is True and info48.https_port_number == 443
    info49 = _parse(SAMPLES / "system_info_emby4.9.1.90_redacted.json")
    assert info49.is_in_maintenance_mode is False and info49.system_update_level == "Release"
    public = _parse(SAMPLES / "system_info_public_emby4.9.1.90_redacted.json")
    assert (public.server_name, public.version, public.local_addresses) == ("OkEmby", "4.9.1.90", [])


def test_webhooks() -> None:
    pause = _parse(SAMPLES / "webhook_playback.pause_movie_emby4.8.11.json")
    assert pause.event == "playback.pause"
    assert pause.user is not None and pause.user.name == "luizfelipe"
    assert pause.session is not None and pause.session.client == "Emby Web"
    assert pause.playback_info is not None
    assert pause.playback_info.play_session_id == "877a2058010a43798449a538f20c1cb8"
    assert pause.playback_info.position_ticks == 8_873_335_240
    assert pause.item is not None and pause.item.studios[0].id == "3734"

    done = _parse(SAMPLES / "webhook_playback.stop_episode_completed_emby4.7.14.json")
    assert done.playback_info is not None
    assert done.playback_info.played_to_completion is True and done.playback_info.position_ticks == 0
    assert done.item is not None and done.item.provider_id("IMDB") == "tt2102480"

    stopped = _parse(SAMPLES / "webhook_playback.stop_movie_emby4.7.13.json")
    assert stopped.playback_info is not None and stopped.playback_info.played_to_completion is False

    marked = _parse(SAMPLES / "webhook_item.markplayed_movie_emby4.8.11.json")
    assert marked.title == "item.markplayed"
    assert marked.item is not None and marked.item.user_data is not None
    assert marked.item.user_data.play_count == 1
    assert marked.date == datetime(2025, 6, 6, 19, 18, 12, 311229, tzinfo=UTC)

    new = _parse(SAMPLES / "webhook_library.new_episode_emby4.7.14.json")
    assert new.user is None and new.item is not None and new.item.provider_ids == {}
    assert new.item.run_time_ticks is None

    test_event = _parse(SAMPLES / "webhook_system.webhooktest_emby4.7.14.json")
    assert test_event.event == "system.webhooktest"
    assert test_event.server is not None and test_event.server.version == "4.7.14.0"
    assert test_event.item is None and test_event.playback_info is None
