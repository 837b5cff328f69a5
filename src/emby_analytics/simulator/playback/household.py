"""A random but deterministic household: endless, realistic activity for demos and soak tests.

`household_scripts` yields `PlaybackScript`s in start order, one UTC day at a time, lazily and forever:
evening peaks, some daytime viewing, binge-watching with autoplay, movies, music, pauses, seeks, the odd
stall, transcodes (some without TranscodingInfo) and mid-play transcode changes, with at most
`max_concurrent` sessions at once. `min_live` keeps at least that many playing at every hour (the demo: a dashboard
opened at any time shows sessions moving). Feed it to `SessionEngine.attach`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from ...clock import Clock
from ..world import AUDIO, MOVIE, World
from ..world.formats import hex_id
from ..world.hostile import HOSTILE_DEVICE_NAMES
from .scripts import (
    Action,
    ChangeTranscode,
    Device,
    Disappear,
    Pause,
    Play,
    PlaybackScript,
    PlayMethod,
    Resume,
    Seek,
    Stall,
    Stop,
    Transcode,
)

_ICONS = "https://github.com/MediaBrowser/Emby.Resources/raw/master/images/devices/"
# (client, device name, app version, icon, report interval seconds, protocol)
_DEVICE_KINDS: tuple[tuple[str, str, str, str, float, str], ...] = (
    ("Roku SG", "Roku Ultra", "4.1.31", "roku.jpg", 10.0, "HTTP/1.1"),
    ("Emby Web", "Chrome Windows", "4.8.10.0", "chrome.png", 0.0, "HTTP/2"),
    ("Emby for Android", "Pixel 8", "3.4.20", "android.png", 5.0, "HTTP/1.1"),
    ("Emby for Apple TV", "Living Room Apple TV", "2.2.7", "appletv.png", 1.0, "HTTP/1.1"),
    ("Emby Theater", "HTPC", "3.0.20", "theater.png", 2.0, "HTTP/1.1"),
    ("Emby for Samsung", "Samsung QN90", "2.1.5", "samsungtv.png", 10.0, "HTTP/1.1"),
)
_TRANSCODE_PRESETS: tuple[Transcode, ...] = (
    Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",)),
    Transcode(reasons=("VideoCodecNotSupported",), width=1920, height=1080, bitrate=8_000_000),
    Transcode(reasons=("ContainerBitrateExceedsLimit",), width=1280, height=720, bitrate=3_000_000, hardware=True),
    Transcode(reasons=("SubtitleCodecNotSupported",), bitrate=10_000_000),
    Transcode(reasons=("VideoRangeNotSupported", "VideoCodecNotSupported"), width=1920, height=1080),
    Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",), report_info=False),
)


def _device(user_id: str, user_index: int, kind: int, seed: int, hostile: bool) -> Device:
    client, name, version, icon, _, protocol = _DEVICE_KINDS[kind % len(_DEVICE_KINDS)]
    if hostile:
        name = HOSTILE_DEVICE_NAMES[user_index % len(HOSTILE_DEVICE_NAMES)]
    raw = hex_id(seed, "device", user_id, kind)
    return Device(
        client=client,
        device_name=name,
        device_id=f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}",
        app_version=version,
        remote_address=f"192.168.1.{20 + user_index * 3 + kind % 3}",
        protocol=protocol,
        app_icon_url=_ICONS + icon,
        internal_id=10 + user_index * 4 + kind % 4,
    )


_FIT_TRIES = 8  # sittings tried for a gap before looking again a minute later (the evening's may leave no room)


class _Household:
    def __init__(self, world: World, seed: int, max_concurrent: int, min_live: int = 0) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.max_concurrent = max_concurrent
        self.min_live = min(min_live, max_concurrent)
        # (user, start, end) of each session and [start, end of playback) of each sitting that reach past the last
        # day made: a sitting after midnight counts the next day (kept only when `min_live` needs them).
        self._sessions: list[tuple[str, datetime, datetime]] = []
        self._playing: list[tuple[datetime, datetime]] = []
        self.users = [u for u in world.users if not u.is_disabled]
        self.devices: dict[str, list[tuple[Device, float]]] = {}
        for i, user in enumerate(self.users):
            kinds = self.rng.sample(range(len(_DEVICE_KINDS)), 2)
            hostile = world.spec.hostile_names and i == 2
            self.devices[user.id] = [
                (_device(user.id, i, k, seed, hostile and j == 0), _DEVICE_KINDS[k][4]) for j, k in enumerate(kinds)
            ]
        self.movies = list(world.ids_of_type(MOVIE))
        self.audio = list(world.ids_of_type(AUDIO))
        self.series_seasons = [(s, season) for s in world.ids_of_type("Series") for season in world.children(s)]

    def _content(self) -> list[str]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55 and self.series_seasons:
            _, season = rng.choice(self.series_seasons)
            episodes = [e for e in self.world.children(season) if not self.world.item(e).is_virtual]  # type: ignore[union-attr]
            if episodes:
                first = rng.randrange(len(episodes))
                return [str(e) for e in episodes[first : first + rng.choice((1, 1, 2, 3, 4))]]
        if roll > 0.92 and self.audio:
            first = rng.randrange(len(self.audio))
            return [str(a) for a in self.audio[first : first + rng.randint(3, 8)]]
        return [str(rng.choice(self.movies))] if self.movies else []

    def _method(self) -> tuple[PlayMethod, Transcode | None]:
        roll = self.rng.random()
        if roll < 0.72:
            return "DirectPlay", None
        if roll < 0.82:
            return "DirectStream", None
        return "Transcode", self.rng.choice(_TRANSCODE_PRESETS)

    def _sitting(self, user_id: str, start: datetime, eager: bool) -> tuple[PlaybackScript, datetime] | None:
        """One sitting, and when its playback ends (the session stays a while after, idle). `eager`: playback
        starts within seconds (a demo must show something at once)."""
        rng = self.rng
        items = self._content()
        if not items:
            return None
        device, interval = rng.choice(self.devices[user_id])
        actions: list[Action] = []
        wall = rng.uniform(1, 5) if eager else rng.uniform(15, 120)  # the app is open (idle) before playback
        for n, item_id in enumerate(items):
            rec = self.world.item(item_id)
            if rec is None or not rec.runtime:
                continue
            runtime = rec.runtime / 10_000_000
            pos = rng.uniform(0, runtime / 2) if n == 0 and rng.random() < 0.15 else 0.0
            method, tc = self._method() if rec.type != AUDIO else ("DirectPlay", None)
            actions.append(Play(wall, item_id, pos, method, tc))
            finish = rng.random() < (0.75 if len(items) > 1 else 0.6)
            watch = runtime - pos if finish else rng.uniform(0.1, 0.9) * (runtime - pos)
            wall, pos = self._events(actions, wall, pos, watch, runtime, rec.type != AUDIO)
            if not finish:
                actions.append(Stop(wall))
                break
            wall += rng.uniform(5, 15)  # next-up countdown before autoplay
        if not actions:
            return None
        playing_until = start + timedelta(seconds=wall)
        actions.append(Disappear(wall + rng.uniform(60, 900)))
        return PlaybackScript(user_id, start, tuple(actions), device, interval), playing_until

    def _events(
        self, actions: list[Action], wall: float, pos: float, watch: float, runtime: float, video: bool
    ) -> tuple[float, float]:
        rng = self.rng
        events: list[tuple[float, str]] = [(rng.uniform(0, watch), "pause") for _ in range(rng.choice((0, 0, 1, 2)))]
        if video and rng.random() < 0.15:
            events.append((rng.uniform(0, watch), "seek"))
        if video and rng.random() < 0.05:
            events.append((rng.uniform(0, watch), "stall"))
        if video and rng.random() < 0.05:
            events.append((rng.uniform(0, watch), "transcode"))
        watched = 0.0
        for offset, kind in sorted(events):
            wall, pos, watched = wall + offset - watched, pos + offset - watched, offset
            if pos >= runtime - 1:
                break
            if kind == "pause":
                actions.append(Pause(wall))
                wall += rng.choice((rng.uniform(5, 90), rng.uniform(120, 1200)))
                actions.append(Resume(wall))
            elif kind == "stall":
                actions.append(Stall(wall))
                wall += rng.uniform(90, 900)
                actions.append(Resume(wall))
            elif kind == "seek":
                pos = max(0.0, min(runtime - 5, pos + rng.choice((-1, 1, 1)) * rng.uniform(30, 400)))
                actions.append(Seek(wall, pos))
            else:
                actions.append(ChangeTranscode(wall, "Transcode", rng.choice(_TRANSCODE_PRESETS)))
        remaining = max(0.0, watch - watched)
        return wall + remaining, min(runtime, pos + remaining)

    def day(self, day_start: datetime, not_before: datetime, immediate: int) -> list[PlaybackScript]:
        rng = self.rng
        candidates: list[tuple[datetime, str, bool]] = []
        for i, user in enumerate(self.users):
            for _ in range(rng.choices((0, 1, 2), weights=(35, 45, 20))[0]):
                hour = rng.uniform(9, 17) if rng.random() < 0.15 else min(23.9, max(7.0, rng.gauss(20.5, 1.5)))
                candidates.append((day_start + timedelta(hours=hour), user.id, False))
            if i < immediate:
                candidates.append((not_before + timedelta(seconds=rng.uniform(1, 8)), user.id, True))
        busy: dict[str, datetime] = {}
        ends: list[datetime] = []
        playing: list[tuple[datetime, datetime]] = []  # [start, end of playback) of each script
        out: list[PlaybackScript] = []
        for when, user_id, eager in sorted(candidates):
            if when < not_before or busy.get(user_id, when) > when:
                continue
            if sum(1 for e in ends if e > when) >= self.max_concurrent:
                continue
            sitting = self._sitting(user_id, when, eager)
            if sitting is None:
                continue
            script, until = sitting
            end = script.end()  # the final Disappear comes after the last natural end
            busy[user_id] = end
            ends.append(end)
            playing.append((when, until))
            out.append(script)
        if self.min_live:
            tomorrow = day_start + timedelta(days=1)
            sessions = [*self._sessions, *((s.user_id, s.start, s.end()) for s in out)]
            playing += self._playing
            out += self._keep_live(max(day_start, not_before), tomorrow, sessions, playing)
            out.sort(key=lambda script: script.start)
            self._sessions = [x for x in sessions if x[2] > tomorrow]
            self._playing = [x for x in playing if x[1] > tomorrow]
        return out

    def _keep_live(
        self,
        start: datetime,
        end: datetime,
        sessions: list[tuple[str, datetime, datetime]],
        playing: list[tuple[datetime, datetime]],
    ) -> list[PlaybackScript]:
        """Sittings that begin whenever fewer than `min_live` sessions play between `start` and `end` (both lists
        grow with them)."""
        added: list[PlaybackScript] = []
        when = start
        while when < end:
            if sum(1 for s, e in playing if s <= when < e) < self.min_live:
                sitting = self._fitting(when, sessions, playing)
                if sitting is not None:
                    script, until = sitting
                    sessions.append((script.user_id, when, script.end()))
                    playing.append((when, until))
                    added.append(script)
                    continue
            # Look again when the next playback ends, or a minute on.
            when = min([*(e for _, e in playing if e > when), when + timedelta(minutes=1)])
        return added

    def _fitting(
        self, when: datetime, sessions: list[tuple[str, datetime, datetime]], playing: list[tuple[datetime, datetime]]
    ) -> tuple[PlaybackScript, datetime] | None:
        """A sitting from `when`, starting within seconds, of a user with no other session while it lasts, that
        keeps at most `max_concurrent` playing (a session idle before it vanishes does not count: nothing moves);
        the first of a few tried that fits, else None."""
        for _ in range(_FIT_TRIES):
            user_id = self.rng.choice(self.users).id
            sitting = self._sitting(user_id, when, eager=True)
            if sitting is None:
                continue
            script, until = sitting
            free = not any(u == user_id and s < script.end() and when < e for u, s, e in sessions)
            if free and _peak(playing, when, until) < self.max_concurrent:
                return sitting
        return None


def _peak(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    """The most of `spans` open at once within [start, end)."""
    moments = [start, *(s for s, _ in spans if start <= s < end)]
    return max(sum(1 for s, e in spans if s <= moment < e) for moment in moments)


def household_scripts(
    world: World,
    clock: Clock,
    seed: int = 0,
    *,
    start: datetime | None = None,
    max_concurrent: int = 3,
    immediate: int = 2,
    min_live: int = 0,
) -> Iterator[PlaybackScript]:
    """Endless scripts from `start` (default: clock now, read at call time); `immediate` sessions begin within
    seconds of it; at least `min_live` play at every moment (when enough users are free)."""
    household = _Household(world, seed, max_concurrent, min_live)
    origin = start or clock.now()  # read now, not at the first next(): the engine pulls lazily
    if not household.users or not (household.movies or household.audio or household.series_seasons):
        return iter(())  # nothing could ever play: an endless empty generator would spin forever
    return _days(household, origin, immediate)


def _days(household: _Household, origin: datetime, immediate: int) -> Iterator[PlaybackScript]:
    day_start = origin.replace(hour=0, minute=0, second=0, microsecond=0)
    first = True
    while True:
        yield from household.day(day_start, origin, immediate if first else 0)
        first = False
        day_start += timedelta(days=1)
