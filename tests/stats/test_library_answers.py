"""The duplicates kept in the database (`stats.library_answers`): the job writes them once per library version, a
reader uses them only at the library's current version, and a restarted service answers from them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, update
from tests.conftest import make_settings, migrated_database, running_service
from tests.stats.test_storage_sets import _item

from emby_analytics.clock import ManualClock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, library_answers
from emby_analytics.simulator.server import Simulator
from emby_analytics.stats.library_answers import (
    DUPLICATES,
    LibraryAnswersJob,
    decode,
    duplicates_found,
    encode,
    kept_version,
)
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.storage import duplicate_list

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ROWS = [
    _item(1, "Movie", 40, "/m/A.mkv", '{"imdb": "tt1"}'),
    _item(2, "Movie", 8, "/m/a.mkv", None),  # the same file as 1, listed twice
    _item(3, "Movie", 5, "/m/b.mkv", '{"imdb": "TT1", "tmdb": "7"}'),  # the same title as 1, another file
    _item(4, "Episode", 5, "/tv/e1.mkv", '{"tvdb": "9"}'),
    _item(5, "Episode", 1, "/tv/e1 copy.mkv", '{"tvdb": "9"}'),
    _item(6, "Episode", 1, "/tv/e2.mkv", '{"tvdb": "10"}'),
]


def _library(db: Database) -> None:
    db.write_sync(lambda conn: conn.execute(insert(items), ROWS))


def _kept(db: Database) -> tuple[int, bytes] | None:
    query = select(library_answers.c.version, library_answers.c.body)
    row = db.read_sync(lambda conn: conn.execute(query.where(library_answers.c.name == DUPLICATES)).first())
    return None if row is None else (row.version, row.body)


async def test_the_job_keeps_the_duplicates_once_per_library_version() -> None:
    with migrated_database() as db:
        _library(db)
        job = LibraryAnswersJob(db, ManualClock(NOW))
        assert _kept(db) is None
        fresh = db.read_sync(duplicate_list)
        assert len(fresh) == 2 and db.read_sync(duplicates_found) == fresh  # nothing kept yet: computed

        await job.run_once()
        kept = _kept(db)
        assert kept is not None and kept[0] == db.read_sync(library_version) and job.written == 1
        assert decode(kept[1]) == fresh == db.read_sync(duplicates_found)
        await job.run_once()  # the library has not changed: nothing computed or written
        assert job.written == 1 and _kept(db) == kept

        # A library write leaves the kept answer behind: readers compute it until the job has kept the new one.
        db.write_sync(lambda conn: conn.execute(update(items).where(items.c.id == "i6").values(path="/TV/E1.mkv")))
        changed = db.read_sync(duplicate_list)
        assert changed != fresh and db.read_sync(duplicates_found) == changed
        assert db.read_sync(lambda conn: kept_version(conn, DUPLICATES)) == kept[0]
        await job.run_once()
        assert job.written == 2 and decode(_kept(db)[1]) == changed  # type: ignore[index]


async def test_the_job_waits_while_a_sync_runs_and_looks_when_one_ends(tmp_path: Path, simulator: Simulator) -> None:
    with migrated_database() as db:
        _library(db)
        busy = LibraryAnswersJob(db, ManualClock(NOW), busy=lambda: True)
        await busy.run_once()
        assert busy.written == 0 and _kept(db) is None

    clock = ManualClock(NOW)
    simulator.world.clock = clock
    async with running_service(make_settings(tmp_path), simulator, clock) as service:
        job = service.state.scheduler.jobs["library-answers"]
        assert not job.triggered
        await service.state.library_sync.full()
        assert job.triggered  # its next run starts now, not in a minute


async def test_an_answer_kept_at_the_current_version_is_read_not_computed() -> None:
    with migrated_database() as db:
        _library(db)
        found = db.read_sync(duplicate_list)
        planted = [replace(found[0], keep_id="planted")]  # unlike anything the library would give
        version = db.read_sync(library_version)
        for at in (version - 1, version):
            row = {"name": DUPLICATES, "version": at, "body": encode(planted)}
            db.write_sync(lambda conn, row=row: upsert(conn, library_answers, [row], key=("name",)))
            assert db.read_sync(duplicates_found) == (planted if at == version else found)


async def test_a_restarted_service_answers_from_the_kept_duplicates(tmp_path: Path, simulator: Simulator) -> None:
    clock = ManualClock(NOW)
    simulator.world.clock = clock
    settings = make_settings(tmp_path)
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        before = (await service.http.get("/stats/storage/duplicates?page_size=500")).json()
        assert before["total"] > 0
        await LibraryAnswersJob(service.state.db, clock).run_once()
        kept = _kept(service.state.db)
    async with running_service(settings, simulator, clock) as service:
        assert kept is not None and _kept(service.state.db) == kept  # the restart left it as it was
        answer = await service.http.get("/stats/storage/duplicates?page_size=500")
        assert answer.status_code == 200 and answer.json() == before
