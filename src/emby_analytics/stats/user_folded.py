"""One user's page from the rollups: their days, total and hours read by key, their items and clients from the
per-user rollups (`rollup_user_items`, `rollup_user_clients`), reduced to the few rows the page shows until the
next fold.

A heavy user has ~200,000 plays over ~60,000 items: their page reads a row per item they played (and one per
client), reduced inside SQLite to its top items, the number of distinct items viewed per type and each device's
and client's use (~20 rows, no Python per item, cached per fold generation). Unfolded plays are added by the
caller; the folded share of an item they touch is read on its own (`folded_items`), so the top items stay exact:
only those items can have grown past the folded ranking (as in `Rolled._top`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from emby_analytics.stats.rolled import MEDIA_TYPES, Rolled

# The page's rules: an item's time is of media and never Live TV, its viewings of media; ranked by time, viewings,
# id (as `ranked_items` ranks); a device's time is Live TV's or not (the caller picks), its last use its latest end.
_USER = "(SELECT ref FROM play_users WHERE user_id = ?)"
_SUMMARY = (
    "SELECT * FROM (SELECT 'item', i.item_id, SUM(CASE WHEN i.live_tv THEN 0 ELSE r.micros END) AS m, "  # noqa: S608
    "SUM(r.views) AS v, NULL, NULL, NULL FROM rollup_user_items r JOIN play_items i ON i.ref = r.item_ref "
    f"WHERE r.user_ref = {_USER} AND i.item_type IN (SELECT value FROM json_each(?)) GROUP BY i.item_id "
    "HAVING m > 0 OR v > 0 ORDER BY m DESC, v DESC, i.item_id LIMIT ?) "
    "UNION ALL SELECT 'kind', i.item_type, COUNT(DISTINCT i.item_id), NULL, NULL, NULL, NULL "
    f"FROM rollup_user_items r JOIN play_items i ON i.ref = r.item_ref WHERE r.user_ref = {_USER} AND r.views > 0 "
    "GROUP BY i.item_type "
    "UNION ALL SELECT 'use', c.client, c.device_name, r.live_tv, SUM(r.micros), SUM(r.views), MAX(r.ended) "
    f"FROM rollup_user_clients r JOIN play_clients c ON c.ref = r.client_ref WHERE r.user_ref = {_USER} "
    "GROUP BY c.client, c.device_name, r.live_tv"
)
# The user's folded share of a few items, grouped by what the item was when played: each item's descriptions by
# its id, then the user's row of each by key (CROSS JOIN keeps that order: the user's rows are ~60,000 at worst).
_ITEMS = (
    "SELECT i.item_id, i.item_type, i.live_tv, SUM(r.micros), SUM(r.views) FROM json_each(?) w "  # noqa: S608
    "CROSS JOIN play_items i ON i.item_id = w.value "
    f"CROSS JOIN rollup_user_items r ON r.user_ref = {_USER} AND r.item_ref = i.ref "
    "GROUP BY i.item_id, i.item_type, i.live_tv"
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


def folded_user(rolled: Rolled, user_id: str, limit: int) -> Folded:
    """The user's folded plays, summed: the `limit` items watched most, the items viewed per type, and the use
    of each device and client (none when the rollups are unusable: then no play counts as folded)."""
    out = Folded()
    query_args = (user_id, json.dumps(MEDIA_TYPES), limit, user_id, user_id)
    for kind, key, a, b, c, d, e in rolled.rows(_SUMMARY, *query_args):
        if kind == "item":
            out.items[key] = [a, b]
        elif kind == "kind":
            out.kinds[key] = a
        else:
            out.uses.append(Use(key, a, bool(b), c, d, e))
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


def folded_items(rolled: Rolled, user_id: str, item_ids: set[str]) -> list[Any]:
    """(item id, type, Live TV, microseconds, viewings) of the user's folded plays of these items, grouped by what
    the item was when played."""
    if not item_ids or not rolled.usable:
        return []
    return rolled.rows(_ITEMS, json.dumps(sorted(item_ids)), user_id)
