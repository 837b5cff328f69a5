"""Library sync against the simulator: complete, paged, bounded, idempotent, resumable, never deleting history."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import replace

import pytest
from sqlalchemy import Connection, select
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import NAME_MAX, items, libraries, sync_runs
from emby_analytics.emby import SYNC_ITEM_FIELDS
from emby_analytics.emby.connection import decode_json
from emby_analytics.emby.errors import EmbyError
from emby_analytics.emby.models import ItemsPage
from emby_analytics.stats.library_cache import library_version
from emby_analytics.sync.item_rows import item_row
from emby_analytics.sync.library import SyncAlreadyRunning, SyncProgress


def _stored(conn: Connection) -> dict[str, dict[str, object]]:
    return {row.id: dict(row._mapping) for row in conn.execute(select(items))}


async def test_full_sync_stores_every_item_with_its_media_facts(service: Service) -> None:
    world = service.simulator.world
    result = await service.state.library_sync.full()

    stored = await service.state.db.read(_stored)
    assert set(stored) == {str(i) for i in world.all_ids()}
    assert result.processed == len(world)
    assert result.removed == 0
    live = [row for row in stored.values() if row["removed_at"] is None]
    assert len(live) == len(stored)

    # Every stored row matches what Emby itself returns for the item.
    emby = service.state.emby
    movie_id = str(world.ids_of_type("Movie")[0])
    movie = await emby.item(movie_id)
    assert movie is not None
    row = stored[movie_id]
    assert row["type"] == "Movie"
    assert row["name"] == movie.name
    assert row["width"] == movie.resolved_width
    assert row["height"] == movie.resolved_height
    assert row["container"] == movie.resolved_container
    assert row["runtime_ticks"] == movie.run_time_ticks
    video = movie.primary_video_stream
    assert video is not None and video.codec is not None
    assert row["video_codec"] == video.codec.lower().replace("mpeg2video", "mpeg2")
    assert json.loads(str(row["provider_ids"])) == movie.provider_ids

    episode_id = str(world.ids_of_type("Episode")[0])
    episode = await emby.item(episode_id)
    assert episode is not None
    assert stored[episode_id]["series_id"] == episode.series_id
    assert stored[episode_id]["season_number"] == episode.parent_index_number
    assert stored[episode_id]["episode_number"] == episode.index_number

    # Every item is attributed to the library Emby lists it under.
    library_ids = await service.state.db.read(lambda c: set(c.execute(select(libraries.c.id)).scalars()))
    assert {row["library_id"] for row in stored.values()} <= library_ids


async def test_rows_read_item_by_item_are_those_the_whole_page_gave(service: Service) -> None:
    """The sync makes each row as its item is read (emby.item_pages): the rows are the ones a whole page of models
    gave, every column but the sync's own stamps."""
    await service.state.library_sync.full()
    stored = await service.state.db.read(_stored)
    emby, now = service.state.emby, service.state.clock.now()
    expected: dict[str, dict[str, object]] = {}
    for library_id in await service.state.db.read(lambda c: list(c.execute(select(libraries.c.id)).scalars())):
        reply = await emby.items_reply(parent_id=library_id, limit=10_000, fields=SYNC_ITEM_FIELDS)
        whole = ItemsPage.from_payload(decode_json(reply.reply, "GET", reply.path))
        expected.update({item.id: item_row(item, library_id, now) for item in whole.items})
    assert set(stored) == set(expected) == {str(i) for i in service.simulator.world.all_ids()}
    stamps = {"first_seen_at", "updated_at", "removed_at", "seen_run"}
    for item_id, row in expected.items():
        assert {k: v for k, v in stored[item_id].items() if k not in stamps} == {
            k: v for k, v in row.items() if k not in stamps
        }


async def test_sync_pages_with_bounded_concurrency(service: Service) -> None:
    sim = service.simulator
    sim.latency.set("/Items", base_ms=5, jitter_ms=3)
    sim.metrics.reset()
    await service.state.library_sync.full()

    chunk = service.state.settings.refresh_chunk_size
    items_calls = sim.metrics.by_endpoint.get("/Items", 0)
    n_libraries = len(sim.world.libraries)
    # One count request per library, then whole pages (up to a batch of 4 past each library's end).
    assert items_calls <= n_libraries + math.ceil(len(sim.world) / chunk) + 4 * n_libraries
    assert items_calls < len(sim.world) / 5, "never one call per item"
    assert 1 < sim.metrics.max_in_flight <= 4


