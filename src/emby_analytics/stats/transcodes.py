"""`/stats/transcodes/fix-list` and `/stats/transcodes/by-client`: which files make which clients transcode, why,
and what would let them play directly.

A transcode here is a play Emby delivered as `Transcode` (the heavier of how it started and how it ended, as every
statistic reports it), or as `DirectStream` with reasons (a remux: the container refused). Counted are the plays
begun in the window, short ones too (a transcode someone gave up on after a few seconds is part of the problem), Live
TV left out (a channel is no file to fix), each with its whole watch time. The cause and fix come from
`emby_analytics.reasons`, from the reasons Emby gave and the file as the library sync last saw it.

A window of days groups its plays (a transcode rollup per day would hold about a row per transcoded play, so it
would cost as much to read as they do). All time reads the all-time rollups (`rollup_transcode_totals`, a row per
group with its users in `rollup_transcode_users`, and `rollup_client_app_days`: see `db.schema`) plus the plays not
yet folded, from their rows, so an answer is the same whatever was folded; a user's all time reads that user's
plays (the rollups keep no user's share of a group). Watch time is summed in integer microseconds (each play's
`watch_seconds`), exact in any order. When the rollups were cut in another zone (TZ changed, not yet refolded),
every play is grouped from its row. A file the library no longer has is described as the group's latest play in
the window had it.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from emby_analytics.db.schema import from_micros, to_micros
from emby_analytics.reasons import Source, advise, audio_label, hdr_label, reason_words, video_label
from emby_analytics.rollups.fold import TRANSCODED, WATCH_MICROS, chunks
from emby_analytics.stats.posters import row_poster
from emby_analytics.stats.rolled import MICROS, Rolled, RollupCache, hours
from emby_analytics.stats.window import Window
from emby_analytics.titles import display

TOP_REASONS = 5
PAD = 64  # folded groups read beyond a page at least (for those unfolded plays may push down)


class ReasonAdvice(BaseModel):
    reason: str | None = Field(description="Emby's TranscodeReason; null when Emby gave none.")
    cause: str = Field(description="Why this file transcodes on this client, in plain words.")
    fix: str = Field(description="What would let it play directly.")


class TranscodeFix(BaseModel):
    item_id: str
    name: str | None = Field(description="The item's name (as the library has it, else as it was played).")
    display: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', films with their year.")
    item_type: str | None
    file: str | None = Field(description="The file's name, without its folder (null when the library has no path).")
    container: str | None = Field(description="The file's container, as the library sync saw it.")
    video: str | None = Field(description="The file's video, e.g. 'HEVC Main10'.")
    hdr: str | None = Field(description="HDR10, HDR10+, Dolby Vision, HLG or HDR; null for SDR or unknown.")
    audio: str | None = Field(description="The file's first audio track, e.g. 'TrueHD 7.1'.")
    poster: str | None = Field(
        None, description="Our image proxy's poster URL (an episode's own, else its series'); null without one."
    )
    client: str | None = Field(description="The client app, as Emby names it (e.g. 'Roku SG').")
    reasons: list[str] = Field(description="Emby's transcode reasons (sorted); empty when Emby gave none.")
    reasons_text: list[str] = Field(description="Each reason in plain words.")
    cause: str = Field(description="The causes, in plain words (one per reason, joined by '; ').")
    fix: str = Field(description="What would let it play directly (one per reason, joined by '; ').")
    advice: list[ReasonAdvice] = Field(description="Each reason's cause and fix.")
    plays: int = Field(description="Transcoded plays begun in the window.")
    users: int = Field(description="Users those plays were by.")
    hours: float = Field(description="Watch time of those plays, hours to 0.01.")
    seconds: int = Field(description="Watch time of those plays, seconds.")
    last_transcoded_at: datetime = Field(description="When the latest of those plays last played (UTC).")


class FixList(BaseModel):
    fixes: list[TranscodeFix] = Field(description="A page of (file, client, reasons) groups, most transcoded first.")
    total: int = Field(description="Groups in the window (all pages).")
    offset: int
    limit: int


class ClientReason(BaseModel):
    reason: str | None = Field(description="Emby's TranscodeReason; null for transcodes Emby gave no reason for.")
    words: str = Field(description="The reason in plain words.")
    plays: int = Field(description="Transcoded plays with this reason.")


class ClientTranscodes(BaseModel):
    client: str | None = Field(description="The client app, as Emby names it.")
    plays: int = Field(description="Plays begun in the window on this client (Live TV left out).")
    transcodes: int = Field(description="Of those, the transcoded ones.")
    share: float = Field(description="transcodes / plays, to 0.001.")
    hours: float = Field(description="Watch time of the transcoded plays, hours to 0.01.")
    seconds: int = Field(description="Watch time of the transcoded plays, seconds.")
    files: int = Field(description="Distinct items transcoded on this client.")
    top_reasons: list[ClientReason] = Field(description=f"The {TOP_REASONS} reasons given most, most first.")


@dataclass(frozen=True)
class TranscodeFilter:
    """Which plays count (None: any)."""

    user_id: str | None = None
    client: str | None = None
    item_id: str | None = None
    reason: str | None = None

    def sql(self, window: Window, *, unfolded: bool = False) -> tuple[str, list[Any]]:
        """The WHERE clause over `play_rows p`, `play_streams s`, `play_items i`, `play_clients c` (`unfolded`:
        only the plays not in the rollups)."""
        where = ["p.started_at < ?", "i.live_tv = 0"]
        args: list[Any] = [to_micros(window.end)]
        if window.start is not None:
            where.append("p.started_at >= ?")
            args.append(to_micros(window.start))
        if unfolded:
            where.append("p.folded = 0")
            # `+` keeps the user's index out of it: the few unfolded plays come from their own partial index.
            return self._more(where, args, "+p")
        return self._more(where, args, "p")

    def totals_sql(self) -> tuple[str, list[Any]]:
        """The WHERE clause over the all-time rollup with `play_streams s`, `play_items i` and `play_clients c`
        (all but a user: the rollup has no user's share)."""
        assert self.user_id is None
        condition, args = self._more([], [], "t")
        return condition or "1", args

    def _more(self, where: list[str], args: list[Any], rows: str) -> tuple[str, list[Any]]:
        if self.user_id is not None:
            where.append(f"{rows}.user_ref = (SELECT ref FROM play_users WHERE user_id = ?)")  # noqa: S608
            args.append(self.user_id.lower())
        if self.client is not None:
            where.append("c.client = ?")
            args.append(self.client)
        if self.item_id is not None:
            where.append("i.item_id = ?")
            args.append(self.item_id)
        if self.reason is not None:
            where.append("(' ' || s.transcode_reasons || ' ') LIKE ?")
            args.append(f"% {self.reason} %")
        return " AND ".join(where), args


_JOINS = (
    "FROM play_rows p JOIN play_streams s ON s.ref = p.stream_ref JOIN play_items i ON i.ref = p.item_ref "
    "JOIN play_clients c ON c.ref = p.client_ref"
)
_ITEM_FACTS = (
    "SELECT id, type, name, series_name, season_number, episode_number, production_year, path, container, "
    "video_codec, video_profile, video_bit_depth, video_range, video_hdr, width, height, bitrate, audio_codec, "
    "audio_channels, series_id, primary_image_tag, series_primary_image_tag FROM items WHERE id IN ({marks})"
)
_LAST_END = "coalesce(p.stopped_at, p.last_seen_at, p.started_at)"
# A group's latest play in the window (the item and delivery as played: for a file the library no longer has).
_LATEST_PLAY = (
    "SELECT i.item_type, i.item_name, i.series_name, i.season_number, i.episode_number, s.video_codec_from, "
    f"s.audio_codec_from {_JOINS} WHERE {{where}} AND {TRANSCODED} AND i.item_id = ? AND c.client IS ? "
    "AND s.transcode_reasons IS ? ORDER BY p.started_at DESC, p.id DESC LIMIT 1"
)
_UNFOLDED_TRANSCODES = (
    f"SELECT i.item_id, c.client, s.transcode_reasons, p.user_ref, {WATCH_MICROS}, {_LAST_END} {_JOINS} "
    f"WHERE {{where}} AND {TRANSCODED}"
)
# The folded plays of a window (or of a user's all time): a page's worth of their best groups, kept until the next
# fold, and the plays of a few items (the groups unfolded plays touch) by the item index.
# (The groups are materialized and counted apart: counted by a window function over the grouped rows, SQLite sorted
# them again, ~0.4 s more for a year at tier L.)
_FOLDED_PAGE = (
    f"WITH g AS MATERIALIZED (SELECT i.item_id AS item, c.client AS client, s.transcode_reasons AS r, COUNT(*) AS n, "  # noqa: S608
    f"SUM({WATCH_MICROS}) AS t, COUNT(DISTINCT p.user_ref) AS u, MAX({_LAST_END}) AS l {_JOINS} WHERE {{where}} "
    f"AND p.folded = 1 AND {TRANSCODED} GROUP BY i.item_id, c.client, s.transcode_reasons) "
    "SELECT item, client, r, n, t, u, l, (SELECT COUNT(*) FROM g) FROM g "
    "ORDER BY t DESC, n DESC, item, client, r LIMIT ?"
)
_OF_ITEMS = (
    "FROM json_each(?) w CROSS JOIN play_items i ON i.item_id = w.value CROSS JOIN play_rows p ON p.item_ref = i.ref "
    "JOIN play_streams s ON s.ref = p.stream_ref JOIN play_clients c ON c.ref = p.client_ref"
)
_FOLDED_OF_ITEMS = (
    f"SELECT i.item_id, c.client, s.transcode_reasons, p.user_ref, {WATCH_MICROS}, {_LAST_END} {_OF_ITEMS} "
    f"WHERE {{where}} AND p.folded = 1 AND {TRANSCODED}"
)
# -- the all-time rollup (`rollup_transcode_totals`: one row per group, keyed by the least refs) ---------------------
_TOTALS_JOINS = (
    "FROM rollup_transcode_totals t JOIN play_items i ON i.ref = t.item_ref "
    "JOIN play_clients c ON c.ref = t.client_ref JOIN play_streams s ON s.ref = t.stream_ref"
)
_TOTALS_ROW = (
    "i.item_id, c.client, s.transcode_reasons, t.plays, t.micros, t.last, t.item_ref, t.client_ref, t.stream_ref"
)
_TOTALS_ORDER = "ORDER BY t.micros DESC, t.plays DESC, i.item_id, c.client, s.transcode_reasons"
# Without a filter: the wanted-th group's watch time and plays, by integers alone; then only the groups at least as
# good (that one, those before it, and its ties) are joined to their names and ranked in full.
_TOTALS_EDGE = "SELECT micros, plays FROM rollup_transcode_totals ORDER BY micros DESC, plays DESC LIMIT 1 OFFSET ?"
_TOTALS_PAGE = (
    f"SELECT {_TOTALS_ROW}, (SELECT COUNT(*) FROM rollup_transcode_totals) {_TOTALS_JOINS} "  # noqa: S608
    f"WHERE t.micros > ? OR (t.micros = ? AND t.plays >= ?) {_TOTALS_ORDER} LIMIT ?"
)
_TOTALS_FILTERED = f"SELECT {_TOTALS_ROW}, COUNT(*) OVER () {_TOTALS_JOINS} WHERE {{where}} {_TOTALS_ORDER} LIMIT ?"
_TOTALS_OF_GROUP = (
    f"SELECT {_TOTALS_ROW} {_TOTALS_JOINS} WHERE i.item_id = ? AND c.client IS ? AND s.transcode_reasons IS ?"
)
_USERS_OF_GROUP = "SELECT user_ref FROM rollup_transcode_users WHERE item_ref = ? AND client_ref = ? AND stream_ref = ?"
# Whether any play was folded into a day after a window's last (a clock set back): then all-time totals hold plays
# the window leaves out. (Every transcode is also in the client app rollup, which is keyed by day.)
_AFTER = "SELECT 1 FROM rollup_client_app_days WHERE day > ? LIMIT 1"

GroupKey = tuple[str, str | None, str | None]  # (item id, client, reasons)


@dataclass
class _Group:
    """A (item, client, reasons) group's sums: plays, microseconds, users (refs, or a count), latest end."""

    plays: int = 0
    micros: int = 0
    users: set[int] = field(default_factory=set)
    user_count: int = 0
    last: int = 0

    def add(self, user: int, micros: int, last: int) -> None:
        """One play more."""
        self.plays += 1
        self.micros += micros
        self.users.add(user)
        self.last = max(self.last, last)

    def merge(self, other: _Group) -> None:
        self.plays += other.plays
        self.micros += other.micros
        self.users |= other.users
        self.last = max(self.last, other.last)

    @property
    def user_total(self) -> int:
        return self.user_count or len(self.users)


def _rank(key: GroupKey, group: _Group) -> tuple[Any, ...]:
    """The fix-list's order (as its SQL: watch time, plays, then item, client, reasons with nulls first)."""
    item, client, reasons = key
    return (-group.micros, -group.plays, item, client is not None, client or "", reasons is not None, reasons or "")


def _totals_answer(rolled: Rolled, where: TranscodeFilter) -> bool:
    """Whether the all-time rollup answers: all time, no user asked, rollups cut in this zone, no clock set back."""
    return rolled.usable and rolled.all_time and where.user_id is None and not rolled.rows(_AFTER, rolled.last)


def fix_list(
    conn: Connection,
    window: Window,
    where: TranscodeFilter,
    *,
    offset: int,
    limit: int,
    cache: RollupCache | None = None,
) -> FixList:
    """Transcoded plays begun in the window grouped by (item, client, reasons), by watch time, a page of them: the
    folded plays' best groups (from the all-time rollup, or grouped from the window's plays: kept until the next
    fold), merged with the plays not yet folded."""
    rolled = Rolled(conn, window, cache or RollupCache())
    if not rolled.usable:
        return fix_list_raw(conn, window, where, offset=offset, limit=limit)
    condition, args = where.sql(window, unfolded=True)
    loose: dict[GroupKey, _Group] = defaultdict(_Group)
    for item, client, reasons, user, micros, last in conn.exec_driver_sql(
        _UNFOLDED_TRANSCODES.format(where=condition), tuple(args)
    ):
        loose[(item, client, reasons)].add(user, micros, last)
    # Enough folded groups for the page whatever the unfolded plays touch (a few sizes: cached per fold).
    wanted = offset + limit + max(PAD, 1 << (len(loose) - 1).bit_length())
    if _totals_answer(rolled, where):
        folded = _from_totals(rolled, where, wanted, set(loose))
    else:
        folded = _from_plays(rolled, where, wanted, set(loose))
    groups = {key: group for key, group in folded.best.items() if key not in loose}
    total = folded.total
    for key, group in loose.items():
        found = folded.touched.get(key)
        if found is None:
            total += 1
            groups[key] = group
        else:
            found.merge(group)
            groups[key] = found
    ranked = sorted(groups.items(), key=lambda kv: _rank(*kv))[offset : offset + limit]
    for key, group in ranked:
        if not group.user_total:  # an all-time group no unfolded play touched: its users are in the rollup
            group.user_count = len(_users(conn, folded.refs[key]))
    return _fix_page(conn, window, where, ranked, total=total, offset=offset, limit=limit)


@dataclass
class _Folded:
    """The folded part of a fix-list: its best groups, how many there are, and the folded sums (users as refs) of
    the groups unfolded plays touch. `refs`: the all-time rollup's keys of the best groups, to count their users."""

    best: dict[GroupKey, _Group]
    total: int
    touched: dict[GroupKey, _Group]
    refs: dict[GroupKey, tuple[int, int, int]] = field(default_factory=dict)


def _from_totals(rolled: Rolled, where: TranscodeFilter, wanted: int, keys: set[GroupKey]) -> _Folded:
    page = _totals_page(rolled, where, wanted)
    found = _Folded({}, page[0][-1] if page else 0, {})
    for item, client, reasons, plays, micros, last, item_ref, client_ref, stream_ref, _count in page:
        found.best[(item, client, reasons)] = _Group(plays, micros, last=last)
        found.refs[(item, client, reasons)] = (item_ref, client_ref, stream_ref)
    for key in keys:
        row = rolled.conn.exec_driver_sql(_TOTALS_OF_GROUP, key).first()
        if row is not None:
            users = set(_users(rolled.conn, (row.item_ref, row.client_ref, row.stream_ref)))
            found.touched[key] = _Group(row.plays, row.micros, users, last=row.last)
    return found


def _from_plays(rolled: Rolled, where: TranscodeFilter, wanted: int, keys: set[GroupKey]) -> _Folded:
    condition, args = where.sql(rolled.window)
    page = rolled.rows(_FOLDED_PAGE.format(where=condition), *args, wanted)
    found = _Folded({}, page[0][-1] if page else 0, {})
    for item, client, reasons, plays, micros, users, last, _count in page:
        found.best[(item, client, reasons)] = _Group(plays, micros, user_count=users, last=last)
    if keys:
        items = json.dumps(sorted({key[0] for key in keys}))
        for item, client, reasons, user, micros, last in rolled.conn.exec_driver_sql(
            _FOLDED_OF_ITEMS.format(where=condition), (items, *args)
        ):
            if (item, client, reasons) in keys:
                found.touched.setdefault((item, client, reasons), _Group()).add(user, micros, last)
    return found


def _users(conn: Connection, refs: tuple[int, ...]) -> list[int]:
    return list(conn.exec_driver_sql(_USERS_OF_GROUP, refs).scalars())


def _totals_page(rolled: Rolled, where: TranscodeFilter, wanted: int) -> list[Any]:
    """The best `wanted` all-time groups the filter picks (at least: ties of the last come too), each with the
    count of them all last."""
    if where == TranscodeFilter():
        edge = rolled.rows(_TOTALS_EDGE, wanted - 1) or [(-1, -1)]
        micros, plays = edge[0]
        return rolled.rows(_TOTALS_PAGE, micros, micros, plays, wanted)
    condition, args = where.totals_sql()
    return rolled.rows(_TOTALS_FILTERED.format(where=condition), *args, wanted)


def fix_list_raw(conn: Connection, window: Window, where: TranscodeFilter, *, offset: int, limit: int) -> FixList:
    """`fix_list` from every play of the window (no rollup read)."""
    condition, args = where.sql(window)
    query = (
        f"SELECT i.item_id, c.client, s.transcode_reasons, COUNT(*) AS n, SUM({WATCH_MICROS}) AS t, "
        f"COUNT(DISTINCT p.user_ref), MAX({_LAST_END}), COUNT(*) OVER () {_JOINS} WHERE {condition} AND {TRANSCODED} "
        "GROUP BY i.item_id, c.client, s.transcode_reasons "
        "ORDER BY t DESC, n DESC, i.item_id, c.client, s.transcode_reasons LIMIT ? OFFSET ?"
    )
    rows = conn.exec_driver_sql(query, (*args, limit, offset)).all()
    total = rows[0][-1] if rows else _count(conn, condition, args)
    ranked = [((item, client, reasons), _Group(n, t, user_count=users, last=last))
              for item, client, reasons, n, t, users, last, _ in rows]  # fmt: skip
    return _fix_page(conn, window, where, ranked, total=total, offset=offset, limit=limit)


def _count(conn: Connection, condition: str, args: list[Any]) -> int:
    """Groups in the window, for a page past the last (whose query returns no row to carry the count)."""
    query = (
        f"SELECT COUNT(*) FROM (SELECT 1 {_JOINS} WHERE {condition} AND {TRANSCODED} "  # noqa: S608
        "GROUP BY i.item_id, c.client, s.transcode_reasons)"
    )
    return int(conn.exec_driver_sql(query, tuple(args)).scalar_one())


def _fix_page(
    conn: Connection,
    window: Window,
    where: TranscodeFilter,
    ranked: list[tuple[GroupKey, _Group]],
    *,
    total: int,
    offset: int,
    limit: int,
) -> FixList:
    """A page of groups with their files as the library has them; a file it does not have (or whose codecs it does
    not know) as the group's latest play in the window had it."""
    facts = _item_facts(conn, list(dict.fromkeys(key[0] for key, _ in ranked)))
    condition, args = where.sql(window)
    fixes = []
    for key, group in ranked:
        item = facts.get(key[0])
        played = None
        if item is None or not item.video_codec or not item.audio_codec:
            played = conn.exec_driver_sql(_LATEST_PLAY.format(where=condition), (*args, *key)).first()
        fixes.append(_fix(key, group, item, played))
    return FixList(fixes=fixes, total=total, offset=offset, limit=limit)


def _item_facts(conn: Connection, ids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(ids):
        query = _ITEM_FACTS.format(marks=", ".join("?" * len(chunk)))
        found.update({row.id: row for row in conn.exec_driver_sql(query, tuple(chunk))})
    return found


def _fix(key: GroupKey, group: _Group, item: Any | None, played: Any | None) -> TranscodeFix:
    item_id, client, reasons_text = key
    reasons = reasons_text.split() if reasons_text else []
    video_from = played.video_codec_from if played is not None else None
    audio_from = played.audio_codec_from if played is not None else None
    if item is not None:
        source = Source(
            container=item.container,
            video_codec=item.video_codec or video_from,
            video_profile=item.video_profile,
            video_bit_depth=item.video_bit_depth,
            video_range=item.video_range,
            video_hdr=item.video_hdr,
            width=item.width,
            height=item.height,
            bitrate=item.bitrate,
            audio_codec=item.audio_codec or audio_from,
            audio_channels=item.audio_channels,
        )
        named = display(item.type, item.name, item.series_name, item.season_number, item.episode_number,
                        item.production_year)  # fmt: skip
        name, kind, path = item.name, item.type, item.path
    else:  # an item the library no longer has: as it was last played
        source = Source(video_codec=video_from, audio_codec=audio_from)
        if played is None:
            named = name = kind = None
        else:
            named = display(played.item_type, played.item_name, played.series_name, played.season_number,
                            played.episode_number)  # fmt: skip
            name, kind = played.item_name, played.item_type
        path = None
    advice = advise(reasons, source, client)
    return TranscodeFix(
        item_id=item_id,
        name=name,
        display=named,
        item_type=kind,
        file=_file_name(path),
        container=source.container,
        video=video_label(source),
        hdr=hdr_label(source),
        audio=audio_label(source),
        poster=row_poster(item),
        client=client,
        reasons=reasons,
        reasons_text=[reason_words(reason) for reason in reasons],
        cause="; ".join(a.cause for a in advice),
        fix="; ".join(a.fix for a in advice),
        advice=[ReasonAdvice(reason=a.reason or None, cause=a.cause, fix=a.fix) for a in advice],
        plays=group.plays,
        users=group.user_total,
        hours=hours(group.micros),
        seconds=round(group.micros / MICROS),
        last_transcoded_at=from_micros(group.last),
    )


def _file_name(path: str | None) -> str | None:
    """The file's own name: readers see which file, not how the server's disks are laid out."""
    if not path:
        return None
    name = posixpath.basename(path.replace("\\", "/").rstrip("/"))
    return name or None


@dataclass
class _Clients:
    """Per client app: plays, transcodes, their microseconds and reasons."""

    plays: Counter[str | None] = field(default_factory=Counter)
    transcodes: Counter[str | None] = field(default_factory=Counter)
    watched: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[str | None, Counter[str | None]] = field(default_factory=lambda: defaultdict(Counter))

    def add_transcodes(self, client: str | None, reasons_text: str | None, count: int, micros: int) -> None:
        self.transcodes[client] += count
        self.watched[client] += micros
        given: list[str | None] = [*(reasons_text or "").split()]
        for reason in given or [None]:
            self.reasons[client][reason] += count


# All time: transcodes and files per client from the all-time rows, plays from the client app rollup.
# (Summed by refs first, then named: the client app and reasons refs are one per name.)
_TOTAL_CLIENTS = (
    "SELECT 'transcode', c.client, s.transcode_reasons, t.p, t.m FROM (SELECT client_ref, stream_ref, "
    "SUM(plays) AS p, SUM(micros) AS m FROM rollup_transcode_totals GROUP BY client_ref, stream_ref) t "
    "JOIN play_clients c ON c.ref = t.client_ref JOIN play_streams s ON s.ref = t.stream_ref "
    "UNION ALL SELECT 'files', c.client, NULL, t.n, NULL FROM (SELECT client_ref, COUNT(DISTINCT item_ref) AS n "
    "FROM rollup_transcode_totals GROUP BY client_ref) t JOIN play_clients c ON c.ref = t.client_ref "
    "UNION ALL SELECT 'plays', c.client, NULL, t.p, NULL FROM (SELECT client_ref, SUM(plays) AS p "
    "FROM rollup_client_app_days WHERE day <= ? GROUP BY client_ref) t JOIN play_clients c ON c.ref = t.client_ref"
)
# The same from the window's folded plays, in one pass over them: plays and transcodes per client and reasons, and
# files per client (the transcoded plays grouped by item too, then counted).
_FOLDED_CLIENTS = (
    f"WITH g AS MATERIALIZED (SELECT c.client AS client, coalesce({TRANSCODED}, 0) AS x, "  # noqa: S608
    f"CASE WHEN {TRANSCODED} THEN s.transcode_reasons END AS r, CASE WHEN {TRANSCODED} THEN i.item_id END AS item, "
    f"COUNT(*) AS n, SUM({WATCH_MICROS}) AS m {_JOINS} WHERE {{where}} AND p.folded = 1 GROUP BY 1, 2, 3, 4) "
    "SELECT CASE WHEN x THEN 'transcoded plays' ELSE 'plays' END, client, r, SUM(n), SUM(m) FROM g "
    "GROUP BY x, client, r UNION ALL SELECT 'files', client, NULL, COUNT(DISTINCT item), NULL FROM g WHERE x "
    "GROUP BY client"
)
# Which of some items each client app has transcoded in the window's folded plays, or in the all-time rollup.
_FOLDED_CLIENT_ITEMS = (
    f"SELECT DISTINCT c.client, i.item_id {_OF_ITEMS} WHERE {{where}} AND p.folded = 1 AND {TRANSCODED}"
)
_TOTAL_CLIENT_ITEMS = (
    "SELECT DISTINCT c.client, i.item_id FROM json_each(?) w CROSS JOIN play_items i ON i.item_id = w.value "
    "CROSS JOIN rollup_transcode_totals t ON t.item_ref = i.ref JOIN play_clients c ON c.ref = t.client_ref"
)


def by_client(
    conn: Connection, window: Window, where: TranscodeFilter, *, limit: int, cache: RollupCache | None = None
) -> list[ClientTranscodes]:
    """Per client: plays begun in the window, how many transcoded, their watch time and the reasons given most: the
    folded plays' sums (from the all-time rollups, or from the window's plays: kept until the next fold) and the
    plays not yet folded."""
    rolled = Rolled(conn, window, cache or RollupCache())
    if not rolled.usable:
        return by_client_raw(conn, window, where, limit=limit)
    sums = _Clients()
    files: Counter[str | None] = Counter()
    full, full_args = where.sql(window)
    totals = _totals_answer(rolled, where)
    if totals:
        found = rolled.rows(_TOTAL_CLIENTS, rolled.last)
    else:
        found = rolled.rows(_FOLDED_CLIENTS.format(where=full), *full_args)
    for kind, client, reasons_text, count, micros in found:
        if kind == "files":
            files[client] = count
            continue
        if kind != "plays":  # transcodes, of the plays counted apart ("transcode") or of these
            sums.add_transcodes(client, reasons_text, count, micros)
        if kind != "transcode":
            sums.plays[client] += count
    condition, args = where.sql(window, unfolded=True)
    query = f"SELECT c.client, {TRANSCODED}, s.transcode_reasons, {WATCH_MICROS}, i.item_id {_JOINS} WHERE {condition}"
    loose_items: set[tuple[str | None, str]] = set()
    for client, transcoded, reasons_text, micros, item in conn.exec_driver_sql(query, tuple(args)):
        sums.plays[client] += 1
        if transcoded:
            sums.add_transcodes(client, reasons_text, 1, micros)
            loose_items.add((client, item))
    if loose_items:
        items = json.dumps(sorted({item for _, item in loose_items}))
        if totals:
            known_rows = conn.exec_driver_sql(_TOTAL_CLIENT_ITEMS, (items,))
        else:
            known_rows = conn.exec_driver_sql(_FOLDED_CLIENT_ITEMS.format(where=full), (items, *full_args))
        known = {(client, item) for client, item in known_rows}
        for client, _item in loose_items - known:
            files[client] += 1
    return _clients(sums, files, limit)


def by_client_raw(conn: Connection, window: Window, where: TranscodeFilter, *, limit: int) -> list[ClientTranscodes]:
    """`by_client` from every play of the window (no rollup read)."""
    condition, args = where.sql(window)
    query = (
        f"SELECT c.client, {TRANSCODED}, s.transcode_reasons, COUNT(*), SUM({WATCH_MICROS}) "
        f"{_JOINS} WHERE {condition} GROUP BY c.client, {TRANSCODED}, s.transcode_reasons"
    )
    sums = _Clients()
    for client, transcoded, reasons_text, count, micros in conn.exec_driver_sql(query, tuple(args)):
        sums.plays[client] += count
        if transcoded:
            sums.add_transcodes(client, reasons_text, count, micros or 0)
    return _clients(sums, _files_per_client(conn, condition, args), limit)


def _clients(sums: _Clients, files: Counter[str | None] | dict[str | None, int], limit: int) -> list[ClientTranscodes]:
    plays, transcodes, reasons = sums.plays, sums.transcodes, sums.reasons
    out = []
    for client, count in plays.items():
        micros = sums.watched[client]
        ranked = sorted(reasons[client].items(), key=lambda r: (-r[1], r[0] or "~"))[:TOP_REASONS]
        out.append(
            ClientTranscodes(
                client=client,
                plays=count,
                transcodes=transcodes[client],
                share=round(transcodes[client] / count, 3) if count else 0.0,
                hours=hours(micros),
                seconds=round(micros / MICROS),
                files=files.get(client, 0),
                top_reasons=[
                    ClientReason(
                        reason=reason,
                        words=reason_words(reason) if reason else "Emby gave no reason",
                        plays=n,
                    )
                    for reason, n in ranked
                ],
            )
        )
    out.sort(key=lambda c: (-c.seconds, -c.transcodes, -c.plays, str(c.client)))
    return out[:limit]


def _files_per_client(conn: Connection, condition: str, args: list[Any]) -> dict[str | None, int]:
    query = f"SELECT c.client, COUNT(DISTINCT i.item_id) {_JOINS} WHERE {condition} AND {TRANSCODED} GROUP BY c.client"
    return {client: n for client, n in conn.exec_driver_sql(query, tuple(args))}
