"""The simulated library: users, libraries and items, deterministic for a seed, plus test mutations.

`World.generate(spec, clock)` builds everything from `spec.seed`: the same seed gives the same ids, names
and media facts. Items are compact `ItemRecord`s rendered to JSON on demand (`dto.py`).

Indexes kept up to date by every mutation: `_order` (every item, id order = catalog order), `_by_type`
(id-sorted ids per Type), `_children` (direct children per parent). `version` increments on each
mutation and keys the query cache in `query.py`.

`counts()` matches `/Items/Counts`: like Emby's, its counts skip virtual (missing or unaired) episodes, which
`/Items?Recursive=true` does list. `ItemCount` is every non-virtual item of that query: movies, series, seasons,
episodes, audio and other videos. Library folders are not items of that query and are not counted.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock
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
)
from .users import UserRecord

_TV_ITEMS_PER_SERIES = 34  # 1 series + ~3 seasons + ~30 episodes, at the default spec


def _default_start() -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WorldSpec:
    """What to generate. Counts of series/seasons/episodes are averages: each series varies around them."""

    seed: int = 42
    users: int = 8
    movies: int = 400
    series: int = 40
    seasons_per_series: int = 3
    episodes_per_season: int = 10
    music_tracks: int = 40
    other: int = 12  # home videos (Type "Video")
    hostile_names: bool = True
    start: datetime = field(default_factory=_default_start)
    years_of_history: int = 6  # DateCreated spread over this many years before `start`
    server_name: str = "Simulated Emby"
    version: str = "4.8.10.0"

    @classmethod
    def demo(cls, seed: int = 42, start: datetime | None = None) -> WorldSpec:
        """A realistic household: 9 users, 1,500 movies, 80 series (about 2,700 episodes)."""
        return cls(
            seed=seed,
            users=9,
            movies=1500,
            series=80,
            seasons_per_series=3,
            episodes_per_season=11,
            music_tracks=300,
            other=40,
            start=start or _default_start(),
        )

    @classmethod
    def sized(cls, total_items: int, seed: int = 42, start: datetime | None = None) -> WorldSpec:
        """About `total_items` movies + series + seasons + episodes (15 % movies); no music or home videos."""
        movies = max(1, int(total_items * 0.15))
        series = max(1, round((total_items - movies) / _TV_ITEMS_PER_SERIES))
        return cls(
            seed=seed,
            movies=movies,
            series=series,
            music_tracks=0,
            other=0,
            start=start or _default_start(),
        )


class World:
    """State of the simulated server's library and users. Build with `World.generate(spec, clock)`."""

    def __init__(self, spec: WorldSpec, clock: Clock) -> None:
        self.spec = spec
        self.clock = clock
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
        self._rng = random.Random(spec.seed ^ 0x5EED)  # mutations only; generation has its own

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def generate(cls, spec: WorldSpec, clock: Clock) -> World:
        from .population import populate  # local: population imports World for typing

        world = cls(spec, clock)
        populate(world)
        return world

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

    # -- item mutations -----------------------------------------------------------------------------
    def touch_items(
        self,
        ids: Iterable[str | int],
        when: datetime | None = None,
        *,
        name: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        """Mark items saved at `when` (default: clock now), optionally renaming or overriding rendered keys."""
        saved = to_micros(when or self.clock.now())
        for raw in ids:
            rec = self._require(raw)
            rec.saved = saved
            if name is not None:
                rec.name = name
            if changes:
                rec.extra = {**(rec.extra or {}), **changes}
        self.version += 1

    def add_items(self, n: int, item_type: str = MOVIE) -> list[str]:
        """Add `n` items of a type (Movie, Series — with seasons and episodes —, Episode, Audio, Video)."""
        from .generate import Generator

        gen = Generator(self, self._rng)
        when = to_micros(self.clock.now())
        return [str(i) for i in gen.add_new(n, item_type, when)]

    def add_movie(self, name: str | None = None, when: datetime | None = None) -> str:
        """Add one movie created and saved at `when` (default: now); returns its id."""
        from .generate import Generator

        gen = Generator(self, self._rng)
        return str(gen.movie(to_micros(when or self.clock.now()), name=name, fresh=True).id)

    def remove_items(self, ids: Iterable[str | int]) -> int:
        """Remove items and their descendants from every endpoint; returns how many records went."""
        doomed: set[int] = set()
        stack = [self._require(raw).id for raw in ids]
        while stack:
            item_id = stack.pop()
            if item_id not in doomed:
                doomed.add(item_id)
                stack.extend(self._children.get(item_id, ()))
        parents = {self._items[i].parent for i in doomed}
        for item_id in doomed:
            del self._items[item_id]
            self._children.pop(item_id, None)
        self._order = [i for i in self._order if i not in doomed]
        for item_type, type_ids in self._by_type.items():
            self._by_type[item_type] = [i for i in type_ids if i not in doomed]
        for parent in parents:
            if parent in self._children:
                self._children[parent] = [i for i in self._children[parent] if i not in doomed]
        self.version += 1
        return len(doomed)

    def _require(self, raw: str | int) -> ItemRecord:
        rec = self.item(raw)
        if rec is None:
            raise KeyError(f"no item {raw!r}")
        return rec

    # -- user mutations -----------------------------------------------------------------------------
    def add_user(self, name: str, *, admin: bool = False, hidden: bool = False, disabled: bool = False) -> str:
        user_id = hex_id(self.spec.seed, "user-added", len(self._users), name)
        self.add_user_record(
            UserRecord(
                id=user_id,
                name=name,
                created=to_micros(self.clock.now()),
                is_admin=admin,
                is_hidden=hidden,
                is_disabled=disabled,
            )
        )
        return user_id

    def rename_user(self, user_id: str, name: str) -> None:
        self._user(user_id).name = name
        self.version += 1

    def remove_user(self, user_id: str) -> None:
        del self._users[self._user(user_id).id]
        self.version += 1

    def set_user_disabled(self, user_id: str, disabled: bool = True) -> None:
        self._user(user_id).is_disabled = disabled
        self.version += 1

    def set_user_hidden(self, user_id: str, hidden: bool = True) -> None:
        self._user(user_id).is_hidden = hidden
        self.version += 1

    def set_user_admin(self, user_id: str, admin: bool = True) -> None:
        self._user(user_id).is_admin = admin
        self.version += 1

    def record_user_activity(self, user_id: str, when: datetime) -> None:
        """Used by the session engine: playback bumps LastActivityDate like a real server."""
        user = self._users.get(user_id)
        if user is not None:
            user.last_activity = max(user.last_activity or 0, to_micros(when))

    def _user(self, user_id: str) -> UserRecord:
        user = self.user(user_id)
        if user is None:
            raise KeyError(f"no user {user_id!r}")
        return user

    def start_micros(self) -> int:
        return to_micros(self.spec.start)

    def created_at(self, rec: ItemRecord) -> datetime:
        return from_micros(rec.created)