async def test_full_sync_is_idempotent(service: Service) -> None:
    sync = service.state.library_sync
    await sync.full()
    first = await service.state.db.read(_stored)
    again = await sync.full()
    second = await service.state.db.read(_stored)
    assert again.removed == 0
    assert first.keys() == second.keys()
    for item_id, row in first.items():
        assert {k: v for k, v in row.items() if k not in ("updated_at", "seen_run")} == {
            k: v for k, v in second[item_id].items() if k not in ("updated_at", "seen_run")
        }


async def test_removed_items_are_marked_not_deleted(service: Service) -> None:
    world = service.simulator.world
    sync = service.state.library_sync
    await sync.full()
    movie = str(world.ids_of_type("Movie")[3])
    series = world.ids_of_type("Series")[0]
    series_family = {str(series)} | {
        str(i) for i in world.all_ids() if (rec := world.item(i)) is not None and rec.series == series
    }
    world.remove_items([movie, series])

    result = await sync.full()
    stored = await service.state.db.read(_stored)
    gone = {movie} | series_family
    assert result.removed == len(gone)
    assert gone <= set(stored), "rows stay, so their history stays"
    assert all(stored[i]["removed_at"] is not None for i in gone)
    assert all(row["removed_at"] is None for i, row in stored.items() if i not in gone)


async def test_incremental_sync_fetches_only_changes(service: Service) -> None:
    world = service.simulator.world
    clock = service.state.clock
    sync = service.state.library_sync
    await sync.full()

    clock.advance(3600)  # type: ignore[attr-defined]
    changed = [str(i) for i in world.ids_of_type("Movie")[5:8]]
    world.touch_items(changed, name="Renamed in Emby")
    added = world.add_movie(name="Brand New Movie")
    service.simulator.metrics.reset()

    result = await sync.incremental()
    assert result.kind == "incremental"
    assert result.processed == len(changed) + 1
    stored = await service.state.db.read(_stored)
    assert all(stored[i]["name"] == "Renamed in Emby" for i in changed)
    assert stored[added]["name"] == "Brand New Movie"
    assert service.simulator.metrics.by_endpoint.get("/Items", 0) <= len(world.libraries) * 2

    # The next run re-reads from a few minutes before the last one started (in case Emby's clock and ours
    # differ), so changes made just before a run are read once more; after that, nothing changed means nothing read.
    clock.advance(3600)  # type: ignore[attr-defined]
    overlap = await sync.incremental()
    assert overlap.processed == len(changed) + 1
    clock.advance(3600)  # type: ignore[attr-defined]
    quiet = await sync.incremental()
    assert quiet.processed == 0


async def test_a_sync_that_finds_nothing_new_leaves_the_library_version_alone(service: Service) -> None:
    """Every answer read from the library alone is cached under its data version: a sync that rewrote the same
    rows would have them all computed again after each incremental sync."""
    world = service.simulator.world
    clock = service.state.clock
    sync = service.state.library_sync
    await sync.full()
    version = await service.state.db.read(library_version)
    clock.advance(3600)  # type: ignore[attr-defined]
    assert (await sync.incremental()).processed == 0
    assert await service.state.db.read(library_version) == version

    world.libraries[0] = replace(world.libraries[0], name="Films (renamed)")
    clock.advance(3600)  # type: ignore[attr-defined]
    await sync.incremental()
    assert await service.state.db.read(library_version) > version
    stored = await service.state.db.read(lambda conn: conn.execute(select(libraries)).all())
    assert {row.name for row in stored} == {library.name for library in world.libraries}
    assert all(row.removed_at is None for row in stored)


async def test_first_incremental_sync_is_a_full_one(service: Service) -> None:
    result = await service.state.library_sync.incremental()
    assert result.kind == "full"
    assert result.processed == len(service.simulator.world)


