"""One user's page from the rollups: their days, total and hours read by key, and what the rollups do not split by
user (items, devices, clients) from one walk over their folded plays, kept small until the next fold.

A heavy user has ~200,000 plays over ~60,000 items. The walk goes along the (user, start) index once, sums each
play's segments and groups by item and client in SQL; of its groups the page keeps its top items, the number of
distinct items viewed per type and each device's and client's use: a few dozen rows, cached per fold generation,
where the groups themselves are too many to keep. Unfolded plays are added by the caller; the folded share of an
item they touch is read on its own (`folded_items`), so the top items stay exact: only those items can have grown
past the folded ranking (as in `Rolled._top`).
"""

from __future__ import annotations

import heapq
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from emby_analytics.stats.rolled import MEDIA_TYPES, Rolled

# The inner LIMIT keeps SQLite from flattening the walk into the grouping: each play's segments are then summed as
# the walk meets it, and the sort behind GROUP BY carries numbers instead of play ids (about half the time). A
# viewing counts at its first play (no view id) once the fold has counted it.
_WALK = (
    "SELECT i.item_id, i.item_type, i.live_tv, c.client, c.device_name, g.micros, g.views, g.ended, g.plays FROM ("
    "SELECT item_ref, client_ref, SUM(micros) AS micros, SUM(views) AS views, MAX(ended) AS ended, COUNT(*) AS plays "
    "FROM (SELECT p.item_ref AS item_ref, p.client_ref AS client_ref, "
    "(SELECT SUM(s.ended_at - s.started_at) FROM segments s WHERE s.play_id = p.id) AS micros, "
    "p.view_id IS NULL AND p.view_counted AS views, coalesce(p.stopped_at, p.last_seen_at) AS ended "
    "FROM play_rows p WHERE p.user_ref = (SELECT ref FROM play_users WHERE user_id = ?) AND p.folded = 1 LIMIT -1) "
    "GROUP BY item_ref, client_ref) g "
    "JOIN play_items i ON i.ref = g.item_ref JOIN play_clients c ON c.ref = g.client_ref"
)
# The user's folded plays of a few items, through whichever index reads fewer plays: the items' (`+p.user_ref` keeps
# the planner off the user's) or the user's (`+p.item_ref` keeps it off the items').
_BY_ITEM = (
    "SELECT i.item_id, i.item_type, i.live_tv, SUM((SELECT SUM(s.ended_at - s.started_at) FROM segments s "
    "WHERE s.play_id = p.id)), SUM(p.view_id IS NULL AND p.view_counted) FROM play_items i "
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
    """The user's folded plays, summed: the `limit` items watched most (ranked as `ranked_items` ranks), the
    items viewed per type, and the use of each device and client."""
    if not rolled.usable:
        return Folded()
    key = ("user page", user_id, limit, rolled.generation)
    out = Folded()
    for row in rolled.cache.get(key, lambda: _summary(rolled.conn, user_id, limit)):
        if row[0] == "item":
            out.items[row[1]] = [row[2], row[3]]
        elif row[0] == "kind":
            out.kinds[row[1]] = row[2]
        elif row[0] == "use":
            out.uses.append(Use(*row[1:]))
        else:
            out.plays = row[1]
    return out


def _summary(conn: Connection, user_id: str, limit: int) -> list[tuple[Any, ...]]:
    """The walk, reduced to the rows the cache keeps (tagged by what they are)."""
    items: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    kinds: dict[str | None, set[str]] = defaultdict(set)
    uses: dict[tuple[str | None, str | None, bool], list[Any]] = {}
    plays = 0
    for item_id, item_type, live, client, device, micros, views, ended, count in conn.exec_driver_sql(
        _WALK, (user_id,)
    ).all():
        micros, live = micros or 0, bool(live)
        plays += count
        add_item(items, item_id, item_type, live, micros, views)
        if views:
            kinds[item_type].add(item_id)
        use = uses.setdefault((client, device, live), [0, 0, None])
        use[0] += micros
        use[1] += views
        if ended is not None and (use[2] is None or ended > use[2]):
            use[2] = ended
    top = heapq.nsmallest(limit, items.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    return [
        *(("item", item_id, micros, views) for item_id, (micros, views) in top),
        *(("kind", kind, len(ids)) for kind, ids in kinds.items()),
        *(("use", *key, *value) for key, value in uses.items()),
        ("plays", plays),
    ]


def add_item(
    items: dict[str, list[int]], item_id: str, item_type: str | None, live: bool, micros: int, views: int
) -> None:
    """An item's share as the page counts it: time of media, never Live TV; viewings of media."""
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
