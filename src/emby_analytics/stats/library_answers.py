"""Library answers kept in the database (`library_answers`), so the first request after a restart does not wait for
them: answers that read the whole library (the duplicates, the movie and TV shelves), each a `KeptAnswer`.

The `library-answers` job looks when a library sync ends, and every minute (for other writers, such as an item
looked up by id, and for a new month); when the library's data version has moved past a kept answer's, it computes
the answer on a reader connection (the version and the answer from one snapshot) and writes both. A library write
between that read and the write leaves the kept version behind the library's, so the answer is not used and the
job computes it again: a reader never gets an answer older than the library it reads. Until the job has run, a
request computes the answer itself (as it would without this table). While a sync runs the job waits: the library
is still changing.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, delete, select

from emby_analytics.clock import Clock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import library_answers
from emby_analytics.scheduler import Job, release_memory
from emby_analytics.stats.facts import month_start
from emby_analytics.stats.library_cache import library_version

T = TypeVar("T")


@dataclass(frozen=True)
class KeptAnswer(Generic[T]):
    """An answer that reads only the library, kept under `name`.

    `name` carries the answer's form: bump it when the answer's fields or rules change, so that an answer kept by
    an older release is computed again, not decoded wrongly or served by the old rules. `compute(conn, since)`
    gives the answer in the month that began at `since`; `monthly`: the answer counts from `since` (added this
    month), so a kept one serves that month only. `dump` makes it JSON-able, `load` reads that back."""

    name: str
    compute: Callable[[Connection, datetime], T]
    dump: Callable[[T], Any]
    load: Callable[[Any], T]
    monthly: bool = False

    def key(self, since: datetime) -> str:
        return since.isoformat() if self.monthly else ""


def jsonable(answer: object) -> Any:
    """`dump` for an answer of dataclasses and models (their datetimes as ISO 8601 text, which models read back)."""
    return to_jsonable_python(answer)


def kept(conn: Connection, answer: KeptAnswer[Any]) -> tuple[int, str, bytes] | None:
    """The kept `answer`'s library version, key and packed JSON (None: none kept). Stored as the key, a NUL, then
    the zlib-compressed JSON, so that its key is read without unpacking it."""
    query = select(library_answers.c.version, library_answers.c.body).where(library_answers.c.name == answer.name)
    row = conn.execute(query).first()
    if row is None:
        return None
    key, _, packed = bytes(row.body).partition(b"\0")
    return row.version, key.decode(), packed


def pack(key: str, body: Any) -> bytes:
    return key.encode() + b"\0" + zlib.compress(json.dumps(body, separators=(",", ":")).encode())


def kept_or_computed(conn: Connection, answer: KeptAnswer[T], since: datetime) -> T:
    """`answer` for the month that began at `since`: as kept, when kept at the library's current version (and
    for that month), else computed."""
    found = kept(conn, answer)
    if found is not None and found[:2] == (library_version(conn), answer.key(since)):
        return answer.load(json.loads(zlib.decompress(found[2])))
    return answer.compute(conn, since)


def computed(conn: Connection, answer: KeptAnswer[Any], since: datetime) -> tuple[int, bytes] | None:
    """`answer` as the library stands, with its version, packed; None when the kept one is already current."""
    version, key = library_version(conn), answer.key(since)
    found = kept(conn, answer)
    if found is not None and found[:2] == (version, key):
        return None
    return version, pack(key, answer.dump(answer.compute(conn, since)))


class LibraryAnswersJob(Job):
    """Every minute, and when a library sync ends (`trigger`): the kept library answers computed again if the
    library changed (or, for a monthly one, the month in `zone` turned) since. Not while `busy` (a library sync
    running: the library is still changing). Rows of answers no longer kept (an older form) are removed."""

    name = "library-answers"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        answers: Sequence[KeptAnswer[Any]],
        *,
        busy: Callable[[], bool] = lambda: False,
        interval_sec: float = 60.0,
    ) -> None:
        super().__init__(interval_sec, clock)
        self.db = db
        self.zone = zone
        self.answers = tuple(answers)
        self.busy = busy
        self.written = 0  # answers written since start-up

    async def run_once(self) -> None:
        since = month_start(self.clock.now(), self.zone)
        names = [answer.name for answer in self.answers]
        wrote = False
        for answer in self.answers:
            if self.busy():
                break
            # Computed on a reader connection; the writer, which records plays, is held for one row.
            found = await self.db.read(partial(computed, answer=answer, since=since), whole=True)
            if found is None:
                continue
            row = {"name": answer.name, "version": found[0], "body": found[1]}

            def keep(conn: Connection, row: dict[str, Any] = row) -> None:
                upsert(conn, library_answers, [row], key=("name",))
                conn.execute(delete(library_answers).where(library_answers.c.name.not_in(names)))

            # One job writes (runs never overlap), so the row is always the latest computed.
            await self.db.write(keep)
            self.written += 1
            wrote = True
        if wrote:
            release_memory()  # tens of thousands of rows were read for a moment
