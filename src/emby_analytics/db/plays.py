"""Plays as they are stored (see `schema`, "plays"): a small `play_rows` row that points at interned descriptions,
codes for the source and the end reason, and values left out where another column already says them.

The live store and the history import write through here; everything else reads the view `plays`, whose insert
trigger applies the same rules in SQL. Descriptions are interned through a cache on the writer connection (a
description is looked up or inserted once, then known by its `ref`); `Database.write` drops the cache when a
transaction fails, so a `ref` is only believed once it was committed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from emby_analytics.db.engine import CACHES
from emby_analytics.db.schema import (
    END_REASONS,
    FIRST_SEGMENT_COLUMNS,
    ROLLUP_BOOKKEEPING,
    SOURCES,
    play_clients,
    play_items,
    play_rows,
    play_streams,
    play_users,
    to_micros,
)

# Each description table and the `play_rows` column that points at it.
DIMENSIONS: tuple[tuple[Table, str], ...] = (
    (play_users, "user_ref"),
    (play_items, "item_ref"),
    (play_clients, "client_ref"),
    (play_streams, "stream_ref"),
)
# The columns of each description, in table order; named like the view's columns (and PlayContext's fields).
DESCRIBED: dict[str, tuple[str, ...]] = {
    table.name: tuple(c.name for c in table.columns if c.name != "ref") for table, _ in DIMENSIONS
}
SOURCE_CODES = {name: code for code, name in enumerate(SOURCES)}
END_REASON_CODES = {name: code for code, name in enumerate(END_REASONS)}
# A play's columns without its first segment's (which an imported play leaves null: its segment is implied).
ROW_COLUMNS = tuple(c.name for c in play_rows.columns if c.name not in (*ROLLUP_BOOKKEEPING, *FIRST_SEGMENT_COLUMNS))
# Enough for every description a household has; a runaway cache starts over rather than grow without end.
_CACHE_LIMIT = 100_000


def intern_user(conn: Connection, user_id: str, name: str | None) -> int:
    """The `ref` of a user (one per user id), stored first if new; a name other than the stored one replaces it
    (None: not known here, the stored name stays). Call on the writer."""
    caches: dict[str, dict[str, tuple[int, str | None]]] = conn.info.setdefault(CACHES, {})
    users = caches.setdefault("play_users", {})
    known = users.get(user_id)
    if known is not None and (name is None or name == known[1]):
        return known[0]
    found = conn.exec_driver_sql("SELECT ref, user_name FROM play_users WHERE user_id = ?", (user_id,)).first()
    if found is None:
        inserted = conn.exec_driver_sql("INSERT INTO play_users (user_id, user_name) VALUES (?, ?)", (user_id, name))
        ref = inserted.lastrowid
        assert ref is not None
        users[user_id] = (int(ref), name)
        return int(ref)
    ref, stored = int(found[0]), found[1]
    if name is not None and name != stored:
        conn.exec_driver_sql("UPDATE play_users SET user_name = ? WHERE ref = ?", (name, ref))
        stored = name
    if len(users) >= _CACHE_LIMIT:
        users.clear()
    users[user_id] = (ref, stored)
    return ref


def intern(conn: Connection, table: Table, values: tuple[Any, ...]) -> int:
    """The `ref` of the description `values` (in DESCRIBED order), stored first if it is new. Call on the writer.
    (Users are one row per id: `intern_user`.)"""
    caches: dict[str, dict[tuple[Any, ...], int]] = conn.info.setdefault(CACHES, {})
    refs = caches.setdefault(table.name, {})
    ref = refs.get(values)
    if ref is None:
        ref = _lookup_or_insert(conn, table, values)
        if len(refs) >= _CACHE_LIMIT:
            refs.clear()
        refs[values] = ref
    return ref


def _lookup_or_insert(conn: Connection, table: Table, values: tuple[Any, ...]) -> int:
    names = DESCRIBED[table.name]
    # IS, not =: a description with unknown (NULL) parts is the same description when the same parts are unknown.
    same = " AND ".join(f"{name} IS ?" for name in names)
    found = conn.exec_driver_sql(f"SELECT ref FROM {table.name} WHERE {same} ORDER BY ref LIMIT 1", values).first()  # noqa: S608
    if found is not None:
        return int(found[0])
    marks = ", ".join("?" * len(names))
    inserted = conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", values)  # noqa: S608
    ref = inserted.lastrowid
    assert ref is not None
    return int(ref)


def forget_descriptions(conn: Connection) -> None:
    """Drop the interned-description caches of this (writer) connection, when the descriptions they point to may
    be gone (a reset deletes them). Live tracking looks up again what it needs."""
    conn.info.pop(CACHES, None)


def intern_items(conn: Connection, descriptions: Collection[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """The refs of many `play_items` descriptions at once, as `intern` gives them (the oldest equal description),
    stored first where new: a history import meets thousands of items, so they are looked up by item id and
    inserted in a few statements rather than two per item. Call on the writer."""
    caches: dict[str, dict[tuple[Any, ...], int]] = conn.info.setdefault(CACHES, {})
    refs = caches.setdefault(play_items.name, {})
    found = {d: refs[d] for d in descriptions if d in refs}
    missing = list(dict.fromkeys(d for d in descriptions if d not in found))  # each new description once
    if missing:
        stored = _items_stored(conn, {d[0] for d in missing})
        new = [d for d in missing if d not in stored]
        if new:
            conn.exec_driver_sql(_INSERT_ITEMS, new)
            stored = _items_stored(conn, {d[0] for d in new}) | stored
        if len(refs) + len(missing) >= _CACHE_LIMIT:
            refs.clear()
        for d in missing:
            found[d] = refs[d] = stored[d]
    return found


_ITEM_COLUMNS = DESCRIBED[play_items.name]
_INSERT_ITEMS = f"INSERT INTO play_items ({', '.join(_ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})"  # noqa: S608
_IN_CHUNK = 900  # bound parameters per IN (...) list, well under SQLite's limit


def _items_stored(conn: Connection, item_ids: set[str]) -> dict[tuple[Any, ...], int]:
    """Stored descriptions of these items -> ref (the lowest of equal ones). A description's values compare as
    SQL's IS does: live_tv comes back as 0/1, which equals and hashes as False/True."""
    ids = list(item_ids)
    stored: dict[tuple[Any, ...], int] = {}
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        query = (
            f"SELECT ref, {', '.join(_ITEM_COLUMNS)} FROM play_items "  # noqa: S608 - our names
            f"WHERE item_id IN ({', '.join('?' * len(chunk))}) ORDER BY ref DESC"
        )
        # Highest ref first, so the lowest one of equal descriptions is the one left in the dict.
        stored.update((tuple(row[1:]), row[0]) for row in conn.exec_driver_sql(query, tuple(chunk)))
    return stored


