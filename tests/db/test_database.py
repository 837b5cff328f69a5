"""Storage: migrations build exactly the schema, the connection settings hold, upserts are idempotent."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select, text

from emby_analytics.db import migrate
from emby_analytics.db.dialect import replace_all, upsert
from emby_analytics.db.engine import Database, StorageError, plain
from emby_analytics.db.schema import libraries, metadata, users
from emby_analytics.stats.library_cache import library_version


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database.open(tmp_path / "data" / "emby.db")
    migrate.upgrade(database)
    yield database  # type: ignore[misc]
    database.close()


@pytest.fixture
def migrated(tmp_path: Path) -> Database:
    """A database built by running every migration script (what an existing database goes through)."""
    database = Database.open(tmp_path / "migrated" / "emby.db")
    migrate.upgrade_with_alembic(database)
    yield database  # type: ignore[misc]
    database.close()


def test_migrations_build_the_declared_schema(migrated: Database) -> None:
    with migrated.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    assert migrate.current_revision(migrated) == migrate.head_revision()


def _shape(path: Path) -> dict[str, Any]:
    """Everything SQLite knows about a database's schema, in a form two ways of building it can be compared by."""
    out: dict[str, Any] = {}
    with sqlite3.connect(path) as conn:
        objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        for kind, name, table, sql in objects:
            described: dict[str, Any] = {"table": table}
            if kind == "table":
                described["columns"] = conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall()
                keys = conn.execute(f"PRAGMA foreign_key_list('{name}')").fetchall()
                described["foreign_keys"] = sorted(key[2:] for key in keys)  # (table, from, to, on update, ...)
                described["without_rowid"] = "WITHOUT ROWID" in (sql or "").upper()
            elif kind == "index":
                described["columns"] = conn.execute(f"PRAGMA index_xinfo('{name}')").fetchall()
                where = (sql or "").upper().partition(" WHERE ")[2]
                described["where"] = " ".join(where.replace('"', "").split())
            else:  # views and triggers: their SQL, whitespace aside
                described["sql"] = " ".join((sql or "").split())
            out[f"{kind} {name}"] = described
    return out


def test_a_new_database_is_built_as_the_migrations_build_it(db: Database, migrated: Database) -> None:
    # `db` was empty, so `upgrade` created it from the declared schema and stamped it; `migrated` ran the scripts.
    assert _shape(db.path) == _shape(migrated.path)
    with db.writer.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrate.head_revision()
    migrate.upgrade_with_alembic(db)  # Alembic reads the stamp: nothing to run
    assert _shape(db.path) == _shape(migrated.path)


def test_the_head_revision_is_alembics() -> None:
    scripts = ScriptDirectory.from_config(migrate._config())
    assert migrate.head_revision() == scripts.get_current_head()


def test_starting_on_a_new_or_current_database_does_not_load_alembic(tmp_path: Path) -> None:
    # In a fresh interpreter: this test process has imported Alembic already.
    code = (
        "import sys; from pathlib import Path\n"
        "from emby_analytics.db import migrate\n"
        "from emby_analytics.db.engine import Database\n"
        "db = Database.open(Path(sys.argv[1]))\n"
        "print(migrate.upgrade(db), migrate.upgrade(db))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako', 'pygments'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "emby.db")], capture_output=True, text=True, timeout=60, check=True
    )
    head = migrate.head_revision()
    assert result.stdout.splitlines() == [f"(None, '{head}') ('{head}', '{head}')", "[]"]


def test_upgrade_is_idempotent(db: Database) -> None:
    head = migrate.head_revision()
    assert migrate.upgrade(db) == (head, head)


def test_connection_settings(db: Database) -> None:
    def pragmas(conn: Connection) -> tuple[str, int, int]:
        return (
            conn.execute(text("PRAGMA journal_mode")).scalar_one(),
            conn.execute(text("PRAGMA foreign_keys")).scalar_one(),
            conn.execute(text("PRAGMA busy_timeout")).scalar_one(),
        )

    for engine_pragmas in (db.read_sync(pragmas), db.write_sync(pragmas)):
        assert engine_pragmas[0] == "wal"
        assert engine_pragmas[1] == 1
        assert engine_pragmas[2] >= 5000


