"""Watch time and viewings over a window, from the rollups plus the plays not yet folded into them.

Every "hours" and "plays" statistic reads through `Rolled`: the rollup rows of the window's days (whole local
days, so no clipping is needed) summed in SQL, plus each unfolded play (open, or closed since the last fold) cut
into days and hours here. One read transaction sees both, so a play is counted exactly once whether or not it
was folded. The rollup part of an answer changes only when a fold commits: it is cached per fold generation.

A viewing (resumes grouped, watch-time rule 11) counts once, on the day its first play began, when one of its
plays counts (not short, not Live TV). Time is summed in integer microseconds, so totals agree in any order.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, select

from emby_analytics.db.schema import from_micros, play_rows, plays, rollup_state, segments, to_micros
from emby_analytics.rollups.fold import MAX_SPAN_MICROS, play_spans
from emby_analytics.rollups.pieces import busiest, day_of, hour_pieces
from emby_analytics.stats.window import Window

T = TypeVar("T")
MICROS = 1_000_000
# The item types item statistics count: media a person watches or listens to (as the original does).
MEDIA_TYPES = ("Movie", "Episode", "Audio", "MusicVideo", "Video", "Trailer", "AudioBook")


def seconds(micros: int) -> int:
    return round(micros / MICROS)


def hours(micros: int) -> float:
    """Hours to 0.01, as every statistic reports them."""
    return round(micros / MICROS / 3600, 2)


class RollupCache:
    """The rollup parts of recent answers, by question and fold generation (bounded, least recently used out).
    Shared by the reader threads."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self.misses += 1
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


@dataclass(frozen=True)
class Loose:
    """A play not yet folded: its row (the view's columns) and its time inside the window, cut at local hours."""

    row: Any
    pieces: tuple[tuple[int, int, int], ...]  # (local day, local hour, microseconds)

    @property
    def micros(self) -> int:
        return sum(piece[2] for piece in self.pieces)


@dataclass(frozen=True)
class LooseView:
    """A viewing an unfolded play counts that the rollups do not have yet: its first play's facts."""

    day: int
    user_id: str
    item_id: str
    item_type: str | None
    series_id: str | None


