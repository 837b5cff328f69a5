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
from sqlalchemy import Connection, delete, func, select

from emby_analytics import heap
from emby_analytics.clock import Clock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import library_answers
from emby_analytics.scheduler import Job
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.window import month_start
from emby_analytics.version import VERSION

T = TypeVar("T")


@dataclass(frozen=True)
class KeptAnswer(Generic[T]):
    """An answer that reads only the library, kept under `name`.

    `name` carries the answer's form: bump it when the answer's fields or rules change, so that an answer kept
    before is computed again, not decoded wrongly or served by the old rules (a new release computes every answer
    once anyway: see `key`; a kept body that no longer loads is computed instead). `compute(conn, since)`
    gives the answer in the month that began at `since`; `monthly`: the answer counts from `since` (added this
    month), so a kept one serves that month only. `dump` makes it JSON-able, `load` reads that back."""

    name: str
    compute: Callable[[Connection, datetime], T]
    dump: Callable[[T], Any]
    load: Callable[[Any], T]
    monthly: bool = False

    def key(self, since: datetime) -> str:
        """What else than the library version the kept answer is for: the release that computed it (its code may
        have changed with no bump of `name`: a display rule, a model field), and for a monthly one the month."""
        return f"{VERSION} {since.isoformat()}" if self.monthly else VERSION


def jsonable(answer: object) -> Any:
    """`dump` for an answer of dataclasses and models (their datetimes as ISO 8601 text, which models read back)."""
    return to_jsonable_python(answer)


# The key of a kept answer, without reading the rest of its body.
_KEY = func.substr(library_answers.c.body, 1, func.instr(library_answers.c.body, b"\0") - 1)


def kept_key(conn: Connection, answer: KeptAnswer[Any]) -> tuple[int, str] | None:
    """The library version and key `answer` was kept at (None: none kept)."""
    query = select(library_answers.c.version, _KEY).where(library_answers.c.name == answer.name)
    row = conn.execute(query).first()
    return None if row is None else (row[0], bytes(row[1]).decode(errors="replace"))


def current(conn: Connection, answer: KeptAnswer[Any], since: datetime) -> bool:
    """Whether `answer` is kept at the library's current version (and for the month that began at `since`)."""
    return kept_key(conn, answer) == (library_version(conn), answer.key(since))


def pack(key: str, body: Any) -> bytes:
    """A body as stored: the key, a NUL, then the zlib-compressed JSON."""
    return key.encode() + b"\0" + zlib.compress(json.dumps(body, separators=(",", ":")).encode())


def kept_or_computed(conn: Connection, answer: KeptAnswer[T], since: datetime) -> T:
    """`answer` for the month that began at `since`: as kept, when kept at the library's current version (and
    for that month), else computed."""
    if current(conn, answer, since):
        query = select(library_answers.c.body).where(library_answers.c.name == answer.name)
        packed = bytes(conn.execute(query).scalar_one()).partition(b"\0")[2]
        try:
            return answer.load(json.loads(zlib.decompress(packed)))
        except (ValueError, TypeError, KeyError, zlib.error):
            pass  # a form this code does not read (its name not bumped when it changed): computed instead
    return answer.compute(conn, since)


def computed(conn: Connection, answer: KeptAnswer[Any], since: datetime) -> tuple[int, bytes]:
    """`answer` as the library stands, with its version, packed."""
    return library_version(conn), pack(answer.key(since), answer.dump(answer.compute(conn, since)))


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
            if await self.db.read(partial(current, answer=answer, since=since)):
                continue
            # Computed on a reader connection; the writer, which records plays, is held for one row.
            version, body = await self.db.read(partial(computed, answer=answer, since=since), whole=True)
            row = {"name": answer.name, "version": version, "body": body}

            def keep(conn: Connection, row: dict[str, Any] = row) -> None:
                upsert(conn, library_answers, [row], key=("name",))
                conn.execute(delete(library_answers).where(library_answers.c.name.not_in(names)))

            # One job writes (runs never overlap): the check above still holds, and the row is the latest computed.
            await self.db.write(keep)
            self.written += 1
            wrote = True
        if wrote:
            heap.release()  # tens of thousands of rows were read for a moment