def _user(user_id: str, name: str, when: datetime) -> dict[str, object]:
    return {"id": user_id, "name": name, "first_seen_at": when, "updated_at": when}


async def test_times_round_trip_as_aware_utc(db: Database) -> None:
    local = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    await db.write(lambda conn: upsert(conn, users, [_user("a" * 32, "x", local)]))
    stored = await db.read(lambda conn: conn.execute(select(users.c.first_seen_at)).scalar_one())
    assert stored == local
    assert stored.tzinfo == UTC


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await db.write(lambda conn: upsert(conn, users, [_user("b" * 32, "x", datetime(2026, 1, 1))]))


async def test_upsert_is_idempotent_and_keeps_insert_only_columns(db: Database) -> None:
    first = datetime(2026, 1, 1, tzinfo=UTC)
    later = first + timedelta(days=3)
    row = _user("c" * 32, "Alice", first)
    for _ in range(3):
        await db.write(lambda conn: upsert(conn, users, [row], insert_only=("first_seen_at",)))
    renamed = {**_user("c" * 32, "Alice B.", later)}
    await db.write(lambda conn: upsert(conn, users, [renamed], insert_only=("first_seen_at",)))
    rows = await db.read(lambda conn: conn.execute(select(users)).all())
    assert len(rows) == 1
    assert rows[0].name == "Alice B."
    assert rows[0].first_seen_at == first
    assert rows[0].updated_at == later


async def test_writes_from_many_tasks_all_commit(db: Database) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)

    async def add(i: int) -> None:
        await db.write(lambda conn: upsert(conn, users, [_user(f"{i:032x}", f"user {i}", when)]))

    await asyncio.gather(*(add(i) for i in range(200)))
    count = await db.read(lambda conn: conn.execute(select(func.count()).select_from(users)).scalar_one())
    assert count == 200


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the data folder"):
        Database.open(blocker / "sub" / "emby.db")


