"""`/stats/transcodes/fix-list` and `/stats/transcodes/by-client`: which files make which clients transcode, why,
and what would let them play directly.

A transcode here is a play Emby delivered as `Transcode` (the heavier of how it started and how it ended, as every
statistic reports it), or as `DirectStream` with reasons (a remux: the container refused). Counted are the plays
begun in the window, short ones too (a transcode someone gave up on after a few seconds is part of the problem), Live
TV left out (a channel is no file to fix), each with its whole watch time. The cause and fix come from
`emby_analytics.reasons`, from the reasons Emby gave and the file as the library sync last saw it.
"""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from emby_analytics.db.schema import from_micros, to_micros
from emby_analytics.reasons import Source, advise, audio_label, hdr_label, reason_words, video_label
from emby_analytics.rollups.fold import chunks
from emby_analytics.stats.posters import row_poster
from emby_analytics.stats.rolled import MICROS, hours
from emby_analytics.stats.window import Window
from emby_analytics.titles import display

TRANSCODED = "(s.play_method = 'Transcode' OR (s.play_method = 'DirectStream' AND s.transcode_reasons IS NOT NULL))"
TOP_REASONS = 5


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

    def sql(self, window: Window) -> tuple[str, list[Any]]:
        """The WHERE clause over `play_rows p`, `play_streams s`, `play_items i`, `play_clients c`."""
        where = ["p.started_at < ?", "i.live_tv = 0"]
        args: list[Any] = [to_micros(window.end)]
        if window.start is not None:
            where.append("p.started_at >= ?")
            args.append(to_micros(window.start))
        if self.user_id is not None:
            where.append("p.user_ref = (SELECT ref FROM play_users WHERE user_id = ?)")
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


def fix_list(conn: Connection, window: Window, where: TranscodeFilter, *, offset: int, limit: int) -> FixList:
    """Transcoded plays begun in the window grouped by (item, client, reasons), by watch time, a page of them."""
    condition, args = where.sql(window)
    query = (
        "SELECT i.item_id, c.client, s.transcode_reasons, COUNT(*) AS n, SUM(p.watch_seconds) AS t, "
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


def by_client(conn: Connection, window: Window, where: TranscodeFilter, *, limit: int) -> list[ClientTranscodes]:
    """Per client: plays begun in the window, how many transcoded, their watch time and the reasons given most."""
    condition, args = where.sql(window)
    query = (
        f"SELECT c.client, {TRANSCODED}, s.transcode_reasons, COUNT(*), SUM(p.watch_seconds) "
        f"{_JOINS} WHERE {condition} GROUP BY c.client, {TRANSCODED}, s.transcode_reasons"
    )
    plays: Counter[str | None] = Counter()
    transcodes: Counter[str | None] = Counter()
    watched: dict[str | None, float] = defaultdict(float)
    reasons: dict[str | None, Counter[str | None]] = defaultdict(Counter)
    for client, transcoded, reasons_text, count, watch in conn.exec_driver_sql(query, tuple(args)):
        plays[client] += count
        if transcoded:
            transcodes[client] += count
            watched[client] += watch or 0.0
            for reason in (reasons_text or "").split() or [None]:
                reasons[client][reason] += count
    files = _files_per_client(conn, condition, args)
    out = []
    for client, count in plays.items():
        micros = round(watched[client] * MICROS)
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
