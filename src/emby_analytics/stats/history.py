"""`/stats/history`: every recorded play, newest first, keyset-paged so any page costs the same."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Select, and_, or_, select

from emby_analytics.db.schema import plays
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
    watch_seconds: int = Field(description="Time actually playing: pauses, stalls and seeks excluded.")
    watch_hours: float
    content_seconds: int = Field(description="Forward progress through the item, seeks excluded.")
    paused_seconds: int
    completed: bool
    short: bool = Field(description="Shorter than MIN_PLAY_SECONDS: its time counts, it is not counted as a play.")
    play_method: str | None
    video_method: str | None
    audio_method: str | None
    transcode_reasons: list[str]
    source: str = Field(description="live (polling), webhook, or import (Playback Reporting / played flags).")


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
    day_from: date | None = None
    day_to: date | None = None
    q: str | None = None


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


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: Select[Any], where: HistoryFilter, zone: ZoneInfo) -> Select[Any]:
    conditions = []
    if where.user_id:
        conditions.append(plays.c.user_id == where.user_id)
    if where.item_id:
        conditions.append(or_(plays.c.item_id == where.item_id, plays.c.series_id == where.item_id))
    if where.media_type:
        conditions.append(plays.c.item_type == where.media_type)
    if where.client:
        conditions.append(plays.c.client == where.client)
    if where.play_method:
        conditions.append(plays.c.play_method == where.play_method)
    if where.day_from:
        conditions.append(plays.c.started_at >= datetime.combine(where.day_from, time(), zone))
    if where.day_to:
        conditions.append(plays.c.started_at < datetime.combine(where.day_to + timedelta(days=1), time(), zone))
    if where.q:
        pattern = _like(where.q)
        conditions.append(
            or_(plays.c.item_name.like(pattern, escape="\\"), plays.c.series_name.like(pattern, escape="\\"))
        )
    return query.where(and_(*conditions)) if conditions else query


def history_page(
    conn: Connection, where: HistoryFilter, zone: ZoneInfo, *, limit: int, cursor: str | None
) -> HistoryPage:
    query = _filtered(select(plays), where, zone)
    if cursor:
        started, play_id = decode_cursor(cursor)
        query = query.where(
            or_(plays.c.started_at < started, and_(plays.c.started_at == started, plays.c.id < play_id))
        )
    rows = conn.execute(query.order_by(plays.c.started_at.desc(), plays.c.id.desc()).limit(limit + 1)).all()
    page = [_play(row) for row in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].started_at, rows[limit - 1].id) if len(rows) > limit else None
    return HistoryPage(plays=page, next_cursor=next_cursor)


def _play(row: Any) -> HistoryPlay:
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
        watch_seconds=round(row.watch_seconds),
        watch_hours=round(row.watch_seconds / 3600, 2),
        content_seconds=round(row.content_seconds),
        paused_seconds=round(row.paused_seconds),
        completed=row.completed,
        short=row.short,
        play_method=row.play_method,
        video_method=row.video_method,
        audio_method=row.audio_method,
        transcode_reasons=row.transcode_reasons.split() if row.transcode_reasons else [],
        source=row.source,
    )
