"""Pure conversions for the history import: plugin query pages and played items into `plays` rows.

Kept apart from `history.py` (the I/O side) so the per-row work stays small, typed and testable. Every cell of a
plugin answer is a string; any row that does not parse is counted and skipped rather than failing the page,
while a page that is not a query result at all raises ValueError (the caller keeps the database unchanged).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from emby_analytics.db.schema import NAME_MAX, cap, items
from emby_analytics.emby.models import LIVE_TV_TYPES, TICKS_PER_SECOND, BaseItem
from emby_analytics.sync.item_rows import normalize_codec

NO_DATA = "Query executed, no data returned."
_REQUIRED = ("rowid", "datecreated", "userid", "itemid")
# The cells `_row` reads, in its order (lower-cased column names).
_FIELDS = (
    "datecreated",
    "userid",
    "itemid",
    "itemtype",
    "itemname",
    "playbackmethod",
    "clientname",
    "devicename",
    "playduration",
    "pauseduration",
    "remoteaddress",
    "transcodereasons",
)
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


class PluginRow(NamedTuple):
    # A NamedTuple, not a frozen dataclass: built once per plugin row, and a frozen dataclass's __init__
    # (object.__setattr__ per field) cost ~1 µs of the ~4 µs per-row parse.
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
    # One C-level itemgetter picks the cells in _FIELDS order; an absent optional column points one past the
    # row, where a None is appended (only then), so it reads as an empty cell.
    pick = itemgetter(*(index.get(name, width) for name in _FIELDS))
    padded = any(name not in index for name in _FIELDS)
    rowid_at = index["rowid"]
    rows: list[PluginRow] = []
    invalid = 0
    last = 0
    for raw in results:
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError("malformed result row")
        try:
            rowid = int(raw[rowid_at])
        except (TypeError, ValueError):
            raise ValueError("result row without a numeric rowid") from None
        if rowid > last:
            last = rowid
        row = _row(pick([*raw, None] if padded else raw), zone)
        if row is None:
            invalid += 1
        else:
            rows.append(row)
    return rows, invalid, last, len(results)


def _text(value: Any, limit: int = NAME_MAX) -> str | None:
    """A cell as stripped text capped at `limit`; None when missing or blank."""
    if value is None:
        return None
    return str(value).strip()[:limit] or None


def _seconds(value: Any) -> int:
    text = _text(value)
    seconds = int(float(text)) if text else 0
    if seconds < 0 or seconds > 10 * 365 * 86_400:
        raise ValueError("duration out of range")
    return seconds


def local_to_utc(text: str, zone: tzinfo) -> datetime:
    """DateCreated (`yyyy-MM-dd HH:mm:ss[.fffffff]`, server local time) as an aware UTC datetime."""
    head, _, fraction = text.strip().replace("T", " ").partition(".")
    when = datetime.fromisoformat(head)
    if when.tzinfo is not None:
        raise ValueError("DateCreated carries a zone")
    # The plugin writes 7 plain digits: skip the per-character filter (a generator per row) in that case.
    digits = fraction[:6] if fraction.isdigit() else "".join(c for c in fraction if c.isdigit())[:6]
    micros = int(digits.ljust(6, "0")) if digits else 0
    return when.replace(microsecond=micros, tzinfo=zone).astimezone(UTC)


def _row(cells: tuple[Any, ...], zone: tzinfo) -> PluginRow | None:
    date_raw, user_raw, item_raw, type_raw, name_raw, method_raw, client_raw, device_raw = cells[:8]
    play_raw, pause_raw, address_raw, reasons_raw = cells[8:]
    try:
        date_text = _text(date_raw)
        user_id = (_text(user_raw) or "").replace("-", "").lower()
        item_id = _text(item_raw, 64)
        if not date_text or not _HEX32.match(user_id) or not item_id:
            return None
        started = local_to_utc(date_text, zone)
        play = _seconds(play_raw)
        pause = min(_seconds(pause_raw), play)
    except (ValueError, OverflowError):
        return None
    # Date first: imports run in time order, so the unique import_key index is appended to, not split at random.
    key = f"pr:{date_text}:{user_id}:{item_id}"
    if len(key) > _KEY_MAX:
        key = "pr:" + hashlib.sha256(key.encode()).hexdigest()
    reasons = _text(reasons_raw)
    return PluginRow(
        key,
        user_id,
        item_id,
        _text(type_raw, 64),
        _text(name_raw),
        started,
        started + timedelta(seconds=play),
        pause,
        play - pause,
        _text(method_raw, 64),
        _text(client_raw, 128),
        _text(device_raw, 256),
        _text(address_raw, 64),
        " ".join(sorted(reasons.split())) if reasons else None,
    )


def parse_method(text: str | None, is_audio: bool) -> dict[str, str | None]:
    """PlaybackMethod (`DirectPlay`, `DirectStream`, `Transcode (v:h264 a:aac)`, `Transcode`, `na`) as columns."""
    return dict(zip(_METHOD_COLUMNS, _method_values(text, is_audio), strict=True))


_METHOD_COLUMNS = ("play_method", "video_method", "audio_method", "video_codec_to", "audio_codec_to")


@functools.lru_cache(maxsize=1024)
def _method_values(text: str | None, is_audio: bool) -> tuple[str | None, ...]:
    # Cached: a history holds a handful of distinct method strings, and this runs once per imported row.
    play_method = video_method = audio_method = video_to = audio_to = None
    if not text:
        return play_method, video_method, audio_method, video_to, audio_to
    # Per-stream decisions use the tracker's words: direct (played as is), copy (remuxed), transcode.
    if text.lower() in ("directplay", "directstream"):
        play_method, stream = ("DirectPlay", "direct") if text.lower() == "directplay" else ("DirectStream", "copy")
        return play_method, None if is_audio else stream, stream, None, None
    if not text.lower().startswith("transcode"):
        return play_method, video_method, audio_method, video_to, audio_to  # "na": the plugin did not know
    play_method = "Transcode"
    match = _TRANSCODE.match(text)
    if match:  # without codecs the session had no TranscodingInfo: per-stream decisions unknown
        video, audio = (c.lower() for c in match.groups())
        if not is_audio:
            video_method = "copy" if video == "direct" else "transcode"
            video_to = None if video == "direct" else normalize_codec(video)
        audio_method = "copy" if audio == "direct" else "transcode"
        audio_to = None if audio == "direct" else normalize_codec(audio)
    return play_method, video_method, audio_method, video_to, audio_to


# Column order of `play_values` tuples (every column an imported play sets) and of `segment_values`.
PLAY_COLUMNS = (
    *_PLAY_DEFAULTS,
    "id",
    "view_id",
    "import_key",
    "user_id",
    "user_name",
    "item_id",
    "item_type",
    "item_name",
    "started_at",
    "stopped_at",
    "last_seen_at",
    "watch_seconds",
    "paused_seconds",
    "completed",
    "short",
)
SEGMENT_COLUMNS = ("play_id", "seq", "started_at", "ended_at", "position_start_ticks", "position_end_ticks")
_AT = {name: i for i, name in enumerate(PLAY_COLUMNS)}
_DEFAULT_VALUES = tuple(_PLAY_DEFAULTS.values())
_METHOD_AT = [_AT[name] for name in _METHOD_COLUMNS]
_FACT_AT = [_AT[name] for name in ("series_id", "series_name", "season_number", "episode_number", "runtime_ticks")]
_ITEM_NAME, _CODEC_FROM = _AT["item_name"], (_AT["video_codec_from"], _AT["audio_codec_from"])
_ROW_AT = [_AT[name] for name in ("client", "device_name", "remote_address", "live_tv", "transcode_reasons")]


def play_values(
    row: PluginRow,
    play_id: str,
    facts: ItemFacts | None,
    user_name: str | None,
    completed_share: float,
    min_play_seconds: float,
) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    """The `plays` row (PLAY_COLUMNS order) and its one segment (SEGMENT_COLUMNS order; None when nothing was
    watched). Tuples, not dicts: this runs once per imported row and feeds executemany directly."""
    runtime = facts.runtime_ticks if facts is not None else None
    watch = float(row.watch_seconds)
    play = [
        *_DEFAULT_VALUES,
        play_id,
        play_id,
        row.import_key,
        row.user_id,
        user_name,
        row.item_id,
        row.item_type,
        row.item_name,
        row.started_at,
        row.stopped_at,
        row.stopped_at,
        watch,
        float(row.pause_seconds),
        bool(runtime) and watch * TICKS_PER_SECOND >= completed_share * runtime,  # type: ignore[operator]
        watch < min_play_seconds,
    ]
    client, device, address, live_tv, reasons = _ROW_AT
    play[client], play[device], play[address] = row.client, row.device, row.remote_address
    play[live_tv], play[reasons] = row.item_type in LIVE_TV_TYPES, row.reasons
    method = _method_values(row.method, row.item_type == "Audio")
    for i, value in zip(_METHOD_AT, method, strict=True):
        play[i] = value
    if facts is not None:
        # The library's own name beats the plugin's composed "Series - s01e02 - Episode" text.
        if facts.name:
            play[_ITEM_NAME] = facts.name
        fact_values = (facts.series_id, facts.series_name, facts.season_number, facts.episode_number, runtime)
        for i, fact in zip(_FACT_AT, fact_values, strict=True):
            play[i] = fact
        if method[0] == "Transcode":
            play[_CODEC_FROM[0]], play[_CODEC_FROM[1]] = facts.video_codec, facts.audio_codec
    if watch <= 0:
        return tuple(play), None
    return tuple(play), (play_id, 0, row.started_at, row.started_at + timedelta(seconds=watch), None, None)


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


def played_row(user_id: str, user_name: str, item: BaseItem) -> dict[str, Any] | None:
    """A played item from `/Users/{id}/Items?IsPlayed=true` as a zero-duration watched play (None: skip)."""
    user_data = item.user_data
    when = user_data.last_played_date if user_data is not None else None  # 0001-01-01 (never) is None already
    if user_data is None or user_data.played is not True or when is None or len(item.id) > 64:
        return None  # "watched" with no date cannot be placed in time
    item_id, item_type = item.id, item.type
    return {
        **_PLAY_DEFAULTS,
        "import_key": f"played:{user_id}:{item_id}",
        "user_id": user_id,
        "user_name": cap(user_name),
        "item_id": item_id,
        "item_type": cap(item_type, 64),
        "item_name": cap(item.name),
        "started_at": when,
        "stopped_at": when,
        "last_seen_at": when,
        "watch_seconds": 0.0,
        "paused_seconds": 0.0,
        "completed": True,
        "short": False,  # a watched item, not a short sampling
        "live_tv": item_type in LIVE_TV_TYPES,
    }
