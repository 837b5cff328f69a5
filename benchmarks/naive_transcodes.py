"""The naive baseline of the transcode fix-list and the transcodes per client (`/stats/transcodes/...`), for the
statistics benchmark (`benchmarks/naive_stats.py` lists them with the others).

What a straightforward implementation asks: the transcoded plays of the window grouped over the `plays` view (every
play's four descriptions joined back), ranked, paged with `OFFSET`, then the page's files from `items`; per client,
every play of the window grouped by client and method. No caches.
"""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks import naive_stats

Statement = tuple[str, tuple[object, ...]]

TRANSCODED = "(play_method = 'Transcode' OR (play_method = 'DirectStream' AND transcode_reasons IS NOT NULL))"


def _scope(params: Mapping[str, str]) -> tuple[str, tuple[object, ...]]:
    where, args = naive_stats.window(params).where("started_at")
    scope = f"FROM plays WHERE {where} AND live_tv = 0"
    for name in ("user_id", "client"):
        if params.get(name):
            scope, args = f"{scope} AND {name} = ?", (*args, params[name])
    return scope, args


def fix_list(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    scope, args = _scope(params)
    limit, offset = int(params.get("limit", "50")), int(params.get("offset", "0"))
    grouped = (
        f"SELECT item_id, client, transcode_reasons, COUNT(*) AS n, SUM(watch_seconds) AS t, "
        f"COUNT(DISTINCT user_id), MAX(coalesce(stopped_at, started_at)) {scope} AND {TRANSCODED} "
        "GROUP BY item_id, client, transcode_reasons"
    )
    return [
        (f"SELECT g.*, i.name, i.path, i.container, i.video_codec, i.video_bit_depth, i.video_range, i.audio_codec, "
         f"i.audio_channels FROM ({grouped} ORDER BY t DESC, n DESC LIMIT {limit} OFFSET {offset}) g "
         "LEFT JOIN items i ON i.id = g.item_id", args),
        (f"SELECT COUNT(*) FROM ({grouped})", args),
    ]  # fmt: skip


def by_client(params: Mapping[str, str], path: Mapping[str, str]) -> list[Statement]:
    scope, args = _scope(params)
    return [
        (f"SELECT client, {TRANSCODED}, transcode_reasons, COUNT(*), SUM(watch_seconds) {scope} "
         f"GROUP BY client, {TRANSCODED}, transcode_reasons", args),
        (f"SELECT client, COUNT(DISTINCT item_id) {scope} AND {TRANSCODED} GROUP BY client", args),
    ]  # fmt: skip
