"""`/stats/history`: every recorded play, newest first, keyset-paged so any page costs the same."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import plays
from emby_analytics.stats.history_query import Wanted, page_ids, resolve
from emby_analytics.stats.watch import seconds_by, watched_plays
from emby_analytics.stats.window import Window
from emby_analytics.titles import display_title


class HistoryPlay(BaseModel):
    play_id: str
    user_id: str
    user: str | None
    item_id: str
    title: str | None
    display: str | None = Field(description="Episodes as 'Series - Name (SxxEyy)', else the title.")
    item_type: str | None
    client: str | None
    device: str | None
    remote_address: str | None
    started_at: datetime
    stopped_at: datetime | None = Field(description="Null while the play is still open.")
    watch_seconds: int = Field(
        description="Time actually playing: pauses, stalls and seeks excluded (with a window: inside it)."
    )
    watch_hours: float
    play_watch_seconds: int = Field(description="The whole play's watch time, whatever the window.")
    content_seconds: int = Field(description="Forward progress through the item, seeks excluded.")
    paused_seconds: int
    completed: bool
    short: bool = Field(description="Shorter than MIN_PLAY_SECONDS: its time counts, it is not counted as a play.")
    play_method: str | None
    video_method: str | None
    audio_method: str | None
    transcode_reasons: list[str]
    source: str = Field(description="live (polling), webhook, or import (Playback Reporting / played flags).")
    live_tv: bool = Field(description="Live TV: never in item statistics, in hours only with COUNT_LIVE_TV.")


class HistoryPage(BaseModel):
    plays: list[HistoryPlay]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class InvalidCursor(ValueError):
    """The cursor was not produced by this API."""


@dataclass(frozen=True)
class HistoryFilter:
    user_id: str | None = None
    item_id: str | None = None
    media_type: str | None = None
    client: str | None = None
    play_method: str | None = None
    q: str | None = None
    window: Window | None = None  # plays with watch time in it (or started in it); seconds clipped to it


def encode_cursor(started_at: datetime, play_id: str) -> str:
    raw = f"{started_at.isoformat()}|{play_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, play_id = raw.split("|", 1)
        started = datetime.fromisoformat(when)
        if started.tzinfo is None or not play_id:
            raise ValueError("incomplete cursor")
        return started.astimezone(UTC), play_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not valid; use the next_cursor of a previous page") from exc


def history_page(
    conn: Connection, where: HistoryFilter, zone: ZoneInfo, *, limit: int, cursor: str | None
) -> HistoryPage:
    """A page of plays, newest first: the ids from `history_query` (keyset-paged, through the cheapest index),
    then their rows from the view `plays`."""
    after = decode_cursor(cursor) if cursor else None
    wanted = Wanted(where.user_id, where.item_id, where.media_type, where.client, where.play_method, where.q)
    ids = page_ids(conn, resolve(conn, wanted), where.window, after, limit + 1)
    found = {row.id: row for row in conn.execute(select(plays).where(plays.c.id.in_(ids[:limit])))} if ids else {}
    rows = [found[play_id] for play_id in ids[:limit]]
    inside = None
    if where.window is not None:
        inside = seconds_by((w.play_id, w.seconds) for w in watched_plays(conn, where.window, [r.id for r in rows]))
    page = history_rows(rows, inside)
    next_cursor = encode_cursor(rows[-1].started_at, rows[-1].id) if len(ids) > limit else None
    return HistoryPage(plays=page, next_cursor=next_cursor)


def history_rows(rows: Sequence[Any], inside: dict[str, float] | None = None) -> list[HistoryPlay]:
    """Plays rows as the API shows them; `inside`: each play's seconds inside a window (else the whole play's)."""
    return [_play(row, row.watch_seconds if inside is None else inside.get(row.id, 0.0)) for row in rows]


def _play(row: Any, seconds: float) -> HistoryPlay:
    return HistoryPlay(
        play_id=row.id,
        user_id=row.user_id,
        user=row.user_name,
        item_id=row.item_id,
        title=row.item_name,
        display=display_title(row),
        item_type=row.item_type,
        client=row.client,
        device=row.device_name,
        remote_address=row.remote_address,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        watch_seconds=round(seconds),
        watch_hours=round(seconds / 3600, 2),
        play_watch_seconds=round(row.watch_seconds),
        content_seconds=round(row.content_seconds),
        paused_seconds=round(row.paused_seconds),
        completed=row.completed,
        short=row.short,
        play_method=row.play_method,
        video_method=row.video_method,
        audio_method=row.audio_method,
        transcode_reasons=row.transcode_reasons.split() if row.transcode_reasons else [],
        source=row.source,
        live_tv=row.live_tv,
    )
