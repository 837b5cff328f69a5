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
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, select

from emby_analytics.db.schema import from_micros, play_rows, play_users, plays, rollup_state, segments, to_micros
from emby_analytics.rollups.fold import MAX_SPAN_MICROS, chunks, play_spans
from emby_analytics.rollups.pieces import busiest, day_of, hour_pieces
from emby_analytics.stats.window import Window

MICROS = 1_000_000
# The item types item statistics count: media a person watches or listens to (as the original does).
MEDIA_TYPES = ("Movie", "Episode", "Audio", "MusicVideo", "Video", "Trailer", "AudioBook")
# The plays not in the rollups, as the partial index `ix_play_rows_unfolded` names them: `folded = 0` (SQLAlchemy
# spells `is_(False)` as `IS 0`, which SQLite does not match to the index: every play would be read).
UNFOLDED = play_rows.c.folded == false()


def seconds(micros: int) -> int:
    return round(micros / MICROS)


def hours(micros: int) -> float:
    """Hours to 0.01, as every statistic reports them."""
    return round(micros / MICROS / 3600, 2)


class RollupCache:
    """The rollup rows of recent questions, by question and fold generation, shared by the reader threads.
    Bounded by rows held (the least recently used go first); an answer of more rows than that is not kept."""

    def __init__(self, max_rows: int = 100_000) -> None:
        self.max_rows = max_rows
        self._entries: OrderedDict[Hashable, list[Any]] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], list[Any]]) -> list[Any]:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        rows = compute()
        if len(rows) <= self.max_rows // 4:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = rows
                    self._rows += len(rows)
                while self._rows > self.max_rows:
                    _, dropped = self._entries.popitem(last=False)
                    self._rows -= len(dropped)
        return rows


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
    client: str | None
    device_name: str | None


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
    @property
    def all_time(self) -> bool:
        return self.window.first_day is None

    def rows(self, sql: str, *args: Any) -> list[Any]:
        """The rows of a rollup query (cached until the next fold); none when the rollups are unusable."""
        if not self.usable:
            return []
        return self.cache.get((sql, args, self.generation), lambda: list(self.conn.exec_driver_sql(sql, args)))

    def day_rows(self, sql: str, *args: Any) -> list[Any]:
        """`rows` of a query whose first two parameters are the window's first and last day."""
        return self.rows(sql, self.first, self.last, *args)

    # -- the unfolded part ----------------------------------------------------------------------------------------
    def loose(self) -> list[Loose]:
        """Every unfolded play with time in the window or begun in it (all plays when the rollups are unusable)."""
        if self._loose is None:
            self._loose = self._load_loose()
        return self._loose

    def plays_of(self, user_id: str) -> list[Loose]:
        """Every play of one user with time in the window or begun in it, folded or not."""
        ref = select(play_users.c.ref).where(play_users.c.user_id == user_id).scalar_subquery()
        return self._load(self._ids(play_rows.c.user_ref == ref))  # through the (user, start) index

    def _load_loose(self) -> list[Loose]:
        if not self.usable:
            return self._load(None)
        return self._load(self._ids(UNFOLDED))

    def _ids(self, condition: ColumnElement[bool]) -> list[str]:
        """The ids of the plays `condition` picks that may have time in the window (asked first and on their
        own, so the planner walks the index `condition` names rather than every play of the window)."""
        query = select(play_rows.c.id).where(condition, play_rows.c.started_at < self.window.end)
        if self.window.start is not None:
            query = query.where(play_rows.c.started_at >= self._earliest())
        return list(self.conn.execute(query).scalars())

    def _earliest(self) -> datetime:
        assert self.window.start is not None
        return from_micros(to_micros(self.window.start) - MAX_SPAN_MICROS)

    def _load(self, ids: list[str] | None) -> list[Loose]:
        """These plays (None: every play that may have time in the window), cut into the window's hours."""
        window = self.window
        if ids is None:
            query = select(plays).where(plays.c.started_at < window.end)
            if window.start is not None:
                query = query.where(plays.c.started_at >= self._earliest())
            rows = self.conn.execute(query).all()
        else:
            rows = [
                row for chunk in chunks(ids) for row in self.conn.execute(select(plays).where(plays.c.id.in_(chunk)))
            ]
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
        for chunk in chunks(wanted):
            query = (
                select(plays.c.id, plays.c.started_at, plays.c.user_id, plays.c.item_id, plays.c.item_type,
                       plays.c.series_id, plays.c.client, plays.c.device_name, play_rows.c.view_counted)
                .select_from(plays.join(play_rows, play_rows.c.id == plays.c.id))
                .where(plays.c.id.in_(chunk))
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
                out.append(
                    LooseView(day, first.user_id, first.item_id, first.item_type, first.series_id, first.client,
                              first.device_name)
                )  # fmt: skip
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
        for user, day, micros, views in self.day_rows(sql, live_tv, user_id, user_id):
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
        """[microseconds, viewings] per user."""
        if self.all_time:
            found = self.rows(
                "SELECT u.user_id, SUM(r.micros), SUM(r.views) FROM rollup_user_totals r "
                "JOIN play_users u ON u.ref = r.user_ref WHERE ? OR r.live_tv = 0 GROUP BY u.user_id",
                live_tv,
            )
        else:
            found = self.day_rows(
                "SELECT u.user_id, SUM(r.micros), SUM(r.views) FROM rollup_user_days r "
                "JOIN play_users u ON u.ref = r.user_ref WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) "
                "GROUP BY u.user_id",
                live_tv,
            )
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for user, micros, views in found:
            out[user] = [micros, views]
        for play in self.loose():
            if (live_tv or not play.row.live_tv) and play.micros:
                out[play.row.user_id][0] += play.micros
        for view in self.loose_views():
            out[view.user_id][1] += 1
        return dict(out)

    def active_days(self, *, live_tv: bool) -> dict[str, int]:
        """Per user, the local days of the window with any watch time."""
        found = self.day_rows(
            "SELECT u.user_id, COUNT(DISTINCT r.day) FROM rollup_user_days r JOIN play_users u ON u.ref = r.user_ref "
            "WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) AND r.micros > 0 GROUP BY u.user_id",
            live_tv,
        )
        out: dict[str, int] = defaultdict(int, {user: days for user, days in found})
        extra = {
            (play.row.user_id, day)
            for play in self.loose()
            if live_tv or not play.row.live_tv
            for day, _hour, micros in play.pieces
            if micros
        }
        if extra:  # the days unfolded plays add that the rollups do not have yet
            known = self.day_rows(
                "SELECT u.user_id, r.day FROM rollup_user_days r JOIN play_users u ON u.ref = r.user_ref "
                "WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) AND r.micros > 0 "
                "AND u.user_id IN (SELECT value FROM json_each(?))",
                live_tv,
                json.dumps(sorted({user for user, _ in extra})),
            )
            for user, _day in extra - {(user, day) for user, day in known}:
                out[user] += 1
        return dict(out)

    def top_items(self, limit: int, *, item_type: str | None = None) -> dict[str, list[int]]:
        """[microseconds, viewings] of the `limit` items watched most (media only, never Live TV), and maybe a
        few more: ranked by time, then viewings, then id, as the caller ranks them."""
        types = json.dumps((item_type,) if item_type else MEDIA_TYPES)
        if self.all_time:
            query = (
                "SELECT item_id, micros, views FROM rollup_item_totals WHERE item_type IN (SELECT value FROM "
                "json_each(?)) {only} ORDER BY micros DESC, views DESC, item_id LIMIT ?"
            )
            first: tuple[Any, ...] = (types,)
        else:
            query = (
                "SELECT i.item_id, SUM(r.micros) AS m, SUM(r.views) AS v FROM rollup_item_days r "
                "JOIN play_items i ON i.ref = r.item_ref WHERE r.day BETWEEN ? AND ? "
                "AND i.item_type IN (SELECT value FROM json_each(?)) {only} GROUP BY i.item_id "
                "ORDER BY m DESC, v DESC, i.item_id LIMIT ?"
            )
            first = (self.first, self.last, types)
        loose = self._loose_items(item_type)
        return self._top(query, first, limit, loose, "item_id" if self.all_time else "i.item_id")

    def top_series(self, limit: int) -> dict[str, list[int]]:
        """`top_items` for series, over their episodes."""
        if self.all_time:
            query = (
                "SELECT series_id, SUM(micros) AS m, SUM(views) AS v FROM rollup_item_totals "
                "WHERE item_type = 'Episode' AND series_id IS NOT NULL {only} GROUP BY series_id "
                "ORDER BY m DESC, v DESC, series_id LIMIT ?"
            )
            first: tuple[Any, ...] = ()
        else:
            query = (
                "SELECT i.series_id, SUM(r.micros) AS m, SUM(r.views) AS v FROM rollup_item_days r "
                "JOIN play_items i ON i.ref = r.item_ref WHERE r.day BETWEEN ? AND ? AND i.item_type = 'Episode' "
                "AND i.series_id IS NOT NULL {only} GROUP BY i.series_id ORDER BY m DESC, v DESC, i.series_id "
                "LIMIT ?"
            )
            first = (self.first, self.last)
        loose: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for play in self.loose():
            row = play.row
            if not row.live_tv and row.item_type == "Episode" and row.series_id and play.micros:
                loose[row.series_id][0] += play.micros
        for view in self.loose_views():
            if view.item_type == "Episode" and view.series_id:
                loose[view.series_id][1] += 1
        return self._top(query, first, limit, loose, "series_id" if self.all_time else "i.series_id")

    def _loose_items(self, item_type: str | None) -> dict[str, list[int]]:
        wanted = (item_type,) if item_type else MEDIA_TYPES
        loose: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for play in self.loose():
            if not play.row.live_tv and play.row.item_type in wanted and play.micros:
                loose[play.row.item_id][0] += play.micros
        for view in self.loose_views():
            if view.item_type in wanted:
                loose[view.item_id][1] += 1
        return loose

    def _top(
        self, query: str, first: tuple[Any, ...], limit: int, loose: dict[str, list[int]], key: str
    ) -> dict[str, list[int]]:
        """The rollups' top `limit` plus the rollup values of the keys unfolded plays add to, then those plays'
        share: the true top `limit` is among them (only those keys can have grown past the rollups' ranking)."""
        out: dict[str, list[int]] = {}
        for found, micros, views in self.rows(query.format(only=""), *first, limit):
            out[found] = [micros, views]
        if loose:
            only = f"AND {key} IN (SELECT value FROM json_each(?))"  # noqa: S608 - our column names
            rows = self.rows(query.format(only=only), *first, json.dumps(sorted(loose)), len(loose))
            out.update({found: [micros, views] for found, micros, views in rows})
        for found, (micros, views) in loose.items():
            total = out.setdefault(found, [0, 0])
            total[0] += micros
            total[1] += views
        return out

    def unique_items(self) -> int:
        """Distinct items of the viewings counted in the window."""
        first: tuple[int, ...] = ()
        if self.all_time:
            base = "SELECT {what} FROM rollup_item_totals WHERE views > 0 {only}"
            what, key = "COUNT(*)", "item_id"
        else:
            base = (
                "SELECT {what} FROM rollup_item_days r JOIN play_items i ON i.ref = r.item_ref "
                "WHERE r.day BETWEEN ? AND ? AND r.views > 0 {only}"
            )
            what, key, first = "COUNT(DISTINCT i.item_id)", "i.item_id", (self.first, self.last)
        counted = self.rows(base.format(what=what, only=""), *first)
        total = counted[0][0] if counted else 0
        extra = {view.item_id for view in self.loose_views()}
        if extra:
            only = f"AND {key} IN (SELECT value FROM json_each(?))"  # noqa: S608 - our column names
            known = self.rows(base.format(what=f"DISTINCT {key}", only=only), *first, json.dumps(sorted(extra)))
            total += len(extra - {row[0] for row in known})
        return int(total)

    def by_hour(self, *, live_tv: bool) -> dict[tuple[int, int], int]:
        """Microseconds per (local day, local hour)."""
        sql = (
            "SELECT day, hour, SUM(micros) FROM rollup_hours WHERE day BETWEEN ? AND ? AND (? OR live_tv = 0) "
            "GROUP BY day, hour"
        )
        out: dict[tuple[int, int], int] = defaultdict(int)
        for day, hour, micros in self.day_rows(sql, live_tv):
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
            "JOIN play_clients c ON c.ref = r.client_ref JOIN play_streams s ON s.ref = r.method_ref "
            "WHERE r.day BETWEEN ? AND ? AND (? OR r.live_tv = 0) GROUP BY c.client, c.device_name, s.play_method "
            "HAVING SUM(r.micros) > 0 OR SUM(r.plays) > 0"
        )
        out: dict[tuple[str | None, str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
        for client, device, method, micros, count in self.day_rows(sql, live_tv):
            out[(client, device, method)] = [micros, count]
        for play in self.loose():
            row = play.row
            counted = 1 if self.begun_inside(row) and not row.short else 0
            if (live_tv or not row.live_tv) and (play.micros or counted):
                key = (row.client, row.device_name, row.play_method)
                out[key][0] += play.micros
                out[key][1] += counted
        return dict(out)

    def by_delivery(self) -> dict[tuple[str | None, str | None, str | None, str | None], int]:
        """Plays begun in the window (short ones not, Live TV too) per (method, video, audio, transcode reasons)."""
        sql = (
            "SELECT s.play_method, s.video_method, s.audio_method, s.transcode_reasons, SUM(r.plays) "
            "FROM rollup_delivery_days r JOIN play_streams s ON s.ref = r.stream_ref WHERE r.day BETWEEN ? AND ? "
            "GROUP BY s.play_method, s.video_method, s.audio_method, s.transcode_reasons HAVING SUM(r.plays) > 0"
        )
        out: dict[tuple[str | None, str | None, str | None, str | None], int] = defaultdict(int)
        for method, video, audio, reasons, count in self.day_rows(sql):
            out[(method, video, audio, reasons)] = count
        for play in self.loose():
            row = play.row
            if self.begun_inside(row) and not row.short:
                out[(row.play_method, row.video_method, row.audio_method, row.transcode_reasons)] += 1
        return dict(out)

    def peaks(self) -> dict[int, tuple[int, int | None]]:
        """(peak, first moment) per local day from the rollups; days an unfolded play touches are not in it."""
        sql = "SELECT day, peak, at FROM rollup_peaks WHERE day BETWEEN ? AND ?"
        return {day: (peak, at) for day, peak, at in self.day_rows(sql)}

    def all_time_peak(self) -> tuple[int, int | None]:
        if not self.usable:  # every play, the slow way (until the rollups are refolded in this zone)
            return busiest(play_spans(self.conn, 0, 1 << 62), 0, 1 << 62)
        found = self.rows("SELECT peak, at FROM rollup_peaks ORDER BY peak DESC, at LIMIT 1")
        return (found[0][0], found[0][1]) if found else (0, None)

    def begun_inside(self, row: Any) -> bool:
        """Whether a play (a row with `started_at`) began on one of the window's days."""
        return self.first <= day_of(to_micros(row.started_at), self.window.zone) <= self.last


def _segments(conn: Connection, ids: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Each play's segments as [start, end) microseconds."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for chunk in chunks(ids):
        query = select(segments.c.play_id, segments.c.started_at, segments.c.ended_at).where(
            segments.c.play_id.in_(chunk)
        )
        for play_id, start, end in conn.execute(query):
            found[play_id].append((to_micros(start), to_micros(end)))
    return found
