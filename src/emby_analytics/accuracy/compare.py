"""Comparing recorded plays with the simulator's truth (watch-time.md "Accuracy, measured"): per play within its
error budget, per user-day, nothing lost or duplicated; and the table both runners print."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from emby_analytics.accuracy.scenarios import TRANSITIONS, Scenario
from emby_analytics.simulator.playback import PlaybackScript, PlayTruth
from emby_analytics.tracking.days import seconds_by_day
from emby_analytics.tracking.model import Play, TrackerConfig

UTC_ZONE = ZoneInfo("UTC")  # the simulator's truth counts days in UTC
TARGET_PERCENT = 0.5  # total absolute error, of total watch time


@dataclass
class PlayCheck:
    user_id: str
    item_id: str
    started: datetime
    truth_s: float
    recorded_s: float
    budget_s: float

    @property
    def error_s(self) -> float:
        return self.recorded_s - self.truth_s


@dataclass
class ScenarioResult:
    name: str
    truth_s: float
    recorded_s: float
    plays_truth: int
    plays_recorded: int
    checks: list[PlayCheck] = field(default_factory=list)
    lost: list[PlayTruth] = field(default_factory=list)
    duplicated: list[Play] = field(default_factory=list)
    truth_by_user_day: dict[tuple[str, date], float] = field(default_factory=dict)
    recorded_by_user_day: dict[tuple[str, date], float] = field(default_factory=dict)
    plays: list[Play] = field(default_factory=list)

    @property
    def abs_error_s(self) -> float:
        return sum(abs(c.error_s) for c in self.checks) + sum(p.watched_seconds for p in self.lost)

    @property
    def over_budget(self) -> list[PlayCheck]:
        return [c for c in self.checks if abs(c.error_s) > c.budget_s + 1e-6]


def by_user_day(plays: list[Play], zone: ZoneInfo = UTC_ZONE) -> dict[tuple[str, date], float]:
    """Watch seconds per (user, local day), segments split at local midnights (rule 12)."""
    out: dict[tuple[str, date], float] = defaultdict(float)
    for play in plays:
        for day, seconds in seconds_by_day(((s.started_at, s.ended_at) for s in play.segments), zone).items():
            out[(play.user_id, day)] += seconds
    return dict(out)


def budget(scn: Scenario, t0: datetime, play: PlayTruth, scripts: list[PlaybackScript]) -> float:
    """1 s for a play without state change, plus 2 s per transition (1 s when events are exact), and 2 per
    outage or restart during the play (their offsets count from the scenario's start `t0`)."""
    end = play.stopped or datetime.max.replace(tzinfo=UTC)
    n = 0
    for s in scripts:
        if s.user_id == play.user_id and s.device.device_id == play.device_id:
            n += sum(
                1
                for a in s.actions
                if isinstance(a, TRANSITIONS) and play.started < s.start + timedelta(seconds=a.at) <= end
            )
    n += sum(2 for a, b in scn.outages if t0 + timedelta(seconds=a) < end and play.started < t0 + timedelta(seconds=b))
    n += sum(2 for r in scn.restarts if play.started < t0 + timedelta(seconds=r) <= end)
    per = 1.0 if scn.webhooks or scn.websocket else 2.0
    # A play resumed from a saved position by a client that reports more often than we poll: nothing tells when
    # in the poll interval it started, so polling alone places the start within half a poll.
    resumed = bool(play.segments) and play.segments[0].pos_start >= 1
    continuous = any(
        s.report_interval < scn.poll_sec
        for s in scripts
        if (s.user_id, s.device.device_id) == (play.user_id, play.device_id)
    )
    guess = scn.poll_sec / 2 if resumed and continuous and not (scn.webhooks or scn.websocket) else 0.0
    return 1.0 + n * per + guess


def compare(
    scn: Scenario,
    t0: datetime,
    cfg: TrackerConfig,
    scripts: list[PlaybackScript],
    truth: list[PlayTruth],
    truth_by_user_day: dict[tuple[str, date], float],
    recorded: list[Play],
) -> ScenarioResult:
    """Match recorded plays to true ones (same user, item, session, start within two polls) and measure errors."""
    plays = sorted(recorded, key=lambda p: p.started_at)
    result_obj = ScenarioResult(
        scn.name,
        truth_s=sum(p.watched_seconds for p in truth),
        recorded_s=sum(p.watch_seconds for p in plays),
        plays_truth=len(truth),
        plays_recorded=len(plays),
        truth_by_user_day=truth_by_user_day,
        recorded_by_user_day=by_user_day(plays),
        plays=plays,
    )
    unmatched = list(plays)
    for tp in truth:
        candidates = [
            p
            for p in unmatched
            if p.user_id == tp.user_id
            and p.item_id == tp.item_id
            and p.session_id == tp.session_id
            and abs((p.started_at - tp.started).total_seconds()) <= 2 * cfg.poll_interval_sec
        ]
        if not candidates:
            result_obj.lost.append(tp)
            continue
        best = min(candidates, key=lambda p: abs((p.started_at - tp.started).total_seconds()))
        unmatched.remove(best)
        result_obj.checks.append(
            PlayCheck(
                tp.user_id,
                tp.item_id,
                tp.started,
                tp.watched_seconds,
                best.watch_seconds,
                budget(scn, t0, tp, scripts),
            )
        )
    result_obj.duplicated = unmatched
    return result_obj


def table(results: list[ScenarioResult]) -> str:
    lines = [f"{'scenario':34} {'truth s':>9} {'recorded s':>10} {'error s':>8} {'worst/budget':>13} {'plays t/r':>9}"]
    for r in results:
        worst = max(r.checks, key=lambda c: abs(c.error_s) - c.budget_s, default=None)
        wb = f"{worst.error_s:+.2f}/{worst.budget_s:.0f}" if worst else "-"
        lines.append(
            f"{r.name:34} {r.truth_s:9.1f} {r.recorded_s:10.1f} {r.recorded_s - r.truth_s:+8.2f} {wb:>13} "
            f"{r.plays_truth:>4}/{r.plays_recorded:<4}"
        )
    total_t = sum(r.truth_s for r in results)
    total_abs = sum(r.abs_error_s for r in results)
    lines.append(f"{'TOTAL |error|':34} {total_t:9.1f} {total_abs:10.2f} {100 * total_abs / total_t:7.3f}%")
    return "\n".join(lines)


def failures(results: list[ScenarioResult]) -> list[str]:
    """Every target of watch-time.md that the results miss, in words."""
    problems = []
    for r in results:
        if r.lost:
            problems.append(f"{r.name}: {len(r.lost)} play(s) lost")
        if r.duplicated:
            problems.append(f"{r.name}: {len(r.duplicated)} play(s) duplicated")
        problems += [
            f"{r.name}: play at {c.started:%H:%M:%S} off by {c.error_s:+.2f} s (budget {c.budget_s:.1f} s)"
            for c in r.over_budget
        ]
    total = sum(r.truth_s for r in results)
    error = sum(r.abs_error_s for r in results)
    if total and error > total * TARGET_PERCENT / 100:
        problems.append(f"total error {error:.1f} s is over {TARGET_PERCENT} % of {total:.0f} s")
    return problems


def user_day_rows(results: list[ScenarioResult]) -> list[tuple[str, str, str, float, float]]:
    """(scenario, user, day, truth s, recorded s) for every user-day of every scenario."""
    rows = []
    for r in results:
        for key in sorted(set(r.truth_by_user_day) | set(r.recorded_by_user_day)):
            user, day = key
            rows.append(
                (
                    r.name,
                    user[:8],
                    day.isoformat(),
                    r.truth_by_user_day.get(key, 0.0),
                    r.recorded_by_user_day.get(key, 0.0),
                )
            )
    return rows
