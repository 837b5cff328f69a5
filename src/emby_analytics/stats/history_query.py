"""Which plays one `/stats/history` page shows: their ids, newest first, read through the index that reads least.

Filters on who, what, on which client and how resolve first to refs in the small interned tables (`play_users`,
`play_items`, `play_clients`, `play_streams`), so `play_rows` is only ever filtered on its own integer columns.
The page is then read through one index, chosen by how many plays could match (counted up to `SPARSE` along the
item and user indexes, which is cheap because those indexes hold the refs):

- few matches (an item, a series, a rare title): walk just them on their index and keep the newest;
- many (a common word, a busy user, no filter): walk plays newest first (all of them, or the user's) and stop at
  the page's end, since matches are then dense enough to fill it soon.

Keyset paging: the cursor's (started_at, id) bounds every index range, so any depth costs the same.

A window keeps the plays with watch time in it (a segment overlapping it) or started in it. Plays that started in
the window qualify by that alone; earlier ones need a segment check, looked for among plays started up to
`MAX_SEGMENT` before the window (watch time's own bound on how far back a segment reaches) and among the plays
still open, however old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
)

from emby_analytics.db.schema import (
    CompactId,
    UTCMicros,
    first_segment_sql,
    play_clients,
    play_items,
    play_rows,
    play_streams,
    play_users,
    segment_rows,
)
from emby_analytics.stats.watch import MAX_SEGMENT
from emby_analytics.stats.window import Window

# Up to this many candidate plays, walking them all on their own index beats walking every play newest first.
SPARSE = 10_000
# An item filter matching more descriptions than this (a type, a very common word) is dense: no per-ref count.
MANY_REFS = 1_000
# Rows read per step when walking newest first: the first step reads twice the page, later ones four times more.
MAX_CHUNK = 4_096
ITEM_INDEX = "ix_play_rows_item_ref_started_at"
# Per reader connection: filter → the refs it matches, for the tables that only ever grow (see `_grown_refs`).
_CACHE = "emby_analytics.history_refs"
_CACHE_LIMIT = 256


@dataclass(frozen=True)
class Refs:
    """The refs each filter allows; None: not filtered on it."""

    users: frozenset[int] | None = None
    items: frozenset[int] | None = None
    clients: frozenset[int] | None = None
    streams: frozenset[int] | None = None

    @property
    def empty(self) -> bool:
        """A filter that matches no description: no play can match."""
        return any(r is not None and not r for r in (self.users, self.items, self.clients, self.streams))


@dataclass(frozen=True)
class Wanted:
    """What the page filters on, as the API gives it."""

    user_id: str | None = None
    item_id: str | None = None
    media_type: str | None = None
    client: str | None = None
    play_method: str | None = None
    q: str | None = None


def like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def resolve(conn: Connection, wanted: Wanted) -> Refs:
    users = None
    if wanted.user_id:
        users = frozenset(
            conn.execute(select(play_users.c.ref).where(play_users.c.user_id == wanted.user_id)).scalars()
        )
    item_conditions: list[ColumnElement[bool]] = []
    if wanted.item_id:
        item_conditions.append(or_(play_items.c.item_id == wanted.item_id, play_items.c.series_id == wanted.item_id))
    if wanted.media_type:
        item_conditions.append(play_items.c.item_type == wanted.media_type)
    if wanted.q:
        pattern = like(wanted.q)
        item_conditions.append(
            or_(play_items.c.item_name.like(pattern, escape="\\"), play_items.c.series_name.like(pattern, escape="\\"))
        )
    key = ("items", wanted.item_id, wanted.media_type, wanted.q)
    items = _grown_refs(conn, key, play_items.c.ref, item_conditions) if item_conditions else None
    clients = None
    if wanted.client:
        clients = _grown_refs(
            conn, ("clients", wanted.client), play_clients.c.ref, [play_clients.c.client == wanted.client]
        )
    streams = None
    if wanted.play_method:
        condition = play_streams.c.play_method == wanted.play_method
        streams = _grown_refs(conn, ("streams", wanted.play_method), play_streams.c.ref, [condition])
    return Refs(users, items, clients, streams)


def _grown_refs(
    conn: Connection, key: tuple[Any, ...], ref: Any, conditions: Sequence[ColumnElement[bool]]
) -> frozenset[int]:
    """The refs of a description table that match, cached per connection. Items, clients and deliveries are
    interned once and never changed or removed, so a cached answer stays true and only rows with a higher ref
    (added since) are read: a title search scans the table once, then a few new rows."""
    cache: dict[tuple[Any, ...], tuple[int, frozenset[int]]] = conn.info.setdefault(_CACHE, {})
    newest = conn.execute(select(func.max(ref))).scalar() or 0
    known, refs = cache.get(key, (0, frozenset()))
    if newest > known:
        refs = refs | frozenset(conn.execute(select(ref).where(ref > known, ref <= newest, *conditions)).scalars())
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = (newest, refs)
    return refs


def page_ids(
    conn: Connection,
    refs: Refs,
    window: Window | None,
    after: tuple[datetime, str] | None,
    limit: int,
    *,
    sparse: int = SPARSE,
    many_refs: int = MANY_REFS,
) -> list[str]:
    """Up to `limit` play ids, newest first (started_at, then id, descending), after the cursor `after`.
    (`sparse`, `many_refs`: the thresholds below, which change the path taken, never the answer.)"""
    if refs.empty:
        return []
    p = play_rows.c
    # On the plays' own columns: bounds every index holds (time and id), the refs, then what needs a look-up.
    bounds = [] if after is None else [_before(*after)]
    recent, checks = list(bounds), []
    if window is not None:
        recent.append(p.started_at < window.end)
        if window.start is not None:
            recent.append(p.started_at >= window.start - MAX_SEGMENT)
            checks.append(or_(p.started_at >= window.start, _overlaps(window)))
    ids = _newest(conn, refs, recent, checks, limit, sparse, many_refs)
    if window is not None and window.start is not None and len(ids) < limit:
        # Plays still open that started before the look-back: few, found on the open plays' own index.
        older = [*bounds, p.stopped_at.is_(None), p.started_at < window.start - MAX_SEGMENT, _overlaps(window)]
        query = select(p.id, p.user_ref, p.item_ref, p.client_ref, p.stream_ref).where(*older)
        query = query.order_by(p.started_at.desc(), p.id.desc())
        sets = (refs.users, refs.items, refs.clients, refs.streams)
        for row in conn.execute(query.with_hint(play_rows, "INDEXED BY ix_play_rows_open", "sqlite")):
            if len(ids) < limit and all(a is None or row[i + 1] in a for i, a in enumerate(sets)):
                ids.append(row[0])
    return ids


def _overlaps(window: Window) -> ColumnElement[bool]:
    """The play has watch time in the window: the segment test of `watch.overlapping`, for one play (its first
    segment, in its row: see `first_segment_sql`, and its stored ones)."""
    assert window.start is not None
    s = segment_rows.c
    first = first_segment_sql("play_rows")
    start, end = literal_column(first.start, UTCMicros()), literal_column(first.end, UTCMicros())
    return or_(
        and_(text(first.present), start < window.end, end > window.start, end > start),
        exists().where(
            s.play_id == play_rows.c.id,
            s.started_at < window.end,
            s.started_at >= window.start - MAX_SEGMENT,
            s.ended_at > window.start,
            s.ended_at > s.started_at,
        ),
    )


def _newest(
    conn: Connection,
    refs: Refs,
    bounds: list[ColumnElement[bool]],
    checks: list[ColumnElement[bool]],
    limit: int,
    sparse: int,
    many_refs: int,
) -> list[str]:
    """The page, walked along the index that reads least (the item or the user index when it holds fewer than
    `SPARSE` candidates, counted on the index alone; else every play, or the user's, newest first) in growing
    chunks; the refs the index does not narrow are checked here, against the sets (no long IN lists in SQL)."""
    p = play_rows.c
    index, driving = "ix_play_rows_started_at", []
    if refs.users is not None:
        index, driving = "ix_play_rows_user_ref_started_at", [p.user_ref.in_(sorted(refs.users))]
    fewest = sparse
    candidates = [("ix_play_rows_user_ref_started_at", refs.users, p.user_ref)]
    if refs.items is not None and len(refs.items) <= many_refs:
        candidates.insert(0, (ITEM_INDEX, refs.items, p.item_ref))
    for name, allowed, column in candidates:
        # A user's plays alone (no item index to weigh them against) are walked on the user index whatever their
        # count: counting up to `sparse` of a busy user's plays (a user page's recent plays) would change nothing.
        if allowed is not None and len(candidates) > 1:
            condition = column.in_(sorted(allowed))
            n = _bounded_count(conn, name, [condition, *bounds], sparse)
            if n < fewest:
                index, driving, fewest = name, [condition], n
    # Checked here rather than in SQL: the refs the driving index does not narrow (sets, not long IN lists).
    sets = (refs.users, refs.items, refs.clients, refs.streams)
    narrowed = 0 if index == "ix_play_rows_user_ref_started_at" else 1 if index == ITEM_INDEX else None
    tests = [(i, allowed) for i, allowed in enumerate(sets) if allowed is not None and i != narrowed]
    ids: list[str] = []
    after: list[ColumnElement[bool]] = []
    chunk = limit * 2
    while True:
        # Only the index's own columns (and the segment check), so the sort of a sparse walk reads no plays.
        query = select(p.id, p.started_at).where(true(), *bounds, *after, *driving, *checks)
        query = query.order_by(p.started_at.desc(), p.id.desc()).limit(chunk)
        rows = conn.execute(query.with_hint(play_rows, f"INDEXED BY {index}", "sqlite")).all()
        kept = _matching(conn, [row[0] for row in rows], tests) if tests else None
        for row in rows:
            if kept is None or row[0] in kept:
                ids.append(row[0])
                if len(ids) == limit:
                    return ids
        if len(rows) < chunk:
            return ids
        after = [_before(rows[-1][1], rows[-1][0])]
        chunk = min(chunk * 4, MAX_CHUNK)


def _matching(conn: Connection, ids: list[str], tests: list[tuple[int, frozenset[int]]]) -> set[str]:
    """Which of these plays have refs in every set of `tests` ((column index among user, item, client, stream
    refs, allowed refs))."""
    p = play_rows.c
    query = select(p.id, p.user_ref, p.item_ref, p.client_ref, p.stream_ref).where(p.id.in_(ids))
    return {row[0] for row in conn.execute(query) if all(row[i + 1] in allowed for i, allowed in tests)}


def _before(started: datetime, play_id: str) -> ColumnElement[bool]:
    """Plays after this one in the history's order (started_at, then id, descending)."""
    p = play_rows.c
    return tuple_(p.started_at, p.id) < tuple_(literal(started, UTCMicros()), literal(play_id, CompactId()))


def _bounded_count(conn: Connection, index: str, conditions: list[ColumnElement[bool]], bound: int) -> int:
    """How many plays the conditions (on the index's own columns) leave, counted no further than `bound`."""
    inner = select(literal(1)).select_from(play_rows).where(*conditions).limit(bound)
    inner = inner.with_hint(play_rows, f"INDEXED BY {index}", "sqlite")
    return int(conn.execute(select(func.count()).select_from(inner.subquery())).scalar_one())
