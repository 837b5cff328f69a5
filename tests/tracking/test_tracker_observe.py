"""Converters on real Emby payloads (tests/fixtures/emby/samples), events, dedupe and persistence round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.fixture_files import EMBY_SAMPLES as SAMPLES

from emby_analytics.emby.models import SessionsSnapshot, WebhookEvent
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlaybackEvent, PlayContext, SessionObs
from emby_analytics.tracking.observe import idle_sessions, observations, playback_event
from emby_analytics.tracking.tracker import Tracker

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _load(name: str) -> Any:
    data = json.loads((SAMPLES / name).read_text())
    return data if isinstance(data, list) else [data]


CASES = [
    # file, method, video, audio, subtitle, video from→to, audio from→to, paused
    ("sessions_emby48_roku_transcode.json", "Transcode", "copy", "transcode", "direct", ("h264", "h264"),
     ("eac3", "aac"), False),
    ("sessions_emby48_roku_directplay.json", "DirectPlay", "direct", "direct", "direct", ("h264", "h264"),
     ("eac3", "eac3"), False),
    ("session_emby48_roku_transcode_paused.json", "Transcode", None, None, "direct", ("h264", None), ("eac3", None),
     True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_session_samples(case: tuple[Any, ...]) -> None:
    name, method, video, audio, sub, vcodec, acodec, paused = case
    (obs,) = observations(SessionsSnapshot.from_payload(_load(name)))
    context, stream = obs.context, obs.context.stream
    assert stream.play_method == method and obs.is_paused is paused
    assert (stream.video_method, stream.audio_method, stream.subtitle_method) == (video, audio, sub)
    assert (stream.video_codec_from, stream.video_codec_to) == vcodec
    assert (stream.audio_codec_from, stream.audio_codec_to) == acodec
    assert context.item_type == "Episode" and context.series_name == "The Old Man"
    assert context.episode_number is not None and context.client == "Roku SG"
    assert context.runtime_ticks and obs.position_ticks and not context.live_tv
    assert obs.user_id == "894c752d448f45a3a1260ccaabd0adff" and obs.reported_at is not None
    if method == "Transcode" and video:
        assert stream.transcode_reasons == ("AudioCodecNotSupported",) and stream.bitrate == 4787337


def test_idle_sample_is_skipped_but_listed_as_idle() -> None:
    snap = SessionsSnapshot.from_payload(_load("sessions_emby48_roku_idle.json"))
    assert observations(snap) == []
    assert list(idle_sessions(snap)) == ["f1fd0596d93fc5ad959006d3cdafcc71"]


def test_live_tv_item_is_flagged() -> None:
    payload = _load("sessions_emby48_roku_directplay.json")
    payload[0]["NowPlayingItem"] = {"Id": "77", "Name": "News 24", "Type": "TvChannel"}
    (obs,) = observations(SessionsSnapshot.from_payload(payload))
    assert obs.context.live_tv and obs.context.runtime_ticks is None


@pytest.mark.parametrize(
    ("name", "kind", "completed"),
    [
        ("webhook_playback.pause_movie_emby4.8.11.json", "pause", None),
        ("webhook_playback.start_episode_emby4.7.13.json", "start", None),
        ("webhook_playback.stop_movie_emby4.7.13.json", "stop", False),
        ("webhook_playback.stop_episode_completed_emby4.7.14.json", "stop", True),
    ],
)
def test_webhook_samples(name: str, kind: str, completed: bool | None) -> None:
    event = WebhookEvent.model_validate(_load(name)[0])
    received = datetime(2030, 1, 1, tzinfo=UTC)
    ev = playback_event(event, received)
    assert ev is not None and ev.kind == kind and ev.played_to_completion is completed
    assert ev.at == (event.date or received) and ev.event_key
    assert ev.session_id or ev.device_id
    if completed:
        assert ev.position_ticks is None  # PositionTicks 0 on a completed stop is not a position
    assert playback_event(event, received) == ev  # stable key: a retry dedupes


def test_non_playback_webhooks_are_not_events() -> None:
    event = WebhookEvent.model_validate(_load("webhook_item.markplayed_movie_emby4.8.11.json")[0])
    assert playback_event(event, T0) is None


def _obs(pos: float, paused: bool = False) -> SessionObs:
    context = PlayContext("u1", "i1", device_id="d1")
    return SessionObs("s1", context, position_ticks=round(pos * TICKS_PER_SECOND), is_paused=paused)


def _ev(kind: str, at: float, pos: float | None, key: str | None = None) -> PlaybackEvent:
    ticks = None if pos is None else round(pos * TICKS_PER_SECOND)
    return PlaybackEvent(T0 + timedelta(seconds=at), kind, "u1", "i1", None, "d1", ticks, None, key or f"{kind}{at}")  # type: ignore[arg-type]


def test_events_are_exact_and_deduped() -> None:
    tracker = Tracker()
    start = PlaybackEvent(T0 + timedelta(seconds=1.5), "start", "u1", "i1", "s1", "d1", 0, None, "k-start")
    assert tracker.event(start).opened
    assert tracker.event(start).changed == []  # a retry
    tracker.observe(T0 + timedelta(seconds=5), [_obs(3.5)])
    tracker.event(_ev("pause", 7.25, 5.75))  # matched by device id
    tracker.observe(T0 + timedelta(seconds=10), [_obs(5.75, True)])
    tracker.event(_ev("unpause", 12.0, 5.75))
    tracker.event(_ev("unpause", 12.0, 5.75))  # retry: ignored
    tracker.observe(T0 + timedelta(seconds=15), [_obs(8.75)])
    out = tracker.event(_ev("stop", 16.5, 10.25))
    (play,) = out.closed
    assert play.watch_seconds == pytest.approx(5.75 + 4.5)
    assert play.source == "webhook" and play.end_reason == "event_stop" and play.started_at == start.at
    assert tracker.event(_ev("stop", 16.5, 10.25)).changed == []


def test_late_pause_event_corrects_the_estimate() -> None:
    tracker = Tracker()
    for t in range(0, 25, 5):
        tracker.observe(T0 + timedelta(seconds=t), [_obs(t)])
    tracker.observe(T0 + timedelta(seconds=25), [_obs(21, True)])
    (play,) = tracker.event(_ev("pause", 21.4, None)).changed
    assert play.watch_seconds == pytest.approx(21.4)


def test_state_dict_round_trips_through_json() -> None:
    tracker = Tracker()
    for t in range(0, 30, 5):
        tracker.observe(T0 + timedelta(seconds=t), [_obs(t)])
    tracker.event(_ev("progress", 27, 27))
    (play,) = tracker.open_plays()
    blob = json.loads(json.dumps(play.state_dict()))
    again = Play.from_state_dict(blob)
    assert again == play and again.state_dict() == blob
    restored = Tracker(tracker.config, [again])
    for t in range(30, 45, 5):
        tracker.observe(T0 + timedelta(seconds=t), [_obs(t)])
        restored.observe(T0 + timedelta(seconds=t), [_obs(t)])
    assert restored.open_plays()[0].state_dict() == tracker.open_plays()[0].state_dict()
