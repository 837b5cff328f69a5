"""`/stats/transcodes/fix-list` and `/stats/transcodes/by-client`: which files make which clients transcode, why,
and what would let them play directly.

A transcode here is a play Emby delivered as `Transcode` (the heavier of how it started and how it ended, as every
statistic reports it), or as `DirectStream` with reasons (a remux: the container refused). Counted are the plays
begun in the window, short ones too (a transcode someone gave up on after a few seconds is part of the problem), Live
TV left out (a channel is no file to fix), each with its whole watch time. The cause and fix come from
`emby_analytics.reasons`, from the reasons Emby gave and the file as the library sync last saw it.

Both read the rollups (`rollup_transcode_days`, `rollup_transcode_totals`, `rollup_client_app_days`: see
`db.schema`) for the folded plays of the window's days, plus the plays not yet folded from their rows (as
`stats.rolled.Rolled` does), so an answer is the same whatever was folded. Users affected are counted distinct: the
day rollup keeps the user in its key (a separate presence table would be as large: a day rarely has two transcodes
of one user, item, client and delivery), so a group's users are its rows' distinct users; the groups an unfolded
play touches, and an all-time page's groups (ranked from the all-time rows, which have no users), are read by item.
Watch time is summed in integer microseconds (each play's `watch_seconds`), exact in any order. When the rollups
were cut in another zone (TZ changed, not yet refolded), every play is grouped from its row.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter, defaultdict
from collections.abc import Iterable
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
        return self._more(where, args, "p")

    def rollup_sql(self, rolled: Rolled) -> tuple[str, list[Any]]:
        """The WHERE clause over a rollup `r` of the window's days, with `play_streams s`, `play_items i` and
        `play_clients c` (the transcode rollup's; the client rollup's only `c`, and takes only a user)."""
        return self._more(["r.day BETWEEN ? AND ?"], [rolled.first, rolled.last], "r")

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


_ROLLUP_JOINS = (
    "FROM rollup_transcode_days r JOIN play_streams s ON s.ref = r.stream_ref JOIN play_items i ON i.ref = r.item_ref "
    "JOIN play_clients c ON c.ref = r.client_ref"
)
_GROUP_FACTS = (
    "MAX(i.item_type), MAX(i.item_name), MAX(i.series_name), MAX(i.season_number), MAX(i.episode_number), "
    "MAX(s.video_codec_from), MAX(s.audio_codec_from)"
)
# The fix-list's folded groups, best first (a page's worth, and the count of them all).
_FOLDED_PAGE = (
    "SELECT i.item_id, c.client, s.transcode_reasons, SUM(r.plays) AS n, SUM(r.micros) AS t, "
    f"COUNT(DISTINCT r.user_ref), MAX(r.last), {_GROUP_FACTS}, COUNT(*) OVER () {_ROLLUP_JOINS} WHERE {{where}} "
    "GROUP BY i.item_id, c.client, s.transcode_reasons "
    "ORDER BY t DESC, n DESC, i.item_id, c.client, s.transcode_reasons LIMIT ?"
)
# The folded share of the groups of a few items, per user (their users are counted with the unfolded plays').
# Each item's refs by its id, then their rows by the item index (CROSS JOIN keeps that order: the planner would
# rather walk the window's days).
_BY_ITEMS = (
    "FROM json_each(?) w CROSS JOIN play_items i ON i.item_id = w.value "
    "CROSS JOIN rollup_transcode_days r ON r.item_ref = i.ref JOIN play_streams s ON s.ref = r.stream_ref "
    "JOIN play_clients c ON c.ref = r.client_ref"
)
_FOLDED_OF_ITEMS = (
    "SELECT i.item_id, c.client, s.transcode_reasons, r.user_ref, SUM(r.plays), SUM(r.micros), MAX(r.last), "
    f"{_GROUP_FACTS} {_BY_ITEMS} WHERE {{where}} GROUP BY i.item_id, c.client, s.transcode_reasons, r.user_ref"
)
# All time, no filter: the groups ranked from their all-time rows (one per group), then read by item for the page.
# The wanted-th group's watch time and plays, by integers alone; then only the groups at least as good (that one,
# those before it, and its ties) are joined to their names and ranked in full.
_TOTALS_EDGE = "SELECT micros, plays FROM rollup_transcode_totals ORDER BY micros DESC, plays DESC LIMIT 1 OFFSET ?"
_TOTALS_PAGE = (
    "SELECT i.item_id, c.client, s.transcode_reasons, t.plays, t.micros "
    "FROM rollup_transcode_totals t JOIN play_items i ON i.ref = t.item_ref "
    "JOIN play_clients c ON c.ref = t.client_ref JOIN play_streams s ON s.ref = t.stream_ref "
    "WHERE t.micros > ? OR (t.micros = ? AND t.plays >= ?) "
    "ORDER BY t.micros DESC, t.plays DESC, i.item_id, c.client, s.transcode_reasons LIMIT ?"
)
# Whether any folded day is after a window's last (a clock set back): then all-time totals hold days it leaves out.
_AFTER = "SELECT 1 FROM rollup_transcode_days WHERE day > ? LIMIT 1"
_UNFOLDED_TRANSCODES = (
    f"SELECT i.item_id, c.client, s.transcode_reasons, p.user_ref, 1, {WATCH_MICROS}, "
    "coalesce(p.stopped_at, p.last_seen_at, p.started_at), i.item_type, i.item_name, i.series_name, i.season_number, "
    f"i.episode_number, s.video_codec_from, s.audio_codec_from {_JOINS} WHERE {{where}} AND {TRANSCODED}"
)

GroupKey = tuple[str, str | None, str | None]  # (item id, client, reasons)


@dataclass
class _Group:
    """A (item, client, reasons) group's sums: plays, microseconds, users (refs, or a count), latest end, and the
    MAX of each fact of the item and delivery as played (null when none has it, as SQL's MAX)."""

    plays: int = 0
    micros: int = 0
    users: set[int] = field(default_factory=set)
    user_count: int = 0
    last: int = 0
    facts: list[Any] = field(default_factory=lambda: [None] * 7)

    def add(self, user: int | None, plays: int, micros: int, last: int, facts: Iterable[Any]) -> None:
        self.plays += plays
        self.micros += micros
        if user is not None:
            self.users.add(user)
        self.last = max(self.last, last)
        self.facts = [b if a is None else a if b is None else max(a, b) for a, b in zip(self.facts, facts, strict=True)]

    def row(self, key: GroupKey) -> tuple[Any, ...]:
        """As the raw query's row: key, count, seconds, users, last, facts."""
        users = self.user_count or len(self.users)
        return (*key, self.plays, self.micros / MICROS, users, self.last, *self.facts)


def _rank(key: GroupKey, group: _Group) -> tuple[Any, ...]:
    """The fix-list's order (as its SQL: watch time, plays, then item, client, reasons with nulls first)."""
    item, client, reasons = key
    return (-group.micros, -group.plays, item, client is not None, client or "", reasons is not None, reasons or "")


def fix_list(
    conn: Connection,
    window: Window,
    where: TranscodeFilter,
    *,
    offset: int,
    limit: int,
    cache: RollupCache | None = None,
) -> FixList:
    """Transcoded plays begun in the window grouped by (item, client, reasons), by watch time, a page of them."""
    rolled = Rolled(conn, window, cache or RollupCache())
    if not rolled.usable:
        return fix_list_raw(conn, window, where, offset=offset, limit=limit)
    condition, args = where.sql(window, unfolded=True)
    loose: dict[GroupKey, _Group] = defaultdict(_Group)
    for item, client, reasons, user, plays, micros, last, *facts in conn.exec_driver_sql(
        _UNFOLDED_TRANSCODES.format(where=condition), tuple(args)
    ):
        loose[(item, client, reasons)].add(user, plays, micros, last, facts)
    folded_where, folded_args = where.rollup_sql(rolled)
    touched = _folded_groups(conn, folded_where, folded_args, set(loose))
    # Enough untouched groups for the page whatever the unfolded plays touch (a few sizes: cached per fold).
    wanted = offset + limit + max(PAD, 1 << (len(loose) - 1).bit_length())
    if rolled.all_time and where == TranscodeFilter() and not rolled.rows(_AFTER, rolled.last):
        page = rolled.cache.get(
            ("transcode totals", wanted, rolled.last, rolled.generation),
            lambda: _totals_page(rolled, folded_where, folded_args, wanted),
        )
    else:
        page = rolled.rows(_FOLDED_PAGE.format(where=folded_where), *folded_args, wanted)
    total = page[0][-1] if page else 0
    groups: dict[GroupKey, _Group] = {}
    for item, client, reasons, plays, micros, users, last, *facts in (row[:-1] for row in page):
        if (item, client, reasons) not in loose:
            groups[(item, client, reasons)] = _Group(plays, micros, set(), users, last, list(facts))
    for key, group in loose.items():
        merged = touched.get(key)
        if merged is None:
            total += 1
            merged = _Group()
        merged.add(None, group.plays, group.micros, group.last, group.facts)
        merged.users |= group.users
        groups[key] = merged
    ranked = sorted(groups.items(), key=lambda kv: _rank(*kv))[offset : offset + limit]
    facts_of = _item_facts(conn, list(dict.fromkeys(key[0] for key, _ in ranked)))
    fixes = [_fix(group.row(key), facts_of.get(key[0])) for key, group in ranked]
    return FixList(fixes=fixes, total=total, offset=offset, limit=limit)


def _folded_groups(conn: Connection, where: str, args: list[Any], keys: set[GroupKey]) -> dict[GroupKey, _Group]:
    """These groups' folded plays (read by item: the day rollup's item index)."""
    found: dict[GroupKey, _Group] = defaultdict(_Group)
    if keys:
        items = json.dumps(sorted({key[0] for key in keys}))
        for item, client, reasons, user, plays, micros, last, *facts in conn.exec_driver_sql(
            _FOLDED_OF_ITEMS.format(where=where), (items, *args)
        ):
            if (item, client, reasons) in keys:
                found[(item, client, reasons)].add(user, plays, micros, last, facts)
    return found


def _totals_page(rolled: Rolled, where: str, args: list[Any], wanted: int) -> list[Any]:
    """`_FOLDED_PAGE`'s rows for all time without a filter: ranked from the all-time rows, read from the day rows."""
    conn = rolled.conn
    count = conn.exec_driver_sql("SELECT COUNT(*) FROM rollup_transcode_totals").scalar_one()
    edge = conn.exec_driver_sql(_TOTALS_EDGE, (wanted - 1,)).first() or (-1, -1)
    ranked = list(conn.exec_driver_sql(_TOTALS_PAGE, (edge[0], edge[0], edge[1], wanted)))
    groups = _folded_groups(conn, where, args, {(row[0], row[1], row[2]) for row in ranked})
    out = []
    for item, client, reasons, _plays, _micros in ranked:
        group = groups[(item, client, reasons)]
        sums = (group.plays, group.micros, len(group.users), group.last)
        out.append((item, client, reasons, *sums, *group.facts, count))
    return out


def fix_list_raw(conn: Connection, window: Window, where: TranscodeFilter, *, offset: int, limit: int) -> FixList:
    """`fix_list` from every play of the window (no rollup read)."""
    condition, args = where.sql(window)
    query = (
        f"SELECT i.item_id, c.client, s.transcode_reasons, COUNT(*) AS n, SUM({WATCH_MICROS}) / 1e6 AS t, "
        "COUNT(DISTINCT p.user_ref), MAX(coalesce(p.stopped_at, p.last_seen_at, p.started_at)), "
        "MAX(i.item_type), MAX(i.item_name), MAX(i.series_name), MAX(i.season_number), MAX(i.episode_number), "
        "MAX(s.video_codec_from), MAX(s.audio_codec_from), COUNT(*) OVER () "
        f"{_JOINS} WHERE {condition} AND {TRANSCODED} GROUP BY i.item_id, c.client, s.transcode_reasons "
        "ORDER BY t DESC, n DESC, i.item_id, c.client, s.transcode_reasons LIMIT ? OFFSET ?"
    )
    rows = conn.exec_driver_sql(query, (*args, limit, offset)).all()
    total = rows[0][-1] if rows else _count(conn, condition, args)
    facts = _item_facts(conn, list(dict.fromkeys(row[0] for row in rows)))
    return FixList(fixes=[_fix(row, facts.get(row[0])) for row in rows], total=total, offset=offset, limit=limit)


def _count(conn: Connection, condition: str, args: list[Any]) -> int:
    """Groups in the window, for a page past the last (whose query returns no row to carry the count)."""
    query = (
        f"SELECT COUNT(*) FROM (SELECT 1 {_JOINS} WHERE {condition} AND {TRANSCODED} "  # noqa: S608
        "GROUP BY i.item_id, c.client, s.transcode_reasons)"
    )
    return int(conn.exec_driver_sql(query, tuple(args)).scalar_one())


def _item_facts(conn: Connection, ids: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in chunks(ids):
        query = _ITEM_FACTS.format(marks=", ".join("?" * len(chunk)))
        found.update({row.id: row for row in conn.exec_driver_sql(query, tuple(chunk))})
    return found


def _fix(row: Any, item: Any | None) -> TranscodeFix:
    item_id, client, reasons_text, count, watch, users, last = row[:7]
    item_type, item_name, series_name, season, episode, video_from, audio_from = row[7:14]
    reasons = reasons_text.split() if reasons_text else []
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
    else:  # an item the library no longer has: as it was played
        source = Source(video_codec=video_from, audio_codec=audio_from)
        named = display(item_type, item_name, series_name, season, episode)
        name, kind, path = item_name, item_type, None
    advice = advise(reasons, source, client)
    micros = round((watch or 0.0) * MICROS)
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
        plays=count,
        users=users,
        hours=hours(micros),
        seconds=round(micros / MICROS),
        last_transcoded_at=from_micros(last),
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


_FOLDED_CLIENTS = (
    "SELECT 'transcode', c.client, s.transcode_reasons, SUM(r.plays), SUM(r.micros) "
    "{joins} WHERE {where} GROUP BY c.client, s.transcode_reasons "
    "UNION ALL SELECT 'files', c.client, NULL, COUNT(DISTINCT i.item_id), NULL {joins} WHERE {where} GROUP BY c.client "
    "UNION ALL SELECT 'plays', c.client, NULL, SUM(r.plays), NULL FROM rollup_client_app_days r "
    "JOIN play_clients c ON c.ref = r.client_ref WHERE {where} GROUP BY c.client"
)
# All time, no filter: transcodes and files per client from the all-time rows.
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
_FOLDED_CLIENT_ITEMS = f"SELECT DISTINCT c.client, i.item_id {_BY_ITEMS} WHERE {{where}}"


def by_client(
    conn: Connection, window: Window, where: TranscodeFilter, *, limit: int, cache: RollupCache | None = None
) -> list[ClientTranscodes]:
    """Per client: plays begun in the window, how many transcoded, their watch time and the reasons given most."""
    rolled = Rolled(conn, window, cache or RollupCache())
    if not rolled.usable:
        return by_client_raw(conn, window, where, limit=limit)
    sums = _Clients()
    files: Counter[str | None] = Counter()
    folded_where, folded_args = where.rollup_sql(rolled)
    if rolled.all_time and where == TranscodeFilter() and not rolled.rows(_AFTER, rolled.last):
        found = rolled.rows(_TOTAL_CLIENTS, rolled.last)
    else:
        query = _FOLDED_CLIENTS.format(joins=_ROLLUP_JOINS, where=folded_where)
        found = rolled.rows(query, *folded_args, *folded_args, *folded_args)
    for kind, client, reasons_text, count, micros in found:
        if kind == "transcode":
            sums.add_transcodes(client, reasons_text, count, micros)
        elif kind == "files":
            files[client] = count
        else:
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
        query = _FOLDED_CLIENT_ITEMS.format(where=folded_where)
        items = json.dumps(sorted({item for _, item in loose_items}))
        known = {(client, item) for client, item in conn.exec_driver_sql(query, (items, *folded_args))}
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
