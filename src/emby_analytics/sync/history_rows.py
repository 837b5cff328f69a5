"""Pure conversions for the history import: plugin query pages into rows, descriptions of what was played, played
items into `plays` rows.

Kept apart from `history.py` (the I/O side) so the per-row work stays small, typed and testable. Every cell of a
plugin answer is a string; any row that does not parse is counted and skipped rather than failing the page,
while a page that is not a query result at all raises ValueError (the caller keeps the database unchanged).
Per row, only what differs from row to row is worked out (times, ids, durations); the descriptive cells (item,
client, method) repeat across a history, so the writer turns each distinct value into its description once.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from emby_analytics.db.schema import NAME_MAX, cap, items, to_micros
from emby_analytics.emby.models import LIVE_TV_TYPES, BaseItem
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
_SIGN = 1 << 63
_UNSEEN: Any = object()

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
    """A valid plugin row, parsed as far as every row needs (the descriptive cells stay raw: the writer turns each
    distinct value into a description once). Times are integer microseconds since 1970 UTC, as stored."""

    # A NamedTuple, not a frozen dataclass: built once per plugin row, where every microsecond shows. The cells
    # that describe what was played, and those of the client, sit together so the writer keys its caches by one
    # slice (WORK_CELLS, CLIENT_CELLS).
    play_id: int  # the stored id (see import_play_id)
    started: int
    stopped: int
    pause_seconds: int
    watch_seconds: int
    user_id: str
    item_id: str
    item_type: Any
    item_name: Any
    method: Any
    reasons: Any
    client: Any
    device: Any
    remote_address: Any


# (item_id, item_type, item_name, method, reasons) and (client, device, remote_address) of a PluginRow.
WORK_CELLS = slice(6, 11)
CLIENT_CELLS = slice(11, 14)


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

    def play_columns_tuple(self) -> tuple[Any, ...]:
        """series_id, series_name, season_number, episode_number, runtime_ticks (play_items order)."""
        return (self.series_id, self.series_name, self.season_number, self.episode_number, self.runtime_ticks)


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
    users: dict[Any, str | None] = {}
    days: dict[str, tuple[int, int] | None] = {}
    for raw in results:
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError("malformed result row")
        try:
            rowid = int(raw[rowid_at])
        except (TypeError, ValueError):
            raise ValueError("result row without a numeric rowid") from None
        if rowid > last:
            last = rowid
        row = _row(pick([*raw, None] if padded else raw), zone, users, days)
        if row is None:
            invalid += 1
        else:
            rows.append(row)
    return rows, invalid, last, len(results)


def text_cell(value: Any, limit: int = NAME_MAX) -> str | None:
    """A cell as stripped text capped at `limit`; None when missing or blank."""
    if value is None:
        return None
    return str(value).strip()[:limit] or None


def _seconds(value: Any) -> int:
    text = text_cell(value)
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


def local_times(text: str, zone: tzinfo) -> tuple[int, int]:
    """DateCreated as (microseconds since 1970 UTC, seconds since 1970 of the local wall time): what `local_to_utc`
    gives, without a datetime per row. On a day whose UTC offset does not change, a time is the day's start plus
    its hours, minutes, seconds and fraction; anything else (another layout, a DST change that day) takes the exact
    way."""
    if len(text) >= 19 and text[13] == ":" and text[16] == ":" and text[10] in " T":
        fraction = text[20:]
        clock = text[11:13] + text[14:16] + text[17:19]
        if clock.isdigit() and (not fraction or (text[19] == "." and fraction.isdigit())):
            hour, minute, second = int(clock[:2]), int(clock[2:4]), int(clock[4:])
            start = _day_start(text[:10], zone)
            if start is not None and hour < 24 and minute < 60 and second < 60:
                offset = hour * 3600 + minute * 60 + second
                micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
                return start[0] + offset * 1_000_000 + micros, start[1] + offset
    when = local_to_utc(text, zone)
    head = text.strip().replace("T", " ").partition(".")[0]
    local = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return to_micros(when), int(local.timestamp())


def _day_start(day: str, zone: tzinfo) -> tuple[int, int] | None:
    """(UTC microseconds, local seconds) of the local midnight starting `YYYY-MM-DD`, or None when the UTC offset
    changes during that day (or the text is no day). `parse_page` keeps the days of its page, and nothing keeps them
    longer: an object made while a page's thousands of rows come and go, and kept, holds the memory around it."""
    try:
        naive = datetime.fromisoformat(day)
    except ValueError:
        return None
    start, end = (
        naive.replace(tzinfo=zone),
        naive.replace(hour=23, minute=59, second=59, microsecond=999_999, tzinfo=zone),
    )
    if start.utcoffset() != end.utcoffset():
        return None
    return to_micros(start), int(naive.replace(tzinfo=UTC).timestamp())


def import_play_id(key: str, local_second: int) -> str:
    """The id of an imported play: its import key decides it (the same row, the same id, so re-imports add
    nothing), led by the second it started in local time (so a chronological import appends to the id index)."""
    return f"{_id_number(key, local_second):016x}"


def _id_number(key: str, local_second: int) -> int:
    return (local_second & 0xFFFF_FFFF) << 32 | zlib.crc32(key.encode())


def plugin_play_id(date_text: str, user_id: str, item_id: str) -> str:
    """The id the import gives the play of a plugin row (DateCreated as the plugin wrote it, the normalised user id,
    the item id): how a row's play is found again."""
    head = date_text.strip().replace("T", " ").partition(".")[0]
    second = int(datetime.fromisoformat(head).replace(tzinfo=UTC).timestamp())
    return import_play_id(plugin_key(date_text.strip(), user_id, item_id), second)


