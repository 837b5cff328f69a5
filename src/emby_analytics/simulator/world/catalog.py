"""`Catalog`: the indexed store of a world's items, libraries and users, and the reads every endpoint uses.

Indexes kept up to date by every change: `_order` (every item, id order = catalog order), `_by_type`
(id-sorted ids per Type), `_children` (direct children per parent). `version` increments on each change and
keys the query cache in `server/query.py`.

`counts()` matches `/Items/Counts`: like Emby's, its counts skip virtual (missing or unaired) episodes, which
`/Items?Recursive=true` does list. `ItemCount` is every non-virtual item of that query: movies, series, seasons,
episodes, audio and other videos. Library folders are not items of that query and are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from emby_analytics.quality import Quality, quality

from .formats import from_micros, hex_id, to_micros
from .profiles import MediaProfile, build_profiles
from .records import (
    AUDIO,
    EPISODE,
    FLAG_VIRTUAL,
    ITEM_TYPES,
    MOVIE,
    MUSIC_VIDEO,
    SERIES,
    ItemRecord,
    Library,
    UserRecord,
)
from .spec import WorldSpec


class Catalog:
    """Items, libraries and users of one world, indexed. `World` adds generation and test mutations."""

    def __init__(self, spec: WorldSpec) -> None:
        self.spec = spec
        self.server_id = hex_id(spec.seed, "server")
        self.profiles: tuple[MediaProfile, ...] = build_profiles(spec.seed)
        self.libraries: list[Library] = []
        self.version = 0
        self.query_cache: dict[Any, tuple[int, list[int]]] = {}
        self._items: dict[int, ItemRecord] = {}
        self._order: list[int] = []
        self._by_type: dict[str, list[int]] = {t: [] for t in ITEM_TYPES}
        self._children: dict[int, list[int]] = {}
        self._users: dict[str, UserRecord] = {}
        self._next_id = 100_000 + (spec.seed % 997) * 1000

    # -- adding -------------------------------------------------------------------------------------
    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_record(self, rec: ItemRecord) -> None:
        """Index a record; ids only ever grow, so appending keeps every index sorted."""
        self._items[rec.id] = rec
        self._order.append(rec.id)
        self._by_type.setdefault(rec.type, []).append(rec.id)
        self._children.setdefault(rec.parent, []).append(rec.id)
        self.version += 1

    def add_user_record(self, user: UserRecord) -> None:
        self._users[user.id] = user
        self.version += 1

    # -- read access --------------------------------------------------------------------------------
    @property
    def users(self) -> list[UserRecord]:
        return list(self._users.values())

    def user(self, user_id: str) -> UserRecord | None:
        return self._users.get(user_id.lower())

    def item(self, item_id: str | int) -> ItemRecord | None:
        try:
            return self._items.get(int(item_id))
        except ValueError:
            return None

    def library(self, library_id: int) -> Library | None:
        return next((lib for lib in self.libraries if lib.id == library_id), None)

    def all_ids(self) -> list[int]:
        """Every item id in catalog order (shared list: do not mutate)."""
        return self._order

    def ids_of_type(self, item_type: str) -> list[int]:
        return self._by_type.get(item_type, [])

    def ids_of_quality(self, item_type: str, label: Quality) -> list[int]:
        """The video items of a type whose encode is of one quality class, by the service's own classifier (the 4K
        films a test transcodes, say)."""
        items, profiles = self._items, self.profiles
        return [
            i
            for i in self.ids_of_type(item_type)
            if item_type != AUDIO
            and 0 <= items[i].profile < len(profiles)
            and quality(profiles[items[i].profile].width, profiles[items[i].profile].height) == label
        ]

    def children(self, parent_id: int) -> list[int]:
        return self._children.get(parent_id, [])

    def records(self, ids: Iterable[int]) -> Iterable[ItemRecord]:
        items = self._items
        return (items[i] for i in ids)

    def count_by_type(self) -> dict[str, int]:
        return {t: len(ids) for t, ids in self._by_type.items() if ids}

    def __len__(self) -> int:
        return len(self._order)

    def counts(self) -> dict[str, int]:
        """Exactly the `/Items/Counts` body. Like Emby, counts skip virtual (missing or unaired) episodes;
        `ItemCount` is every non-virtual item `/Items?Recursive=true` lists."""
        items = self._items
        n = {t: sum(1 for i in self._by_type.get(t, ()) if not items[i].flags & FLAG_VIRTUAL) for t in ITEM_TYPES}
        return {
            "MovieCount": n[MOVIE],
            "SeriesCount": n[SERIES],
            "EpisodeCount": n[EPISODE],
            "GameCount": 0,
            "ArtistCount": 0,
            "ProgramCount": 0,
            "GameSystemCount": 0,
            "TrailerCount": 0,
            "SongCount": n[AUDIO],
            "AlbumCount": 0,
            "MusicVideoCount": n[MUSIC_VIDEO],
            "BoxSetCount": 0,
            "BookCount": 0,
            "ItemCount": sum(n.values()),
        }

    def start_micros(self) -> int:
        return to_micros(self.spec.start)

    def created_at(self, rec: ItemRecord) -> datetime:
        return from_micros(rec.created)
