"""Clients that once lost time (issue #6), hand-written at 5 s and 1 s polls: slow reporters stopped or gone before
their second report, jumps back, resumed starts, stamps with fractions of a second, speed without a rate field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emby_analytics.tracking.accounting import sample_time
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, SessionObs, TrackerConfig
from emby_analytics.tracking.tracker import Tracker

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
START = T0 + timedelta(seconds=2.3)  # off the poll grid


def obs(pos: float, reported: datetime | None, rate: float | None = 1.0, paused: bool = False) -> SessionObs:
    context = PlayContext("u1", "i1", runtime_ticks=7200 * TICKS_PER_SECOND)
    return SessionObs("s1", context, round(pos * TICKS_PER_SECOND), paused, rate, reported)


def reporter(interval: float, rate: float = 1.0, resumed_at: float = 0.0, said: bool = True):  # type: ignore[no-untyped-def]
    """What a client reporting every `interval` s shows at time t: its last report's position and stamp."""

    def at(t: datetime) -> SessionObs:
        elapsed = (t - START).total_seconds()
        last = (elapsed // interval) * interval
        return obs(resumed_at + last * rate, START + timedelta(seconds=last), rate if said else None)

    return at


def watch(poll: float, until: float, show, stop: float | None) -> Play:  # type: ignore[no-untyped-def]
    """Poll every `poll` s from T0; the play runs from START until `stop` s after it (idle stamp), or vanishes."""
    tracker = Tracker(TrackerConfig(poll_interval_sec=poll))
    played: dict[str, Play] = {}
    t = T0
    while t <= T0 + timedelta(seconds=until):
        end = START + timedelta(seconds=stop) if stop is not None else None
        if t < START:
            result = tracker.observe(t, [])
        elif end is None or t < end:
            result = tracker.observe(t, [show(t)])
        else:
            result = tracker.observe(t, [], idle={"s1": end})
        played.update({p.play_id: p for p in result.changed})
        t += timedelta(seconds=poll)
    (play,) = played.values()
    return play


@pytest.mark.parametrize("poll", [5.0, 1.0])
@pytest.mark.parametrize("stop", [8.0, 9.5, 11.5, 12.0, 25.0])
def test_a_slow_reporter_stopped_early_keeps_its_time(poll: float, stop: float) -> None:
    play = watch(poll, stop + 20, reporter(10.0), stop)
    assert play.watch_seconds == pytest.approx(stop, abs=0.01)
    assert play.stopped_at == START + timedelta(seconds=stop)


@pytest.mark.parametrize("poll", [5.0, 1.0])
def test_a_slow_reporter_that_vanishes_keeps_its_time_to_the_last_poll(poll: float) -> None:
    show = reporter(10.0)
    gone = START + timedelta(seconds=8)
    tracker = Tracker(TrackerConfig(poll_interval_sec=poll))
    played: dict[str, Play] = {}
    t, last_seen = T0, T0
    while t <= T0 + timedelta(seconds=40):
        sessions = [show(t)] if START <= t < gone else []
        last_seen = t if sessions else last_seen
        played.update({p.play_id: p for p in tracker.observe(t, sessions).changed})
        t += timedelta(seconds=poll)
    (play,) = played.values()
    assert play.end_reason == "disappeared"
    assert play.watch_seconds == pytest.approx((last_seen - START).total_seconds(), abs=0.01)


@pytest.mark.parametrize(("poll", "jump", "credited"), [(5.0, 3.0, 2 / 3), (1.0, 3.0, 1.0), (5.0, 6.0, 1.0)])
def test_a_jump_back_while_playing_is_not_a_pause(poll: float, jump: float, credited: float) -> None:
    """Position p until 40.6 s, then p - jump: a backward position is a rewind (all wall time counts); a shortfall
    that did not go back (3 s at 5 s polls) may be a pause as well: two thirds of it is credited."""

    def show(t: datetime) -> SessionObs:
        elapsed = (t - START).total_seconds()
        return obs(elapsed - (jump if elapsed >= 40.6 else 0.0), t)

    play = watch(poll, 140, show, 118.0)
    assert play.watch_seconds == pytest.approx(118 - jump * (1 - credited), abs=0.01)


@pytest.mark.parametrize("poll", [5.0, 1.0])
def test_a_resumed_slow_reporter_starts_at_its_first_report(poll: float) -> None:
    """The first report after the previous poll was its start: once its 10 s pace is known, no other report fits."""
    play = watch(poll, 640, reporter(10.0, resumed_at=1500.0), 600.0)
    assert play.started_at == START
    assert play.watch_seconds == pytest.approx(600.0, abs=0.01)


@pytest.mark.parametrize("poll", [5.0, 1.0])
@pytest.mark.parametrize("stop", [33.3, 95.5])
def test_a_fast_client_without_a_rate_field_learns_its_pace(poll: float, stop: float) -> None:
    play = watch(poll, stop + 20, reporter(10.0, rate=1.5, said=False), stop)
    assert play.watch_seconds == pytest.approx(stop, abs=0.01)
    assert play.cursor.report_lag == pytest.approx(10.0) or play.stopped_at is not None
    assert len(play.segments) == 1, "its speed is read from its positions, not taken for seeks"


def test_a_fast_continuous_client_without_a_rate_field_is_placed_from_its_speed() -> None:
    def show(t: datetime) -> SessionObs:
        return obs(1.5 * (t - START).total_seconds(), t, rate=None)

    play = watch(5.0, 80, show, 60.0)
    assert play.started_at == START
    assert play.watch_seconds == pytest.approx(60.0, abs=0.01)


@pytest.mark.parametrize(
    ("lag", "whole_second", "expected_lag", "exact"),
    [
        (0.0, False, 0.0, True),
        (0.4, False, 0.4, True),  # Emby writes 7 fractional digits: a report 0.4 s old is 0.4 s old
        (0.95, False, 0.95, True),
        (0.4, True, 0.0, True),  # a stamp written to the second says no more than the poll
        (-0.5, False, 0.0, True),  # slightly in the future: the clocks differ; the poll time
        (7.5, False, 7.5, True),
        (45.0, False, 0.0, False),  # too old to be the last report: not trusted
        (-5.0, False, 0.0, False),
    ],
)
def test_sample_time_trusts_fractional_stamps(lag: float, whole_second: bool, expected_lag: float, exact: bool) -> None:
    reported = T0 + timedelta(seconds=10, microseconds=0 if whole_second else 123_400)
    at = reported + timedelta(seconds=lag)
    tau, known = sample_time(obs(5, reported), at, TrackerConfig())
    assert (at - tau).total_seconds() == pytest.approx(expected_lag)
    assert known is exact


@pytest.mark.parametrize("poll", [5.0, 1.0])
@pytest.mark.parametrize("rate", [1.0, None])
def test_a_client_frozen_as_it_starts_is_not_credited_the_stall(poll: float, rate: float | None) -> None:
    """Resumed at 25:00, reported once, then its stream never came for 5 minutes (a stall, rule 3); then it played
    5 minutes. Whether or not it says its rate, only those 5 minutes count: settling the start at its next report
    must not move the stretch after the stall back to the first report."""

    def show(t: datetime) -> SessionObs:
        elapsed = (t - START).total_seconds()
        if elapsed < 300:
            return obs(1500.0, START, rate)
        return obs(1500.0 + elapsed - 300, t, rate)

    play = watch(poll, 640, show, 600.0)
    assert play.started_at == START
    assert play.watch_seconds == pytest.approx(300.0, abs=0.01)
