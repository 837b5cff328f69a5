"""How a play is reported (pure rules, tables of cases): its delivery when it changed mid-play, which viewing a play
resumes (rule 11); and how the store maps a play's context to its row."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from tests.fixture_files import FIXTURES

from emby_analytics.db.schema import plays
from emby_analytics.tracking.model import (
    TICKS_PER_SECOND,
    Play,
    PlayContext,
    Segment,
    SessionObs,
    Stream,
    TrackerConfig,
)
from emby_analytics.tracking.reporting import EarlierPlay, reported_stream, resumed_view
from emby_analytics.tracking.store import play_row
from emby_analytics.tracking.tracker import Tracker

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
    assert reported_stream(first, latest) is reported
    row = play_row(Play("p" * 32, "s" * 32, AT, AT, PlayContext("u" * 32, "1", stream=first), stream_latest=latest))
    assert (row["play_method"], row["video_method"], row["video_codec_to"]) == (
        reported.play_method,
        reported.video_method,
        reported.video_codec_to,
    )
    if reported is TRANSCODE:
        assert row["transcode_reasons"] == "ContainerBitrateExceedsLimit VideoCodecNotSupported"


WINDOW = timedelta(hours=24)


def _starting_at(position_s: float, minutes_after: float = 0) -> Play:
    start = AT + timedelta(minutes=minutes_after)
    pos = round(position_s * TICKS_PER_SECOND)
    return Play("p" * 32, "s1", start, start, PlayContext("u1", "i1"), segments=[Segment(start, start, pos, pos)])


def _earlier(view: str, hours_before: float, stopped_at_s: float | None, completed: bool = False) -> EarlierPlay:
    position = None if stopped_at_s is None else round(stopped_at_s * TICKS_PER_SECOND)
    return EarlierPlay(view, AT - timedelta(hours=hours_before), position, completed)


@pytest.mark.parametrize(
    ("earlier", "starts_at", "window", "view"),
    [
        ([], 1800, WINDOW, None),  # nothing before: a new viewing
        ([_earlier("v1", 2, 1800)], 1800, WINDOW, "v1"),  # starts where it stopped
        ([_earlier("v1", 2, 1800)], 1800 + 119, WINDOW, "v1"),  # near enough (2 minutes)
        ([_earlier("v1", 2, 1800)], 1800 + 121, WINDOW, None),  # further on: watched elsewhere, or skipped
        ([_earlier("v1", 2, 1800)], 0, WINDOW, None),  # from the start again: a rewatch
        ([_earlier("v1", 2, 1800, completed=True)], 1800, WINDOW, None),  # the last one was finished
        ([_earlier("v1", 30, 1800)], 1800, WINDOW, None),  # outside RESUME_WINDOW_HOURS
        ([_earlier("v1", 20, 600), _earlier("v2", 2, 1800)], 1800, WINDOW, "v2"),  # the latest one counts
        ([_earlier("v1", 2, 600), _earlier("v2", 20, 1800)], 1800, WINDOW, None),
        ([_earlier("v1", 2, None)], 1800, WINDOW, None),  # no position known
        ([_earlier("v1", 2, 1800)], 1800, timedelta(0), None),  # RESUME_WINDOW_HOURS=0 turns grouping off
    ],
)
def test_resumed_view(earlier: list[EarlierPlay], starts_at: float, window: timedelta, view: str | None) -> None:
    assert resumed_view(_starting_at(starts_at), earlier, window) == view


def test_every_context_field_has_its_column_and_long_text_is_cut_to_fit() -> None:
    """A new fact is one field of PlayContext plus its column: the store needs no edit, and a test says so."""
    columns = set(plays.c.keys())
    assert {f.name for f in fields(PlayContext)} - {"stream"} <= columns
    assert {f.name for f in fields(Stream)} <= columns
    context = PlayContext("u1", "i1", item_name="x" * 2000, client="c" * 500, device_name="Roku", live_tv=True)
    row = play_row(Play("p" * 32, "s" * 200, AT, AT, context))
    assert row["item_name"] == "x" * 512 and row["client"] == "c" * 128 and row["session_id"] == "s" * 64
    assert (row["device_name"], row["live_tv"], row["user_id"], row["item_id"]) == ("Roku", True, "u1", "i1")
    assert set(row) <= columns


def test_an_open_play_saved_by_the_previous_version_restores_and_continues() -> None:
    """The state a service of the previous version persisted (context fields at the top level, a cursor with
    `held`) restores intact, and the restored tracker keeps crediting the slow reporter as that one would."""
    saved = json.loads((FIXTURES / "tracking" / "open_play_e143fbc.json").read_text())
    play = Play.from_state_dict(saved)
    assert play.context == PlayContext(
        "u1", "i1", user_name="ann", item_type="Movie", item_name="Film", runtime_ticks=7200 * TICKS_PER_SECOND,
        client="Roku SG", device_name="Roku Ultra", device_id="d1", remote_address="10.0.0.2",
        stream=Stream(play_method="DirectPlay", video_method="direct", audio_method="direct"),
    )  # fmt: skip
    assert (play.cursor.paced, play.cursor.holds, play.cursor.report_lag) == (True, 1, 10.0)
    assert play.watch_seconds == pytest.approx(18.0)  # 20:00:02 → 20:00:20, credited on between its reports
    tracker = Tracker(TrackerConfig(), [play])
    at = datetime(2025, 1, 1, 20, 0, 25, tzinfo=UTC)
    obs = SessionObs("s1", play.context, 20 * TICKS_PER_SECOND, reported_at=at - timedelta(seconds=3))
    (same,) = tracker.observe(at, [obs]).changed
    assert same.play_id == saved["play_id"] and same.watch_seconds == pytest.approx(23.0)
