"""The duplicates report (`/stats/storage/duplicates`): the same file or the same title kept twice, by the rules of
`stats.duplicates`, with what removing the extra copies would free. The groups read the whole library, so they are
kept in the database between library writes (`DUPLICATES`, a `stats.library_answers.KeptAnswer`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection

from emby_analytics import collector
from emby_analytics.stats.duplicates import (
    PATH_SQL,
    PROVIDERS,
    TYPES,
    path_key,
    provider_keys,
    shared_groups,
    stored_provider_ids,
)
from emby_analytics.stats.library_answers import KeptAnswer, kept_or_computed
from emby_analytics.stats.storage import ON_DISK, STORED_COLUMNS, StoredItem, stored_item


class DuplicateCopy(StoredItem):
    kept: bool = Field(description="The copy kept when counting what removing the others frees (the largest).")


class DuplicateGroup(BaseModel):
    matched_by: list[str] = Field(
        description="What ties the copies together: `path` (the same file, paths compared normalised), and the "
        "shared provider ids as `provider:id` (`imdb:tt0111161`, `tmdb:550`, `tvdb:81189`)."
    )
    files: int = Field(description="Distinct files among the copies (a file listed twice counts once).")
    size_bytes: int = Field(description="Those files together, each once.")
    reclaimable_bytes: int = Field(description="What removing every file but the largest would free.")
    copies: list[DuplicateCopy] = Field(description="Largest first.")


class DuplicatePage(BaseModel):
    groups: list[DuplicateGroup] = Field(description="Most reclaimable space first.")
    total: int = Field(description="Groups of duplicates.")
    reclaimable_bytes: int = Field(description="What removing the extra copies of every group would free.")
    page: int
    page_size: int


_PROVIDERS = "(" + ", ".join(f"'{p}'" for p in PROVIDERS) + ")"
_TYPES = "(" + ", ".join(f"'{t}'" for t in TYPES) + ")"
_PROVIDER_IDS = (  # of the titles compared by provider id
    f"FROM items i, json_each(i.provider_ids) g WHERE {ON_DISK} AND i.type IN {_TYPES} "
    f"AND g.key COLLATE NOCASE IN {_PROVIDERS}"
)
# The items that may share a key, found by SQLite. The ids by the number in each alone (`tt0111161`: 111161,
# blanks and case aside), so that SQLite sorts integers, not texts: equal ids have equal numbers, so among the items
# whose numbers meet are all that share an id.
_PATHS_GROUPED = (
    f"SELECT json_group_array(i.rowid) FROM items i WHERE {ON_DISK} GROUP BY {PATH_SQL} "  # noqa: S608
    f"HAVING COUNT(*) > 1 AND {PATH_SQL} IS NOT NULL"
)
_IDS_GROUPED = (
    f"SELECT json_group_array(i.rowid) {_PROVIDER_IDS} "
    "GROUP BY CAST(ltrim(g.value, ' tT') AS INTEGER) HAVING COUNT(*) > 1"
)
# What the items found are, each query one JSON row (SQLAlchemy's row by row fetching took longer than the
# queries); CROSS JOIN: the rowids drive (SQLite would rather walk the library and look each up among them).
# Provider ids are read whole and decoded in Python, as `duplicate_groups` compares them.
_PATH_KEYS = (
    f"SELECT json_group_array(json_array(i.id, i.size_bytes, {PATH_SQL})) "  # noqa: S608
    "FROM json_each(?) c CROSS JOIN items i ON i.rowid = c.value"
)
_TITLES = (
    "SELECT json_group_array(json_array(i.id, i.size_bytes, i.type, i.provider_ids)) "
    "FROM json_each(?) c CROSS JOIN items i ON i.rowid = c.value"
)


@dataclass(frozen=True)
class Found:
    """A group as kept between pages (ids and figures only; the page reads its items' rows)."""

    ids: tuple[str, ...]
    keep_id: str
    matched_by: tuple[str, ...]
    files: int
    size_bytes: int
    reclaimable_bytes: int


def duplicate_list(conn: Connection) -> list[Found]:
    """Every group of duplicates (`stats.duplicates`), most reclaimable space first.

    In two steps: SQLite finds the items that may share a key (a path, then a provider id), then these items' exact
    keys are read and grouped. Counting the keys in Python was ~0.15 s faster at 150,000 items but left a busy
    service's heap grown by ~35 MB (hundreds of thousands of short-lived objects)."""
    sizes: dict[str, int] = {}
    holders: dict[str, list[str]] = {}
    with collector.paused():  # tens of thousands of lists, dicts and tuples, no cycle among them
        paths = _shared(conn, _PATHS_GROUPED)
        for item_id, size, path in json.loads(conn.exec_driver_sql(_PATH_KEYS, (json.dumps(paths),)).scalar_one()):
            sizes[item_id] = size
            holders.setdefault(path_key(path), []).append(item_id)
        titles = _shared(conn, _IDS_GROUPED)
        found = conn.exec_driver_sql(_TITLES, (json.dumps(titles),)).scalar_one()
        for item_id, size, kind, stored in json.loads(found):
            sizes[item_id] = size
            for key in provider_keys(kind, stored_provider_ids(stored)):
                holders.setdefault(key, []).append(item_id)
        return [
            Found(tuple(g.ids), g.keep_id, tuple(g.matched_by), g.files, g.size_bytes, g.reclaimable_bytes)
            for g in shared_groups(sizes, holders)
        ]


def _shared(conn: Connection, grouped: str) -> list[int]:
    """The rowids in the groups (JSON arrays) `grouped` selects, each once, in order."""
    return sorted({rowid for (ids,) in conn.exec_driver_sql(grouped) for rowid in json.loads(ids)})


def duplicates(conn: Connection, found: list[Found], *, page: int, page_size: int) -> DuplicatePage:
    """A page of the groups (`duplicate_list`), each copy with its title and size. File paths are compared but
    not shown (a reader sees titles, not the server's folders)."""
    start = (page - 1) * page_size
    shown = found[start : start + page_size]
    wanted = [item_id for group in shown for item_id in group.ids]
    rows = {
        row.id: row
        for row in conn.exec_driver_sql(
            f"SELECT {STORED_COLUMNS} FROM items i WHERE i.id IN (SELECT value FROM json_each(?))",  # noqa: S608
            (json.dumps(wanted),),
        )
    }
    groups = [
        DuplicateGroup(
            matched_by=list(group.matched_by),
            files=group.files,
            size_bytes=group.size_bytes,
            reclaimable_bytes=group.reclaimable_bytes,
            copies=[DuplicateCopy(**stored_item(rows[i]), kept=i == group.keep_id) for i in group.ids if i in rows],
        )
        for group in shown
    ]
    return DuplicatePage(
        groups=groups,
        total=len(found),
        reclaimable_bytes=sum(g.reclaimable_bytes for g in found),
        page=page,
        page_size=page_size,
    )


def _dump(found: list[Found]) -> list[list[Any]]:
    return [[list(g.ids), g.keep_id, list(g.matched_by), g.files, g.size_bytes, g.reclaimable_bytes] for g in found]


def _load(rows: list[list[Any]]) -> list[Found]:
    return [Found(tuple(ids), keep, tuple(by), files, size, free) for ids, keep, by, files, size, free in rows]


# The name carries the answer's form (`Found`, and the rules of `stats.duplicates`).
DUPLICATES = KeptAnswer("duplicates/2", lambda conn, since: duplicate_list(conn), _dump, _load)


_ANY_MONTH = datetime.min.replace(tzinfo=UTC)  # the duplicates are not counted from a month's start


def duplicates_found(conn: Connection) -> list[Found]:
    """The library's duplicate groups: as kept, when kept at the library's current version, else computed."""
    return kept_or_computed(conn, DUPLICATES, _ANY_MONTH)
