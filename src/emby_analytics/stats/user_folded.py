"""One user's page from the rollups: their days, total and hours read by key, and what the rollups do not split by
user (items, devices, clients) from one walk over their folded plays, reduced to a few rows until the next fold.

A heavy user has ~200,000 plays over ~60,000 items. One statement walks their plays along the (user, start) index,
sums each play's segments, groups by item and client refs, and reduces the groups to what the page shows: its top
items, the number of distinct items viewed per type, each device's and client's use. All of it runs inside SQLite
(no Python per play or per group, so no GIL held while it runs), and its ~20 rows are cached per fold generation.
Unfolded plays are added by the caller; the folded share of an item they touch is read on its own
(`folded_items`), so the top items stay exact: only those items can have grown past the folded ranking (as in
`Rolled._top`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from emby_analytics.db.schema import watched_micros_sql
from emby_analytics.stats.rolled import MEDIA_TYPES, Rolled

# `g`: the walk, grouped by (item, client) ref. The inner LIMIT keeps SQLite from flattening the walk into the
# grouping: each play's segments are summed as the walk meets it, and the sort behind GROUP BY carries numbers
# instead of play ids (about half the time). A viewing counts at its first play (no view id) once the fold counted
# it. Used four times below, `g` is computed once (SQLite materializes a CTE used more than once, from 3.35).
# The page's rules: an item's time is of media and never Live TV, its viewings of media; ranked by time, viewings,
# id (as `ranked_items` ranks); a device's time is Live TV's or not (the caller picks), its last use its latest end.
_SUMMARY = (
    "WITH g AS (SELECT item_ref, client_ref, SUM(micros) AS micros, SUM(views) AS views, MAX(ended) AS ended, "  # noqa: S608
    "COUNT(*) AS plays FROM (SELECT p.item_ref AS item_ref, p.client_ref AS client_ref, "
    f"{watched_micros_sql('p')} AS micros, "
    "p.view_id IS NULL AND p.view_counted AS views, coalesce(p.stopped_at, p.last_seen_at) AS ended "
    "FROM play_rows p WHERE p.user_ref = (SELECT ref FROM play_users WHERE user_id = ?) AND p.folded = 1 LIMIT -1) "
    "GROUP BY item_ref, client_ref) "
    "SELECT * FROM (SELECT 'item', i.item_id, SUM(CASE WHEN i.live_tv THEN 0 ELSE coalesce(g.micros, 0) END) AS m, "
    "SUM(g.views) AS v, NULL, NULL, NULL FROM g JOIN play_items i ON i.ref = g.item_ref "
    "WHERE i.item_type IN (SELECT value FROM json_each(?)) GROUP BY i.item_id HAVING m > 0 OR v > 0 "
    "ORDER BY m DESC, v DESC, i.item_id LIMIT ?) "
    "UNION ALL SELECT 'kind', i.item_type, COUNT(DISTINCT i.item_id), NULL, NULL, NULL, NULL "
    "FROM g JOIN play_items i ON i.ref = g.item_ref WHERE g.views > 0 GROUP BY i.item_type "
    "UNION ALL SELECT 'use', c.client, c.device_name, i.live_tv, SUM(coalesce(g.micros, 0)), SUM(g.views), "
    "MAX(g.ended) FROM g JOIN play_items i ON i.ref = g.item_ref JOIN play_clients c ON c.ref = g.client_ref "
    "GROUP BY c.client, c.device_name, i.live_tv "
    "UNION ALL SELECT 'plays', SUM(plays), NULL, NULL, NULL, NULL, NULL FROM g"
)
# The user's folded plays of a few items, through whichever index reads fewer plays: the items' (`+p.user_ref` keeps
# the planner off the user's) or the user's (`+p.item_ref` keeps it off the items').
_BY_ITEM = (
    "SELECT i.item_id, i.item_type, i.live_tv, "  # noqa: S608 - our SQL
    f"SUM({watched_micros_sql('p')}), SUM(p.view_id IS NULL AND p.view_counted) FROM play_items i "
    "JOIN play_rows p ON p.item_ref = i.ref WHERE i.item_id IN (SELECT value FROM json_each(?)) "
    "AND +p.user_ref = (SELECT ref FROM play_users WHERE user_id = ?) AND p.folded = 1 "
    "GROUP BY i.item_id, i.item_type, i.live_tv"
)
_BY_USER = _BY_ITEM.replace("p.item_ref = i.ref", "+p.item_ref = i.ref").replace("+p.user_ref", "p.user_ref")
_ITEM_PLAYS = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM play_rows WHERE item_ref IN (SELECT ref FROM play_items WHERE item_id IN "
    "(SELECT value FROM json_each(?))) LIMIT ?)"
)
# Each day of [first, last] looked up by (day, user) rather than every user's rows of those days read (a year of
# days is ~100,000 rows); no earlier than the first day the rollups hold (which may be after `last`).
_USER_DAYS = (
    "WITH RECURSIVE d(day) AS (SELECT max(?, coalesce((SELECT min(day) FROM rollup_user_days), ?)) "
    "UNION ALL SELECT day + 1 FROM d WHERE day < ?) "
    "SELECT r.day, SUM(r.micros), SUM(r.views) FROM d JOIN rollup_user_days r ON r.day = d.day "
    "AND r.user_ref = (SELECT ref FROM play_users WHERE user_id = ?) WHERE d.day <= ? AND (? OR r.live_tv = 0) "
    "GROUP BY r.day"
)
# All time ends today: the totals less any day after it (a clock set back), as the days up to today would sum.
_USER_TOTAL = (
    "SELECT 1, SUM(micros), SUM(views) FROM rollup_user_totals "
    "WHERE user_ref = (SELECT ref FROM play_users WHERE user_id = ?) AND (? OR live_tv = 0) "
    "UNION ALL SELECT -1, SUM(micros), SUM(views) FROM rollup_user_days "
    "WHERE day > ? AND user_ref = (SELECT ref FROM play_users WHERE user_id = ?) AND (? OR live_tv = 0)"
)


def user_days(rolled: Rolled, user_id: str, first: int, *, live_tv: bool) -> dict[int, list[int]]:
    """[microseconds, viewings] per local day of one user, from `first` to the window's last day."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    last = rolled.last
    for day, micros, views in rolled.rows(_USER_DAYS, first, last, last, user_id, last, live_tv):
        out[day] = [micros, views]
    for play in rolled.loose():
        if play.row.user_id == user_id and (live_tv or not play.row.live_tv):
            for day, _hour, micros in play.pieces:
                if day >= first:
                    out[day][0] += micros
    for view in rolled.loose_views():
        if view.user_id == user_id and view.day >= first:
            out[view.day][1] += 1
    return dict(out)


