"""The naive baseline of the statistics benchmark: for each question, the query a straightforward implementation runs.

Plain SQL straight on a copy of the tier's database (sqlite3, read-only): watch time summed over every segment in
the window with a `GROUP BY`, history pages with `OFFSET` (the page at depth d reads d rows first), title search as
`LIKE '%q%'` over every play's title, library breakdowns as `GROUP BY` over all items. No rollups, no keyset, no
caches. Each entry answers one endpoint's question with the same parameters the service gets (`days`, `timeframe`,
filters, page depth); endpoints without an entry here are measured without a baseline.

Windows end at the moment of the question, as the service's do; `timeframe=all-time` reads everything. Times are
stored as integer microseconds since 1970 UTC (`play_rows`, `segments`), so durations are differences of integers
and days and hours come from SQLite's `'unixepoch'` modifier (the benchmark's server runs with TZ=UTC). Play ids
are compared as stored (`encode_id`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from benchmarks import naive_facts, naive_storage, naive_transcodes
from emby_analytics.db.schema import encode_id, to_micros

Statement = tuple[str, tuple[object, ...]]
# (the request's query parameters, its path parameters) -> the statements that answer it, run in order
Builder = Callable[[Mapping[str, str], Mapping[str, str]], list[Statement]]

SECONDS = "(s.ended_at - s.started_at) / 1000000.0"


def _utc(column: str) -> str:
    """An integer-microseconds column as SQLite's date functions take it (seconds, 'unixepoch')."""
    return f"{column} / 1000000, 'unixepoch'"


def _day_micros(text: str, days: int = 0) -> int:
    """Midnight UTC of a `YYYY-MM-DD` (plus `days`) as stored."""
    day = date.fromisoformat(text) + timedelta(days=days)
    return to_micros(datetime(day.year, day.month, day.day, tzinfo=UTC))


TWO_DAYS = 2 * 86_400 * 1_000_000
_TIMEFRAME_DAYS = {"1d": 1, "3d": 3, "7d": 7, "14d": 14, "30d": 30, "90d": 90, "365d": 365}


@dataclass(frozen=True)
class Window:
    """The `[since, now)` a request asks about, in stored microseconds; `since` None is all time."""

    since: int | None

    def where(self, column: str) -> tuple[str, tuple[object, ...]]:
        return (f"{column} >= ?", (self.since,)) if self.since is not None else ("1 = 1", ())


def window(params: Mapping[str, str], default_days: int | None = 30) -> Window:
    """`timeframe` wins over `days` (the API's rule); neither: the endpoint's default window."""
    days: int | None = default_days
    frame = params.get("timeframe")
    if frame:
        days = _TIMEFRAME_DAYS.get(frame)
    elif params.get("days"):
        days = int(params["days"])
    if days is None:
        return Window(None)
    return Window(to_micros(datetime.now(UTC) - timedelta(days=days)))


def _user_filter(params: Mapping[str, str], alias: str = "p") -> tuple[str, tuple[object, ...]]:
    user = params.get("user_id")
    return (f"{alias}.user_id = ?", (user,)) if user else ("1 = 1", ())


def _watch_by(key: str, label: str, params: Mapping[str, str], *, limit: int = 10, extra: str = "") -> Statement:
    where, args = window(params).where("s.started_at")
    user, user_args = _user_filter(params)
    return (
        f"SELECT {key}, {label}, SUM({SECONDS}) AS seconds, COUNT(DISTINCT p.view_id) FROM segments s "
        f"JOIN plays p ON p.id = s.play_id WHERE {where} AND {user} {extra} GROUP BY {key} "
        f"ORDER BY seconds DESC LIMIT {limit}",
        (*args, *user_args),
    )