def refs_of(conn: Connection, row: Mapping[str, Any]) -> dict[str, int]:
    """The description refs of a play given as the view spells it (missing columns are unknown)."""
    refs = {"user_ref": intern_user(conn, row["user_id"], row.get("user_name"))}
    for table, ref in DIMENSIONS[1:]:
        refs[ref] = intern(conn, table, tuple(row.get(name) for name in DESCRIBED[table.name]))
    return refs


def derived_pause(started: datetime, end: datetime, watch_seconds: float) -> float:
    """The view's paused time when `paused_seconds` is left out: the wall span minus the watch time, computed as
    SQLite computes it (integer microseconds, then one float division), so equal values are recognised exactly."""
    return max(0.0, (to_micros(end) - to_micros(started)) / 1_000_000 - watch_seconds)


# A segment as the tracker has it: (started, ended, position at start, position at end).
SegmentValues = tuple[datetime, datetime, int, int]


def stored_row(row: Mapping[str, Any], refs: Mapping[str, int], first: SegmentValues | None = None) -> dict[str, Any]:
    """The `play_rows` values of a play given as the view spells it (`refs` from `refs_of`), with its first
    segment when it has one (an import's is implied by its row: none given)."""
    play_id, stopped, seen = row["id"], row.get("stopped_at"), row["last_seen_at"]
    last, highest = row.get("last_position_ticks"), row.get("max_position_ticks")
    watch, paused = row.get("watch_seconds") or 0.0, row.get("paused_seconds")
    if paused is not None and paused == derived_pause(row["started_at"], stopped or seen, watch):
        paused = None
    reason = row.get("end_reason")
    return {
        "id": play_id,
        "view_id": None if row.get("view_id") in (None, play_id) else row["view_id"],
        "source": SOURCE_CODES[row["source"]],
        "session_id": row.get("session_id"),
        **refs,
        "started_at": row["started_at"],
        "stopped_at": stopped,
        "last_seen_at": None if seen == stopped else seen,
        "last_position_ticks": last,
        "max_position_ticks": None if highest == last else highest,
        "watch_seconds": watch,
        "content_seconds": row.get("content_seconds") or 0.0,
        "paused_seconds": paused,
        "completed": bool(row.get("completed")),
        "short": bool(row.get("short")),
        "is_paused": bool(row.get("is_paused")),
        "bitrate": row.get("bitrate"),
        "end_reason": None if reason is None else END_REASON_CODES[reason],
        "tracker_state": row.get("tracker_state"),
        **_first_segment(row["started_at"], last, first),
    }


def _first_segment(started: datetime, last: int | None, first: SegmentValues | None) -> dict[str, int | None]:
    if first is None:
        return dict.fromkeys(FIRST_SEGMENT_COLUMNS)
    start, end, position_start, position_end = first
    origin = to_micros(started)
    return {
        "first_start_micros": to_micros(start) - origin,
        "first_end_micros": to_micros(end) - origin,
        "first_position_start_ticks": position_start,
        "first_position_end_ticks": None if position_end == last else position_end,
    }
