"""Pure conversions for the history import: plugin query pages and played items into `plays` rows.

Kept apart from `history.py` (the I/O side) so the per-row work stays small, typed and testable. Every cell of a
plugin answer is a string; any row that does not parse is counted and skipped rather than failing the page,
while a page that is not a query result at all raises ValueError (the caller keeps the database unchanged).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from emby_analytics.db.schema import NAME_MAX, cap, items
from emby_analytics.emby.models_items import LIVE_TV_TYPES, TICKS_PER_SECOND
from emby_analytics.emby.models_media import UserItemData
from emby_analytics.sync.item_rows import normalize_codec

NO_DATA = "Query executed, no data returned."
_REQUIRED = ("rowid", "datecreated", "userid", "itemid")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_TRANSCODE = re.compile(r"^Transcode\s*\(\s*v:\s*([^\s)]*)\s+a:\s*([^\s)]*)\s*\)$", re.IGNORECASE)
_IN_CHUNK = 900
_KEY_MAX = 128

# Every column an imported play sets, so all rows of one executemany share one key set.
_PLAY_DEFAULTS: dict[str, Any] = {
    "source": "import",
    "session_id": None,
    "device_id": None,
    "application_version": None,
    "series_id": None,
    "series_name": None,
    "season_number": None,
    "episode_number": None,
    "runtime_ticks": None,
    "last_position_ticks": None,
    "max_position_ticks": None,
    "content_seconds": 0.0,  # the plugin records no positions: content covered is unknown
    "live_tv": False,
    "is_paused": False,
    "subtitle_method": None,
    "bitrate": None,
    "end_reason": None,
    "tracker_state": None,
    "client": None,
    "device_name": None,
    "remote_address": None,
    "play_method": None,
    "video_method": None,
    "audio_method": None,
    "video_codec_from": None,
    "video_codec_to": None,
    "audio_codec_from": None,
    "audio_codec_to": None,
    "transcode_reasons": None,
}


@dataclass(frozen=True, slots=True)
class PluginRow:
    import_key: str
    user_id: str
    item_id: str
    item_type: str | None
    item_name: str | None
    started_at: datetime
    stopped_at: datetime
    pause_seconds: int
    watch_seconds: int
    method: str | None
    client: str | None
    device: str | None
    remote_address: str | None
    reasons: str | None


@dataclass(frozen=True, slots=True)
class ItemFacts:
    name: str | None
    series_id: str | None
    series_name: str | None
    season_number: int | None
    episode_number: int | None
    runtime_ticks: int | None
    video_codec: str | None
    audio_codec: str | None

    def play_columns(self) -> dict[str, Any]:
        # The library's own name beats the plugin's composed "Series - s01e02 - Episode" text.
        named = {"item_name": self.name} if self.name else {}
        return {
            **named,
            "series_id": self.series_id,
            "series_name": self.series_name,
            "season_number": self.season_number,
            "episode_number": self.episode_number,
            "runtime_ticks": self.runtime_ticks,
        }


def parse_page(payload: Any, zone: tzinfo) -> tuple[list[PluginRow], int, int, int]:
    """(valid rows, invalid row count, highest rowid, rows in the page) of one submit_custom_query answer."""
    if not isinstance(payload, dict):
        raise ValueError("not a query result object")
    columns, results, message = (
        payload.get("colums", payload.get("columns")),
        payload.get("results"),
        payload.get("message"),
    )
    if not isinstance(results, list) or not isinstance(columns, list):
        raise ValueError("query result without colums/results")
    if not results:
        if isinstance(message, str) and message.strip() and message.strip() != NO_DATA:
            raise ValueError("the plugin reported a query error")
        return [], 0, 0, 0
    index = {str(c).lower(): i for i, c in enumerate(columns)}
    if any(name not in index for name in _REQUIRED):
        raise ValueError("query result lacks required columns")
    width = len(columns)
    rows: list[PluginRow] = []
    invalid = 0
    last = 0
    for raw in results:
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError("malformed result row")
        try:
            last = max(last, int(raw[index["rowid"]]))
        except (TypeError, ValueError):
            raise ValueError("result row without a numeric rowid") from None
        row = _row(raw, index, zone)
        if row is None:
            invalid += 1
        else:
            rows.append(row)
    return rows, invalid, last, len(results)


def _text(raw: list[Any], index: Mapping[str, int], name: str, limit: int = NAME_MAX) -> str | None:
    i = index.get(name)
    value = raw[i] if i is not None else None
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _seconds(raw: list[Any], index: Mapping[str, int], name: str) -> int:
    text = _text(raw, index, name)
    value = int(float(text)) if text else 0
    if value < 0 or value > 10 * 365 * 86_400:
        raise ValueError(name)
    return value


def local_to_utc(text: str, zone: tzinfo) -> datetime:
    """DateCreated (`yyyy-MM-dd HH:mm:ss[.fffffff]`, server local time) as an aware UTC datetime."""
    head, _, fraction = text.strip().replace("T", " ").partition(".")
    when = datetime.fromisoformat(head)
    if when.tzinfo is not None:
        raise ValueError("DateCreated carries a zone")
    digits = "".join(c for c in fraction if c.isdigit())[:6]
    micros = int(digits.ljust(6, "0")) if digits else 0
    return when.replace(microsecond=micros, tzinfo=zone).astimezone(UTC)


def _row(raw: list[Any], index: Mapping[str, int], zone: tzinfo) -> PluginRow | None:
    try:
        date_text = _text(raw, index, "datecreated")
        user_id = (_text(raw, index, "userid") or "").replace("-", "").lower()
        item_id = _text(raw, index, "itemid", 64)
        if not date_text or not _HEX32.match(user_id) or not item_id:
            return None
        started = local_to_utc(date_text, zone)
        play = _seconds(raw, index, "playduration")
        pause = min(_seconds(raw, index, "pauseduration"), play)
    except (ValueError, OverflowError):
        return None
    # Date first: imports run in time order, so the unique import_key index is appended to, not split at random.
    key = f"pr:{date_text}:{user_id}:{item_id}"
    if len(key) > _KEY_MAX:
        key = "pr:" + hashlib.sha256(key.encode()).hexdigest()
    return PluginRow(
        import_key=key,
        user_id=user_id,
        item_id=item_id,
        item_type=_text(raw, index, "itemtype", 64),
        item_name=_text(raw, index, "itemname"),
        started_at=started,
        stopped_at=started + timedelta(seconds=play),
        pause_seconds=pause,
        watch_seconds=play - pause,
        method=_text(raw, index, "playbackmethod", 64),
        client=_text(raw, index, "clientname", 128),
        device=_text(raw, index, "devicename", 256),
        remote_address=_text(raw, index, "remoteaddress", 64),
        reasons=" ".join(sorted((_text(raw, index, "transcodereasons") or "").split())) or None,
    )


def parse_method(text: str | None, is_audio: bool) -> dict[str, str | None]:
    """PlaybackMethod (`DirectPlay`, `DirectStream`, `Transcode (v:h264 a:aac)`, `Transcode`, `na`) as columns."""
    out: dict[str, str | None] = {"play_method": None, "video_method": None, "audio_method": None}
    out.update(video_codec_to=None, audio_codec_to=None)
    if not text:
        return out
    # Per-stream decisions use the tracker's words: direct (played as is), copy (remuxed), transcode.
    if text.lower() in ("directplay", "directstream"):
        method, stream = ("DirectPlay", "direct") if text.lower() == "directplay" else ("DirectStream", "copy")
        out.update(play_method=method, video_method=None if is_audio else stream, audio_method=stream)
        return out
    if not text.lower().startswith("transcode"):
        return out  # "na": the plugin did not know
    out["play_method"] = "Transcode"
    match = _TRANSCODE.match(text)
    if match:  # without codecs the session had no TranscodingInfo: per-stream decisions unknown
        video, audio = (c.lower() for c in match.groups())
        if not is_audio:
            out["video_method"] = "copy" if video == "direct" else "transcode"
            out["video_codec_to"] = None if video == "direct" else normalize_codec(video)
        out["audio_method"] = "copy" if audio == "direct" else "transcode"
        out["audio_codec_to"] = None if audio == "direct" else normalize_codec(audio)
    return out


def play_row(
    row: PluginRow,
    play_id: str,
    facts: ItemFacts | None,
    user_name: str | None,
    completed_share: float,
    min_play_seconds: float,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The `plays` row and its one segment (None when nothing was watched)."""
    runtime = facts.runtime_ticks if facts is not None else None
    watch = float(row.watch_seconds)
    play: dict[str, Any] = {
        **_PLAY_DEFAULTS,
        "id": play_id,
        "view_id": play_id,
        "import_key": row.import_key,
        "user_id": row.user_id,
        "user_name": user_name,
        "item_id": row.item_id,
        "item_type": row.item_type,
        "item_name": row.item_name,
        "client": row.client,
        "device_name": row.device,
        "remote_address": row.remote_address,
        "started_at": row.started_at,
        "stopped_at": row.stopped_at,
        "last_seen_at": row.stopped_at,
        "watch_seconds": watch,
        "paused_seconds": float(row.pause_seconds),
        "completed": bool(runtime) and watch * TICKS_PER_SECOND >= completed_share * runtime,  # type: ignore[operator]
        "short": watch < min_play_seconds,
        "live_tv": row.item_type in LIVE_TV_TYPES,
        "transcode_reasons": row.reasons,
        **parse_method(row.method, row.item_type == "Audio"),
    }
    if facts is not None:
        play.update(facts.play_columns())
        if play["play_method"] == "Transcode":
            play["video_codec_from"], play["audio_codec_from"] = facts.video_codec, facts.audio_codec
    if watch <= 0:
        return play, None
    segment = {
        "play_id": play_id,
        "seq": 0,
        "started_at": row.started_at,
        "ended_at": row.started_at + timedelta(seconds=watch),
        "position_start_ticks": None,
        "position_end_ticks": None,
    }
    return play, segment


