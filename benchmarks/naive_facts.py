"""The naive baseline of the library facts (`/stats/movies`, `/stats/series`) and the genre lists, for the statistics
benchmark (`benchmarks/naive_stats.py` lists them with the others).

What a straightforward implementation asks: one query per fact over every item of the type, genres unpacked with
`json_each` over every item, watch time summed over every segment of the type's plays (no rollups), the lists paged
with `OFFSET`, and no caches. Months begin at UTC midnight (the benchmark's server runs with TZ=UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

Statement = tuple[str, tuple[object, ...]]

SECONDS = "(s.ended_at - s.started_at) / 1000000.0"
IN_LIBRARY = "removed_at IS NULL AND is_placeholder = 0"
_VIDEO = "type IN ('Movie', 'Episode', 'MusicVideo', 'Video', 'Trailer')"
_HAS_GENRE = "EXISTS (SELECT 1 FROM json_each(items.genres) g WHERE g.value = ? COLLATE NOCASE)"


def _month_start() -> str:
    """This month's first instant as `items.date_created` stores times (UTC text)."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-01 00:00:00.000000")


def _shelf(item_type: str) -> list[Statement]:
    """Counts, sums and the notable items of one type, a query each."""
    where = f"{IN_LIBRARY} AND type = '{item_type}'"
    notable = "SELECT id, name, size_bytes, runtime_ticks, date_created FROM items WHERE " + where
    return [
        (f"SELECT COUNT(*), SUM(size_bytes), SUM(runtime_ticks) FROM items WHERE {where}", ()),
        (f"{notable} AND size_bytes > 0 ORDER BY size_bytes DESC, id LIMIT 1", ()),
        (f"{notable} AND runtime_ticks > 0 ORDER BY runtime_ticks DESC, id LIMIT 1", ()),
        (f"{notable} AND runtime_ticks > 0 ORDER BY runtime_ticks, id LIMIT 1", ()),
        (f"{notable} AND date_created IS NOT NULL ORDER BY date_created DESC, id LIMIT 1", ()),
        (f"SELECT COUNT(*) FROM items WHERE {where} AND date_created >= ?", (_month_start(),)),
        (
            "SELECT g.value, COUNT(DISTINCT i.id) FROM items i, json_each(i.genres) g WHERE i.removed_at IS NULL "
            f"AND i.is_placeholder = 0 AND i.type = '{item_type}' GROUP BY 1",
            (),
        ),
    ]


def _watched(watched: str, key: str) -> list[Statement]:
    """The most watched title of a watch-time query keyed by `key`, and watch time per genre of its titles."""
    joined = f"FROM ({watched}) w JOIN items i ON i.id = w.{key}"
    return [
        (f"SELECT w.{key}, i.name, w.t {joined} ORDER BY w.t DESC LIMIT 1", ()),
        (f"SELECT g.value, SUM(w.t) {joined}, json_each(i.genres) g GROUP BY 1", ()),
    ]


def movies(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    watched = (
        f"SELECT p.item_id, SUM({SECONDS}) AS t, COUNT(DISTINCT p.view_id) FROM segments s JOIN plays p "
        "ON p.id = s.play_id WHERE p.item_type = 'Movie' AND p.live_tv = 0 GROUP BY p.item_id"
    )
    return [*_shelf("Movie"), *_watched(watched, "item_id")]


def series(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    watched = (
        f"SELECT p.series_id, SUM({SECONDS}) AS t, COUNT(DISTINCT p.view_id) FROM segments s JOIN plays p "
        "ON p.id = s.play_id WHERE p.item_type = 'Episode' AND p.series_id IS NOT NULL GROUP BY p.series_id"
    )
    per_series = (
        "SELECT series_id, COUNT(*), SUM(size_bytes), SUM(runtime_ticks) FROM items "
        f"WHERE {IN_LIBRARY} AND type = 'Episode' GROUP BY series_id"
    )
    return [
        *_shelf("Series"),
        *_shelf("Episode")[:-1],  # episodes carry no genres of their own
        (f"SELECT COUNT(*) FROM items WHERE {IN_LIBRARY} AND type = 'Season'", ()),
        (per_series, ()),
        *_watched(watched, "series_id"),
    ]


def items_by_genre(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    genre = next(iter(path.values()))
    where = f"{IN_LIBRARY} AND {_VIDEO} AND {_HAS_GENRE}"
    return [
        (
            f"SELECT id, name, type, width, height, video_codec FROM items WHERE {where} "
            "ORDER BY sort_name, id LIMIT 50 OFFSET ?",
            (genre, _offset(params)),
        ),
        (f"SELECT COUNT(*) FROM items WHERE {where}", (genre,)),
    ]


def series_by_genre(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    genre = next(iter(path.values()))
    where = f"{IN_LIBRARY} AND type = 'Series' AND {_HAS_GENRE}"
    page = f"SELECT id FROM items WHERE {where} ORDER BY sort_name, id LIMIT 50 OFFSET ?"
    return [
        (f"SELECT id, name, production_year, genres FROM items WHERE id IN ({page})", (genre, _offset(params))),
        (f"SELECT COUNT(*) FROM items WHERE {where}", (genre,)),
        (
            "SELECT series_id, SUM(type = 'Season'), SUM(type = 'Episode'), SUM(size_bytes), SUM(runtime_ticks) "
            f"FROM items WHERE {IN_LIBRARY} AND series_id IN ({page}) GROUP BY series_id",
            (genre, _offset(params)),
        ),
    ]


def _offset(params: Mapping[str, str]) -> int:
    return (int(params.get("page", "1")) - 1) * int(params.get("page_size", "50"))
