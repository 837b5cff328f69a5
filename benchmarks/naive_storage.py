"""The naive baseline of the storage reports and library health, for the statistics benchmark
(`benchmarks/naive_stats.py` lists them with the others).

What a straightforward implementation asks: every item's last play and watch time grouped over every play and
segment (the `plays` and `segments` views, no rollups), duplicates by grouping every path and every provider id,
lists paged with `OFFSET`, and no caches. A `days` window ends now (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from emby_analytics.db.schema import to_micros

Statement = tuple[str, tuple[object, ...]]

SECONDS = "(s.ended_at - s.started_at) / 1000000.0"
ON_DISK = (
    "i.removed_at IS NULL AND i.is_placeholder = 0 AND i.size_bytes > 0 "
    "AND i.type IN ('Movie', 'Episode', 'MusicVideo', 'Video', 'Trailer')"
)
_LIVE = "removed_at IS NULL AND is_placeholder = 0"


def _page(params: Mapping[str, str]) -> tuple[int, int]:
    size = int(params.get("page_size", "50"))
    return size, (int(params.get("page", "1")) - 1) * size


def stale(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    last = "SELECT item_id, MAX(started_at) AS at FROM plays GROUP BY item_id"
    since = to_micros(datetime.now(UTC) - timedelta(days=int(params["days"]))) if params.get("days") else None
    cut = "l.at IS NULL" + ("" if since is None else " OR l.at < ?")
    args: tuple[object, ...] = () if since is None else (since,)
    where = f"FROM items i LEFT JOIN ({last}) l ON l.item_id = i.id WHERE {ON_DISK} AND ({cut})"
    return [
        (
            f"SELECT i.id, i.name, i.size_bytes, l.at {where} ORDER BY i.size_bytes DESC LIMIT ? OFFSET ?",
            (*args, *_page(params)),
        ),
        (f"SELECT COUNT(*), SUM(i.size_bytes) {where}", args),
    ]


def roi(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    watched = (
        f"SELECT p.item_id, SUM({SECONDS}) AS t FROM segments s JOIN plays p ON p.id = s.play_id "
        "WHERE p.live_tv = 0 GROUP BY p.item_id"
    )
    order = "DESC" if params.get("order") == "best" else "ASC"
    return [
        (
            f"SELECT i.id, i.name, i.size_bytes, coalesce(w.t, 0) / 3600.0 / (i.size_bytes / 1073741824.0) AS r "
            f"FROM items i LEFT JOIN ({watched}) w ON w.item_id = i.id WHERE {ON_DISK} ORDER BY r {order}, "
            "i.size_bytes DESC LIMIT ? OFFSET ?",
            _page(params),
        ),
        (f"SELECT COUNT(*) FROM items i WHERE {ON_DISK}", ()),
    ]


def duplicates(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    by_path = (
        f"SELECT lower(i.path), COUNT(*), SUM(i.size_bytes), group_concat(i.id) FROM items i WHERE {ON_DISK} "
        "GROUP BY lower(i.path) HAVING COUNT(*) > 1"
    )
    by_ids = [
        (
            f"SELECT i.type, json_extract(i.provider_ids, '$.{key}') AS v, COUNT(*), SUM(i.size_bytes), "
            f"MAX(i.size_bytes), group_concat(i.id) FROM items i WHERE {ON_DISK} AND i.type IN ('Movie', 'Episode') "
            "AND v IS NOT NULL GROUP BY i.type, v HAVING COUNT(*) > 1",
            (),
        )
        for key in ("imdb", "tmdb", "tvdb")
    ]
    return [(by_path, ()), *by_ids]


def growth(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return [("SELECT * FROM library_snapshots ORDER BY day", ())]


def _listed(where: str, params: Mapping[str, str]) -> list[Statement]:
    return [
        (
            f"SELECT id, name, type FROM items WHERE {where} ORDER BY type, sort_name, id LIMIT ? OFFSET ?",
            _page(params),
        ),
        (f"SELECT COUNT(*) FROM items WHERE {where}", ()),
    ]


def no_poster(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    types = "('Movie', 'Series', 'Season', 'Episode', 'MusicVideo', 'Video', 'Trailer')"
    return _listed(f"{_LIVE} AND type IN {types} AND primary_image_tag IS NULL", params)


def no_provider_ids(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    return _listed(
        f"{_LIVE} AND type IN ('Movie', 'Series', 'Episode') AND coalesce(provider_ids, '{{}}') = '{{}}'", params
    )


def placeholders(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    where = "type = 'Episode' AND is_placeholder = 1 AND removed_at IS NULL"
    return [
        (
            f"SELECT series_id, SUM(premiere_date <= ?), SUM(premiere_date IS NULL OR premiere_date > ?), COUNT(*) "
            f"FROM items WHERE {where} GROUP BY series_id ORDER BY COUNT(*) DESC LIMIT ? OFFSET ?",
            (now, now, *_page(params)),
        ),
        (f"SELECT id, series_id, name, season_number, episode_number, premiere_date FROM items WHERE {where}", ()),
    ]
