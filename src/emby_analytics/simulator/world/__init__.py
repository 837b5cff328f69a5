"""The simulated library: `World` (generated from `WorldSpec`, mutable by tests), its records and constants.

Modules: spec.py (WorldSpec), catalog.py (the indexed store), world.py (World: generation entry and mutations),
generate.py and population.py (deterministic generation), records.py (item, library and user records, types,
flags), profiles.py (encode profiles), hostile.py (hostile names), formats.py (Emby dates, ticks, ids, hashes).
Depends on nothing else in the simulator.
"""

from __future__ import annotations

from .catalog import Catalog
from .records import (
    AUDIO,
    COLLECTION_FOLDER,
    EPISODE,
    FLAG_HOSTILE,
    FLAG_NO_BACKDROP,
    FLAG_NO_PRIMARY,
    FLAG_VIRTUAL,
    FOLDER_TYPES,
    ITEM_TYPES,
    MOVIE,
    MUSIC_VIDEO,
    SEASON,
    SERIES,
    VIDEO,
    ItemRecord,
    Library,
    UserRecord,
)
from .spec import WorldSpec
from .world import World

__all__ = [
    "AUDIO",
    "COLLECTION_FOLDER",
    "EPISODE",
    "FLAG_HOSTILE",
    "FLAG_NO_BACKDROP",
    "FLAG_NO_PRIMARY",
    "FLAG_VIRTUAL",
    "FOLDER_TYPES",
    "ITEM_TYPES",
    "MOVIE",
    "MUSIC_VIDEO",
    "SEASON",
    "SERIES",
    "VIDEO",
    "Catalog",
    "ItemRecord",
    "Library",
    "UserRecord",
    "World",
    "WorldSpec",
]