def plugin_key(date_text: str, user_id: str, item_id: str) -> str:
    """What identifies a plugin row: its content, not its rowid (a restored plugin database renumbers rows)."""
    key = f"pr:{date_text}:{user_id}:{item_id}"
    return key if len(key) <= _KEY_MAX else "pr:" + hashlib.sha256(key.encode()).hexdigest()


def _user_id(raw: Any, users: dict[Any, str | None]) -> str | None:
    if raw not in users:
        user_id = (text_cell(raw) or "").replace("-", "").lower()
        users[raw] = user_id if _HEX32.match(user_id) else None
    return users[raw]


def _row(
    cells: tuple[Any, ...], zone: tzinfo, users: dict[Any, str | None], days: dict[str, tuple[int, int] | None]
) -> PluginRow | None:
    # Written for the common row (every cell a plain string, the plugin's date layout) with few calls; anything
    # else goes the general way (text_cell, local_times, _seconds), to the same result.
    date_raw, user_raw, item_raw, type_raw, name_raw, method_raw, client_raw, device_raw = cells[:8]
    play_raw, pause_raw, address_raw, reasons_raw = cells[8:]
    user_id = users.get(user_raw, _UNSEEN) if type(user_raw) is str else _UNSEEN
    if user_id is _UNSEEN:
        user_id = _user_id(user_raw, users)
    date_text = (date_raw.strip()[:NAME_MAX] or None) if type(date_raw) is str else text_cell(date_raw)
    item_id = item_raw.strip()[:64] if type(item_raw) is str else text_cell(item_raw, 64)
    if not date_text or user_id is None or not item_id:
        return None
    try:
        day = date_text[:10]
        start = days[day] if day in days else days.setdefault(day, _day_start(day, zone))
        clock = date_text[11:13] + date_text[14:16] + date_text[17:19]
        fraction = date_text[20:]
        if (
            start is not None
            and len(date_text) >= 19
            and date_text[10] in " T"
            and date_text[13] == ":"
            and date_text[16] == ":"
            and clock.isdigit()
            and clock[:2] < "24"
            and clock[2:4] < "60"
            and clock[4:] < "60"
            and (not fraction or (date_text[19] == "." and fraction.isdigit()))
        ):
            offset = int(clock[:2]) * 3600 + int(clock[2:4]) * 60 + int(clock[4:])
            started = start[0] + offset * 1_000_000 + (int(fraction[:6].ljust(6, "0")) if fraction else 0)
            local_second = start[1] + offset
        else:
            started, local_second = local_times(date_text, zone)
        play = int(play_raw) if type(play_raw) is str and play_raw.isdigit() and len(play_raw) < 10 else None
        if play is None:
            play = _seconds(play_raw)
        pause = int(pause_raw) if type(pause_raw) is str and pause_raw.isdigit() and len(pause_raw) < 10 else None
        if pause is None:
            pause = _seconds(pause_raw)
        if pause > play:
            pause = play
    except (ValueError, OverflowError):
        return None
    key = f"pr:{date_text}:{user_id}:{item_id}"
    if len(key) > _KEY_MAX:
        key = plugin_key(date_text, user_id, item_id)
    return PluginRow(
        ((local_second & 0xFFFF_FFFF) << 32 | zlib.crc32(key.encode())) - _SIGN,  # import_play_id, as stored
        started,
        started + play * 1_000_000,
        pause,
        play - pause,
        user_id,
        item_id,
        type_raw,
        name_raw,
        method_raw,
        reasons_raw,
        client_raw,
        device_raw,
        address_raw,
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


@dataclass(frozen=True, slots=True)
class PlayedItem:
    """What one imported row's item contributes to its play: the description ref and the facts the row needs."""

    ref: int
    runtime_ticks: int | None
    is_audio: bool
    video_codec: str | None  # the file's codecs (from our items table): what a transcode started from
    audio_codec: str | None


def item_description(
    item_id: str, item_type: str | None, plugin_name: str | None, facts: ItemFacts | None
) -> tuple[Any, ...]:
    """The `play_items` description of an imported play's item (db.plays.DESCRIBED order)."""
    live_tv = item_type in LIVE_TV_TYPES
    if facts is None:
        return (item_id, item_type, plugin_name, None, None, None, None, None, live_tv)
    # The library's own name beats the plugin's composed "Series - s01e02 - Episode" text.
    name = facts.name or plugin_name
    return (item_id, item_type, name, *facts.play_columns_tuple(), live_tv)


def client_description(client: Any, device: Any, remote_address: Any) -> tuple[Any, ...]:
    """The `play_clients` description of an imported play (the plugin knows no device id or app version)."""
    return (text_cell(client, 128), text_cell(device, 256), None, None, text_cell(remote_address, 64))


def stream_description(method: Any, reasons: Any, item: PlayedItem) -> tuple[Any, ...]:
    """The `play_streams` description of an imported play: the plugin's PlaybackMethod read as the tracker's
    words, the file's codecs as what a transcode started from, the reasons sorted."""
    play_method, video_method, audio_method, video_to, audio_to = _method_values(text_cell(method, 64), item.is_audio)
    transcoded = play_method == "Transcode"
    text = text_cell(reasons)
    return (
        play_method,
        video_method,
        audio_method,
        None,
        item.video_codec if transcoded else None,
        video_to,
        item.audio_codec if transcoded else None,
        audio_to,
        " ".join(sorted(text.split())) if text else None,
    )


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
