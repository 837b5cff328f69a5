"""`cleanup/backfill-playmethods`: the per-stream methods (video and audio: direct, copy or transcode) of plays that
recorded only the overall one, as older versions and some imports did.

Derived only where the play says enough: a direct play played both streams as they are, a direct stream copied
them, a transcode transcoded a stream whose codec changed and copied one whose codec stayed (unknown codecs leave
the method unknown). An audio item has no video stream. A stream description is shared by many plays, of audio
and of video items alike, so the plays are pointed at a description with the methods filled in rather than the
shared one edited; the rollups, which count per method, are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from emby_analytics.rollups.fold import unfold_all

_AUDIO_TYPE = "Audio"
_STREAM_COLUMNS = (
    "play_method",
    "video_method",
    "audio_method",
    "subtitle_method",
    "video_codec_from",
    "video_codec_to",
    "audio_codec_from",
    "audio_codec_to",
    "transcode_reasons",
)
# Closed plays whose stream description lacks a method its overall method implies, grouped by description and by
# whether the item is audio.
_MISSING = (
    f"SELECT s.ref, i.item_type = '{_AUDIO_TYPE}', COUNT(*), {', '.join('s.' + c for c in _STREAM_COLUMNS)} "  # noqa: S608
    "FROM play_rows p JOIN play_streams s ON s.ref = p.stream_ref JOIN play_items i ON i.ref = p.item_ref "
    "WHERE p.stopped_at IS NOT NULL AND s.play_method IS NOT NULL "
    f"AND (s.audio_method IS NULL OR (s.video_method IS NULL AND i.item_type IS NOT '{_AUDIO_TYPE}')) "
    "GROUP BY s.ref, i.item_type = 'Audio'"
)


def _changed(source: str | None, target: str | None) -> str | None:
    if not source or not target:
        return None
    return "copy" if source.lower() == target.lower() else "transcode"


def derived_methods(
    play_method: str, is_audio: bool, video: tuple[str | None, str | None], audio: tuple[str | None, str | None]
) -> tuple[str | None, str | None]:
    """(video method, audio method) that `play_method` implies, given each stream's codec (from, to)."""
    if play_method == "DirectPlay":
        word: str | None = "direct"
        return (None if is_audio else word), word
    if play_method == "DirectStream":
        word = "copy"
        return (None if is_audio else word), word
    if play_method == "Transcode":
        return (None if is_audio else _changed(*video)), _changed(*audio)
    return None, None


@dataclass
class MethodBackfill:
    plays: int = 0  # plays whose methods can be filled in
    unknown: int = 0  # plays missing a method that nothing recorded implies
    descriptions: int = 0  # stream descriptions added for them
    repaired: bool = False


def backfill_methods(conn: Connection, *, repair: bool = True) -> MethodBackfill:
    """Fill in the derivable per-stream methods of closed plays (in the caller's transaction)."""
    report = MethodBackfill(repaired=repair)
    added: set[int] = set()  # the descriptions plays now point at
    for ref, is_audio, count, *stream in conn.exec_driver_sql(_MISSING).all():
        values = dict(zip(_STREAM_COLUMNS, stream, strict=True))
        video, audio = derived_methods(
            values["play_method"],
            bool(is_audio),
            (values["video_codec_from"], values["video_codec_to"]),
            (values["audio_codec_from"], values["audio_codec_to"]),
        )
        filled = {
            **values,
            "video_method": values["video_method"] or video,
            "audio_method": values["audio_method"] or audio,
        }
        if filled == values:
            report.unknown += count
            continue
        report.plays += count
        if not repair:
            continue
        new_ref = _described(conn, filled)
        if new_ref != ref:
            added.add(new_ref)
        audio_test = "=" if is_audio else "IS NOT"
        conn.exec_driver_sql(
            f"UPDATE play_rows SET stream_ref = ? WHERE stream_ref = ? AND stopped_at IS NOT NULL "  # noqa: S608
            f"AND item_ref IN (SELECT ref FROM play_items WHERE item_type {audio_test} '{_AUDIO_TYPE}')",
            (new_ref, ref),
        )
    report.descriptions = len(added)
    if repair and report.plays:
        unfold_all(conn)
    return report


def _described(conn: Connection, values: dict[str, str | None]) -> int:
    """The ref of a stream description with exactly these values, added when there is none."""
    match = " AND ".join(f"{column} IS ?" for column in _STREAM_COLUMNS)
    found = conn.exec_driver_sql(
        f"SELECT min(ref) FROM play_streams WHERE {match}",  # noqa: S608
        tuple(values[c] for c in _STREAM_COLUMNS),
    ).scalar()
    if found is not None:
        return int(found)
    columns = ", ".join(_STREAM_COLUMNS)
    marks = ", ".join("?" * len(_STREAM_COLUMNS))
    return int(
        conn.exec_driver_sql(
            f"INSERT INTO play_streams ({columns}) VALUES ({marks}) RETURNING ref",  # noqa: S608
            tuple(values[c] for c in _STREAM_COLUMNS),
        ).scalar_one()
    )