class Rolled:
    """One statistic's view of a window: call inside one read (the connection's snapshot)."""

    def __init__(self, conn: Connection, window: Window, cache: RollupCache) -> None:
        self.conn = conn
        self.window = window
        self.cache = cache
        self.first = window.first_day.toordinal() if window.first_day is not None else 0
        self.last = window.last_day.toordinal()
        state = conn.execute(select(rollup_state.c.zone, rollup_state.c.generation)).first()
        # Rollups cut in another zone (TZ changed, not yet refolded) are ignored: every play is then loose.
        self.usable = state is not None and state.zone == window.zone.key
        self.generation = state.generation if state is not None and self.usable else None
        self._loose: list[Loose] | None = None
        self._views: list[LooseView] | None = None

    # -- the rollup part ------------------------------------------------------------------------------------------
    def rows(self, name: str, sql: str, *args: Any) -> list[Any]:
        """Rows of a rollup query over the window's days (`?` first and last day come first), cached."""
        if not self.usable:
            return []
        key = (name, self.generation, self.first, self.last, args)
        return self.cache.get(key, lambda: list(self.conn.exec_driver_sql(sql, (self.first, self.last, *args))))

    # -- the unfolded part ----------------------------------------------------------------------------------------
    def loose(self) -> list[Loose]:
        """Every unfolded play with time in the window or begun in it (all plays when the rollups are unusable)."""
        if self._loose is None:
            self._loose = self._load_loose()
        return self._loose

    def plays_of(self, user_id: str) -> list[Loose]:
        """Every play of one user with time in the window or begun in it, folded or not."""
        return self._load(plays.c.user_id == user_id)

    def _load_loose(self) -> list[Loose]:
        if not self.usable:
            return self._load(None)
        unfolded = select(play_rows.c.id).where(play_rows.c.folded.is_(False))
        if self.window.start is not None:
            unfolded = unfolded.where(play_rows.c.started_at < self.window.end)
        return self._load(plays.c.id.in_(unfolded))

    def _load(self, condition: ColumnElement[bool] | None) -> list[Loose]:
        window = self.window
        query = select(plays).where(plays.c.started_at < window.end)
        if window.start is not None:
            query = query.where(plays.c.started_at >= from_micros(to_micros(window.start) - MAX_SPAN_MICROS))
        if condition is not None:
            query = query.where(condition)
        rows = self.conn.execute(query).all()
        if not rows:
            return []
        spans = _segments(self.conn, [row.id for row in rows])
        out = []
        for row in rows:
            pieces = tuple(
                piece
                for start, end in spans.get(row.id, ())
                for piece in hour_pieces(start, end, window.zone)
                if self.first <= piece[0] <= self.last
            )
            out.append(Loose(row, pieces))
        return out

    def unfolded_spans(self) -> list[tuple[int, int]]:
        """[start, end) of every play not in the rollups (none when they are unusable: then nothing is)."""
        if not self.usable:
            return []
        query = "SELECT started_at, coalesce(stopped_at, last_seen_at) FROM play_rows WHERE folded = 0"
        return [(start, end) for start, end in self.conn.exec_driver_sql(query)]

    def loose_views(self) -> list[LooseView]:
        """The viewings unfolded plays count that are not counted in the rollups, on their first play's day."""
        if self._views is None:
            self._views = self._load_views()
        return self._views

    def _load_views(self) -> list[LooseView]:
        counting = [p.row for p in self.loose() if not p.row.short and not p.row.live_tv]
        wanted = list(dict.fromkeys(row.view_id for row in counting))
        firsts: dict[str, Any] = {}
        for n in range(0, len(wanted), 500):
            query = (
                select(plays.c.id, plays.c.started_at, plays.c.user_id, plays.c.item_id, plays.c.item_type,
                       plays.c.series_id, play_rows.c.view_counted)
                .select_from(plays.join(play_rows, play_rows.c.id == plays.c.id))
                .where(plays.c.id.in_(wanted[n : n + 500]))
            )  # fmt: skip
            firsts.update({row.id: row for row in self.conn.execute(query)})
        out = []
        seen: set[str] = set()
        for row in counting:
            first = firsts.get(row.view_id, row)  # a viewing whose first play is gone counts at this play
            view = first.id
            if view in seen or (self.usable and getattr(first, "view_counted", False)):
                continue
            seen.add(view)
            day = day_of(to_micros(first.started_at), self.window.zone)
            if self.first <= day <= self.last:
                out.append(LooseView(day, first.user_id, first.item_id, first.item_type, first.series_id))
        return out

    # -- the questions --------------------------------------------------------------------------------------------
    def by_user_day(self, *, live_tv: bool, user_id: str | None = None) -> dict[tuple[str, int], list[int]]:
        """[microseconds, viewings] per (user, local day)."""
        sql = (
            "SELECT u.user_id, r.day, SUM(r.micros), SUM(r.views) FROM rollup_user_days r "
            "JOIN play_users u ON u.ref = r.user_ref WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) "
            "AND (? IS NULL OR u.user_id = ?) GROUP BY u.user_id, r.day"
        )
        out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
        for user, day, micros, views in self.rows("user-day", sql, live_tv, user_id, user_id):
            out[(user, day)] = [micros, views]
        for play in self.loose():
            if (live_tv or not play.row.live_tv) and user_id in (None, play.row.user_id):
                for day, _hour, micros in play.pieces:
                    out[(play.row.user_id, day)][0] += micros
        for view in self.loose_views():
            if user_id in (None, view.user_id):
                out[(view.user_id, view.day)][1] += 1
        return dict(out)

    def by_user(self, *, live_tv: bool) -> dict[str, list[int]]:
        """[microseconds, viewings, active days] per user."""
        sql = (
            "SELECT u.user_id, SUM(r.micros), SUM(r.views) FROM rollup_user_days r "
            "JOIN play_users u ON u.ref = r.user_ref WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) "
            "GROUP BY u.user_id"
        )
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for user, micros, views in self.rows("user", sql, live_tv):
            out[user] = [micros, views]
        for play in self.loose():
            if (live_tv or not play.row.live_tv) and play.micros:
                out[play.row.user_id][0] += play.micros
        for view in self.loose_views():
            out[view.user_id][1] += 1
        return dict(out)

    def by_item(self, *, item_type: str | None = None) -> dict[str, list[int]]:
        """[microseconds, viewings] per item: media only, never Live TV."""
        wanted = (item_type,) if item_type else MEDIA_TYPES
        sql = (
            "SELECT i.item_id, SUM(r.micros), SUM(r.views) FROM rollup_item_days r "
            "JOIN play_items i ON i.ref = r.item_ref WHERE r.day BETWEEN ? AND ? "
            "AND i.item_type IN (SELECT value FROM json_each(?)) GROUP BY i.item_id"
        )
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for item, micros, views in self.rows("item", sql, json.dumps(wanted)):
            out[item] = [micros, views]
        for play in self.loose():
            if not play.row.live_tv and play.row.item_type in wanted and play.micros:
                out[play.row.item_id][0] += play.micros
        for view in self.loose_views():
            if view.item_type in wanted:
                out[view.item_id][1] += 1
        return dict(out)

    def by_series(self) -> dict[str, list[int]]:
        """[microseconds, viewings] per series, over its episodes."""
        sql = (
            "SELECT i.series_id, SUM(r.micros), SUM(r.views) FROM rollup_item_days r "
            "JOIN play_items i ON i.ref = r.item_ref WHERE r.day BETWEEN ? AND ? AND i.item_type = 'Episode' "
            "AND i.series_id IS NOT NULL GROUP BY i.series_id"
        )
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for series, micros, views in self.rows("series", sql):
            out[series] = [micros, views]
        for play in self.loose():
            row = play.row
            if not row.live_tv and row.item_type == "Episode" and row.series_id and play.micros:
                out[row.series_id][0] += play.micros
        for view in self.loose_views():
            if view.item_type == "Episode" and view.series_id:
                out[view.series_id][1] += 1
        return dict(out)

    def unique_items(self) -> int:
        """Distinct items of the viewings counted in the window."""
        sql = (
            "SELECT DISTINCT i.item_id FROM rollup_item_days r JOIN play_items i ON i.ref = r.item_ref "
            "WHERE r.day BETWEEN ? AND ? AND r.views > 0"
        )
        items = {row[0] for row in self.rows("unique-items", sql)}
        return len(items | {view.item_id for view in self.loose_views()})

    def by_hour(self, *, live_tv: bool) -> dict[tuple[int, int], int]:
        """Microseconds per (local day, local hour)."""
        sql = (
            "SELECT day, hour, SUM(micros) FROM rollup_hours WHERE day BETWEEN ? AND ? AND (? OR live_tv = 0) "
            "GROUP BY day, hour"
        )
        out: dict[tuple[int, int], int] = defaultdict(int)
        for day, hour, micros in self.rows("hour", sql, live_tv):
            out[(day, hour)] = micros
        for play in self.loose():
            if live_tv or not play.row.live_tv:
                for day, hour, micros in play.pieces:
                    out[(day, hour)] += micros
        return dict(out)

    def by_client(self, *, live_tv: bool) -> dict[tuple[str | None, str | None, str | None], list[int]]:
        """[microseconds, plays begun (short ones not)] per (client, device, play method)."""
        sql = (
            "SELECT c.client, c.device_name, s.play_method, SUM(r.micros), SUM(r.plays) FROM rollup_client_days r "
            "JOIN play_clients c ON c.ref = r.client_ref JOIN play_streams s ON s.ref = r.stream_ref "
            "WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) GROUP BY c.client, c.device_name, s.play_method "
            "HAVING SUM(r.micros) > 0 OR SUM(r.plays) > 0"
        )
        out: dict[tuple[str | None, str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
        for client, device, method, micros, count in self.rows("client", sql, live_tv):
            out[(client, device, method)] = [micros, count]
        for play in self.loose():
            row = play.row
            counted = 1 if self._begun_inside(row) and not row.short else 0
            if (live_tv or not row.live_tv) and (play.micros or counted):
                key = (row.client, row.device_name, row.play_method)
                out[key][0] += play.micros
                out[key][1] += counted
        return dict(out)

    def by_delivery(self) -> dict[tuple[str | None, str | None, str | None, str | None], int]:
        """Plays begun in the window (short ones not, Live TV too) per (method, video, audio, transcode reasons)."""
        sql = (
            "SELECT s.play_method, s.video_method, s.audio_method, s.transcode_reasons, SUM(r.plays) "
            "FROM rollup_client_days r JOIN play_streams s ON s.ref = r.stream_ref WHERE r.day BETWEEN ? AND ? "
            "GROUP BY s.play_method, s.video_method, s.audio_method, s.transcode_reasons HAVING SUM(r.plays) > 0"
        )
        out: dict[tuple[str | None, str | None, str | None, str | None], int] = defaultdict(int)
        for method, video, audio, reasons, count in self.rows("delivery", sql):
            out[(method, video, audio, reasons)] = count
        for play in self.loose():
            row = play.row
            if self._begun_inside(row) and not row.short:
                out[(row.play_method, row.video_method, row.audio_method, row.transcode_reasons)] += 1
        return dict(out)

    def peaks(self) -> dict[int, tuple[int, int | None]]:
        """(peak, first moment) per local day from the rollups; days an unfolded play touches are not in it."""
        sql = "SELECT day, peak, at FROM rollup_peaks WHERE day BETWEEN ? AND ?"
        return {day: (peak, at) for day, peak, at in self.rows("peaks", sql)}

    def all_time_peak(self) -> tuple[int, int | None]:
        sql = "SELECT peak, at FROM rollup_peaks WHERE day BETWEEN ? AND ? ORDER BY peak DESC, at LIMIT 1"
        if not self.usable:  # every play, the slow way (until the rollups are refolded in this zone)
            return busiest(play_spans(self.conn, 0, 1 << 62), 0, 1 << 62)
        key = ("all-time-peak", self.generation)
        found = self.cache.get(key, lambda: self.conn.exec_driver_sql(sql, (0, 1 << 40)).first())
        return (found[0], found[1]) if found else (0, None)

    def _begun_inside(self, row: Any) -> bool:
        return self.first <= day_of(to_micros(row.started_at), self.window.zone) <= self.last


def _segments(conn: Connection, ids: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Each play's segments as [start, end) microseconds."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for n in range(0, len(ids), 500):
        chunk = ids[n : n + 500]
        query = select(segments.c.play_id, segments.c.started_at, segments.c.ended_at).where(
            segments.c.play_id.in_(chunk)
        )
        for play_id, start, end in conn.execute(query):
            found[play_id].append((to_micros(start), to_micros(end)))
    return found