def overview(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [
        ("SELECT COUNT(*) FROM users WHERE removed_at IS NULL", ()),
        ("SELECT type, COUNT(*) FROM items WHERE removed_at IS NULL AND is_placeholder = 0 GROUP BY type", ()),
        ("SELECT COUNT(DISTINCT view_id), COUNT(DISTINCT item_id) FROM plays WHERE short = 0 AND live_tv = 0", ()),
        (f"SELECT SUM({SECONDS}) FROM segments s JOIN plays p ON p.id = s.play_id WHERE p.live_tv = 0", ()),
    ]


def users_total(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [("SELECT COUNT(*) FROM users WHERE removed_at IS NULL", ())]


def history(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    """A page of plays: the same filters, then OFFSET to the page's depth (`_depth`, set by the benchmark)."""
    conditions: list[str] = []
    args: list[object] = []
    for name, column in (("user_id", "user_id"), ("media_type", "item_type"), ("client", "client")):
        if params.get(name):
            conditions.append(f"p.{column} = ?")
            args.append(params[name])
    if params.get("play_method"):
        conditions.append("p.play_method = ?")
        args.append(params["play_method"])
    if params.get("item_id"):
        conditions.append("(p.item_id = ? OR p.series_id = ?)")
        args += [params["item_id"], params["item_id"]]
    if params.get("from"):
        conditions.append("p.started_at >= ?")
        args.append(_day_micros(params["from"]))
    if params.get("to"):
        conditions.append("p.started_at < ?")
        args.append(_day_micros(params["to"], days=1))
    if params.get("q"):
        conditions.append("(p.item_name LIKE ? OR p.series_name LIKE ?)")
        args += [f"%{params['q']}%"] * 2
    where = " AND ".join(conditions) or "1 = 1"
    limit = int(params.get("limit", "50"))
    offset = int(params.get("_depth", "0"))
    return [
        (
            f"SELECT p.* FROM plays p WHERE {where} ORDER BY p.started_at DESC, p.id DESC LIMIT ? OFFSET ?",
            (*args, limit + 1, offset),
        )
    ]


def history_play(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    play_id = encode_id(next(iter(path.values())))
    return [
        ("SELECT * FROM plays WHERE id = ?", (play_id,)),
        ("SELECT * FROM segments WHERE play_id = ? ORDER BY seq", (play_id,)),
    ]


def usage(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    where, args = window(params).where("s.started_at")
    return [
        (
            f"SELECT date({_utc('s.started_at')}) AS day, p.user_id, MAX(p.user_name), SUM({SECONDS}) / 3600.0 "
            f"FROM segments s JOIN plays p ON p.id = s.play_id WHERE {where} GROUP BY day, p.user_id ORDER BY day",
            args,
        )
    ]


def top_users(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [_watch_by("p.user_id", "MAX(p.user_name)", params)]


def top_items(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    if params.get("group") == "series":
        return top_series(params, path)
    return [_watch_by("p.item_id", "MAX(p.item_name)", params)]


def top_series(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [_watch_by("p.series_id", "MAX(p.series_name)", params, extra="AND p.series_id IS NOT NULL")]


# The classes of `quality` (width or height, whichever says more), written out as a CASE.
_QUALITY = (
    "CASE WHEN width >= 7000 OR height >= 4000 THEN '8K' WHEN width >= 3200 OR height >= 2000 THEN '4K' "
    "WHEN width >= 1700 OR height >= 1000 THEN '1080p' WHEN width >= 1100 OR height >= 700 THEN '720p' "
    "WHEN width >= 1 OR height >= 1 THEN 'SD' ELSE 'Unknown' END"
)
_VIDEO_ITEMS = (
    "removed_at IS NULL AND is_placeholder = 0 AND type IN ('Movie', 'Episode', 'MusicVideo', 'Video', 'Trailer')"
)
_CODEC = "lower(coalesce(video_codec, 'unknown'))"
_LISTED = "id, name, type, width, height, video_codec"


def qualities(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [
        (f"SELECT {_QUALITY} AS quality, type, COUNT(*) FROM items WHERE {_VIDEO_ITEMS} GROUP BY quality, type", ())
    ]


def codecs(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [(f"SELECT {_CODEC}, type, COUNT(*) FROM items WHERE {_VIDEO_ITEMS} GROUP BY 1, 2", ())]


def items_by_codec(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    codec = next(iter(path.values()))
    where = f"{_VIDEO_ITEMS} AND {_CODEC} = ?"
    return [
        (
            f"SELECT {_LISTED} FROM items WHERE {where} ORDER BY sort_name, id LIMIT 50",
            (codec,),
        ),
        (f"SELECT COUNT(*) FROM items WHERE {where}", (codec,)),
    ]


def items_by_quality(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    quality = next(iter(path.values()))
    where = f"{_VIDEO_ITEMS} AND {_QUALITY} = ?"
    return [
        (
            f"SELECT {_LISTED} FROM items WHERE {where} ORDER BY sort_name, id LIMIT 50",
            (quality,),
        ),
        (f"SELECT COUNT(*) FROM items WHERE {where}", (quality,)),
    ]


def active_users(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    where, args = window(params).where("s.started_at")
    return [
        (
            f"SELECT p.user_id, MAX(p.user_name), COUNT(DISTINCT date({_utc('s.started_at')})), SUM({SECONDS}), "
            f"MAX(s.ended_at) FROM segments s JOIN plays p ON p.id = s.play_id WHERE {where} "
            "GROUP BY p.user_id ORDER BY 4 DESC LIMIT 10",
            args,
        )
    ]


def user_detail(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    user = next(iter(path.values()))
    join = "FROM segments s JOIN plays p ON p.id = s.play_id WHERE p.user_id = ?"
    return [
        ("SELECT name FROM users WHERE id = ?", (user,)),
        (f"SELECT SUM({SECONDS}) {join}", (user,)),
        ("SELECT item_type, COUNT(DISTINCT view_id) FROM plays WHERE user_id = ? GROUP BY item_type", (user,)),
        (
            f"SELECT p.item_id, MAX(p.item_name), SUM({SECONDS}) AS t {join} GROUP BY 1 ORDER BY t DESC LIMIT 10",
            (user,),
        ),
        ("SELECT * FROM plays WHERE user_id = ? ORDER BY started_at DESC LIMIT 10", (user,)),
        (f"SELECT strftime('%w', {_utc('s.started_at')}), SUM({SECONDS}) {join} GROUP BY 1", (user,)),
        (f"SELECT strftime('%H', {_utc('s.started_at')}), SUM({SECONDS}) {join} GROUP BY 1", (user,)),
        ("SELECT device_name, COUNT(*) FROM plays WHERE user_id = ? GROUP BY device_name", (user,)),
        ("SELECT client, COUNT(*) FROM plays WHERE user_id = ? GROUP BY client", (user,)),
    ]


def play_methods(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    where, args = window(params).where("started_at")
    user, user_args = _user_filter(params, "plays")
    scope = f"FROM plays WHERE {where} AND {user}"
    both = (*args, *user_args)
    return [
        (f"SELECT play_method, COUNT(*) {scope} GROUP BY play_method", both),
        (f"SELECT video_method || '/' || audio_method, COUNT(*) {scope} GROUP BY 1", both),
        (f"SELECT transcode_reasons, COUNT(*) {scope} AND transcode_reasons IS NOT NULL GROUP BY 1", both),
        (f"SELECT * {scope} AND play_method = 'Transcode' ORDER BY started_at DESC LIMIT 50", both),
    ]


def heatmap(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    where, args = window(params).where("s.started_at")
    return [
        (
            f"SELECT strftime('%w', {_utc('s.started_at')}), strftime('%H', {_utc('s.started_at')}), SUM({SECONDS}) "
            f"FROM segments s WHERE {where} GROUP BY 1, 2",
            args,
        )
    ]


def concurrency(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    """Streams running when each play started, peak per day; the earlier plays are bounded to two days back (no
    play is longer), or the baseline would measure a quadratic plan rather than the lack of a rollup."""
    where, args = window(params).where("a.started_at")
    return [
        (
            f"SELECT date({_utc('a.started_at')}), MAX((SELECT COUNT(*) FROM plays b "
            "WHERE b.started_at <= a.started_at AND b.started_at >= a.started_at - ? AND b.stopped_at > a.started_at)) "
            f"FROM plays a WHERE {where} GROUP BY 1",
            (TWO_DAYS, *args),
        )
    ]


def clients(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    where, args = window(params).where("started_at")
    return [
        (
            f"SELECT client, device_name, COUNT(*), SUM(watch_seconds) FROM plays WHERE {where} "
            "GROUP BY client, device_name ORDER BY 4 DESC",
            args,
        )
    ]


def library(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [
        (
            "SELECT library_id, type, COUNT(*), SUM(size_bytes), SUM(runtime_ticks) FROM items "
            "WHERE removed_at IS NULL AND is_placeholder = 0 "
            "AND type NOT IN ('Folder', 'CollectionFolder', 'UserView') GROUP BY library_id, type",
            (),
        )
    ]


def items_by_ids(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    ids = [i for i in params.get("ids", "").split(",") if i]
    marks = ", ".join("?" * len(ids)) or "NULL"
    return [
        (f"SELECT id, name, type, series_id, series_name, runtime_ticks FROM items WHERE id IN ({marks})", tuple(ids))
    ]


# Endpoint path (as `/openapi.json` names it) -> its naive question. Aliases share one.
NAIVE: dict[str, Builder] = {
    "/stats/overview": overview,
    "/stats/users/total": users_total,
    "/stats/history": history,
    "/stats/usage": usage,
    "/stats/top/users": top_users,
    "/stats/top-users": top_users,
    "/stats/top/items": top_items,
    "/stats/top-items": top_items,
    "/stats/top/series": top_series,
    "/stats/qualities": qualities,
    "/stats/codecs": codecs,
    "/stats/active-users": active_users,
    "/stats/play-methods": play_methods,
    "/stats/playback-methods": play_methods,
    "/stats/heatmap": heatmap,
    "/stats/concurrency": concurrency,
    "/stats/clients": clients,
    "/stats/library": library,
    "/stats/movies": naive_facts.movies,
    "/stats/series": naive_facts.series,
    "/stats/transcodes/fix-list": naive_transcodes.fix_list,
    "/stats/transcodes/by-client": naive_transcodes.by_client,
    "/stats/storage/stale": naive_storage.stale,
    "/stats/storage/roi": naive_storage.roi,
    "/stats/storage/duplicates": naive_storage.duplicates,
    "/stats/storage/growth": naive_storage.growth,
    "/stats/library/health/no-poster": naive_storage.no_poster,
    "/stats/library/health/no-provider-ids": naive_storage.no_provider_ids,
    "/stats/library/health/placeholders": naive_storage.placeholders,
    "/items/by-ids": items_by_ids,
}
# Templated paths, matched on their fixed part (the parameter's name may differ).
NAIVE_TEMPLATES: tuple[tuple[str, Builder], ...] = (
    ("/stats/history/", history_play),
    ("/stats/user/", user_detail),
    ("/stats/users/", user_detail),
    ("/stats/items/by-codec/", items_by_codec),
    ("/stats/items/by-quality/", items_by_quality),
    ("/stats/items/by-genre/", naive_facts.items_by_genre),
    ("/stats/series/by-genre/", naive_facts.series_by_genre),
)


def naive_for(endpoint: str) -> Builder | None:
    """The naive question for an endpoint path (`/stats/user/{id}` style templates included), if there is one."""
    if "{" not in endpoint:
        return NAIVE.get(endpoint)
    fixed = endpoint[: endpoint.index("{")]
    return next((builder for prefix, builder in NAIVE_TEMPLATES if fixed == prefix), None)


def client(
    db: str, statements: Sequence[Statement], start_at: float, seconds: float, min_requests: int, cap: float
) -> tuple[list[float], list[str], float, float, int]:
    """One naive client, in its own process (a thread would wait for the GIL behind the others and time that):
    ask once to warm up, wait for the common start, then ask back to back until `start_at + seconds` and at least
    `min_requests` times. A question still running after `cap` seconds is interrupted and counted at `cap` (some
    naive questions take hours at tier L); once one is, the client stops asking. Returns (latencies in seconds,
    errors, wall-clock end, CPU seconds used, questions cut at the cap)."""
    latencies: list[float] = []
    errors: list[str] = []
    capped = 0
    deadline = [0.0]
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.set_progress_handler(lambda: int(time.perf_counter() > deadline[0]), 10_000)

        def ask() -> bool:
            """True when answered within the cap."""
            deadline[0] = time.perf_counter() + cap
            try:
                for sql, args in statements:
                    conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "interrupted" not in str(exc):
                    raise
                return False
            return True

        warm = ask()
        time.sleep(max(0.0, start_at - time.time()))
        cpu = time.process_time()
        if not warm:
            return [cap], errors, time.time(), time.process_time() - cpu, 1
        while len(latencies) < min_requests or time.time() < start_at + seconds:
            began = time.perf_counter()
            try:
                answered = ask()
            except sqlite3.Error as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                answered = True
            latencies.append(min(time.perf_counter() - began, cap))
            if not answered:
                capped += 1
                break
    return latencies, errors, time.time(), time.process_time() - cpu, capped
