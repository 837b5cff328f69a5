"""Named playback scenarios with known truth, for the watch-time accuracy runners (watch-time.md "Accuracy").

Each `Scenario` builds `PlaybackScript`s for the simulator's `SessionEngine` from a `World` and a start time, and
says how to run them: `duration` (seconds of simulated time), `poll_sec` (NOW_POLL_SEC), `outages` (offset
windows where /Sessions polls fail), `restarts` (offsets where the service restarts: open plays are rebuilt from
what was persisted and polls are missed for `restart_down_sec`), and whether exact transitions arrive as Emby's
own `webhooks` (the engine's notices, rendered by the simulator) or as `websocket` pushes
(`transition_times`: a fresh session list at every scripted action and play end).

Live TV: the simulator has no Live TV library, so the `live_tv` scenario adds one `TvChannel` item to the world
(`World.add_record`, idempotent) and plays it; the item has no runtime, like a live channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from emby_analytics.emby.models import TICKS_PER_SECOND
from emby_analytics.simulator.playback import (
    Action,
    ChangeTranscode,
    Device,
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    Resume,
    Seek,
    SetRate,
    Stall,
    Stop,
    Transcode,
)
from emby_analytics.simulator.world import EPISODE, MOVIE, ItemRecord, World
from emby_analytics.simulator.world.formats import to_micros

Builder = Callable[[World, datetime], list[PlaybackScript]]
LIVE_CHANNEL_NAME = "Simulated Live Channel 7"
# actions that are a state transition of a play (each may add placement error)
TRANSITIONS = (Pause, Resume, Seek, Stall, SetRate, Disappear)


def device(n: int, client: str = "Emby Web", name: str = "Chrome Windows") -> Device:
    return Device(
        client=client, device_name=name, device_id=f"8a1c2b3d-0000-4000-8000-{n:012d}", internal_id=n, app_icon_url=None
    )


ROKU = device(7, "Roku SG", "Roku Ultra")


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    build: Builder
    duration: float
    outages: tuple[tuple[float, float], ...] = ()
    restarts: tuple[float, ...] = ()
    restart_down_sec: float = 8.0
    webhooks: bool = False
    websocket: bool = False
    live_tv: bool = False
    start_at: datetime | None = None  # a fixed clock start (e.g. just before midnight); else the runner's
    poll_sec: float = 5.0  # NOW_POLL_SEC the runners poll at
    webhook_delay_sec: float = 0.0  # webhooks arrive this late (their Date stays the moment itself)
    tags: tuple[str, ...] = field(default=())

    def scripts(self, world: World, start: datetime) -> list[PlaybackScript]:
        return self.build(world, start)

    def clock_start(self, default: datetime) -> datetime:
        return self.start_at or default


# -- items ------------------------------------------------------------------------------------------------
def long_movies(world: World, n: int = 3) -> list[str]:
    ids = [str(r.id) for r in world.records(world.ids_of_type(MOVIE)) if r.runtime >= 5400 * TICKS_PER_SECOND]
    if len(ids) < n:
        raise ValueError("the world needs more long movies")
    return ids[:n]


def runtime_of(world: World, item_id: str) -> float:
    rec = world.item(item_id)
    return rec.runtime / TICKS_PER_SECOND if rec is not None else 0.0


def consecutive_episodes(world: World, n: int = 2) -> list[str]:
    eps = [r for r in world.records(world.ids_of_type(EPISODE)) if r.runtime > 600 * TICKS_PER_SECOND]
    by_season: dict[int, list[ItemRecord]] = {}
    for rec in eps:
        by_season.setdefault(rec.season, []).append(rec)
    for recs in by_season.values():
        if len(recs) >= n:
            recs.sort(key=lambda r: r.index or 0)
            return [str(r.id) for r in recs[:n]]
    raise ValueError("the world has no season with enough episodes")


def live_channel(world: World) -> str:
    """A TvChannel item (no runtime), added once to the world."""
    for rec in world.records(world.ids_of_type("TvChannel")):
        if rec.name == LIVE_CHANNEL_NAME:
            return str(rec.id)
    now = to_micros(world.clock.now())
    rec = ItemRecord(world.new_id(), "TvChannel", LIVE_CHANNEL_NAME, 0, 0, now, now, now, 2025, runtime=0)
    world.add_record(rec)
    return str(rec.id)


def _user(world: World, i: int = 0) -> str:
    return world.users[i % len(world.users)].id


def _one(actions: Callable[[list[str], World], tuple[Action, ...]], offset: float = 2.3, **kw: object) -> Builder:
    """A builder of one session for user 0, starting `offset` s after the clock start (off the poll grid)."""

    def build(world: World, start: datetime) -> list[PlaybackScript]:
        acts = actions(long_movies(world), world)
        return [PlaybackScript(_user(world), start + timedelta(seconds=offset), acts, **kw)]  # type: ignore[arg-type]

    return build


# -- the catalogue ------------------------------------------------------------------------------------------
PAUSE_ONE: Callable[[list[str], World], tuple[Action, ...]] = lambda m, w: (  # noqa: E731
    Play(0, m[0]),
    Pause(301.1),
    Resume(433.4),
    Stop(900),
)
PAUSES: Callable[[list[str], World], tuple[Action, ...]] = lambda m, w: (  # noqa: E731
    Play(0, m[0]),
    Pause(200.6),
    Resume(231.2),
    Pause(500.4),
    Resume(803.9),
    Pause(1000.2),
    Resume(1011.7),
    Stop(1500),
)
# polls at 0, 5, 10, ... after the clock start; the script starts 2.3 s later: 3.5 s pause strictly between polls
PAUSE_BETWEEN: Callable[[list[str], World], tuple[Action, ...]] = lambda m, w: (  # noqa: E731
    Play(0, m[0]),
    Pause(298.9),
    Resume(302.4),
    Stop(700),
)


def _two_users(world: World, start: datetime) -> list[PlaybackScript]:
    m = long_movies(world)
    return [
        PlaybackScript(_user(world, 0), start + timedelta(seconds=1.1), (Play(0, m[0]), Stop(1000)), device(1)),
        PlaybackScript(
            _user(world, 1),
            start + timedelta(seconds=63.7),
            (Play(0, m[1]), Pause(300), Resume(340), Stop(800)),
            device(2, "Emby for Android", "Pixel 8"),
        ),
    ]


def _two_devices(world: World, start: datetime) -> list[PlaybackScript]:
    m = long_movies(world)
    return [
        PlaybackScript(_user(world, 2), start + timedelta(seconds=3.2), (Play(0, m[0]), Stop(900)), device(3)),
        PlaybackScript(_user(world, 2), start + timedelta(seconds=122.9), (Play(0, m[1]), Stop(600)), ROKU),
    ]


def _autoplay(world: World, start: datetime) -> list[PlaybackScript]:
    e1, e2, e3 = consecutive_episodes(world, 3)
    tail = runtime_of(world, e1) - 240.0
    acts: tuple[Action, ...] = (Play(0, e1, tail), Play(243.2, e2), Play(900.4, e3), Stop(1300))
    return [PlaybackScript(_user(world, 3), start + timedelta(seconds=0.7), acts, device(4))]


def _natural_end(world: World, start: datetime) -> list[PlaybackScript]:
    m = long_movies(world)[0]
    acts: tuple[Action, ...] = (Play(0, m, runtime_of(world, m) - 400.0), Stop(1000))
    return [PlaybackScript(_user(world), start + timedelta(seconds=4.1), acts, device(5))]


def _live(world: World, start: datetime) -> list[PlaybackScript]:
    channel = live_channel(world)
    return [PlaybackScript(_user(world, 4), start + timedelta(seconds=2.2), (Play(0, channel), Stop(1500)), device(6))]


def _s(name: str, description: str, actions: Callable[[list[str], World], tuple[Action, ...]], duration: float,
       **kw: object) -> Scenario:  # fmt: skip
    script_kw = {k: kw.pop(k) for k in ("report_interval", "device", "offset") if k in kw}
    return Scenario(name, description, _one(actions, **script_kw), duration, **kw)  # type: ignore[arg-type]


def _catalogue() -> list[Scenario]:
    tc = Transcode(video_codec="h264", audio_codec="aac", reasons=("VideoCodecNotSupported",))
    base = [
        _s("plain", "one movie played 20 minutes, no state change", lambda m, w: (Play(0, m[0]), Stop(1200)), 1260),
        _s("one_pause", "one pause of 132 s", PAUSE_ONE, 960),
        _s("several_pauses", "three pauses (30 s, 5 min, 11 s)", PAUSES, 1560),
        _s(
            "seek_forward",
            "skip ahead 25 min after 5 min",
            lambda m, w: (Play(0, m[0]), Seek(300.4, 2000), Stop(900)),
            960,
        ),
        _s(
            "seek_back",
            "resume at 25 min, rewind to 3 min",
            lambda m, w: (Play(0, m[0], 1500), Seek(300.6, 200), Stop(900)),
            960,
        ),
        _s(
            "stalled_client",
            "client sleeps 10 min reporting 'playing' with a frozen position, then wakes",
            lambda m, w: (Play(0, m[0]), Stall(300.2), Resume(900.9), Stop(1200)),
            1260,
        ),
        Scenario("autoplay", "episode ends naturally, the next autoplays, then a third replaces it", _autoplay, 1360),
        Scenario("two_users", "two users on two devices at the same time (one pauses)", _two_users, 960),
        Scenario("one_user_two_devices", "the same user plays on a browser and a Roku at once", _two_devices, 960),
        _s(
            "transcode_switch",
            "direct play switches to transcoding mid-play (same play)",
            lambda m, w: (Play(0, m[0]), ChangeTranscode(400.3, "Transcode", tc), Stop(900)),
            960,
        ),
        _s(
            "short_play", "stopped after 8 s: a short play, kept and flagged", lambda m, w: (Play(0, m[0]), Stop(8)), 60
        ),
        _s(
            "across_midnight",
            "20 minutes from 23:50 UTC (TZ splitting is done by stats)",
            lambda m, w: (Play(0, m[0]), Stop(1200)),
            1260,
            start_at=datetime(2025, 3, 1, 23, 50, tzinfo=UTC),
        ),
        _s(
            "emby_outage",
            "Emby unreachable for 2 minutes mid-play",
            lambda m, w: (Play(0, m[0]), Stop(900)),
            960,
            outages=((300.0, 420.0),),
        ),
        _s(
            "outage_with_pause",
            "paused and resumed while Emby was unreachable",
            lambda m, w: (Play(0, m[0]), Pause(330.5), Resume(390.2), Stop(900)),
            960,
            outages=((300.0, 420.0),),
        ),
        _s(
            "outage_then_gone",
            "the client stopped during the outage",
            lambda m, w: (Play(0, m[0]), Stop(350)),
            600,
            outages=((300.0, 420.0),),
        ),
        _s(
            "service_restart",
            "the tracker restarts mid-play (state from persisted open plays)",
            lambda m, w: (Play(0, m[0]), Stop(900)),
            960,
            restarts=(400.0,),
        ),
        _s("restart_while_paused", "restart during a pause", PAUSE_ONE, 960, restarts=(350.0,)),
        _s(
            "missing_one_poll",
            "the session is missing from one poll, then back with the same item",
            lambda m, w: (Play(0, m[0]), Disappear(301.0, 5.0), Stop(900)),
            960,
        ),
        _s(
            "gone_for_good",
            "the session vanishes mid-play (closes at the last observation)",
            lambda m, w: (Play(0, m[0]), Disappear(600.0)),
            700,
        ),
        _s("stop_while_paused", "paused, then stopped", lambda m, w: (Play(0, m[0]), Pause(300.3), Stop(500.8)), 560),
        Scenario("natural_end", "a movie resumed 400 s before its end plays to the end", _natural_end, 560),
        Scenario("live_tv", "a live TV channel (TvChannel item, no runtime)", _live, 1560, live_tv=True),
        _s(
            "slow_reporter",
            "a Roku that reports its position only every 10 s",
            lambda m, w: (Play(0, m[0]), Stop(1200)),
            1260,
            report_interval=10.0,
            device=ROKU,
        ),
        _s(
            "slow_reporter_pause", "a 10 s reporter that pauses once", PAUSE_ONE, 960, report_interval=10.0, device=ROKU
        ),
        _s(
            "rate_1_5",
            "playback at 1.5×, then back to 1×",
            lambda m, w: (Play(0, m[0], rate=1.5), SetRate(600.5, 1.0), Stop(900)),
            960,
        ),
        _s("pause_between_polls", "a 3.5 s pause entirely between two polls", PAUSE_BETWEEN, 760),
    ]
    # Classes of plays that once lost time (issue #6), each run at 5 s and at 1 s polls.
    roku_no_rate = replace(ROKU, reports_rate=False)
    # "stamps": what is measured is how LastActivityDate is read (a server without it cannot do as well)
    slow = {"report_interval": 10.0, "device": ROKU, "tags": ("stamps",)}
    edge_cases = [
        _s(
            "slow_reporter_stop_8s",
            "a 10 s reporter stopped after 8 s, before its second report",
            lambda m, w: (Play(0, m[0]), Stop(8)),
            60,
            **slow,
        ),
        _s(
            "slow_reporter_gone_8s",
            "a 10 s reporter that vanishes for good after 8 s",
            lambda m, w: (Play(0, m[0]), Disappear(8)),
            60,
            **slow,
        ),
        _s(
            "slow_reporter_stop_11s",
            "a 10 s reporter stopped 1.5 s after its second report",
            lambda m, w: (Play(0, m[0]), Stop(11.5)),
            60,
            **slow,
        ),
        _s(
            "stream_restarts",
            "two 3 s jumps back while playing (a stream restarted after a track change)",
            lambda m, w: (Play(0, m[0]), Seek(40.6, 37.6), Seek(80.2, 74.2), Stop(118)),
            180,
        ),
        _s(
            "stream_restarts_5_7",
            "jumps back of 5 s and 7 s while playing",
            lambda m, w: (Play(0, m[0]), Seek(40.6, 35.6), Seek(80.2, 68.2), Stop(118)),
            180,
        ),
        _s(
            "resumed_slow_reporter",
            "a 10 s reporter resumes a film at 25 min and watches 10 min, no state change",
            lambda m, w: (Play(0, m[0], 1500), Stop(600)),
            660,
            **slow,
        ),
        _s(
            "reports_just_before_polls",
            "a 10 s reporter whose reports land 0.95 s before a poll, one pause",
            PAUSE_ONE,
            960,
            offset=4.05,
            **slow,
        ),
        _s(
            "fast_without_rate_field",
            "a 10 s reporter at 1.5x whose app sends no PlaybackRate, stopped between reports",
            lambda m, w: (Play(0, m[0], rate=1.5), Stop(95.5)),
            160,
            report_interval=10.0,
            device=roku_no_rate,
            tags=("stamps",),
        ),
    ]
    edge_cases += [replace(s, name=f"{s.name}@1s", description=f"{s.description} (1 s polls)", poll_sec=1.0)
                   for s in edge_cases]  # fmt: skip
    assisted = []
    for name, actions, duration in (
        ("one_pause", PAUSE_ONE, 960),
        ("several_pauses", PAUSES, 1560),
        ("pause_between_polls", PAUSE_BETWEEN, 760),
    ):
        assisted.append(_s(f"{name}+webhooks", f"{name} with webhook events", actions, duration, webhooks=True))
        assisted.append(_s(f"{name}+websocket", f"{name} with websocket pushes", actions, duration, websocket=True))
    assisted.append(
        _s(
            "resumed+late_webhooks",
            "a film resumed at 25 min just after a poll; its webhooks arrive 6 s late, after the poll that saw it",
            lambda m, w: (Play(0, m[0], 1500), Stop(600)),
            660,
            offset=0.5,
            webhooks=True,
            webhook_delay_sec=6.0,
        )
    )
    return base + edge_cases + assisted


SCENARIOS: tuple[Scenario, ...] = tuple(_catalogue())


def scenario(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)
