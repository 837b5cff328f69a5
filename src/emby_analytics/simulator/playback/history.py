"""Past playback as the Playback Reporting plugin records it: its SQLite database, rows and played flags.

    history = PlaybackHistory.generate(world, end=clock.now(), days=90, zone=ZoneInfo("Europe/Berlin"))
    sim = Simulator(world, clock, history=history)      # or: sim.history = history

`generate` runs the household generator through a private `SessionEngine` over `[end - days, end)` (one lazy
advance: 90 days take well under a second) and turns each `PlayTruth` into `PlaybackActivity` rows the way the
plugin writes them: one row per (user, item, play method) run, DateCreated = start in the server's local time,
PlayDuration = wall seconds including pauses, PauseDuration = wall seconds not watched. Both are whole seconds
(rounded) and PlayDuration - PauseDuration = round(watched seconds), so an import matches the truth within 0.5 s
per row. The simulated plugin is an ideal observer: a stall counts as a pause here, while the real plugin (which
polls every ~20 s) would count it as playing. Items played to completion are also marked played for the user
(`UserData.Played`, `PlayCount`, `LastPlayedDate`), as Emby does.

The rows live in a real in-memory SQLite database with the plugin's exact schema; `server/plugin.py` serves
`submit_custom_query` from it. `truth` keeps the generating plays for accuracy tests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from ...clock import ManualClock
from ..world import AUDIO, EPISODE, World
from ..world.records import track_credits
from .engine import SessionEngine
from .household import household_scripts
from .scripts import ChangeTranscode, Play, PlaybackScript, PlayMethod, PlayTruth, Transcode

SCHEMA = (
    "CREATE TABLE PlaybackActivity (DateCreated DATETIME NOT NULL, UserId TEXT, ItemId TEXT, ItemType TEXT, "
    "ItemName TEXT, PlaybackMethod TEXT, ClientName TEXT, DeviceName TEXT, PlayDuration INT, PauseDuration INT, "
    "RemoteAddress TEXT, TranscodeReasons TEXT)",
    "CREATE TABLE UserList (UserId TEXT)",
)
COLUMNS: tuple[str, ...] = (
    "DateCreated",
    "UserId",
    "ItemId",
    "ItemType",
    "ItemName",
    "PlaybackMethod",
    "ClientName",
    "DeviceName",
    "PlayDuration",
    "PauseDuration",
    "RemoteAddress",
    "TranscodeReasons",
)
_INSERT = f"INSERT INTO PlaybackActivity ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
# Emby marks an item played when playback stops past this share of the runtime (its default MaxResumePct).
PLAYED_SHARE = 0.9

# A PlaybackActivity row in column order (DateCreated text, ..., PlayDuration int, PauseDuration int, ...).
ActivityRow = tuple[str, str, str, str, str, str, str, str, int, int, str, str]


@dataclass
class PlayedState:
    """A user's played flag on one item (what `UserData` reports)."""

    play_count: int
    last_played: datetime


def plugin_date(when: datetime, zone: tzinfo) -> str:
    """DateCreated text: local time, .NET `yyyy-MM-dd HH:mm:ss.FFFFFFF` (trailing zeros and a bare dot dropped)."""
    local = when.astimezone(zone)
    fraction = f"{local.microsecond * 10:07d}".rstrip("0")
    return local.strftime("%Y-%m-%d %H:%M:%S") + (f".{fraction}" if fraction else "")


def playback_method(method: PlayMethod, transcode: Transcode | None) -> str:
    """The plugin's PlaybackMethod: codecs only when the session reports TranscodingInfo."""
    if method != "Transcode" or transcode is None or not transcode.report_info:
        return method
    video = "direct" if transcode.is_video_direct else transcode.video_codec
    audio = "direct" if transcode.is_audio_direct else transcode.audio_codec
    return f"Transcode (v:{video} a:{audio})"


def item_name(world: World, item_id: str) -> str:
    """ItemName as the plugin formats it: episodes with series and SxxEyy, audio with artists and album.

    The facts are the ones `/Items` shows, so rendered-key overrides (`World.touch_items(changes=...)`) apply."""
    rec = world.item(item_id)
    if rec is None:
        return ""
    shown = rec.extra or {}
    if rec.type == EPISODE:
        series = world.item(rec.series)
        series_name = shown.get("SeriesName", series.name if series is not None else "")
        season = shown.get("ParentIndexNumber", rec.parent_index) or 0
        episode = shown.get("IndexNumber", rec.index) or 0
        return f"{series_name} - s{season:02d}e{episode:02d} - {rec.name}"
    if rec.type == AUDIO:
        artist, album = track_credits(rec)
        return f"{', '.join(shown.get('Artists', [artist]) or [])} - {rec.name} ({shown.get('Album', album)})"
    return rec.name


