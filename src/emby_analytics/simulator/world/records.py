"""Compact item, library and user records; JSON is rendered from them on demand (see `render/`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .formats import hex32, mix64

MOVIE = "Movie"
SERIES = "Series"
SEASON = "Season"
EPISODE = "Episode"
AUDIO = "Audio"
VIDEO = "Video"
MUSIC_VIDEO = "MusicVideo"
COLLECTION_FOLDER = "CollectionFolder"

ITEM_TYPES: tuple[str, ...] = (MOVIE, SERIES, SEASON, EPISODE, AUDIO, VIDEO, MUSIC_VIDEO)
FOLDER_TYPES = frozenset({SERIES, SEASON, COLLECTION_FOLDER})
# Emby matches type names case-insensitively; this also canonicalises user input.
TYPE_BY_LOWER: dict[str, str] = {t.lower(): t for t in (*ITEM_TYPES, COLLECTION_FOLDER)}

FLAG_VIRTUAL = 1  # missing/unaired episode: LocationType Virtual, Placeholder media source
FLAG_NO_PRIMARY = 2  # no Primary image (image endpoint answers 404)
FLAG_NO_BACKDROP = 4
FLAG_HOSTILE = 8  # title taken from hostile.HOSTILE_TITLES


class ItemRecord:
    """One library item. Ints everywhere (ids, microsecond dates) keep 150k records well under 100 MB."""

    __slots__ = (
        "bitrate",
        "created",
        "extra",
        "flags",
        "id",
        "index",
        "library",
        "name",
        "parent",
        "parent_index",
        "premiere",
        "profile",
        "runtime",
        "saved",
        "season",
        "series",
        "type",
        "year",
    )

    def __init__(
        self,
        id: int,
        type: str,
        name: str,
        parent: int,
        library: int,
        created: int,
        saved: int,
        premiere: int,
        year: int,
        runtime: int = 0,
        profile: int = -1,
        bitrate: int = 0,
        series: int = 0,
        season: int = 0,
        index: int | None = None,
        parent_index: int | None = None,
        flags: int = 0,
    ) -> None:
        self.id = id
        self.type = type
        self.name = name
        self.parent = parent
        self.library = library
        self.created = created  # µs since epoch
        self.saved = saved  # µs since epoch: Emby's DateLastSaved, used by MinDateLastSaved
        self.premiere = premiere  # µs since epoch
        self.year = year
        self.runtime = runtime  # ticks; 0 for folders and virtual episodes
        self.profile = profile  # index into World.profiles (video) or AUDIO_PROFILES (audio); -1 none
        self.bitrate = bitrate
        self.series = series
        self.season = season
        self.index = index
        self.parent_index = parent_index
        self.flags = flags
        self.extra: dict[str, Any] | None = None  # rendered-key overrides set by World.touch_items

    @property
    def is_virtual(self) -> bool:
        return bool(self.flags & FLAG_VIRTUAL)

    @property
    def size(self) -> int:
        if self.flags & FLAG_VIRTUAL or not self.runtime:
            return 0
        return self.bitrate * self.runtime // 80_000_000  # bits/s × seconds / 8


@dataclass(frozen=True, slots=True)
class Library:
    """A library (VirtualFolder / CollectionFolder)."""

    id: int
    name: str
    collection_type: str
    guid: str
    locations: tuple[str, ...]
    created: int


@dataclass(slots=True)
class UserRecord:
    """A user (rendered as UserDto by `render/users.py`); dates in µs since epoch like items."""

    id: str
    name: str
    created: int  # µs since epoch
    last_login: int | None = None
    last_activity: int | None = None
    is_admin: bool = False
    is_hidden: bool = False
    is_disabled: bool = False
    has_password: bool = True
    has_image: bool = False
    remote_access: bool = True
    stream_limit: int = 0
    enabled_folders: list[str] = field(default_factory=list)

    @property
    def image_tag(self) -> str:
        return hex32(int(self.id, 16) & 0xFFFFFFFF, len(self.name))


AUDIO_PROFILES: tuple[tuple[str, str, int, int], ...] = (
    # container, codec, channels, bitrate
    ("flac", "flac", 2, 900_000),
    ("mp3", "mp3", 2, 320_000),
    ("m4a", "aac", 2, 256_000),
    ("ogg", "opus", 2, 160_000),
)
_ARTISTS = ("The Quiet Engines", "Mara Vell", "Northern Static", "Los Faroles", "Ivy & the Arcs")
_ALBUMS = ("Paper Lanterns", "Night Drive", "Glass Harbor", "Low Tide", "Signals")


def track_credits(rec: ItemRecord) -> tuple[str, str]:
    """A music track's (artist, album), derived from its id like every other per-item fact."""
    h = mix64(rec.id)
    return _ARTISTS[h % 5], _ALBUMS[h // 5 % 5]


def provider_ids(rec: ItemRecord) -> dict[str, str]:
    """The item's ProviderIds as Emby gives them (derived from its id)."""
    h = mix64(rec.id, 5)
    imdb_key = "Imdb" if h & 1 else "IMDB"  # both casings occur on real servers
    imdb = f"tt{h % 9_000_000 + 1_000_000:07d}"
    if rec.type == MOVIE:
        return {"Tmdb": str(h % 900_000 + 1000), imdb_key: imdb}
    if rec.type == SERIES:
        return {"Tvdb": str(h % 400_000 + 70_000), imdb_key: imdb, "Tmdb": str(h % 200_000 + 1000)}
    if rec.type == EPISODE and not rec.is_virtual:
        ids = {"Tvdb": str(h % 9_000_000 + 100_000)}
        if h & 2:
            ids[imdb_key] = imdb
        return ids
    return {}
