"""Answers that read only the library, cached under its data version (`schema.data_versions`, bumped by trigger
on every write to items or libraries): exact, recomputed only after a library write.

The cache lives on each reader connection (a handful), so it needs no lock: a connection serves one request at a
time. The version and the answer are read in one read transaction (one snapshot of the database), so an answer is
exactly that version's.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection, select

from emby_analytics.db.schema import LIBRARY_VERSION, data_versions

T = TypeVar("T")

_CACHE = "emby_analytics.library_answers"
_CACHE_LIMIT = 128  # answers per connection (item lists are cached per page)


def library_version(conn: Connection) -> int:
    """The library's data version: changes with every write to items or libraries (0 before the first)."""
    query = select(data_versions.c.version).where(data_versions.c.name == LIBRARY_VERSION)
    return conn.execute(query).scalar() or 0


def cached(conn: Connection, key: Hashable, compute: Callable[[Connection], T]) -> T:
    """`compute(conn)`, or its answer from before when the library has not been written since."""
    cache: dict[Hashable, tuple[int, object]] = conn.info.setdefault(_CACHE, {})
    version = library_version(conn)
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]  # type: ignore[return-value]  # stored by this function under this key: a T
    answer = compute(conn)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = (version, answer)
    return answer
