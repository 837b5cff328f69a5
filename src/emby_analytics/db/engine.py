"""The database handle: one writer connection on one thread, a few reader connections, async entry points.

SQLite allows one writer at a time. Funnelling every write through a single connection on a single thread
means our own writers queue in order instead of fighting over the lock ("database is locked"), while WAL lets
readers run alongside. Blocking SQLite calls run in worker threads so the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import QueuePool

T = TypeVar("T")

READER_CONNECTIONS = 4
BUSY_TIMEOUT_MS = 10_000
# Key in a connection's `info` of what writers cache about the database's content (interned descriptions): dropped
# whenever a write transaction fails, so nothing a rolled-back transaction added is believed to be stored.
CACHES = "emby_analytics.caches"


class StorageError(Exception):
    """The database cannot be opened or used."""


# SQLite's words for the faults a self-hoster meets, and ours (shown in /health and the logs).
_PLAIN = (
    ("database is locked", "another program holds the database's write lock"),
    ("database or disk is full", "the disk is full"),
    ("disk i/o error", "the disk failed to read or write"),
    ("attempt to write a readonly database", "the database is read-only"),
    ("unable to open database file", "the database file cannot be opened"),
)


def plain(exc: BaseException | None) -> str:
    """A SQLite error in plain words (its own text when it is not one of the common faults)."""
    text = str(exc)
    for sqlite_words, ours in _PLAIN:
        if sqlite_words in text.lower():
            return ours
    return text


@dataclass(frozen=True)
class DatabaseSize:
    size_bytes: int
    wal_bytes: int


class Database:
    """Owns the engines and the worker threads. Create with `Database.open(path)`, close with `close()`."""

    def __init__(self, path: Path, writer: Engine, reader: Engine) -> None:
        self.path = path
        self.writer = writer
        self.reader = reader
        self._write_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._read_threads = ThreadPoolExecutor(max_workers=READER_CONNECTIONS, thread_name_prefix="db-reader")
        # A connection that only watches: its `PRAGMA data_version` changes whenever any other connection, ours or
        # another process's, commits. Opened on first use.
        self._watcher: sqlite3.Connection | None = None
        self._watcher_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Database:
        # The data folder and the database hold everyone's viewing history: owner only (a folder or file that
        # exists keeps its mode). SQLite gives the WAL and shared-memory files the database file's mode.
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the data folder {path.parent}: {exc.strerror}") from None
        if path.is_dir():
            raise StorageError(f"the database {path} is a folder: SQLITE_PATH names the database file")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise StorageError(f"cannot create the database {path}: {exc.strerror}") from None
        url = f"sqlite+pysqlite:///{path}"
        writer = _sqlite_engine(url, pool_size=1)
        # Take the write lock when the transaction starts, so a concurrent writer in another process makes us
        # wait (busy_timeout) instead of failing on a lock upgrade half-way through.
        event.listen(writer, "connect", _manual_transactions)
        event.listen(writer, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        reader = _sqlite_engine(url, pool_size=READER_CONNECTIONS)
        try:
            writer.connect().close()  # opens the file and switches it to WAL (see _on_connect)
        except Exception as exc:
            writer.dispose()
            reader.dispose()
            reason = exc.orig if isinstance(exc, DBAPIError) else exc  # SQLite's words, not SQLAlchemy's wrapping
            raise StorageError(f"cannot open the database {path}: {reason}") from None
        return cls(path, writer, reader)

    def write_sync(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction on the writer connection (call from the writer thread or at start-up)."""
        try:
            with self.writer.connect() as conn:
                try:
                    with conn.begin():
                        return work(conn)
                except BaseException:
                    conn.info.pop(CACHES, None)
                    raise
        except OperationalError as exc:
            raise StorageError(f"database write failed: {plain(exc.orig)}") from exc

    def read_sync(self, work: Callable[[Connection], T], *, whole: bool = False) -> T:
        """Run `work(conn)` in one read transaction on a reader connection. `whole`: it reads much of the file (a
        job's pass over the library): the connection's page cache (up to 2 MB), which requests rarely need whole
        again, is emptied after it."""
        try:
            with self.reader.connect() as conn:
                # One snapshot for the whole read: what several queries say agrees (the rollups and the plays
                # not yet folded into them, for one). Released when the connection goes back to the pool.
                conn.exec_driver_sql("BEGIN")
                answer = work(conn)
                if whole:
                    conn.exec_driver_sql("PRAGMA shrink_memory")
                return answer
        except OperationalError as exc:
            raise StorageError(f"database read failed: {plain(exc.orig)}") from exc

    async def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` in one transaction on the single writer thread; writes are applied in call order."""
        return await asyncio.get_running_loop().run_in_executor(self._write_thread, self.write_sync, work)

    async def read(self, work: Callable[[Connection], T], *, whole: bool = False) -> T:
        read = partial(self.read_sync, work, whole=whole)
        return await asyncio.get_running_loop().run_in_executor(self._read_threads, read)

    async def release_memory(self) -> None:
        """Close the writer's connection; the next write opens another. After a bulk write (a full library sync, a
        history import) it holds what only that write needed: up to 2 MB of the pages it wrote, the prepared
        statements it cached (a multi-row insert of 3,000 rows is ~3 MB of them) and the descriptions it interned."""
        await asyncio.get_running_loop().run_in_executor(self._write_thread, self._release_memory)

    def _release_memory(self) -> None:
        # On the writer thread, between writes: the connection is in the pool, and only it is closed.
        self.writer.dispose()

    def compact_sync(self) -> None:
        """Rewrite the file with full pages and no free ones (SQLite's VACUUM), then empty the WAL it went through.
        Call on the writer thread: every other write waits meanwhile, readers go on. All or nothing: a failure
        (the disk full, say) leaves the file as it was."""
        try:
            # Readers still on an older snapshot keep the WAL from emptying: the next checkpoint finishes it.
            self._outside_transaction("VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise StorageError(f"database compaction failed: {plain(exc)}") from exc

    def _outside_transaction(self, *statements: str) -> None:
        """Statements straight to SQLite on the writer connection, outside a transaction (no write lock to take
        first: SQLite takes what each needs). Call on the writer thread."""
        raw = self.writer.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                for statement in statements:
                    cursor.execute(statement)
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool

    async def compact(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._write_thread, self.compact_sync)

    def size(self) -> DatabaseSize:
        wal = Path(f"{self.path}-wal")
        return DatabaseSize(
            size_bytes=self.path.stat().st_size if self.path.exists() else 0,
            wal_bytes=wal.stat().st_size if wal.exists() else 0,
        )

    def data_version(self) -> int:
        """A number that changes whenever anything is committed to the database (by this process or another):
        an answer computed from the data keeps as long as it stays the same. Microseconds to ask."""
        with self._watcher_lock:
            try:
                if self._watcher is None:
                    self._watcher = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                return int(self._watcher.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                raise StorageError(f"database read failed: {plain(exc)}") from exc

    def close(self) -> None:
        with self._watcher_lock:
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None
        self._write_thread.shutdown(wait=True)
        self._read_threads.shutdown(wait=True)
        self.writer.dispose()
        self.reader.dispose()


def _sqlite_engine(url: str, *, pool_size: int) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def _manual_transactions(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
