"""`/items/by-ids`: request order from the database; unknown ids asked of Emby once (one request) and stored as the
library sync stores them; ids Emby does not know either left out (and not asked again at once); clear 422s. An
answer the database alone gave is kept until the data changes (with an ETag); one that needed Emby is not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, select
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items
from emby_analytics.simulator.world import EPISODE, MOVIE, SERIES
from emby_analytics.sync.lookup import MAX_IDS, MISS_TTL

UNKNOWN = "999999999"


def _row(item_id: str) -> Callable[[Connection], dict[str, Any] | None]:
    def read(conn: Connection) -> dict[str, Any] | None:
        row = conn.execute(select(items).where(items.c.id == item_id)).first()
        return None if row is None else dict(row._mapping)

    return read


def _emby_items_requests(service: Service) -> int:
    return service.simulator.metrics.by_endpoint["/Items"]


async def _by_ids(service: Service, *ids: str | int) -> list[dict[str, Any]]:
    response = await service.http.get("/items/by-ids", params={"ids": ",".join(str(i) for i in ids)})
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def test_request_order_display_and_runtime_from_the_database(service: Service) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    episode = next(r for r in world.records(world.ids_of_type(EPISODE)) if r.runtime and r.index)
    movie = next(iter(world.records(world.ids_of_type(MOVIE))))
    series = world.item(episode.series)
    assert series is not None and series.type == SERIES
    calls = _emby_items_requests(service)

    answer = await _by_ids(service, episode.id, movie.id, series.id, episode.id)
    assert [a["id"] for a in answer] == [str(episode.id), str(movie.id), str(series.id)], "request order, each once"
    assert _emby_items_requests(service) == calls, "all known: Emby was not asked"
    first = answer[0]
    assert set(first) == {"id", "name", "type", "display", "series_id", "runtime_sec"}
    code = f"S{episode.parent_index:02d}E{episode.index:02d}"
    assert first == {
        "id": str(episode.id),
        "name": episode.name,
        "type": "Episode",
        "display": f"{series.name} - {episode.name} ({code})",
        "series_id": str(series.id),
        "runtime_sec": round(episode.runtime / 10_000_000),
    }
    assert answer[1]["display"] == movie.name and answer[1]["series_id"] is None
    assert answer[2]["type"] == "Series" and answer[2]["runtime_sec"] is None


async def test_unknown_ids_are_asked_of_emby_once_then_stored(service: Service) -> None:
    world = service.simulator.world
    episode, movie = world.ids_of_type(EPISODE)[0], world.ids_of_type(MOVIE)[0]
    answer = await _by_ids(service, movie, UNKNOWN, episode)
    assert [a["id"] for a in answer] == [str(movie), str(episode)], "unknown to Emby too: simply absent"
    assert _emby_items_requests(service) == 1, "one request for every unknown id"
    again = await _by_ids(service, episode, movie, UNKNOWN)
    assert [a["id"] for a in again] == [str(episode), str(movie)]
    assert _emby_items_requests(service) == 1, "stored, and the miss remembered"


async def test_a_miss_is_asked_again_after_a_while(service: Service, clock: ManualClock) -> None:
    assert await _by_ids(service, UNKNOWN) == []
    assert await _by_ids(service, UNKNOWN) == []
    assert _emby_items_requests(service) == 1
    clock.advance(MISS_TTL.total_seconds() + 1)
    assert await _by_ids(service, UNKNOWN) == []
    assert _emby_items_requests(service) == 2


async def test_only_the_unknown_ids_are_asked_for(service: Service) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    known = world.ids_of_type(MOVIE)[0]
    new = world.add_movie("Added after the sync")
    before = _emby_items_requests(service)
    answer = await _by_ids(service, new, known)
    assert [a["name"] for a in answer] == ["Added after the sync", world.item(known).name]  # type: ignore[union-attr]
    assert _emby_items_requests(service) == before + 1


async def test_an_item_asked_by_id_is_stored_as_the_library_sync_stores_it(service: Service) -> None:
    episode = str(service.simulator.world.ids_of_type(EPISODE)[0])
    await _by_ids(service, episode)
    by_id = await service.state.db.read(_row(episode))
    await service.state.library_sync.full()
    synced = await service.state.db.read(_row(episode))
    assert by_id is not None and synced is not None
    assert by_id["library_id"] is None and synced["library_id"] is not None, "the sync fills in the library"
    differing = {k for k in synced if synced[k] != by_id[k]}
    assert differing <= {"library_id", "seen_run", "updated_at"}


async def test_concurrent_questions_about_one_unknown_id_share_one_request(service: Service) -> None:
    movie = service.simulator.world.ids_of_type(MOVIE)[0]
    answers = await asyncio.gather(*(_by_ids(service, movie) for _ in range(5)))
    assert all([a["id"] for a in answer] == [str(movie)] for answer in answers)
    assert _emby_items_requests(service) == 1


async def test_emby_failing_leaves_the_unknown_ids_out(service: Service, clock: ManualClock) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    known = world.ids_of_type(MOVIE)[0]
    new = world.add_movie("Not stored yet")
    service.simulator.faults.unauthorized_next(1, endpoint="/Items")
    assert [a["id"] for a in await _by_ids(service, new, known)] == [str(known)]
    assert [a["id"] for a in await _by_ids(service, new, known)] == [new, str(known)], "a failure is not a miss"

    newer = world.add_movie("Stalled")
    service.simulator.faults.stall_next(1, seconds=3600, endpoint="/Items")
    request = asyncio.create_task(_by_ids(service, newer, known))
    await asyncio.wait_for(_clock_sleeping(clock), 5)
    clock.advance(10)
    async with asyncio.timeout(5):
        assert [a["id"] for a in await request] == [str(known)], "ten seconds on the clock, then what is known"


async def test_an_answer_from_the_database_is_kept_until_the_data_changes(service: Service) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    movie, other = world.ids_of_type(MOVIE)[:2]
    calls = _emby_items_requests(service)
    first = await service.http.get("/items/by-ids", params={"ids": f"{movie},{other}"})
    again = await service.http.get("/items/by-ids", params={"ids": f"{movie},{other}"})
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    etag = first.headers["etag"]
    unchanged = await service.http.get(
        "/items/by-ids", params={"ids": f"{movie},{other}"}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    assert _emby_items_requests(service) == calls, "the database answered: Emby was not asked"

    world.touch_items([movie], name="Renamed in Emby")  # the next sync stores the new name: the data changes
    await service.state.library_sync.incremental()
    renamed = await service.http.get(
        "/items/by-ids", params={"ids": f"{movie},{other}"}, headers={"If-None-Match": etag}
    )
    assert renamed.status_code == 200 and renamed.headers["x-cache"] == "miss"
    assert renamed.json()[0]["name"] == "Renamed in Emby" and renamed.headers["etag"] != etag


async def test_an_item_stored_by_id_makes_kept_answers_ask_again(service: Service) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    known = world.ids_of_type(MOVIE)[0]
    kept = await service.http.get("/items/by-ids", params={"ids": known})
    assert (await service.http.get("/items/by-ids", params={"ids": known})).headers["x-cache"] == "hit"

    new = world.add_movie("Added after the sync")
    stored = await _by_ids(service, new)  # asked of Emby and stored: a commit
    assert [a["name"] for a in stored] == ["Added after the sync"]
    after = await service.http.get(
        "/items/by-ids", params={"ids": known}, headers={"If-None-Match": kept.headers["etag"]}
    )
    assert after.status_code == 200 and after.headers["x-cache"] == "miss"


async def test_an_answer_that_needed_emby_is_not_kept(service: Service) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    known, new = world.ids_of_type(MOVIE)[0], world.add_movie("Not stored yet")
    asked = await service.http.get("/items/by-ids", params={"ids": f"{new},{known}"})
    assert [a["id"] for a in asked.json()] == [new, str(known)]
    assert asked.headers["x-cache"] == "miss" and "etag" not in asked.headers, "no validator for what Emby gave"
    calls = _emby_items_requests(service)
    stored = await service.http.get("/items/by-ids", params={"ids": f"{new},{known}"})
    again = await service.http.get("/items/by-ids", params={"ids": f"{new},{known}"})
    assert stored.json() == asked.json() and (stored.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert "etag" in stored.headers and _emby_items_requests(service) == calls, "stored once, then the database"


async def test_answers_without_what_emby_could_not_say_are_not_kept(service: Service, clock: ManualClock) -> None:
    world = service.simulator.world
    await service.state.library_sync.full()
    known, new = world.ids_of_type(MOVIE)[0], world.add_movie("Emby failing")
    ids = {"ids": f"{new},{known}"}
    service.simulator.faults.unauthorized_next(1, endpoint="/Items")
    failed = await service.http.get("/items/by-ids", params=ids)
    assert [a["id"] for a in failed.json()] == [str(known)] and "etag" not in failed.headers
    assert [a["id"] for a in (await service.http.get("/items/by-ids", params=ids)).json()] == [new, str(known)]

    missing = {"ids": f"{UNKNOWN},{known}"}
    for _ in range(2):  # a miss Emby confirmed, then the same miss remembered: neither answer is kept
        answer = await service.http.get("/items/by-ids", params=missing)
        assert [a["id"] for a in answer.json()] == [str(known)]
        assert answer.headers["x-cache"] == "miss" and "etag" not in answer.headers
    calls = _emby_items_requests(service)
    clock.advance(MISS_TTL.total_seconds() + 1)
    await service.http.get("/items/by-ids", params=missing)
    assert _emby_items_requests(service) == calls + 1, "the remembered miss expired: Emby is asked again"


async def _clock_sleeping(clock: ManualClock) -> None:
    while clock.sleeping == 0:
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "ids",
    [
        "",
        ",",
        "1,,2",
        "1,",
        "abc",
        "1;2",
        "1 2",
        "-1",
        "123456789012345678901",
        "0123456789abcdef0123456789abcdeg",
        "../1",
        ",".join(["1"] * (MAX_IDS + 1)),
        "1" * (MAX_IDS * 34 + 1),
    ],
)
async def test_bad_ids_are_refused(service: Service, ids: str) -> None:
    response = await service.http.get("/items/by-ids", params={"ids": ids})
    assert response.status_code == 422, (ids, response.text)
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == "invalid_parameter"
    assert "ids" in body["message"]
    assert _emby_items_requests(service) == 0


async def test_ids_is_required_and_the_limit_is_accepted(service: Service) -> None:
    missing = await service.http.get("/items/by-ids")
    assert missing.status_code == 422 and missing.json()["error"] == "invalid_parameter"
    many = [str(1_000_000 + n) for n in range(MAX_IDS)]
    assert await _by_ids(service, *many) == []
    assert _emby_items_requests(service) == 1
