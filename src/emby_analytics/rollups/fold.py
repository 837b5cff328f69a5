"""Folding closed plays into the rollups (see `db.schema`, "rollups"): each play exactly once, a batch per write.

A batch reads the oldest closed plays not yet folded, cuts their segments into local days and hours, adds them
to the rollup rows, counts each viewing once on the day its first play began (the first play remembers it was
counted, so a viewing is never counted twice, in whatever order its plays arrive), recounts the busiest moment of
every day the batch touched, and marks the plays folded, all in the caller's transaction. Readers add the plays
not yet folded themselves, so a statistic is exact whether or not a fold has run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update

from emby_analytics.db.schema import (
    play_rows,
    rollup_client_app_days,
    rollup_client_days,
    rollup_delivery_days,
    rollup_hours,
    rollup_item_days,
    rollup_item_totals,
    rollup_peaks,
    rollup_state,
    rollup_transcode_totals,
    rollup_transcode_users,
    rollup_user_clients,
    rollup_user_days,
    rollup_user_hours,
    rollup_user_items,
    rollup_user_totals,
)
from emby_analytics.rollups.pieces import busiest, day_of, day_start, hour_pieces

T = TypeVar("T")
BATCH = 2000
_CHUNK = 500  # ids per IN (...) list
# No play is assumed to stay open longer than this when looking for the ones that reach into a day from before it.
MAX_SPAN_MICROS = 7 * 24 * 3_600_000_000
_ROLLUPS = (
    rollup_user_days,
    rollup_item_days,
    rollup_user_totals,
    rollup_user_hours,
    rollup_item_totals,
    rollup_hours,
    rollup_client_days,
    rollup_delivery_days,
    rollup_peaks,
    rollup_user_items,
    rollup_user_clients,
    rollup_transcode_totals,
    rollup_transcode_users,
    rollup_client_app_days,
)
# A transcode as the transcode statistics count it (`stats.transcodes`), over `play_streams s`.
TRANSCODED = "(s.play_method = 'Transcode' OR (s.play_method = 'DirectStream' AND s.transcode_reasons IS NOT NULL))"
# A play's whole watch time in integer microseconds, over `play_rows p`.
WATCH_MICROS = "CAST(round(p.watch_seconds * 1000000) AS INTEGER)"

_CLOSED_UNFOLDED = (
    "SELECT p.id, coalesce(p.view_id, p.id), p.user_ref, p.item_ref, p.client_ref, p.stream_ref, p.started_at, "  # noqa: S608 - our SQL
    "p.stopped_at, p.short, i.live_tv, p.view_counted, i.item_id, i.item_type, i.series_id, "
    f"{WATCH_MICROS} FROM play_rows p JOIN play_items i ON i.ref = p.item_ref "
    "WHERE p.folded = 0 AND p.stopped_at IS NOT NULL ORDER BY p.started_at LIMIT ?"
)
_UPSERTS = {
    "user": "INSERT INTO rollup_user_days (day, user_ref, live_tv, micros, views) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (day, user_ref, live_tv) DO UPDATE SET micros = micros + excluded.micros, "
    "views = views + excluded.views",
    "item": "INSERT INTO rollup_item_days (day, item_ref, micros, views) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, item_ref) DO UPDATE SET micros = micros + excluded.micros, views = views + excluded.views",
    "user_total": "INSERT INTO rollup_user_totals (user_ref, live_tv, micros, views) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_ref, live_tv) DO UPDATE SET micros = micros + excluded.micros, views = views + excluded.views",
    "item_total": "INSERT INTO rollup_item_totals (item_id, item_type, series_id, micros, views) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET item_type = excluded.item_type, "
    "series_id = excluded.series_id, micros = micros + excluded.micros, views = views + excluded.views",
    "user_hour": "INSERT INTO rollup_user_hours (user_ref, hour, live_tv, micros) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_ref, hour, live_tv) DO UPDATE SET micros = micros + excluded.micros",
    "hour": "INSERT INTO rollup_hours (day, hour, live_tv, micros) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, hour, live_tv) DO UPDATE SET micros = micros + excluded.micros",
    "client": "INSERT INTO rollup_client_days (day, client_ref, method_ref, live_tv, micros, plays) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, client_ref, method_ref, live_tv) DO UPDATE SET "
    "micros = micros + excluded.micros, plays = plays + excluded.plays",
    "delivery": "INSERT INTO rollup_delivery_days (day, stream_ref, plays) VALUES (?, ?, ?) "
    "ON CONFLICT (day, stream_ref) DO UPDATE SET plays = plays + excluded.plays",
    "user_item": "INSERT INTO rollup_user_items (user_ref, item_ref, micros, views) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_ref, item_ref) DO UPDATE SET micros = micros + excluded.micros, views = views + excluded.views",
    "user_client": "INSERT INTO rollup_user_clients (user_ref, client_ref, live_tv, micros, views, ended) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_ref, client_ref, live_tv) DO UPDATE SET "
    "micros = micros + excluded.micros, views = views + excluded.views, ended = max(ended, excluded.ended)",
    "transcode_total": "INSERT INTO rollup_transcode_totals (item_ref, client_ref, stream_ref, plays, micros, last) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item_ref, client_ref, stream_ref) DO UPDATE SET "
    "plays = plays + excluded.plays, micros = micros + excluded.micros, last = max(last, excluded.last)",
    "transcode_user": "INSERT OR IGNORE INTO rollup_transcode_users (item_ref, client_ref, stream_ref, user_ref) "
    "VALUES (?, ?, ?, ?)",
    "app": "INSERT INTO rollup_client_app_days (day, client_ref, plays) VALUES (?, ?, ?) "
    "ON CONFLICT (day, client_ref) DO UPDATE SET plays = plays + excluded.plays",
    "peak": "INSERT INTO rollup_peaks (day, peak, at) VALUES (?, ?, ?) "
    "ON CONFLICT (day) DO UPDATE SET peak = excluded.peak, at = excluded.at",
}


@dataclass
class _Sums:
    """What one batch adds to each rollup, keyed like its rows: [micros, views or plays]."""

    user: dict[tuple[int, int, bool], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    item: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    user_total: dict[tuple[int, bool], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # item id → [micros, views], and what the item is (its type and series, as last played)
    item_total: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    item_kind: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    hour: dict[tuple[int, int, bool], int] = field(default_factory=lambda: defaultdict(int))
    user_hour: dict[tuple[int, int, bool], int] = field(default_factory=lambda: defaultdict(int))
    client: dict[tuple[int, int, int, bool], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    delivery: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    user_item: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # (user, client's first ref, Live TV) → [micros, views, latest end]
    user_client: dict[tuple[int, int, bool], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    # (item's first ref, client app's first ref, reasons' first ref) → [plays, micros, latest end]; and its users
    transcode_total: dict[tuple[int, int, int], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    transcode_user: set[tuple[int, int, int, int]] = field(default_factory=set)
    app: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))  # (day, app) → plays


# The first interned row with the same values as each of some rows (`IS`: null matches null); the rollups are
# keyed by it (see `db.schema`).
_FIRST_REF = {
    "client": "SELECT c.ref, (SELECT min(m.ref) FROM play_clients m WHERE m.client IS c.client "
    "AND m.device_name IS c.device_name) FROM play_clients c WHERE c.ref IN ({marks})",
    "method": "SELECT s.ref, (SELECT min(m.ref) FROM play_streams m WHERE m.play_method IS s.play_method) "
    "FROM play_streams s WHERE s.ref IN ({marks})",
    "item": "SELECT i.ref, (SELECT min(m.ref) FROM play_items m WHERE m.item_id = i.item_id) "
    "FROM play_items i WHERE i.ref IN ({marks})",
    "app": "SELECT c.ref, (SELECT min(m.ref) FROM play_clients m WHERE m.client IS c.client) "
    "FROM play_clients c WHERE c.ref IN ({marks})",
    "delivery": "SELECT s.ref, (SELECT min(m.ref) FROM play_streams m WHERE m.play_method IS s.play_method "
    "AND m.video_method IS s.video_method AND m.audio_method IS s.audio_method "
    "AND m.transcode_reasons IS s.transcode_reasons) FROM play_streams s WHERE s.ref IN ({marks})",
}


def ensure_zone(conn: Connection, zone: ZoneInfo) -> bool:
    """Make the rollups be cut in `zone`: the first time, note it; after a change of TZ, empty them and mark
    every play unfolded, to be folded again. True when they were emptied."""
    state = conn.execute(select(rollup_state.c.zone)).first()
    if state is None:
        conn.execute(insert(rollup_state).values(id=1, zone=zone.key, generation=0))
        return False
    if state.zone == zone.key:
        return False
    unfold_all(conn)
    conn.execute(update(rollup_state).values(zone=zone.key))
    return True


def unfold_all(conn: Connection) -> None:
    """Empty the rollups and mark every play unfolded, to be folded again (after a change of TZ, or a repair that
    changed plays already folded: the rollups only ever add)."""
    empty_rollups(conn)
    conn.execute(
        update(play_rows)
        .where((play_rows.c.folded == True) | (play_rows.c.view_counted == True))  # noqa: E712 - SQL
        .values(folded=False, view_counted=False)
    )


def empty_rollups(conn: Connection) -> None:
    """Delete every rollup row and start a new fold generation (no cached rollup answer outlives it). The plays
    stay marked folded: call only when they go too, or through `unfold_all`."""
    for table in _ROLLUPS:
        conn.execute(delete(table))
    conn.execute(update(rollup_state).values(generation=rollup_state.c.generation + 1))


def fold(conn: Connection, zone: ZoneInfo, *, batch: int = BATCH) -> int:
    """Fold up to `batch` closed plays (the oldest first); returns how many. Call `ensure_zone` first."""
    plays = conn.exec_driver_sql(_CLOSED_UNFOLDED, (batch,)).all()
    if not plays:
        return 0
    sums = _Sums()
    touched: set[int] = set()
    segments = _segments(conn, [p[0] for p in plays])
    clients = _first_refs(conn, "client", {p[4] for p in plays})
    methods = _first_refs(conn, "method", {p[5] for p in plays})
    deliveries = _first_refs(conn, "delivery", {p[5] for p in plays})
    apps = _first_refs(conn, "app", {p[4] for p in plays})
    reasons = _reasons_refs(conn, {p[5] for p in plays})
    items = _first_refs(conn, "item", {p[3] for p in plays if not p[9] and p[5] in reasons})
    for (
        play_id,
        _view,
        user,
        item,
        client_ref,
        stream,
        started,
        stopped,
        short,
        live,
        _counted,
        *kind,
        watched,
    ) in plays:
        client = (clients[client_ref], methods[stream])
        live = bool(live)
        item_id, item_type, series_id = kind
        if not live:
            sums.item_kind[item_id] = (item_type, series_id)
        # Every play gets its user's item and client rows, with time or without (as the migration fills them).
        mine, used = sums.user_item[(user, item)], sums.user_client[(user, clients[client_ref], live)]
        used[2] = max(used[2], stopped)
        for seg_start, seg_end in segments.get(play_id, ()):
            mine[0] += seg_end - seg_start
            used[0] += seg_end - seg_start
            for day, hour, micros in hour_pieces(seg_start, seg_end, zone):
                sums.user[(day, user, live)][0] += micros
                sums.user_total[(user, live)][0] += micros
                sums.hour[(day, hour, live)] += micros
                sums.user_hour[(user, hour, live)] += micros
                sums.client[(day, *client, live)][0] += micros
                if not live:
                    sums.item[(day, item)][0] += micros
                    sums.item_total[item_id][0] += micros
        first_day = day_of(started, zone)
        if not live:
            sums.app[(first_day, apps[client_ref])] += 1
            if stream in reasons:
                group = (items[item], apps[client_ref], reasons[stream])
                total = sums.transcode_total[group]
                total[0] += 1
                total[1] += watched
                total[2] = max(total[2], stopped)
                sums.transcode_user.add((*group, user))
        if not short:
            sums.client[(first_day, *client, live)][1] += 1
            sums.delivery[(first_day, deliveries[stream])] += 1
        touched.update(range(first_day, day_of(stopped, zone) + 1))
    _count_views(conn, plays, sums, zone, clients)
    _write(conn, sums)
    _recount_peaks(conn, touched, zone)
    ids = [p[0] for p in plays]
    for chunk in chunks(ids):
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(f"UPDATE play_rows SET folded = 1 WHERE id IN ({marks})", tuple(chunk))  # noqa: S608
    conn.execute(update(rollup_state).values(generation=rollup_state.c.generation + 1))
    return len(plays)


def chunks(values: Sequence[T]) -> list[Sequence[T]]:
    """`values` in slices short enough for one `IN (...)` list each."""
    return [values[n : n + _CHUNK] for n in range(0, len(values), _CHUNK)]


def _segments(conn: Connection, ids: Sequence[Any]) -> dict[Any, list[tuple[int, int]]]:
    found: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for chunk in chunks(ids):
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT play_id, started_at, ended_at FROM segments WHERE play_id IN ({marks})"  # noqa: S608
        for play_id, start, end in conn.exec_driver_sql(query, tuple(chunk)):
            found[play_id].append((start, end))
    return found


def _first_refs(conn: Connection, kind: str, refs: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in chunks(sorted(refs)):
        query = _FIRST_REF[kind].format(marks=", ".join("?" * len(chunk)))
        found.update(conn.exec_driver_sql(query, tuple(chunk)).all())
    return found


def _reasons_refs(conn: Connection, refs: set[int]) -> dict[int, int]:
    """Of these deliveries, the transcodes (`TRANSCODED`), each to the least transcoded ref with its transcode
    reasons. From every transcoded delivery at once (~1,000 rows at 2,000,000 plays): a lookup per ref would walk
    every delivery of its method, as no index leads with the reasons."""
    by_reasons: dict[str | None, int] = {}
    reasons: dict[int, int] = {}
    query = f"SELECT s.ref, s.transcode_reasons FROM play_streams s WHERE {TRANSCODED} ORDER BY s.ref"  # noqa: S608
    for ref, text in conn.exec_driver_sql(query):
        same = by_reasons.setdefault(text, ref)
        if ref in refs:
            reasons[ref] = same
    return reasons


def _count_views(conn: Connection, plays: Sequence[Any], sums: _Sums, zone: ZoneInfo, clients: dict[int, int]) -> None:
    """A viewing counts once, on the day its first play began, when one of its plays counts (not short, not
    Live TV). The first play keeps `view_counted`, so later plays of the viewing find it already counted.
    `clients`: the first refs of clients (more are looked up for first plays of earlier batches)."""
    counting = [p for p in plays if not p[8] and not p[9]]
    firsts = {p[0]: (p[6], p[2], p[3], p[10], p[11], p[12], p[13], p[4], p[9]) for p in plays}
    wanted = [p[1] for p in counting if p[1] not in firsts]
    for chunk in chunks(list(dict.fromkeys(wanted))):
        marks = ", ".join("?" * len(chunk))
        query = (
            "SELECT p.id, p.started_at, p.user_ref, p.item_ref, p.view_counted, i.item_id, i.item_type, i.series_id, "  # noqa: S608
            f"p.client_ref, i.live_tv FROM play_rows p JOIN play_items i ON i.ref = p.item_ref WHERE p.id IN ({marks})"
        )
        for play_id, *first in conn.exec_driver_sql(query, tuple(chunk)):
            firsts[play_id] = tuple(first)
    clients = {**clients, **_first_refs(conn, "client", {f[7] for f in firsts.values()} - clients.keys())}
    newly: list[Any] = []
    seen: set[Any] = set()
    for play in counting:
        # A viewing whose first play is gone (deleted) counts at this play, but not on the user's page (whose
        # items and devices count a viewing at its first play, as their raw reading does).
        found = play[1] in firsts
        view = play[1] if found else play[0]
        started, user, item, counted, item_id, item_type, series_id, client_ref, live = firsts[view]
        if counted or view in seen:
            continue
        seen.add(view)
        newly.append(view)
        day = day_of(started, zone)
        sums.user[(day, user, False)][1] += 1
        sums.user_total[(user, False)][1] += 1
        sums.item[(day, item)][1] += 1
        sums.item_total[item_id][1] += 1
        sums.item_kind.setdefault(item_id, (item_type, series_id))
        if found:
            sums.user_item[(user, item)][1] += 1
            sums.user_client[(user, clients[client_ref], bool(live))][1] += 1
    for chunk in chunks(newly):
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(f"UPDATE play_rows SET view_counted = 1 WHERE id IN ({marks})", tuple(chunk))  # noqa: S608


def _write(conn: Connection, sums: _Sums) -> None:
    rows: dict[str, list[tuple[Any, ...]]] = {
        "user": [(*key, *value) for key, value in sums.user.items()],
        "item": [(*key, *value) for key, value in sums.item.items()],
        "user_total": [(*key, *value) for key, value in sums.user_total.items()],
        "item_total": [(key, *sums.item_kind[key], *value) for key, value in sums.item_total.items()],
        "hour": [(*key, value) for key, value in sums.hour.items()],
        "user_hour": [(*key, value) for key, value in sums.user_hour.items()],
        "client": [(*key, *value) for key, value in sums.client.items()],
        "delivery": [(*key, value) for key, value in sums.delivery.items()],
        "user_item": [(*key, *value) for key, value in sums.user_item.items()],
        "user_client": [(*key, *value) for key, value in sums.user_client.items()],
        "transcode_total": [(*key, *value) for key, value in sums.transcode_total.items()],
        "transcode_user": sorted(sums.transcode_user),
        "app": [(*key, value) for key, value in sums.app.items()],
    }
    for name, values in rows.items():
        if values:
            conn.exec_driver_sql(_UPSERTS[name], values)


def play_spans(conn: Connection, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) of every play open at some moment of [start, end): closed ones until they stopped, open ones
    as far as they were seen."""
    query = (
        "SELECT started_at, coalesce(stopped_at, last_seen_at) FROM play_rows WHERE started_at < ? "
        "AND started_at >= ? AND coalesce(stopped_at, last_seen_at) > ?"
    )
    return [(a, b) for a, b in conn.exec_driver_sql(query, (end, start - MAX_SPAN_MICROS, start))]


def day_peak(conn: Connection, day: int, zone: ZoneInfo) -> tuple[int, int | None]:
    """The most plays open at once on a local day, and when that was first reached, from every play of it."""
    start, end = day_start(day, zone), day_start(day + 1, zone)
    return busiest(play_spans(conn, start, end), start, end)


def _recount_peaks(conn: Connection, days: set[int], zone: ZoneInfo) -> None:
    rows = [(day, *day_peak(conn, day, zone)) for day in sorted(days)]
    if rows:
        conn.exec_driver_sql(_UPSERTS["peak"], rows)
