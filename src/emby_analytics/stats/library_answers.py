"""Library answers kept in the database (`library_answers`), so the first request after a restart does not wait for
them: today the duplicates (`stats.storage.duplicate_list`), which reads every path and provider id of the library.

The `library-answers` job looks when a library sync ends, and every minute (for other writers: an item looked up
by id); when the library's data version has moved past the kept answer's, it computes the answer on a reader
connection (the version and the answer from one snapshot) and writes both. A library write between that read and
the write leaves the kept version behind the library's, so the answer is not used and the job computes it again:
a reader never gets an answer older than the library it reads. Until the job has run, a request computes the
answer itself (as it would without this table). While a sync runs the job waits: the library is still changing.
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
from emby_analytics.scheduler import Job, release_memory
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.storage import Found, duplicate_list

# The name carries the answer's form: bump it when `Found` or the rules of `stats.duplicates` change, so that an
# answer kept by an older release is computed again, not decoded wrongly or served by the old rules.
DUPLICATES = "duplicates/1"


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
    version = library_version(conn)
    if kept_version(conn, DUPLICATES) == version:
        return None
    # SQLite groups the keys here: ~0.15 s slower than counting them in Python, but without the hundreds of thousands
    # of short-lived objects that leave a busy service's heap grown by ~35 MB at 150,000 items.
    return version, encode(duplicate_list(conn, in_blobs=False))


class LibraryAnswersJob(Job):
    """Every minute, and when a library sync ends (`trigger`): the kept library answers computed again if the
    library changed since. Not while `busy` (a library sync running: the library is still changing)."""

    name = "library-answers"

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
            # One job writes (runs never overlap), so the row is always the latest computed.
            await self.db.write(lambda conn: upsert(conn, library_answers, [row], key=("name",)))
            self.written += 1
            release_memory()  # tens of thousands of paths and ids were read for a moment
