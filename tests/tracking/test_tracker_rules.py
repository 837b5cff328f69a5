"""Hand-written observation sequences, one table row per rule of watch-time.md (no simulator involved)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, SessionObs, TrackerConfig
from emby_analytics.tracking.tracker import Tracker

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
DOWN = "down"  # the poll failed
RESTART = "restart"  # rebuild the tracker from persisted state


def o(pos: float, paused: bool = False, item: str = "i1", sid: str = "s1", rate: float | None = None,
      lag: float | None = None, runtime: float | None = 7200, item_type: str = "Movie") -> SessionObs:  # fmt: skip
    context = PlayContext(
        "u1", item, item_type=item_type, runtime_ticks=round(runtime * TICKS_PER_SECOND) if runtime else None,
        live_tv=item_type == "TvChannel",
    )  # fmt: skip
    reported = None if lag is None else T0 - timedelta(seconds=lag)
    return SessionObs(sid, context, round(pos * TICKS_PER_SECOND), paused, rate, reported)


Step = tuple[float, list[SessionObs] | str]


@dataclass(frozen=True)
class Case:
    name: str
    steps: list[Step]
    watch: list[float]  # per play, in start order
    tol: float = 0.01
    reasons: list[str | None] | None = None


def _rel(obs: SessionObs, at: datetime) -> SessionObs:
    # `lag` was stored relative to T0: rebase it to the poll time
    if obs.reported_at is None:
        return obs
    from dataclasses import replace

    return replace(obs, reported_at=at - (T0 - obs.reported_at))


def run(steps: list[Step], cfg: TrackerConfig | None = None) -> list[Play]:
    tracker = Tracker(cfg or TrackerConfig())
    plays: dict[str, Play] = {}
    for offset, what in steps:
        at = T0 + timedelta(seconds=offset)
        if what == DOWN:
            continue  # a failed poll tells the tracker nothing
        elif what == RESTART:
            tracker = Tracker(tracker.config, [Play.from_state_dict(p.state_dict()) for p in tracker.open_plays()])
            continue
        else:
            assert not isinstance(what, str)
            result = tracker.observe(at, [_rel(x, at) for x in what])
        for play in result.changed:
            plays[play.play_id] = play
    return sorted(plays.values(), key=lambda p: p.started_at)


def polls(t0: float, t1: float, pos0: float, step: float = 5, rate: float = 1.0, **kw: object) -> list[Step]:
    """Playing polls from t0 to t1 inclusive, position advancing with the wall clock."""
    out: list[Step] = []
    t = t0
    while t <= t1 + 1e-9:
        out.append((t, [o(pos0 + (t - t0) * rate, rate=rate, **kw)]))  # type: ignore[arg-type]
        t += step
    return out


CASES = [
    Case("plain, started from 0 between polls", [(0, []), *polls(5, 100, 3)], [98]),
    Case(
        "rule 1: pause placed by position",
        [*polls(0, 100, 0), (105, [o(102, True)]), (110, [o(102, True)]), *polls(115, 130, 105)],
        [102 + 15 + 3],
        reasons=[None],
    ),
    Case(
        "rule 1: resume placed by position",
        [*polls(0, 20, 0), (25, [o(20, True)]), (30, [o(21.5)]), *polls(35, 40, 26.5)],
        [20 + 11.5],
    ),
    Case(
        "rules 1, 2: a 3 s shortfall between two polls (paused, or jumped back): two thirds credited",
        [*polls(0, 50, 0, lag=0), *polls(55, 80, 52, lag=0)],
        [79],
    ),
    Case(
        "rule 2: a jump back seen at 1 s polls is a rewind, not a pause",
        [*polls(0, 40, 0, step=1, lag=0), *polls(41, 80, 38, step=1, lag=0)],
        [80],
    ),
    Case("without report times a 3 s deficit is reporting noise", [*polls(0, 50, 0), *polls(55, 80, 52)], [80]),
    Case("rule 2: seek forward counts wall time", [*polls(0, 50, 0), *polls(55, 80, 1000)], [80]),
    Case(
        "rule 2: rewind counts wall time (resumed start: half a poll back)",
        [*polls(0, 50, 500), *polls(55, 80, 100)],
        [82.5],
    ),
    Case(
        "rule 3: stall credited to the last advance (after a 3 s shortfall, two thirds credited)",
        [*polls(0, 50, 0, lag=0), *[(t, [o(52, lag=0)]) for t in range(55, 200, 5)], *polls(200, 220, 53, lag=0)],
        [54 + 21],
    ),
    Case(
        "rule 3: frozen less than STALL_SECONDS, then it moves on",
        [*polls(0, 50, 0), (55, [o(50)]), (60, [o(60)]), *polls(65, 80, 65)],
        [80],
    ),
    Case(
        "rule 4: item change closes and opens",
        [*polls(0, 50, 0), (55, [o(2, item="i2")]), *polls(60, 80, 7, item="i2")],
        [53, 27],
        reasons=["item_change", None],
    ),
    Case("rule 5: one missing poll is the same play", [*polls(0, 50, 0), (55, []), *polls(60, 80, 60)], [80]),
    Case(
        "rule 5: gone closes at the last observation",
        [*polls(0, 50, 0), (55, []), (60, []), (65, [])],
        [50],
        reasons=["disappeared"],
    ),
    Case(
        "rule 6: outage, still playing: the gap counts",
        [*polls(0, 50, 0), *[(t, DOWN) for t in range(55, 120, 5)], *polls(120, 140, 120)],
        [140],
    ),
    Case(
        "rule 6: outage with a pause: only the advance counts",
        [*polls(0, 50, 0), *[(t, DOWN) for t in range(55, 120, 5)], *polls(120, 140, 90)],
        [110],
    ),
    Case(
        "rule 6: outage, then gone: closed at the last observation",
        [*polls(0, 50, 0), *[(t, DOWN) for t in range(55, 120, 5)], (120, [])],
        [50],
        reasons=["gone"],
    ),
    Case("rule 7: restart mid-play", [*polls(0, 50, 0), (52, RESTART), *polls(60, 80, 60)], [80]),
    Case(
        "rule 7: restart while paused",
        [*polls(0, 50, 0), (55, [o(52, True)]), (57, RESTART), (65, [o(52, True)]), (70, [o(53)]), *polls(75, 80, 58)],
        [52 + 11],
    ),
    Case("rate 1.5: wall time, not content", polls(0, 60, 0, rate=1.5), [60]),
    Case(
        "slow reporter (LastActivityDate lags): no fake stalls or seeks",
        [(t, [o(10 * ((t - 2) // 10), lag=(t - 2) % 10)]) for t in range(5, 125, 5)],
        [118],
        tol=1.0,
    ),
    Case(
        "slow reporter without LastActivityDate",
        [(t, [o(10 * ((t - 2) // 10))]) for t in range(5, 125, 5)],
        [118],
        tol=8.0,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rules(case: Case) -> None:
    plays = run(case.steps)
    assert [p.watch_seconds for p in plays] == pytest.approx(case.watch, abs=case.tol)
    if case.reasons is not None:
        assert [p.end_reason for p in plays] == case.reasons
    for play in plays:
        segs = play.segments
        assert all(a.ended_at <= b.started_at for a, b in itertools.pairwise(segs))
        span = ((play.stopped_at or play.last_seen_at) - play.started_at).total_seconds()
        assert play.watch_seconds <= span + 1e-6


def test_short_completed_and_live_flags() -> None:
    (short,) = run([*polls(0, 10, 0), (15, []), (20, []), (25, [])])
    assert short.short and short.stopped_at is not None
    (done,) = run([*polls(0, 100, 7000, runtime=7100), (105, []), (110, []), (115, [])])
    assert done.completed and not done.short and done.content_seconds == pytest.approx(102.5)
    (live,) = run([*polls(0, 40, 0, runtime=None, item_type="TvChannel")])
    assert live.context.live_tv and not live.completed and live.is_open


def test_idle_stamp_places_the_stop_exactly() -> None:
    tracker = Tracker()
    for t in range(0, 55, 5):
        tracker.observe(T0 + timedelta(seconds=t), [o(t)])
    out = tracker.observe(T0 + timedelta(seconds=55), [], idle={"s1": T0 + timedelta(seconds=53.5)})
    (play,) = out.closed
    assert play.watch_seconds == pytest.approx(53.5) and play.end_reason == "stopped"
    assert tracker.open_plays() == []


def test_deterministic_ids_and_tick_results() -> None:
    a, b = run(polls(0, 30, 0)), run(polls(0, 30, 0))
    assert a[0].play_id == b[0].play_id and len(a[0].play_id) == 16
    # The start's second leads, so ids grow with time (the store appends to its id index).
    assert a[0].play_id[:8] == f"{int(a[0].started_at.timestamp()):08x}"
    tracker = Tracker()
    first = tracker.observe(T0, [o(0)])
    assert len(first.opened) == 1 and first.changed == first.opened and not first.closed
