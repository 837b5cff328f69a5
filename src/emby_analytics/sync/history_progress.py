"""What a history import counted: the running counters, the result of a finished run, and the progress of the
running (or last) one as the admin sees it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime


@dataclass(frozen=True)
class ImportResult:
    rows_read: int
    plays_added: int
    skipped_duplicates: int
    skipped_live_overlap: int
    skipped_invalid: int
    played_added: int
    emby_calls: int
    pages: int


@dataclass
class ImportCounts:
    """A run's counters, added to as each page is committed (never inside a page's loop)."""

    rows_read: int = 0
    plays_added: int = 0
    skipped_duplicates: int = 0
    skipped_live_overlap: int = 0
    skipped_invalid: int = 0
    played_added: int = 0
    emby_calls: int = 0
    pages: int = 0  # pages of plugin rows committed

    def add(self, other: ImportCounts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def result(self) -> ImportResult:
        return ImportResult(**{f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class ImportProgress:
    """The running import, or the last one: `counts` is the run's own counters object, so it advances page by page
    at no cost to the import; `error` says why the run ended early (None when it finished, or never ran)."""

    running: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    counts: ImportCounts = field(default_factory=ImportCounts)
