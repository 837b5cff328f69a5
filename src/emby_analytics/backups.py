"""Backups of the database: whole, consistent copies taken while the service runs, on demand and on a schedule,
the newest few kept.

SQLite's online backup API copies every page of the live database in one step, inside one read transaction, so a
copy is one snapshot; WAL lets the writer go on meanwhile. The copy is made by a connection of its own on a worker
thread: neither the event loop nor the writer thread waits for it. It is written to a hidden temporary file in the
backup folder, turned into a self-contained file (no WAL beside it), checked (`PRAGMA quick_check`), synced to disk
and only then linked under its final name, which is never taken twice: a file under a backup's name is whole. A run
that fails removes its temporary file; one that a killed process left behind is removed by the next run.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import secrets
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emby_analytics.clock import Clock
from emby_analytics.config import Settings
from emby_analytics.db import migrate
from emby_analytics.db.engine import BUSY_TIMEOUT_MS, Database, StorageError
from emby_analytics.scheduler import Job

log = logging.getLogger(__name__)

# emby-analytics-YYYYMMDD-HHMMSS.db (UTC), with -1 ... -999 when a name of the same second is taken, and
# -before-<revision> for the one taken before an upgrade from that schema revision (never pruned).
NAME_PATTERN = re.compile(r"^emby-analytics-(\d{8}-\d{6})(?:-([1-9]\d{0,2}))?(?:-before-([0-9a-z]{1,32}))?\.db$")
_TEMP_PATTERN = re.compile(r"^\.emby-analytics-backup-[0-9a-f]{16}\.tmp(?:-journal|-wal|-shm)?$")
_STAMP = "%Y%m%d-%H%M%S"
MEDIA_TYPE = "application/vnd.sqlite3"
# Left free beyond the copy, so a backup never takes the last room the live database (often on the same disk) needs.
RESERVE_BYTES = 64 * 2**20
_CHECK_SEC = 3600.0  # how often the job looks whether a backup is due
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS})


class BackupBusy(Exception):
    """A backup is already running."""


class BackupSpaceError(StorageError):
    """The disk holding the backup folder has no room for a backup."""


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: Path
    size_bytes: int
    created_at: datetime  # from the name: when the backup was taken, by the service's clock
    suffix: int  # 0, or n for the n-th other backup of the same second
    before: str | None = None  # taken before an upgrade from this schema revision: kept until deleted by hand


def parse_name(name: str) -> tuple[datetime, int, str | None] | None:
    """(when, suffix, revision it was taken before an upgrade from) of a backup's file name; None for any other."""
    match = NAME_PATTERN.fullmatch(name)
    if match is None:
        return None
    try:
        when = datetime.strptime(match[1], _STAMP).replace(tzinfo=UTC)
    except ValueError:  # digits that are no date (month 13)
        return None
    return when, int(match[2] or 0), match[3]


def _name(stamp: str, suffix: int, before: str | None) -> str:
    return f"emby-analytics-{stamp}{f'-{suffix}' if suffix else ''}{f'-before-{before}' if before else ''}.db"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


