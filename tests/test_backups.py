"""Backups of the live database: a consistent, checked, self-contained copy taken while plays are written; names
never reused; the newest N kept and other files left alone; nothing half-written ever under a backup's name (no
room, a disk that fills up mid-copy, a folder that cannot be made, leftovers of a killed run); the job on its
schedule, across restarts."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.processes import ROOT

from emby_analytics.backups import BackupBusy, BackupJob, Backups, BackupSpaceError, parse_name
from emby_analytics.clock import ManualClock
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database, StorageError
from emby_analytics.db.schema import decode_id, plays
from emby_analytics.scheduler import Scheduler

HOUR = 3600.0


def _play(n: int, clock: ManualClock) -> dict[str, Any]:
    started = clock.now() - timedelta(days=30, minutes=n)
    return {
        "id": f"{n + 1:016x}", "source": "live", "user_id": f"{n % 7:032x}", "item_id": f"{n % 50}",
        "item_name": f"Film {n % 50} " + "x" * 100, "started_at": started,
        "stopped_at": started + timedelta(minutes=40), "watch_seconds": 2400.0,
    }  # fmt: skip


@pytest.fixture
async def db(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Database]:
    database = Database.open(tmp_path / "data" / "emby.db")
    try:
        migrate.upgrade(database)
        await database.write(lambda c: c.execute(plays.insert(), [_play(n, clock) for n in range(2000)]))
        yield database
    finally:
        database.close()


def _play_numbers(path: Path) -> list[int]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        numbers = sorted(int(decode_id(row[0]), 16) - 1 for row in conn.execute("SELECT id FROM plays"))
    conn.close()
    return numbers


def _names(folder: Path) -> set[str]:
    return set(os.listdir(folder))


async def _until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Until a backup a worker thread is taking is done (real work: short pauses, not a busy loop)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_a_backup_taken_while_plays_are_written_is_one_whole_snapshot(
    tmp_path: Path, db: Database, clock: ManualClock
) -> None:
    folder = tmp_path / "data" / "backups"
    backups = Backups(db, folder, clock, keep=7)
    written = 2000
    stop = asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            rows = [_play(n, clock) for n in range(written, written + 10)]
            await db.write(lambda c, rows=rows: c.execute(plays.insert(), rows))  # type: ignore[misc]
            written += 10

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0)
    try:
        taken = await backups.take()
    finally:
        stop.set()
        await writer

    assert taken.name == "emby-analytics-20260115-120000.db" and taken.created_at == clock.now()
    assert taken.path == folder / taken.name and taken.size_bytes == taken.path.stat().st_size
    numbers = _play_numbers(taken.path)
    assert len(numbers) >= 2000, "every play stored before the backup started is in it"
    assert numbers == list(range(len(numbers))), "one snapshot: the writes up to a moment, none after it"
    assert len(numbers) <= written
    assert _names(folder) == {taken.name}, "one self-contained file: no WAL, journal or temporary file beside it"
    assert _play_numbers(db.path)[-1] == written - 1, "the live database went on"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(taken.path.stat().st_mode) == 0o600


async def test_names_are_never_reused_and_the_newest_are_kept(tmp_path: Path, db: Database, clock: ManualClock) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not a backup")
    foreign = ["notes.txt", "emby-analytics-latest.db", "emby-analytics-20261399-000000.db", "emby.db", ".hidden"]
    for name in foreign:
        (folder / name).write_text("someone else's")
    (folder / "emby-analytics-20200101-000000.db").mkdir()  # a folder named like a backup
    (folder / "emby-analytics-20200102-000000.db").symlink_to(secret)  # a link named like one
    backups = Backups(db, folder, clock, keep=3)

    first = await backups.take()
    same_second = await backups.take()
    assert (first.name, same_second.name) == (
        "emby-analytics-20260115-120000.db",
        "emby-analytics-20260115-120000-1.db",
    )
    assert parse_name(same_second.name) == (clock.now(), 1, None)
    later = []
    for _ in range(3):
        clock.advance(HOUR)
        later.append((await backups.take()).name)

    kept = [backup.name for backup in backups.listed()]
    assert kept == later[::-1], "the three newest, newest first"
    assert _names(folder) == {*kept, *foreign, "emby-analytics-20200101-000000.db", "emby-analytics-20200102-000000.db"}
    assert secret.read_text() == "not a backup"
    assert backups.find("emby-analytics-20200102-000000.db") is None, "a link is never served as a backup"
    assert backups.find("../secret.txt") is None and backups.find("notes.txt") is None
    found = backups.find(kept[0])
    assert found is not None and found.path == folder / kept[0]
    assert _play_numbers(found.path) == list(range(2000))

    fewer = Backups(db, folder, clock, keep=1)  # BACKUP_KEEP lowered
    assert fewer.prune() == kept[1:] and [b.name for b in fewer.listed()] == kept[:1]


async def test_only_one_backup_runs_at_a_time(tmp_path: Path, db: Database, clock: ManualClock) -> None:
    backups = Backups(db, tmp_path / "backups", clock, keep=7)
    first = asyncio.create_task(backups.take())
    await asyncio.sleep(0)  # the first holds the lock while its copy runs in a worker thread
    assert backups.running
    with pytest.raises(BackupBusy):
        await backups.take()
    job = BackupJob(backups, clock, timedelta(hours=24), initial_delay_sec=0)
    await job.run_now()  # due (there is no backup yet), but the one running now is it
    assert job.taken == 0 and job.state.last_error is None
    assert (await first).name == "emby-analytics-20260115-120000.db"
    assert not backups.running
    assert [b.name for b in backups.listed()] == ["emby-analytics-20260115-120000.db"]


async def test_leftovers_of_a_killed_run_are_removed_by_the_next(
    tmp_path: Path, db: Database, clock: ManualClock
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    leftovers = [".emby-analytics-backup-0123456789abcdef.tmp", ".emby-analytics-backup-0123456789abcdef.tmp-journal"]
    for name in leftovers:
        (folder / name).write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (folder / ".emby-analytics-backup-notes").write_text("not ours")
    taken = await Backups(db, folder, clock, keep=7).take()
    assert _names(folder) == {taken.name, ".emby-analytics-backup-notes"}


async def test_without_room_for_the_copy_nothing_is_written(tmp_path: Path, db: Database, clock: ManualClock) -> None:
    folder = tmp_path / "backups"
    # Real numbers: the disk's free space, asked to be kept free beyond the copy, cannot be.
    backups = Backups(db, folder, clock, keep=7, reserve_bytes=shutil.disk_usage(tmp_path).free * 2)
    with pytest.raises(BackupSpaceError, match=r"not enough disk space for a backup in .*: [\d,.]+ MiB free"):
        await backups.take()
    assert _names(folder) == set()
    assert not backups.running


async def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path, db: Database, clock: ManualClock) -> None:
    taken_by_a_file = tmp_path / "backups"
    taken_by_a_file.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="cannot use the backup folder"):
        await Backups(db, taken_by_a_file, clock, keep=7).take()
    assert _names(tmp_path) == {"backups", "data"}


# A process whose files may not grow beyond 64 KiB (RLIMIT_FSIZE): its backup's writes fail part-way, as on a disk
# that fills up. In a process of its own, so the limit touches nothing else.
_SMALL_DISK = """
import json, os, resource, signal, sys
from datetime import UTC, datetime
from pathlib import Path
from emby_analytics.backups import Backups
from emby_analytics.clock import ManualClock
from emby_analytics.db.engine import Database, StorageError

