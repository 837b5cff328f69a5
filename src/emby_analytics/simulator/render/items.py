"""BaseItemDto rendering from compact records: thin list shape by default, full facts on `Fields=`.

Without `Fields`, list items carry the thin set real servers send (Name, ServerId, Id, RunTimeTicks,
IsFolder, Type, UserData, ImageTags, BackdropImageTags, MediaType) plus the always-present hierarchy keys of
episodes/seasons (SeriesName/SeriesId/SeasonId/SeasonName/IndexNumber/ParentIndexNumber) and
`LocationType` for virtual items. Each `ItemFields` name adds its keys (see `render_item`). Library folders
are rendered by libraries.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..playback import PlayedState
from ..world import (
    AUDIO,
    EPISODE,
    FLAG_NO_BACKDROP,
    FLAG_NO_PRIMARY,
    FOLDER_TYPES,
    MOVIE,
    SEASON,
    SERIES,
    ItemRecord,
    World,
)
from ..world.formats import emby_date, emby_date_us, hex32, mix64
from ..world.records import AUDIO_PROFILES, provider_ids, track_credits
from .media import audio_only_streams, media_source, media_streams

JsonDict = dict[str, Any]

GENRES: tuple[tuple[str, int], ...] = (
    ("Action", 8001),
    ("Adventure", 8002),
    ("Animation", 8003),
    ("Comedy", 8009),
    ("Crime", 8010),
    ("Documentary", 8011),
    ("Drama", 8012),
    ("Family", 8013),
    ("Fantasy", 8014),
    ("Horror", 8017),
    ("Mystery", 8020),
    ("Romance", 8022),
    ("Science Fiction", 8023),
    ("Thriller", 8026),
    ("Western", 8029),
    # One name with a comma in it (as some scrapers and hand-edited NFOs write them): one genre, never two.
    ("Action, Adventure", 8030),
)
STUDIOS: tuple[tuple[str, int], ...] = (
    ("Northwind Pictures", 9101),
    ("Blue Harbor Films", 9102),
    ("Contoso Studios", 9103),
    ("Fabrikam TV", 9104),
)
_VIDEO_TYPES = frozenset({MOVIE, EPISODE, "Video", "MusicVideo"})
_FULL_MEDIA_FIELDS = frozenset({"mediasources", "mediastreams", "path", "container", "size", "bitrate"})


def image_tags(rec: ItemRecord) -> JsonDict:
    if rec.flags & FLAG_NO_PRIMARY:
        return {}
    return {"Primary": hex32(rec.id, rec.saved, 1)}


def backdrop_tags(rec: ItemRecord) -> list[str]:
    if rec.flags & FLAG_NO_BACKDROP or rec.type in (EPISODE, SEASON, AUDIO):
        return []
    return [hex32(rec.id, rec.saved, 2)]


def has_image(rec: ItemRecord, image_type: str, index: int) -> bool:
    if image_type == "Primary":
        return index == 0 and bool(image_tags(rec))
    if image_type == "Backdrop":
        return index < len(backdrop_tags(rec))
    return False


def _safe(name: str) -> str:
    # File systems refuse "/" and NUL; everything else (including <, ", emoji) is legal on Linux.
    return "".join(ch for ch in name.replace("/", "-") if ch >= " ")[:120]


def item_path(world: World, rec: ItemRecord) -> str | None:
    if rec.is_virtual:
        return None
    ext = _container(world, rec)
    if rec.type == MOVIE:
        base = f"{_safe(rec.name)} ({rec.year})"
        return f"/mnt/media/movies/{base}/{base} - {_res_label(world, rec)}.{ext}"
    if rec.type == SERIES:
        return f"/mnt/media/tv/{_safe(rec.name)}"
    series = world.item(rec.series)
    show = _safe(series.name) if series else "Unknown"
    if rec.type == SEASON:
        return f"/mnt/media/tv/{show}/Season {rec.index}"
    if rec.type == EPISODE:
        tag = f"S{rec.parent_index or 0:02d}E{rec.index or 0:02d}"
        return f"/mnt/media/tv/{show}/Season {rec.parent_index}/{show} - {tag} - {_safe(rec.name)}.{ext}"
    if rec.type == AUDIO:
        artist, album = track_credits(rec)
        return f"/mnt/media/music/{artist}/{album}/{rec.index:02d} - {_safe(rec.name)}.{ext}"
    return f"/mnt/media/home/{_safe(rec.name)}.{ext}"


def _container(world: World, rec: ItemRecord) -> str:
    if rec.type == AUDIO:
        return AUDIO_PROFILES[rec.profile][0]
    return world.profiles[rec.profile].container if rec.profile >= 0 else ""


def _res_label(world: World, rec: ItemRecord) -> str:
    p = world.profiles[rec.profile]
    return "2160p" if p.width >= 3800 else f"{p.height}p"


def _external_urls(ids: JsonDict) -> list[JsonDict]:
    urls = []
    for key, value in ids.items():
        if key.lower() == "imdb":
            urls.append({"Name": "IMDb", "Url": f"https://www.imdb.com/title/{value}"})
        elif key == "Tmdb":
            urls.append({"Name": "MovieDb", "Url": f"https://www.themoviedb.org/movie/{value}"})
        elif key == "Tvdb":
            urls.append({"Name": "TheTVDB", "Url": f"https://thetvdb.com/?tab=series&id={value}"})
    return urls


def _genres(rec: ItemRecord, world: World) -> list[tuple[str, int]]:
    if rec.type in (EPISODE, SEASON):  # Emby leaves episode genres empty; the series carries them
        return []
    h = mix64(rec.id, 9)
    picked = [GENRES[(h >> (8 * k)) % len(GENRES)] for k in range(1 + h % 3) if k == 0 or (h >> (8 * k)) % 5]
    return list(dict.fromkeys(picked))  # Emby names a genre once per item


def _chapters(runtime: int) -> list[JsonDict]:
    step = 3_000_000_000  # 5 minutes, like the sample
    count = min(20, max(1, runtime // step + (1 if runtime % step else 0)))
    return [
        {"StartPositionTicks": i * step, "Name": f"Chapter {i + 1}", "MarkerType": "Chapter", "ChapterIndex": i}
        for i in range(count)
    ]


def _streams(world: World, rec: ItemRecord) -> list[JsonDict]:
    if rec.profile < 0 or rec.is_virtual:
        return []
    if rec.type == AUDIO:
        _, codec, channels, bitrate = AUDIO_PROFILES[rec.profile]
        return audio_only_streams(codec, channels, bitrate)
    return media_streams(world.profiles[rec.profile], rec.bitrate, mix64(rec.id, 3))


def _user_data(world: World, rec: ItemRecord) -> JsonDict:
    data: JsonDict = {"PlaybackPositionTicks": 0, "PlayCount": 0, "IsFavorite": False, "Played": False}
    if rec.type == SEASON:
        data = {"UnplayedItemCount": len(world.children(rec.id)), **data}
    elif rec.type == SERIES:
        unplayed = sum(len(world.children(s)) for s in world.children(rec.id))
        data = {"UnplayedItemCount": unplayed, **data}
    return data


def render_item(world: World, rec: ItemRecord, fields: frozenset[str] | None, now_playing: bool = False) -> JsonDict:
    """One BaseItemDto. `fields` holds lower-cased ItemFields names (None: thin default)."""
    f = fields or frozenset()
    full_media = now_playing or bool(f & _FULL_MEDIA_FIELDS)
    is_video = rec.type in _VIDEO_TYPES
    has_media = rec.type not in FOLDER_TYPES
    out: JsonDict = {"Name": rec.name, "ServerId": world.server_id, "Id": str(rec.id)}
    if "datecreated" in f or now_playing:
        out["DateCreated"] = emby_date_us(rec.created)
    if "etag" in f:
        out["Etag"] = hex32(rec.id, rec.saved, 3)
    if has_media and full_media and not rec.is_virtual:
        out["Container"] = _container(world, rec)
    if "sortname" in f:
        out["SortName"] = sort_name(rec.name)
    if "premieredate" in f or now_playing:
        out["PremiereDate"] = emby_date_us(rec.premiere)
    ids = dict(rec.extra["ProviderIds"]) if rec.extra and "ProviderIds" in rec.extra else provider_ids(rec)
    if "externalurls" in f or now_playing:
        out["ExternalUrls"] = _external_urls(ids)
    streams = _streams(world, rec) if has_media and (full_media or "width" in f or "height" in f) else []
    path = item_path(world, rec) if "path" in f or "mediasources" in f or now_playing else None
    if "mediasources" in f and has_media and not now_playing:
        out["MediaSources"] = [
            media_source(
                rec.id,
                _safe(rec.name),
                path,
                _container(world, rec),
                rec.size,
                rec.runtime or None,
                rec.bitrate or None,
                streams,
                placeholder=rec.is_virtual,
            )
        ]
    if path is not None and ("path" in f or now_playing):
        out["Path"] = path
    if "overview" in f or now_playing:
        out["Overview"] = f"A story about {rec.name.lower()[:60]} and what it costs."
    if now_playing:
        out["Taglines"] = []
    genres = _genres(rec, world) if "genres" in f or now_playing else []
    if "genres" in f or now_playing:
        out["Genres"] = [g for g, _ in genres]
    if rec.runtime:
        out["RunTimeTicks"] = rec.runtime
    if has_media and full_media:
        out["Size"] = rec.size
        if path is not None and ("path" in f or now_playing):
            out["FileName"] = path.rsplit("/", 1)[-1]
        if rec.bitrate and not rec.is_virtual:
            out["Bitrate"] = rec.bitrate
    if "productionyear" in f or now_playing:
        out["ProductionYear"] = rec.year
    if (rec.index is not None and rec.type != AUDIO) or (rec.type == AUDIO and (full_media or "indexnumber" in f)):
        out["IndexNumber"] = rec.index
    if rec.parent_index is not None and rec.type != AUDIO:
        out["ParentIndexNumber"] = rec.parent_index
    if "providerids" in f or now_playing:
        out["ProviderIds"] = ids
    out["IsFolder"] = rec.type in FOLDER_TYPES
    if "parentid" in f or now_playing:
        out["ParentId"] = str(rec.parent)
    out["Type"] = rec.type
    if "people" in f:
        out["People"] = []
    if "studios" in f or now_playing:
        out["Studios"] = (
            []
            if rec.type in (EPISODE, SEASON)
            else [{"Name": s, "Id": i} for s, i in (STUDIOS[mix64(rec.id, 11) % len(STUDIOS)],)]
        )
    if "genres" in f or now_playing:
        out["GenreItems"] = [{"Name": g, "Id": i} for g, i in genres]
    if "tags" in f:
        out["TagItems"] = []
    if not now_playing:
        out["UserData"] = _user_data(world, rec)
    if "childcount" in f and rec.type in (SERIES, SEASON):
        out["ChildCount"] = len(world.children(rec.id))
    if "recursiveitemcount" in f and rec.type in (SERIES, SEASON):
        out["RecursiveItemCount"] = sum(1 + len(world.children(c)) for c in world.children(rec.id))
    _hierarchy(world, rec, out)
    if rec.type == AUDIO:
        artist, album = track_credits(rec)
        out["Artists"] = [artist]
        out["Album"] = album
        out["AlbumArtist"] = artist
    if "primaryimageaspectratio" in f or now_playing:
        out["PrimaryImageAspectRatio"] = (
            1.7777777777777777 if is_video and rec.type != MOVIE else (1.0 if rec.type == AUDIO else 0.6666666666666666)
        )
    if ("mediastreams" in f or now_playing) and has_media:
        out["MediaStreams"] = streams
    out["ImageTags"] = image_tags(rec)
    out["BackdropImageTags"] = backdrop_tags(rec)
    if ("chapters" in f or now_playing) and is_video and rec.runtime:
        out["Chapters"] = _chapters(rec.runtime)
    if rec.is_virtual:
        out["LocationType"] = "Virtual"
    if has_media:
        out["MediaType"] = "Audio" if rec.type == AUDIO else "Video"
    if streams and is_video and (full_media or "width" in f or "height" in f):
        out["Width"] = streams[0]["Width"]
        out["Height"] = streams[0]["Height"]
    if rec.extra:
        out.update(rec.extra)
    return out


def user_data(base: Mapping[str, object], state: PlayedState | None) -> dict[str, object]:
    """A rendered `UserData` with the played flag applied (unchanged when the item is not played)."""
    if state is None:
        return dict(base)
    return {
        **base,
        "PlaybackPositionTicks": 0,
        "PlayCount": state.play_count,
        "Played": True,
        "LastPlayedDate": emby_date(state.last_played),
    }


def _hierarchy(world: World, rec: ItemRecord, out: JsonDict) -> None:
    if rec.type not in (EPISODE, SEASON):
        return
    series = world.item(rec.series)
    if series is not None:
        out["SeriesName"] = series.name
        out["SeriesId"] = str(series.id)
        if backdrops := backdrop_tags(series):
            out["ParentBackdropItemId"] = str(series.id)
            out["ParentBackdropImageTags"] = backdrops
    if rec.type == EPISODE:
        out["SeasonId"] = str(rec.season)
        tags = image_tags(series) if series is not None else {}
        if "Primary" in tags:
            out["SeriesPrimaryImageTag"] = tags["Primary"]
        out["SeasonName"] = f"Season {rec.parent_index}"


def sort_name(name: str) -> str:
    lowered = name.lower()
    for article in ("the ", "a ", "an "):
        if lowered.startswith(article):
            return lowered[len(article) :]
    return lowered