class Backups:
    """The backup folder of one database: takes backups (one at a time), lists them, keeps the newest `keep`."""

    def __init__(
        self, db: Database, folder: Path, clock: Clock, *, keep: int, reserve_bytes: int = RESERVE_BYTES
    ) -> None:
        self.db = db
        self.folder = folder
        self.clock = clock
        self.keep = keep
        self.reserve_bytes = reserve_bytes
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, db: Database, settings: Settings, clock: Clock) -> Backups:
        """The backups `settings` ask for (BACKUP_DIR, BACKUP_KEEP)."""
        return cls(db, settings.backup_folder, clock, keep=settings.backup_keep)

    @property
    def running(self) -> bool:
        return self._lock.locked()

    async def take(self) -> BackupFile:
        """A backup now, then the oldest beyond `keep` deleted. Raises BackupBusy while one runs, BackupSpaceError
        when the disk lacks room, StorageError when it fails otherwise (nothing is left behind)."""
        if self._lock.locked():
            raise BackupBusy("a backup is already running")
        await self._lock.acquire()  # free: taken at once, no other task runs in between
        work = _in_daemon_thread(self._take_and_prune, self.clock.now())

        def finished(done: asyncio.Future[BackupFile]) -> None:
            # The lock goes with the copy, not with its caller: one that gives up (a client gone, shutdown) leaves
            # the copy to finish before the next may start and clean the folder.
            self._lock.release()
            if not done.cancelled():
                done.exception()  # retrieved, so a copy nobody awaits any more logs no "never retrieved" error

        work.add_done_callback(finished)
        return await asyncio.shield(work)

    def _take_and_prune(self, when: datetime) -> BackupFile:
        taken = self.take_sync(when)
        try:
            self.prune()
        except StorageError as exc:  # the backup is made; the job's next check reports the failure
            log.warning("old backups not deleted", extra={"error": str(exc)})
        return taken

    def take_sync(self, when: datetime, *, before: str | None = None) -> BackupFile:
        """Copy the database into the folder under `when`'s name (UTC; `before`: the schema revision an upgrade is
        about to leave, named so and never pruned). Blocking: call on a worker thread, one at a time (`take()` sees
        to both)."""
        self._prepare_folder()
        self._check_room()
        temp = self.folder / f".emby-analytics-backup-{secrets.token_hex(8)}.tmp"
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # owner only, as the database
            self._copy_into(temp)
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            final = self._publish(temp, when.astimezone(UTC).strftime(_STAMP), before)
        except Exception as exc:
            _remove_temp(temp)
            raise self._failure(exc) from exc
        with suppress(OSError):  # the new name on disk too; not every file system syncs a folder
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        found = self.find(final.name)
        if found is None:
            raise StorageError(f"the backup {final.name} vanished from {self.folder} as it was taken")
        log.info("database backed up", extra={"backup": found.name, "mib": found.size_bytes // 2**20})
        return found

    def _prepare_folder(self) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with os.scandir(self.folder) as entries:
                leftovers = [entry.path for entry in entries if _TEMP_PATTERN.fullmatch(entry.name)]
            for leftover in leftovers:  # of a run that was killed: never a backup, only room taken
                os.unlink(leftover)
        except OSError as exc:
            raise StorageError(f"cannot use the backup folder {self.folder}: {exc.strerror or exc}") from None

    def _check_room(self) -> None:
        size = self.db.size()
        needed = size.size_bytes + size.wal_bytes + self.reserve_bytes
        free = shutil.disk_usage(self.folder).free
        if free < needed:
            raise BackupSpaceError(
                f"not enough disk space for a backup in {self.folder}: {_mib(free)} free, {_mib(needed)} needed "
                f"(the database and its WAL, and {_mib(self.reserve_bytes)} left for the live database)"
            )

    def _copy_into(self, temp: Path) -> None:
        # Read-only: the copy can never change the live database.
        source_uri = f"{self.db.path.resolve().as_uri()}?mode=ro"
        with (
            closing(sqlite3.connect(source_uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as source,
            closing(sqlite3.connect(temp, isolation_level=None)) as target,
        ):
            source.backup(target)  # every page in one step: one read snapshot, the writer goes on
            # The copy's header says WAL, as the live file's does: one self-contained file, no WAL beside it.
            target.execute("PRAGMA journal_mode=DELETE")
            problems = [str(row[0]) for row in target.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise StorageError(f"the backup failed its check (PRAGMA quick_check): {problems[0]}")

    def _publish(self, temp: Path, stamp: str, before: str | None) -> Path:
        """Give the checked copy its final name: the first of `stamp`'s names not taken. Never replaces a file."""
        for suffix in range(1000):
            final = self.folder / _name(stamp, suffix, before)
            try:
                os.link(temp, final)  # fails when the name is taken, where a rename would replace the file
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                # A file system without hard links: rename (one backup at a time, so looking first is enough).
                if os.path.lexists(final):
                    continue
                os.rename(temp, final)
                return final
            os.unlink(temp)
            return final
        raise StorageError(f"every backup name of {stamp} is taken in {self.folder}")

    def _failure(self, exc: Exception) -> StorageError:
        if isinstance(exc, StorageError):
            return exc
        sqlite_full = isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        if sqlite_full or (isinstance(exc, OSError) and exc.errno in _NO_ROOM):
            return BackupSpaceError(
                f"the disk holding {self.folder} filled up while the backup was written; the partial copy was removed"
            )
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return StorageError(f"the backup in {self.folder} failed: {detail}")

    def listed(self) -> list[BackupFile]:
        """The backups in the folder, newest first: regular files named like a backup; anything else is not ours."""
        found: list[BackupFile] = []
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    backup = self._describe(entry.name)
                    if backup is not None:
                        found.append(backup)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"cannot read the backup folder {self.folder}: {exc.strerror or exc}") from None
        found.sort(key=lambda backup: (backup.created_at, backup.suffix), reverse=True)
        return found

    def newest(self) -> BackupFile | None:
        backups = self.listed()
        return backups[0] if backups else None

    def find(self, name: str) -> BackupFile | None:
        """The backup of that exact name in the folder, or None (any other name, or not a regular file)."""
        return self._describe(name)

    def _describe(self, name: str) -> BackupFile | None:
        parsed = parse_name(name)
        if parsed is None:
            return None
        path = self.folder / name
        try:
            info = path.lstat()
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):  # a link or folder named like a backup is not one
            return None
        when, suffix, before = parsed
        return BackupFile(name=name, path=path, size_bytes=info.st_size, created_at=when, suffix=suffix, before=before)

    def prune(self) -> list[str]:
        """Delete the backups beyond the newest `keep`; answers their names. Other files, and the backups taken
        before an upgrade, are left alone."""
        removed = []
        for old in [backup for backup in self.listed() if backup.before is None][self.keep :]:
            try:
                old.path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise StorageError(f"cannot delete the old backup {old.path}: {exc.strerror or exc}") from None
            removed.append(old.name)
        if removed:
            log.info("old backups deleted", extra={"backups": ",".join(removed), "keep": self.keep})
        return removed


def _remove_temp(temp: Path) -> None:
    for path in (temp, *(Path(f"{temp}{end}") for end in ("-journal", "-wal", "-shm"))):
        with suppress(OSError):
            path.unlink()


class BackupJob(Job):
    """Checks hourly (or at `every`, when shorter): takes a backup when the newest in the folder, manual ones
    included, is `every` old or there is none, and deletes the oldest beyond the folder's `keep`. The folder is the
    record, so restarts do not move the schedule."""

    name = "backup"

    def __init__(self, backups: Backups, clock: Clock, every: timedelta, *, initial_delay_sec: float = 600.0) -> None:
        super().__init__(min(_CHECK_SEC, every.total_seconds()), clock, initial_delay_sec=initial_delay_sec)
        self.backups = backups
        self.every = every
        self.taken = 0
        self.last_backup: BackupFile | None = None

    async def run_once(self) -> None:
        if self.backups.running:  # one taken on demand this very moment: it is the one due
            return
        newest = await asyncio.to_thread(self.backups.newest)
        age = None if newest is None else self.clock.now() - newest.created_at
        # Not due. (A newest backup dated in the future means the clock moved back: one is taken now.)
        if age is not None and timedelta(0) <= age < self.every:
            await asyncio.to_thread(self.backups.prune)  # a lowered BACKUP_KEEP applies without waiting a day
            return
        try:
            self.last_backup = await self.backups.take()
        except BackupBusy:  # one on demand started while the folder was read
            return
        self.taken += 1


def _in_daemon_thread(work: Callable[[datetime], BackupFile], when: datetime) -> asyncio.Future[BackupFile]:
    """`work(when)` on a thread of its own that does not hold the process up at exit: a shutdown (SIGTERM) does not
    wait for a copy of a large database to finish. A copy cut short leaves only its temporary file, which the next
    backup removes."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[BackupFile] = loop.create_future()

    def succeed(result: BackupFile) -> None:
        if not done.done():
            done.set_result(result)

    def fail(error: BaseException) -> None:
        if not done.done():
            done.set_exception(error)

    def run() -> None:
        error: BaseException | None = None
        try:
            result = work(when)
        except BaseException as exc:  # handed to the awaiting task, as asyncio.to_thread does
            error = exc
        with suppress(RuntimeError):  # the loop is gone (the service stopped meanwhile): nobody waits
            if error is not None:
                loop.call_soon_threadsafe(fail, error)
            else:
                loop.call_soon_threadsafe(succeed, result)

    threading.Thread(target=run, name="backup", daemon=True).start()
    return done


def upgrade_backed_up(db: Database, backups: Backups) -> tuple[str | None, str]:
    """Migrate the database to the newest schema (`migrate.upgrade`), taking a backup first when it holds an older
    one: an upgrade that goes wrong, or a version the admin wants to leave, can go back to it. Without the backup
    (no room, say) nothing is migrated and StorageError says why."""
    before, head = migrate.current_revision(db), migrate.head_revision()
    if before is not None and before != head:
        try:
            taken = backups.take_sync(backups.clock.now(), before=before)
        except StorageError as exc:
            raise StorageError(f"not upgrading the database without a backup first: {exc}") from None
        log.info("database backed up before the upgrade", extra={"backup": taken.name, "from": before, "to": head})
    return migrate.upgrade(db)