db = Database.open(Path(sys.argv[1]))
folder = Path(sys.argv[2])
backups = Backups(db, folder, ManualClock(datetime(2026, 1, 15, tzinfo=UTC)), keep=7)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limits = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, limits[1]))
try:
    backups.take_sync(datetime(2026, 1, 15, tzinfo=UTC))
    outcome = {"error": None}
except StorageError as exc:
    outcome = {"error": type(exc).__name__, "message": str(exc)}
resource.setrlimit(resource.RLIMIT_FSIZE, limits)
db.close()
print(json.dumps({**outcome, "files": sorted(os.listdir(folder))}))
"""


def test_a_disk_that_fills_up_mid_copy_leaves_nothing_behind(tmp_path: Path, clock: ManualClock) -> None:
    db = Database.open(tmp_path / "emby.db")
    try:
        migrate.upgrade(db)
        db.write_sync(lambda c: c.execute(plays.insert(), [_play(n, clock) for n in range(2000)]))
    finally:
        db.close()
    assert (tmp_path / "emby.db").stat().st_size > 256 * 1024
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", _SMALL_DISK, str(tmp_path / "emby.db"), str(tmp_path / "backups")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["error"] in ("StorageError", "BackupSpaceError"), outcome
    assert str(tmp_path / "backups") in outcome["message"]
    assert outcome["files"] == [], "no backup under its name, no temporary file"


async def test_the_job_backs_up_on_its_schedule_and_restarts_keep_it(
    tmp_path: Path, db: Database, clock: ManualClock
) -> None:
    backups = Backups(db, tmp_path / "backups", clock, keep=2)
    every = timedelta(hours=2)
    job = BackupJob(backups, clock, every)
    assert job.state.interval_sec == HOUR, "it looks hourly whether a backup is due"
    scheduler = Scheduler([job])
    scheduler.start()
    try:
        await _until(lambda: clock.next_deadline is not None)
        assert backups.listed() == [] and clock.next_deadline == clock.now() + timedelta(minutes=10)
        clock.advance(600)  # the first look, 10 minutes after start-up: no backup yet, so one now
        await _until(lambda: job.state.runs == 1)
        assert job.taken == 1 and job.state.last_error is None
        first = backups.listed()
        assert [b.created_at for b in first] == [clock.now()]
        for hour in (1, 2, 3, 4):
            await _until(lambda: clock.next_deadline is not None and not job.state.running)
            clock.advance(HOUR)
            await _until(lambda hour=hour: job.state.runs == hour + 1)  # type: ignore[misc]
            assert job.taken == 1 + hour // 2, f"a backup every two hours (hour {hour})"
        names = [b.name for b in backups.listed()]
        assert len(names) == 2 and first[0].name not in names, "the oldest beyond BACKUP_KEEP deleted"
        assert job.last_backup is not None and names[0] == job.last_backup.name
    finally:
        await scheduler.stop()

    # A restart: the folder says when the last backup was, so none is due before its time.
    clock.advance(HOUR)
    restarted = BackupJob(backups, clock, every, initial_delay_sec=0)
    await restarted.run_now()
    assert restarted.taken == 0 and restarted.state.last_error is None
    clock.advance(HOUR)
    await restarted.run_now()
    assert restarted.taken == 1 and len(backups.listed()) == 2