def test_a_read_sees_one_snapshot(db: Database) -> None:
    """A write committed in the middle of a read is not seen by the rest of that read (the next read sees it)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def count(conn: Connection) -> int:
        return conn.execute(select(func.count()).select_from(users)).scalar_one()

    def read(conn: Connection) -> tuple[int, int]:
        before = count(conn)
        db.write_sync(lambda w: w.execute(users.insert().values(id="u1", name="A", first_seen_at=now, updated_at=now)))
        return before, count(conn)

    assert db.read_sync(read) == (0, 0)
    assert db.read_sync(count) == 1


async def test_upserts_of_other_columns_update_only_those(db: Database) -> None:
    """One statement is built per table and set of columns (and kept): a row with other columns gets its own."""
    first = datetime(2026, 1, 1, tzinfo=UTC)
    later = first + timedelta(days=1)
    await db.write(lambda conn: upsert(conn, users, [_user("d" * 32, "Dana", first)]))
    admin = {**_user("d" * 32, "Dana", later), "is_admin": True}
    await db.write(lambda conn: upsert(conn, users, [admin], insert_only=("first_seen_at",)))
    await db.write(lambda conn: upsert(conn, users, [_user("d" * 32, "Dana R.", later)]))
    row = await db.read(lambda conn: conn.execute(select(users)).one())
    assert (row.name, row.is_admin, row.first_seen_at, row.updated_at) == ("Dana R.", True, later, later)


async def test_replace_all_rewrites_only_the_rows_that_changed(migrated: Database) -> None:
    """With `compare`, a live row with the same values is left alone (its triggers do not fire: the library's
    data version stays); a changed, returning or new row is written; one no longer listed is marked removed."""
    day = datetime(2026, 1, 1, tzinfo=UTC)

    def library(library_id: str, name: str, at: datetime) -> dict[str, Any]:
        return {"id": library_id, "name": name, "collection_type": "movies", "locations": "[]", "updated_at": at}

    def replace(rows: list[dict[str, Any]], at: datetime) -> int:
        compare = ("name", "collection_type", "locations")
        return migrated.write_sync(lambda conn: replace_all(conn, libraries, rows, at, compare=compare))

    def stored() -> dict[str, Any]:
        return {row.id: row for row in migrated.read_sync(lambda conn: conn.execute(select(libraries)).all())}

    replace([library("a", "Films", day), library("b", "Shows", day)], day)
    version = migrated.read_sync(library_version)
    later = day + timedelta(days=1)
    assert replace([library("a", "Films", later), library("b", "Shows", later)], later) == 0
    assert migrated.read_sync(library_version) == version  # nothing changed: nothing written
    assert {row.updated_at for row in stored().values()} == {day}

    assert replace([library("a", "Films", later)], later) == 1  # b is gone: marked removed, kept
    assert stored()["b"].removed_at == later
    again = later + timedelta(days=1)
    assert (
        replace([library("a", "Movies", again), library("b", "Shows", again), library("c", "Music", again)], again) == 0
    )
    rows = stored()
    assert (rows["a"].name, rows["a"].updated_at) == ("Movies", again)  # changed
    assert (rows["b"].removed_at, rows["b"].updated_at) == (None, again)  # back, as it was: written all the same
    assert rows["c"].name == "Music" and migrated.read_sync(library_version) > version


async def test_releasing_memory_closes_the_writer_connection_and_needs_no_write_lock(db: Database) -> None:
    """After a bulk write the writer's connection is closed (its page cache, prepared statements and what writers
    cached on it go with it) and the next write opens another; closing it takes no lock, so another process's
    write does not hold it up."""
    when = datetime(2026, 1, 1, tzinfo=UTC)

    def mark(conn: Connection) -> bool:
        """Whether this connection was marked before (what writers keep in `info` lives as long as it)."""
        seen = bool(conn.info.get("test.marked"))
        conn.info["test.marked"] = True
        return seen

    await db.write(lambda conn: upsert(conn, users, [_user(f"{i:032x}", f"user {i}", when) for i in range(500)]))
    assert await db.write(mark) is False
    assert await db.write(mark) is True  # one connection, kept between writes
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        await db.release_memory()
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert await db.write(mark) is False  # a new connection
    await db.write(lambda conn: upsert(conn, users, [_user("e" * 32, "after", when)]))
    count = await db.read(lambda conn: conn.execute(select(func.count()).select_from(users)).scalar_one())
    assert count == 501
    assert await db.write(lambda conn: conn.exec_driver_sql("PRAGMA foreign_keys").scalar()) == 1  # set up again


async def test_a_whole_read_is_one_snapshot_and_needs_no_write_lock(db: Database) -> None:
    """A read of much of the file (`whole`), which empties its connection's page cache as it ends, inside its
    snapshot: a write lock held elsewhere does not hold it up, and what it read is that snapshot's. (How much
    memory it gave back is the memory benchmark's to measure.)"""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    await db.write(lambda conn: upsert(conn, users, [_user(f"{i:032x}", f"user {i}", when) for i in range(500)]))
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        other.execute("DELETE FROM users")  # not committed: the read does not see it
        names = await db.read(lambda conn: conn.execute(select(users.c.name)).scalars().all(), whole=True)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert len(names) == 500
    assert await db.read(lambda conn: conn.execute(select(func.count()).select_from(users)).scalar_one()) == 500


def test_a_new_data_folder_and_database_are_the_owners_alone(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "data" / "emby.db")
    try:
        migrate.upgrade(db)
        db.write_sync(lambda conn: upsert(conn, users, [_user("a" * 32, "ann", datetime(2026, 1, 1, tzinfo=UTC))]))
        # SQLite made its WAL and shared-memory files with the database's mode.
        files = [db.path, Path(f"{db.path}-wal"), Path(f"{db.path}-shm")]
        assert all(f.exists() for f in files)
        assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
        assert stat.S_IMODE(db.path.parent.stat().st_mode) == 0o700
    finally:
        db.close()
    again = Database.open(tmp_path / "data" / "emby.db")  # an existing database opens as it is
    again.close()


@pytest.mark.parametrize(
    ("sqlite_says", "we_say"),
    [
        ("database is locked", "another program holds the database's write lock"),
        ("database or disk is full", "the disk is full"),
        ("disk I/O error", "the disk failed to read or write"),
        ("attempt to write a readonly database", "the database is read-only"),
        ("unable to open database file", "the database file cannot be opened"),
        ("no such table: plays", "no such table: plays"),  # not a fault a self-hoster meets: as SQLite says it
    ],
)
def test_sqlite_faults_in_plain_words(sqlite_says: str, we_say: str) -> None:
    assert plain(sqlite3.OperationalError(sqlite_says)) == we_say
