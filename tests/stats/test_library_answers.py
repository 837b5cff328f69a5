"""Library answers kept in the database (`stats.library_answers`): the duplicates and the movie and TV shelves. The
job writes each once per library version (and, for the shelves, per month), a reader uses one only at the library's
current version and month, and a restarted service answers from them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update
from tests.conftest import make_settings, migrated_database, running_service
from tests.stats.test_storage_sets import _item

from emby_analytics.clock import ManualClock
from emby_analytics.db.dialect import upsert
from emby_analytics.db.engine import Database
from emby_analytics.db.schema import items, library_answers
from emby_analytics.simulator.server import Simulator
from emby_analytics.stats.library_answers import KeptAnswer, LibraryAnswersJob, kept_key, kept_or_computed, pack
from emby_analytics.stats.library_cache import library_version
from emby_analytics.stats.movies import MOVIE_SHELF
from emby_analytics.stats.series import SERIES_SHELF
from emby_analytics.stats.storage_duplicates import DUPLICATES, duplicate_list, duplicates_found
from emby_analytics.stats.window import month_start

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SINCE = month_start(NOW, UTC_ZONE)
ANSWERS: tuple[KeptAnswer[Any], ...] = (DUPLICATES, MOVIE_SHELF, SERIES_SHELF)
ROWS = [
    _item(1, "Movie", 40, "/m/A.mkv", '{"imdb": "tt1"}', date_created=NOW - timedelta(days=40)),
    _item(2, "Movie", 8, "/m/a.mkv", None, date_created=NOW - timedelta(days=2)),  # the same file as 1, listed twice
    _item(3, "Movie", 5, "/m/b.mkv", '{"imdb": "TT1", "tmdb": "7"}'),  # the same title as 1, another file
    _item(7, "Series", 0, None, None, genres='["Drama"]', primary_image_tag="t"),
    _item(4, "Episode", 5, "/tv/e1.mkv", '{"tvdb": "9"}', series_id="i7", runtime_ticks=30_000_000_000),
    _item(5, "Episode", 1, "/tv/e1 copy.mkv", '{"tvdb": "9"}', series_id="i7", date_created=NOW),
    _item(6, "Episode", 1, "/tv/e2.mkv", '{"tvdb": "10"}', series_id="i7"),
]


def _library(db: Database) -> None:
    columns = {key for row in ROWS for key in row}
    db.write_sync(lambda conn: conn.execute(insert(items), [dict.fromkeys(columns) | row for row in ROWS]))


def _body(db: Database, answer: KeptAnswer[Any]) -> tuple[int, str] | None:
    return db.read_sync(lambda conn: kept_key(conn, answer))


def _read(db: Database, answer: KeptAnswer[Any], since: datetime = SINCE) -> Any:
    return db.read_sync(lambda conn: kept_or_computed(conn, answer, since))


def _fresh(db: Database, answer: KeptAnswer[Any], since: datetime = SINCE) -> Any:
    return db.read_sync(lambda conn: answer.compute(conn, since))


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.name)
def test_an_answer_reads_back_as_computed(answer: KeptAnswer[Any]) -> None:
    with migrated_database() as db:
        _library(db)
        fresh = _fresh(db, answer)
        assert fresh and answer.load(json.loads(json.dumps(answer.dump(fresh)))) == fresh


async def test_the_job_keeps_each_answer_once_per_library_version() -> None:
    with migrated_database() as db:
        _library(db)
        job = LibraryAnswersJob(db, ManualClock(NOW), UTC_ZONE, ANSWERS)
        fresh = {a.name: _fresh(db, a) for a in ANSWERS}
        assert len(fresh[DUPLICATES.name]) == 2
        for answer in ANSWERS:
            assert _body(db, answer) is None and _read(db, answer) == fresh[answer.name]  # nothing kept: computed

        await job.run_once()
        version = db.read_sync(library_version)
        assert job.written == 3
        for answer in ANSWERS:
            found = _body(db, answer)
            assert found == (version, answer.key(SINCE))
            assert _read(db, answer) == fresh[answer.name]
        await job.run_once()  # the library has not changed: nothing computed or written
        assert job.written == 3

        # A library write leaves the kept answers behind: readers compute them until the job has kept the new ones.
        db.write_sync(
            lambda conn: conn.execute(update(items).where(items.c.id == "i6").values(path="/TV/E1.mkv", size_bytes=3))
        )
        db.write_sync(lambda conn: conn.execute(update(items).where(items.c.id == "i1").values(size_bytes=90)))
        for answer in ANSWERS:
            changed = _fresh(db, answer)
            assert changed != fresh[answer.name] and _read(db, answer) == changed
            assert _body(db, answer)[0] == version  # type: ignore[index]
        await job.run_once()
        assert job.written == 6
        assert all(_body(db, a)[0] == db.read_sync(library_version) for a in ANSWERS)  # type: ignore[index]


async def test_a_shelf_is_kept_for_its_month_only() -> None:
    with migrated_database() as db:
        _library(db)
        clock = ManualClock(NOW)
        job = LibraryAnswersJob(db, clock, UTC_ZONE, ANSWERS)
        await job.run_once()
        march = _read(db, MOVIE_SHELF)
        assert march.added_since == 1  # the movie added on the 8th; the one of January not

        clock.set(datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
        april = month_start(clock.now(), UTC_ZONE)
        assert _read(db, MOVIE_SHELF, april).added_since == 0  # kept for March: computed for April
        await job.run_once()
        assert job.written == 5  # the two shelves again, not the duplicates
        assert _body(db, MOVIE_SHELF) == (db.read_sync(library_version), MOVIE_SHELF.key(april))
        assert _read(db, SERIES_SHELF, april) == _fresh(db, SERIES_SHELF, april)
        assert _read(db, MOVIE_SHELF) == march  # a reader still in March (its clock behind) computes its own


def _plant(db: Database, answer: KeptAnswer[Any], version: int, body: bytes) -> None:
    row = {"name": answer.name, "version": version, "body": body}
    db.write_sync(lambda conn: upsert(conn, library_answers, [row], key=("name",)))


async def test_an_answer_kept_at_the_current_version_and_month_is_read_not_computed() -> None:
    with migrated_database() as db:
        _library(db)
        version = db.read_sync(library_version)
        found = db.read_sync(duplicate_list)
        planted = [replace(found[0], keep_id="planted")]  # unlike anything the library would give
        for at in (version - 1, version):
            _plant(db, DUPLICATES, at, pack(DUPLICATES.key(SINCE), DUPLICATES.dump(planted)))
            assert db.read_sync(duplicates_found) == (planted if at == version else found)

        shelf = replace(_fresh(db, MOVIE_SHELF), count=999)
        shows = replace(_fresh(db, SERIES_SHELF), seasons=999)
        for month in (SINCE - timedelta(days=28), SINCE):
            for answer, body in ((MOVIE_SHELF, shelf), (SERIES_SHELF, shows)):
                _plant(db, answer, version, pack(answer.key(month), answer.dump(body)))
                assert (_read(db, answer) == body) is (month == SINCE)
        # Kept by another release: computed again, though the library has not changed.
        _plant(db, MOVIE_SHELF, version, pack(SINCE.isoformat(), MOVIE_SHELF.dump(shelf)))
        assert _read(db, MOVIE_SHELF) == _fresh(db, MOVIE_SHELF)


@pytest.mark.parametrize("body", [b"\0", b"\0not zlib", pack("", [1, 2]), pack("", {"count": "many"})])
async def test_a_kept_body_that_does_not_load_is_computed_instead(body: bytes) -> None:
    with migrated_database() as db:
        _library(db)
        version = db.read_sync(library_version)
        _plant(db, MOVIE_SHELF, version, MOVIE_SHELF.key(SINCE).encode() + body)  # the key of a current answer
        assert _read(db, MOVIE_SHELF) == _fresh(db, MOVIE_SHELF)


async def test_a_month_is_the_zones() -> None:
    """In New York, 02:00 UTC on 1 April is still March: the shelf kept for March serves it."""
    zone = ZoneInfo("America/New_York")
    with migrated_database() as db:
        _library(db)
        clock = ManualClock(datetime(2026, 3, 20, 12, tzinfo=UTC))
        job = LibraryAnswersJob(db, clock, zone, (MOVIE_SHELF,))
        await job.run_once()
        march = month_start(clock.now(), zone)
        assert march == datetime(2026, 3, 1, 5, tzinfo=UTC)  # local midnight, EST
        clock.set(datetime(2026, 4, 1, 2, tzinfo=UTC))
        await job.run_once()
        assert job.written == 1 and _body(db, MOVIE_SHELF) == (db.read_sync(library_version), MOVIE_SHELF.key(march))
        clock.set(datetime(2026, 4, 1, 4, tzinfo=UTC))  # midnight in New York (EDT)
        await job.run_once()
        assert job.written == 2 and _body(db, MOVIE_SHELF)[1] == MOVIE_SHELF.key(month_start(clock.now(), zone))  # type: ignore[index]


async def test_rows_of_an_older_form_are_removed() -> None:
    with migrated_database() as db:
        _library(db)
        old = {"name": "duplicates/1", "version": 1, "body": b"[]"}
        db.write_sync(lambda conn: upsert(conn, library_answers, [old], key=("name",)))
        await LibraryAnswersJob(db, ManualClock(NOW), UTC_ZONE, ANSWERS).run_once()
        names = db.read_sync(lambda conn: set(conn.execute(select(library_answers.c.name)).scalars()))
        assert names == {a.name for a in ANSWERS}


async def test_the_job_waits_while_a_sync_runs_and_looks_when_one_ends(tmp_path: Path, simulator: Simulator) -> None:
    with migrated_database() as db:
        _library(db)
        busy = LibraryAnswersJob(db, ManualClock(NOW), UTC_ZONE, ANSWERS, busy=lambda: True)
        await busy.run_once()
        assert busy.written == 0 and all(_body(db, a) is None for a in ANSWERS)

    clock = ManualClock(NOW)
    simulator.world.clock = clock
    async with running_service(make_settings(tmp_path), simulator, clock) as service:
        job = service.state.scheduler.jobs["library-answers"]
        assert not job.triggered
        await service.state.library_sync.full()
        assert job.triggered  # its next run starts now, not in a minute


async def test_a_restarted_service_answers_from_the_kept_answers(tmp_path: Path, simulator: Simulator) -> None:
    clock = ManualClock(NOW)
    simulator.world.clock = clock
    settings = make_settings(tmp_path)
    pages = ("/stats/storage/duplicates?page_size=500", "/stats/movies", "/stats/series")
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        before = [(await service.http.get(page)).json() for page in pages]
        assert before[0]["total"] > 0 and before[1]["total_movies"] > 0 and before[2]["total_episodes"] > 0
        await LibraryAnswersJob(service.state.db, clock, settings.zone, ANSWERS).run_once()
        bodies = [_body(service.state.db, a) for a in ANSWERS]
    async with running_service(settings, simulator, clock) as service:
        assert None not in bodies and [_body(service.state.db, a) for a in ANSWERS] == bodies  # left as they were
        for page, answer in zip(pages, before, strict=True):
            got = await service.http.get(page)
            assert got.status_code == 200 and got.json() == answer
