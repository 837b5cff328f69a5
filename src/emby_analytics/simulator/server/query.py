"""Item queries (`/Items`, `/Users/{id}/Items`): filtering once per distinct query, paging by slicing.

A full sync pages the same filter thousands of times, so each filtered id list is cached per
(query, World.version); single-type and unfiltered recursive queries reuse the world's own indexes
without copying. A page then costs O(Limit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..render import sort_name
from ..world import FOLDER_TYPES, ItemRecord, World
from ..world.formats import parse_emby_date, to_micros
from ..world.records import TYPE_BY_LOWER

_CACHE_SIZE = 32


class QueryError(ValueError):
    """A parameter Emby would reject (answered 400)."""


@dataclass(frozen=True, slots=True)
class ItemQuery:
    parent_id: int | None = None
    recursive: bool = False
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    ids: tuple[int, ...] | None = None
    min_saved: int | None = None  # µs since epoch
    is_missing: bool | None = None
    is_folder: bool | None = None
    sort_by: tuple[str, ...] = ()
    descending: bool = False

    @property
    def is_root(self) -> bool:
        """No ParentId, no Recursive, no Ids: Emby answers with the user's library folders."""
        return self.parent_id is None and not self.recursive and self.ids is None


def _bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.strip().lower() == "true"


def _types(value: str | None) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(TYPE_BY_LOWER.get(t.strip().lower(), t.strip()) for t in value.split(",") if t.strip())


def parse_query(params: Mapping[str, str]) -> ItemQuery:
    """Build an ItemQuery from query parameters (keys already lower-cased; Emby ignores key case)."""
    try:
        parent = params.get("parentid")
        ids_raw = params.get("ids")
        min_saved = params.get("mindatelastsaved") or params.get("mindatelastsavedforuser")
        sort_by = tuple(s.strip().lower() for s in params.get("sortby", "").split(",") if s.strip())
        return ItemQuery(
            parent_id=int(parent) if parent else None,
            recursive=bool(_bool(params.get("recursive"))),
            include=_types(params.get("includeitemtypes")),
            exclude=_types(params.get("excludeitemtypes")),
            ids=tuple(int(i) for i in ids_raw.split(",") if i.strip()) if ids_raw else None,
            min_saved=to_micros(parse_emby_date(min_saved)) if min_saved else None,
            is_missing=_bool(params.get("ismissing")),
            is_folder=_bool(params.get("isfolder")),
            sort_by=sort_by,
            descending=params.get("sortorder", "").split(",")[0].strip().lower() == "descending",
        )
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


def _base(world: World, q: ItemQuery) -> Sequence[int]:
    if q.ids is not None:
        return [i for i in dict.fromkeys(q.ids) if world.item(i) is not None]
    if q.parent_id is None:
        if len(q.include) == 1 and not q.exclude:
            return world.ids_of_type(next(iter(q.include)))
        return world.all_ids()
    parent = q.parent_id
    if world.library(parent) is not None:
        if q.recursive:
            pool = world.ids_of_type(next(iter(q.include))) if len(q.include) == 1 else world.all_ids()
            return [rec.id for rec in world.records(pool) if rec.library == parent]
        return world.children(parent)
    if not q.recursive:
        return world.children(parent)
    out: list[int] = []
    stack = list(reversed(world.children(parent)))
    while stack:  # depth-first keeps Season 1, its episodes, Season 2, ... in order
        child = stack.pop()
        out.append(child)
        stack.extend(reversed(world.children(child)))
    return out


def _needs_filter(q: ItemQuery) -> bool:
    return bool(
        q.include or q.exclude or q.min_saved is not None or q.is_missing is not None or q.is_folder is not None
    )


def select(world: World, q: ItemQuery) -> Sequence[int]:
    """Ids matching the query, in result order (cached per world version)."""
    cached = world.query_cache.get(q)
    if cached is not None and cached[0] == world.version:
        return cached[1]
    base = _base(world, q)
    if not _needs_filter(q) and not q.sort_by:
        if q.ids is None and q.parent_id is None:
            return base  # a world index itself: nothing to cache
        result = list(base)
    else:
        result = [rec.id for rec in world.records(base) if _matches(rec, q)] if _needs_filter(q) else list(base)
        if q.sort_by:
            result = _sorted(world, result, q)
    if len(world.query_cache) >= _CACHE_SIZE:
        world.query_cache.pop(next(iter(world.query_cache)))
    world.query_cache[q] = (world.version, result)
    return result


def _matches(rec: ItemRecord, q: ItemQuery) -> bool:
    if q.include and rec.type not in q.include:
        return False
    if q.exclude and rec.type in q.exclude:
        return False
    if q.min_saved is not None and rec.saved < q.min_saved:
        return False
    if q.is_missing is not None and rec.is_virtual != q.is_missing:
        return False
    return q.is_folder is None or (rec.type in FOLDER_TYPES) == q.is_folder


def _sorted(world: World, ids: list[int], q: ItemQuery) -> list[int]:
    recs = list(world.records(ids))
    # Emby applies the sort keys in order; Python's stable sort does that when applied last-to-first.
    for key in reversed(q.sort_by):
        if key == "sortname":
            recs.sort(key=lambda r: sort_name(r.name), reverse=q.descending)
        elif key == "datecreated":
            recs.sort(key=lambda r: r.created, reverse=q.descending)
        elif key == "premieredate":
            recs.sort(key=lambda r: r.premiere, reverse=q.descending)
        elif key == "productionyear":
            recs.sort(key=lambda r: r.year, reverse=q.descending)
        elif key == "runtime":
            recs.sort(key=lambda r: r.runtime, reverse=q.descending)
        elif key in ("parentindexnumber", "indexnumber"):
            attr = "parent_index" if key == "parentindexnumber" else "index"
            recs.sort(key=lambda r: getattr(r, attr) or 0, reverse=q.descending)
    return [r.id for r in recs]