def item_facts(conn: Connection, ids: Iterable[str]) -> dict[str, ItemFacts]:
    """What our `items` table knows about these ids (series/season/episode, runtime, codecs)."""
    wanted = list(ids)
    c = items.c
    out: dict[str, ItemFacts] = {}
    for i in range(0, len(wanted), _IN_CHUNK):
        query = select(
            c.id,
            c.name,
            c.series_id,
            c.series_name,
            c.season_number,
            c.episode_number,
            c.runtime_ticks,
            c.video_codec,
            c.audio_codec,
        ).where(c.id.in_(wanted[i : i + _IN_CHUNK]))
        for item_id, *rest in conn.execute(query):
            out[item_id] = ItemFacts(*rest)
    return out


def played_row(user_id: str, user_name: str, raw: Any) -> dict[str, Any] | None:
    """A played item from `/Users/{id}/Items?IsPlayed=true` as a zero-duration watched play (None: skip)."""
    if not isinstance(raw, dict):
        return None
    item_id, data = raw.get("Id"), raw.get("UserData")
    if not isinstance(item_id, str) or not item_id or len(item_id) > 64 or not isinstance(data, dict):
        return None
    try:
        user_data = UserItemData.model_validate(data)  # Emby's lenient date rules: 0001-01-01 means never
    except ValidationError:
        return None
    when = user_data.last_played_date
    if user_data.played is not True or when is None:
        return None  # "watched" with no date cannot be placed in time
    item_type, name = raw.get("Type"), raw.get("Name")
    return {
        **_PLAY_DEFAULTS,
        "import_key": f"played:{user_id}:{item_id}",
        "user_id": user_id,
        "user_name": cap(user_name),
        "item_id": item_id,
        "item_type": item_type[:64] if isinstance(item_type, str) else None,
        "item_name": cap(name) if isinstance(name, str) else None,
        "started_at": when,
        "stopped_at": when,
        "last_seen_at": when,
        "watch_seconds": 0.0,
        "paused_seconds": 0.0,
        "completed": True,
        "short": False,  # a watched item, not a short sampling
        "live_tv": item_type in LIVE_TV_TYPES,
    }