class PlaybackHistory:
    """The plugin's database plus the users' played flags. Build with `generate`, or empty and `add_rows`."""

    def __init__(self, world: World, *, zone: tzinfo = UTC) -> None:
        self.world = world
        self.zone = zone
        # The simulator serves requests on the event loop thread; benchmarks fill it from their own thread.
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        for statement in SCHEMA:
            self.db.execute(statement)
        self.truth: list[PlayTruth] = []
        self.played: dict[str, dict[int, PlayedState]] = {}
        # Tokens of non-admin users (token -> user id): the plugin's routes refuse them (RequiresElevation).
        self.user_tokens: dict[str, str] = {}

    @classmethod
    def generate(
        cls,
        world: World,
        *,
        end: datetime,
        days: int,
        zone: tzinfo = UTC,
        seed: int | None = None,
        max_concurrent: int = 3,
    ) -> PlaybackHistory:
        """`days` of household playback ending at `end` (plays still running at `end` are cut there)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        history = cls(world, zone=zone)
        begin = end - timedelta(days=days)
        clock = ManualClock(begin)
        engine = SessionEngine(world, clock, seed=(world.spec.seed if seed is None else seed) ^ 0x4157)
        scripts: dict[str, PlaybackScript] = {}
        source = household_scripts(world, clock, engine.seed, start=begin, max_concurrent=max_concurrent, immediate=0)
        for script in source:
            if script.start >= end:
                break
            scripts[engine.add_script(script)] = script
        truth = engine.truth(end)
        history.truth = truth
        history.add_rows(row for play in truth for row in history._rows_of(play, scripts[play.session_id], end))
        for play in truth:
            if play.stopped is not None and (play.end_reason == "ended" or play.completion >= PLAYED_SHARE):
                history.mark_played(play.user_id, play.item_id, play.stopped)
        return history

    # -- rows ---------------------------------------------------------------------------------------
    def _rows_of(self, play: PlayTruth, script: PlaybackScript, end: datetime) -> list[ActivityRow]:
        """One row per play-method run of the play (the plugin keys rows by device, user, item and method)."""
        details: dict[datetime, Transcode | None] = {}
        for action in script.actions:
            if isinstance(action, Play | ChangeTranscode):
                details.setdefault(script.start + timedelta(seconds=action.at), action.transcode)
        stop = play.stopped or end
        device = script.device
        name = item_name(self.world, play.item_id)
        rows: list[ActivityRow] = []
        for n, (start, method) in enumerate(play.methods):
            run_end = play.methods[n + 1][0] if n + 1 < len(play.methods) else stop
            wall = (run_end - start).total_seconds()
            if wall <= 0:
                continue
            watched = sum(max(0.0, (min(s.end, run_end) - max(s.start, start)).total_seconds()) for s in play.segments)
            transcode = details.get(start)
            reasons = transcode.reasons if transcode is not None and transcode.report_info else ()
            play_duration = round(wall)
            rows.append(
                (
                    plugin_date(start, self.zone),
                    play.user_id,
                    play.item_id,
                    play.item_type,
                    name,
                    playback_method(method, transcode if method == "Transcode" else None),
                    device.client,
                    device.device_name,
                    play_duration,
                    play_duration - round(watched),
                    device.remote_address,
                    " ".join(sorted(reasons)),
                )
            )
        return rows

    def add_rows(self, rows: Iterable[Sequence[object]]) -> int:
        """Append PlaybackActivity rows (column order as `COLUMNS`); returns how many were added."""
        with self.db:
            cursor = self.db.executemany(_INSERT, rows)
        return cursor.rowcount

    def row_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM PlaybackActivity").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    # -- played flags -------------------------------------------------------------------------------
    def mark_played(self, user_id: str, item_id: str | int, when: datetime) -> None:
        per_user = self.played.setdefault(user_id.lower(), {})
        state = per_user.get(int(item_id))
        if state is None:
            per_user[int(item_id)] = PlayedState(1, when)
        else:
            state.play_count += 1
            state.last_played = max(state.last_played, when)

    def played_items(self, user_id: str) -> Mapping[int, PlayedState]:
        return self.played.get(user_id.replace("-", "").lower(), {})

    # -- truth --------------------------------------------------------------------------------------
    def watched_seconds_by_user(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for play in self.truth:
            totals[play.user_id] = totals.get(play.user_id, 0.0) + play.watched_seconds
        return totals