async def test_emby_failure_mid_sync_leaves_data_consistent_and_next_run_completes(
    service: Service, clock: ManualClock
) -> None:
    sim = service.simulator
    sync = service.state.library_sync
    clock.autojump = True  # the client's retries wait on the service's clock: let them move it

    def break_emby_after_first_batch(progress: SyncProgress) -> None:
        if progress.processed > 0 and not sim.faults.pending():
            sim.faults.fail_next(100, status=503, endpoint="/Items")

    with pytest.raises(EmbyError):
        await sync.full(break_emby_after_first_batch)

    run = await service.state.db.read(lambda c: c.execute(select(sync_runs)).one())
    assert run.status == "failed"
    assert run.error and "503" in run.error
    assert run.resume_index > 0
    partial = await service.state.db.read(_stored)
    assert 0 < len(partial) < len(sim.world)
    assert all(row["name"] is not None and row["type"] for row in partial.values())

    sim.faults.clear()
    result = await sync.incremental()  # an unfinished full sync is resumed, not skipped
    assert result.kind == "full"
    assert result.run_id == run.id
    assert result.removed == 0
    stored = await service.state.db.read(_stored)
    assert set(stored) == {str(i) for i in sim.world.all_ids()}
    assert all(row["removed_at"] is None for row in stored.values())


async def test_pages_are_written_in_order_each_with_the_resume_point_after_it(
    service: Service, clock: ManualClock
) -> None:
    sim = service.simulator
    sync = service.state.library_sync
    clock.autojump = True
    pages = 0

    def break_emby_after_three_pages(progress: SyncProgress) -> None:
        nonlocal pages
        pages += progress.phase.startswith("library ")  # a page written
        if pages == 3:
            sim.faults.fail_next(100, status=503, endpoint="/Items")

    with pytest.raises(EmbyError):
        await sync.full(break_emby_after_three_pages)

    run = await service.state.db.read(lambda c: c.execute(select(sync_runs)).one())
    assert run.resume_index > 0
    stored = await service.state.db.read(
        lambda c: set(c.execute(select(items.c.id).where(items.c.library_id == run.resume_library)).scalars())
    )
    sim.faults.clear()
    first = await service.state.emby.items(parent_id=run.resume_library, sort_by="SortName", limit=run.resume_index)
    assert stored == {item.id for item in first.items}, "every page before the resume point, none after it"


async def test_only_one_sync_at_a_time(service: Service) -> None:
    sync = service.state.library_sync
    started = asyncio.Event()
    # The first progress report comes from inside the running sync, which holds the lock from then on.
    first = asyncio.create_task(sync.full(on_progress=lambda _progress: started.set()))
    await asyncio.wait_for(started.wait(), timeout=10)
    assert sync.running
    with pytest.raises(SyncAlreadyRunning):
        await sync.incremental()  # refused before its first await: the first sync cannot have ended meanwhile
    assert sync.running  # so the full sync below queues behind it
    queued = await sync.full(wait=True)
    assert (await first).run_id < queued.run_id


async def test_hostile_names_are_stored_as_data_and_capped(service: Service) -> None:
    await service.state.library_sync.full()
    stored = await service.state.db.read(_stored)
    names = [str(row["name"]) for row in stored.values()]
    assert all(len(name) <= NAME_MAX for name in names)
    assert any("<" in name or "\u202e" in name for name in names), "the simulator plants hostile titles"


async def test_a_malformed_record_does_not_end_the_sync_early(service: Service) -> None:
    world = service.simulator.world
    sync = service.state.library_sync
    sync.chunk_size = 5  # several batches of pages per library
    library = next(lib for lib in world.libraries if lib.collection_type == "movies")
    first = await service.state.emby.items(parent_id=str(library.id), limit=1, sort_by="SortName")
    broken = first.items[0].id
    world.touch_items([broken], changes={"Id": None})  # Emby sends a record that fails validation
    result = await sync.full()
    stored = await service.state.db.read(_stored)
    assert result.skipped == 1
    assert set(stored) == {str(i) for i in world.all_ids()} - {broken}, "every other item, after it too"
    assert result.removed == 0