def user_total(rolled: Rolled, user_id: str, *, live_tv: bool) -> tuple[int, int]:
    """One user's microseconds and viewings of all time."""
    micros = views = 0
    for sign, m, v in rolled.rows(_USER_TOTAL, user_id, live_tv, rolled.last, user_id, live_tv):
        micros += sign * (m or 0)
        views += sign * (v or 0)
    for play in rolled.loose():
        if play.row.user_id == user_id and (live_tv or not play.row.live_tv):
            micros += play.micros
    return micros, views + sum(1 for view in rolled.loose_views() if view.user_id == user_id)


@dataclass(frozen=True)
class Use:
    """A device's and client's folded watch time (of one kind: Live TV or not), viewings and latest end."""

    client: str | None
    device: str | None
    live_tv: bool
    micros: int
    views: int
    last: int | None


@dataclass
class Folded:
    """What the page needs of one user's folded plays."""

    items: dict[str, list[int]] = field(default_factory=dict)  # the top items: [microseconds, viewings]
    kinds: dict[str | None, int] = field(default_factory=dict)  # distinct items viewed, per item type
    uses: list[Use] = field(default_factory=list)
    plays: int = 0


def folded_user(rolled: Rolled, user_id: str, limit: int) -> Folded:
    """The user's folded plays, summed: the `limit` items watched most, the items viewed per type, and the use
    of each device and client (none when the rollups are unusable: then no play counts as folded)."""
    out = Folded()
    for kind, key, a, b, c, d, e in rolled.rows(_SUMMARY, user_id, json.dumps(MEDIA_TYPES), limit):
        if kind == "item":
            out.items[key] = [a, b]
        elif kind == "kind":
            out.kinds[key] = a
        elif kind == "use":
            out.uses.append(Use(key, a, bool(b), c, d, e))
        else:
            out.plays = key or 0
    return out


def add_item(
    items: dict[str, list[int]], item_id: str, item_type: str | None, live: bool, micros: int, views: int
) -> None:
    """An item's share as the page counts it (as `_SUMMARY` does): time of media, never Live TV; viewings of media."""
    media = item_type in MEDIA_TYPES
    if micros and media and not live:
        items[item_id][0] += micros
    if views and media:
        items[item_id][1] += views


def folded_items(rolled: Rolled, user_id: str, item_ids: set[str], user_plays: int) -> list[Any]:
    """(item id, type, Live TV, microseconds, viewings) of the user's folded plays of these items, grouped by what
    the item was when played. `user_plays`: the user's folded plays (the other way to read them)."""
    if not item_ids or not rolled.usable:
        return []
    wanted = json.dumps(sorted(item_ids))
    # Counting the items' plays stops at the user's count: past it, the user's plays are the cheaper walk.
    found = rolled.rows(_ITEM_PLAYS, wanted, user_plays)
    query = _BY_ITEM if found and found[0][0] < user_plays else _BY_USER
    return rolled.rows(query, wanted, user_id)
