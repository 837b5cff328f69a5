"""Library answers kept in the database (`library_answers`), so the first request after a restart does not wait for
them: today the duplicates (`stats.storage.duplicate_list`), which reads every path and provider id of the library.

The `library-answers` job looks when a library sync ends, and every minute (for other writers: an item looked up
by id); when the library's data version has moved past the kept answer's, it computes the answer on a reader
connection and writes it with the version it read before computing. A library write in between leaves the kept
answer behind the library, so it is not used and the job computes it again: a reader never gets an answer older
than the library it reads. Until the job has run, a request computes the answer itself (as it would without this
table). While a sync runs the job waits: the library is still changing.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from emby_analytics.clock import Clock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import library_answers
from emby_analytics.scheduler import Job
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.storage import Found, duplicate_list

DUPLICATES = "duplicates"


def encode(found: list[Found]) -> bytes:
    rows = [[list(g.ids), g.keep_id, list(g.matched_by), g.files, g.size_bytes, g.reclaimable_bytes] for g in found]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode())


def decode(body: bytes) -> list[Found]:
    rows: list[list[Any]] = json.loads(zlib.decompress(body))
    return [Found(tuple(ids), keep, tuple(by), files, size, free) for ids, keep, by, files, size, free in rows]


def kept_version(conn: Connection, name: str) -> int | None:
    """The library version the kept answer `name` was computed at (None: none kept)."""
    query = select(library_answers.c.version).where(library_answers.c.name == name)
    return conn.execute(query).scalar()


def duplicates_found(conn: Connection) -> list[Found]:
    """The library's duplicate groups: as kept, when kept at the library's current version, else computed."""
    query = select(library_answers.c.version, library_answers.c.body).where(library_answers.c.name == DUPLICATES)
    kept = conn.execute(query).first()
    if kept is not None and kept.version == library_version(conn):
        return decode(kept.body)
    return duplicate_list(conn)


def computed(conn: Connection) -> tuple[int, bytes] | None:
    """The duplicates as the library stands, with its version; None when the kept answer is already current."""
    version = library_version(conn)  # before the answer: a write after it leaves the answer behind, never ahead
    if kept_version(conn, DUPLICATES) == version:
        return None
    # SQLite groups the keys here: ~0.15 s slower than counting them in Python, but without the hundreds of thousands
    # of short-lived objects that leave a busy service's heap grown by ~35 MB at 150,000 items.
    return version, encode(duplicate_list(conn, in_blobs=False))


class LibraryAnswersJob(Job):
    """Every minute, and when a library sync ends (`trigger`): the kept library answers computed again if the
    library changed since. Not while `busy` (a library sync running: the library is still changing)."""

    name = "library-answers"
    releases_memory = True  # tens of thousands of paths and ids read for a moment

    def __init__(
        self, db: Database, clock: Clock, *, busy: Callable[[], bool] = lambda: False, interval_sec: float = 60.0
    ) -> None:
        super().__init__(interval_sec, clock)
        self.db = db
        self.busy = busy
        self.written = 0  # answers written since start-up

    async def run_once(self) -> None:
        if self.busy():
            return
        # Computed on a reader connection; the writer, which records plays, is held for one row.
        found = await self.db.read(computed)
        if found is not None:
            version, body = found
            row = {"name": DUPLICATES, "version": version, "body": body}
            await self.db.write(lambda conn: upsert(conn, library_answers, [row], key=("name",)))
            self.written += 1
