"""The simulated library: `World`, a `Catalog` generated from `WorldSpec.seed`, plus test mutations.

`World.generate(spec, clock)` builds everything from `spec.seed`: the same seed gives the same ids, names
and media facts. Items are compact `ItemRecord`s rendered to JSON on demand (`render/`). The mutations keep
the catalog's indexes and `version` up to date (see catalog.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ...clock import Clock
from .catalog import Catalog
from .formats import hex_id, to_micros
from .generate import Generator
from .population import populate
from .records import MOVIE, ItemRecord, UserRecord
from .spec import WorldSpec


class World(Catalog):
    """State of the simulated server's library and users. Build with `World.generate(spec, clock)`."""

    def __init__(self, spec: WorldSpec, clock: Clock) -> None:
        super().__init__(spec)
        self.clock = clock
        self._rng = random.Random(spec.seed ^ 0x5EED)  # mutations only; generation has its own

    @classmethod
    def generate(cls, spec: WorldSpec, clock: Clock) -> World:
        world = cls(spec, clock)
        populate(world)
        return world

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
        gen = Generator(self, self._rng)
        when = to_micros(self.clock.now())
        return [str(i) for i in gen.add_new(n, item_type, when)]

    def add_movie(self, name: str | None = None, when: datetime | None = None) -> str:
        """Add one movie created and saved at `when` (default: now); returns its id."""
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
