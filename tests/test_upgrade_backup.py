"""An upgrade takes a backup first: a database at an older revision is copied, whole and still at that revision,
before it is migrated; without room for the copy nothing is migrated and the reason is clear. A new database and
one already at the newest revision are not copied."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.conftest import make_settings, running_service

from emby_analytics.backups import Backups, upgrade_backed_up
from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database, StorageError
from emby_analytics.simulator.server import Simulator

OLD = "0005"


def _old_database(path: Path) -> None:
    db = Database.open(path)
    try:
        migrate.upgrade_with_alembic(db, OLD)
        db.write_sync(lambda conn: conn.exec_driver_sql("INSERT INTO data_versions (name, version) VALUES ('x', 42)"))
    finally:
        db.close()


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


async def test_the_service_backs_an_old_database_up_before_migrating_it(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    settings = make_settings(tmp_path)
    _old_database(settings.sqlite_path)
    async with running_service(settings, simulator, clock):
        pass
    assert _revision(settings.sqlite_path) == migrate.head_revision()
    backups = sorted(settings.backup_folder.glob("emby-analytics-*.db"))
    assert len(backups) == 1 and backups[0].name.endswith(f"-before-{OLD}.db")
    assert _revision(backups[0]) == OLD
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version FROM data_versions WHERE name = 'x'").fetchone() == (42,)
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    async with running_service(settings, simulator, clock) as service:  # at the newest revision: no second copy
        assert len(list(settings.backup_folder.glob("emby-analytics-*.db"))) == 1
        # Daily backups come and go (BACKUP_KEEP); the one from before the upgrade stays until deleted by hand.
        for _ in range(3):
            clock.advance(1)
            await Backups(service.state.db, settings.backup_folder, clock, keep=1).take()
        kept = sorted(p.name for p in settings.backup_folder.glob("emby-analytics-*.db"))
        assert len(kept) == 2 and backups[0].name in kept


async def test_a_new_database_is_not_copied(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    settings = make_settings(tmp_path)
    async with running_service(settings, simulator, clock):
        pass
    assert not list(settings.backup_folder.glob("emby-analytics-*.db"))


def test_no_room_for_the_backup_means_no_upgrade(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "emby.db"
    _old_database(path)
    db = Database.open(path)
    try:
        no_room = Backups(db, tmp_path / "backups", clock, keep=7, reserve_bytes=2**62)
        with pytest.raises(StorageError, match="not upgrading the database without a backup first"):
            upgrade_backed_up(db, no_room)
    finally:
        db.close()
    assert _revision(path) == OLD
