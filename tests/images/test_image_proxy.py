"""`/img/{primary|backdrop}/{id}` against the simulated Emby: fetched once, then from disk (across restarts too);
widths forwarded; ETags and 304; the byte bound; one fetch for concurrent requests; the series fallback; clean 404s;
and 502s in our own words when Emby fails, stalls or sends something that is not an image."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from tests.conftest import API_KEY, Service, make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items
from emby_analytics.images import MAX_WIDTH, ImageKind
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import FLAG_NO_PRIMARY, SEASON

from .conftest import (
    IMAGE_ENDPOINT,
    PNG,
    episode_of_a_series_with_images,
    get_moving_retries,
    image_requests,
    movies,
    png_size,
    until,
)


async def synced(service: Service) -> None:
    await service.state.library_sync.full()


def cache_files(service: Service) -> set[str]:
    folder = service.state.settings.image_cache_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def assert_clean_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == error
    assert API_KEY not in response.text and API_KEY not in str(response.headers)


async def test_an_image_is_fetched_once_then_served_from_disk(service: Service) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    first = await service.http.get(f"/img/primary/{movie.id}")
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/png"
    assert png_size(first.content) == (200, 300)  # the simulator's poster, as Emby sent it
    assert first.headers["etag"].startswith('"') and first.headers["cache-control"] == "private, max-age=86400"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert image_requests(service) == 1 and len(cache_files(service)) == 1

    second = await service.http.get(f"/img/primary/{movie.id}")
    assert (second.content, second.headers["etag"]) == (first.content, first.headers["etag"])
    assert image_requests(service) == 1, "the second request did not reach Emby"
    assert service.state.images.stats.hits == 1

    backdrop = await service.http.get(f"/img/backdrop/{movie.id}")
    assert png_size(backdrop.content) == (320, 180) and image_requests(service) == 2


async def test_the_cache_survives_a_restart(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    settings = make_settings(tmp_path)
    movie = movies(simulator.world)[0]
    async with running_service(settings, simulator, clock) as service:
        await synced(service)
        first = await service.http.get(f"/img/primary/{movie.id}")
    async with running_service(settings, simulator, clock) as service:
        again = await service.http.get(f"/img/primary/{movie.id}")
        assert again.content == first.content
        assert image_requests(service) == 1, "served from the files the first run left"


async def test_the_width_is_forwarded_and_cached_per_width(service: Service) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    narrow = await service.http.get(f"/img/primary/{movie.id}?w=100")
    assert png_size(narrow.content) == (100, 150)
    assert png_size((await service.http.get(f"/img/primary/{movie.id}?w=100")).content) == (100, 150)
    assert image_requests(service) == 1
    full = await service.http.get(f"/img/primary/{movie.id}")
    narrower = await service.http.get(f"/img/primary/{movie.id}?w=50")
    assert (png_size(full.content), png_size(narrower.content)) == ((200, 300), (50, 75))
    assert len({narrow.headers["etag"], full.headers["etag"], narrower.headers["etag"]}) == 3
    assert image_requests(service) == 3
    assert png_size((await service.http.get(f"/img/primary/{movie.id}?w={MAX_WIDTH}")).content) == (200, 300)


@pytest.mark.parametrize("width", ["0", "-1", str(MAX_WIDTH + 1), "99999999999999999999", "abc", "1.5", ""])
async def test_a_width_out_of_range_is_refused_not_clamped(service: Service, width: str) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    response = await service.http.get(f"/img/primary/{movie.id}?w={width}")
    assert_clean_error(response, 422, "invalid_parameter")
    assert "w:" in response.json()["message"]
    assert image_requests(service) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/img/thumb/1",
        "/img/Primary/1",
        "/img/logo/1",
        "/img/primary/abc",
        "/img/primary/123456789012345678901",  # 21 digits
        "/img/primary/0123456789abcdef0123456789abcdeg",
        "/img/primary/-1",
        "/img/primary/1%2F..%2F..%2FUsers",
        "/img/primary/1;drop",
        "/img/primary/%20",
        "/img/primary/",
        "/img/primary",
    ],
)
async def test_bad_types_and_ids_are_refused(service: Service, path: str) -> None:
    response = await service.http.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert set(response.json()) == {"error", "message"}
    assert sum(service.simulator.metrics.by_endpoint.values()) == 0, "nothing reached Emby"


async def test_etags_and_304(service: Service) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    url = f"/img/primary/{movie.id}"
    etag = (await service.http.get(url)).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await service.http.get(url, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert (response.headers["etag"], response.headers["cache-control"]) == (etag, "private, max-age=86400")
    assert (await service.http.get(url, headers={"If-None-Match": '"other"'})).status_code == 200
    for name in cache_files(service):  # a 304 needs neither the file nor Emby
        (service.state.settings.image_cache_dir / name).unlink()
    assert (await service.http.get(url, headers={"If-None-Match": etag})).status_code == 304
    assert image_requests(service) == 1


async def test_a_changed_image_gets_a_new_etag_and_is_fetched_again(service: Service, clock: ManualClock) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    url = f"/img/primary/{movie.id}"
    etag = (await service.http.get(url)).headers["etag"]
    clock.advance(60)
    service.simulator.world.touch_items([movie.id])  # Emby saved the item again: new image tag
    await service.state.library_sync.incremental()
    changed = await service.http.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert image_requests(service) == 2


async def test_the_cache_keeps_its_byte_bound_least_recently_used_out_first(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    settings = make_settings(tmp_path, IMAGE_CACHE_MB="1")
    a, b, c = movies(simulator.world)[:3]
    big = PNG + bytes(400_000)  # three of them do not fit in 1 MiB, two do
    async with running_service(settings, simulator, clock) as service:
        await synced(service)
        for movie in (a, b):
            simulator.faults.answer_next(1, big, "image/png", endpoint=IMAGE_ENDPOINT)
            assert (await service.http.get(f"/img/primary/{movie.id}")).content == big
        assert (await service.http.get(f"/img/primary/{a.id}")).content == big  # b is now the least recently used
        simulator.faults.answer_next(1, big, "image/png", endpoint=IMAGE_ENDPOINT)
        await service.http.get(f"/img/primary/{c.id}")
        cache = service.state.images.cache
        assert len(cache_files(service)) == 2 and cache.size_bytes <= settings.image_cache_bytes
        assert image_requests(service) == 3

        assert (await service.http.get(f"/img/primary/{a.id}")).content == big
        assert (await service.http.get(f"/img/primary/{c.id}")).content == big
        assert image_requests(service) == 3, "a and c stayed"
        refetched = await service.http.get(f"/img/primary/{b.id}")
        assert png_size(refetched.content) == (200, 300) and image_requests(service) == 4, "b was evicted"


async def test_concurrent_requests_for_one_image_fetch_it_once(service: Service, clock: ManualClock) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    url = f"/img/primary/{movie.id}"
    # The first fetch fails once and waits out its retry's backoff on the clock: the others arrive meanwhile.
    service.simulator.faults.fail_next(1, status=503, endpoint=IMAGE_ENDPOINT)
    first = asyncio.create_task(service.http.get(url))
    await until(lambda: clock.sleeping == 2)  # the fetch's deadline and the retry's backoff
    others = [asyncio.create_task(service.http.get(url)) for _ in range(4)]
    await until(lambda: service.state.images.stats.shared == 4)
    clock.advance(1)
    responses = await asyncio.gather(first, *others)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert image_requests(service) == 2, "one fetch (a 503, then its retry) for five requests"
    assert service.state.images.stats.fetches == 1


async def test_a_browser_going_away_does_not_cancel_the_shared_fetch(service: Service, clock: ManualClock) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    url = f"/img/primary/{movie.id}"
    service.simulator.faults.fail_next(1, status=503, endpoint=IMAGE_ENDPOINT)
    leaving = asyncio.create_task(service.http.get(url))
    await until(lambda: clock.sleeping == 2)
    staying = asyncio.create_task(service.http.get(url))
    await until(lambda: service.state.images.stats.shared == 1)
    leaving.cancel()
    clock.advance(1)
    assert (await staying).status_code == 200
    assert image_requests(service) == 2


async def test_an_episode_without_a_poster_shows_its_series_poster(service: Service) -> None:
    world = service.simulator.world
    episode, series = episode_of_a_series_with_images(world)
    season = world.item(episode.season)
    assert season is not None and season.type == SEASON
    season.flags |= FLAG_NO_PRIMARY
    await synced(service)
    poster = await service.http.get(f"/img/primary/{series.id}")
    for item_id in (episode.id, season.id):
        borrowed = await service.http.get(f"/img/primary/{item_id}")
        assert borrowed.status_code == 200
        assert (borrowed.content, borrowed.headers["etag"]) == (poster.content, poster.headers["etag"])
    assert image_requests(service) == 1, "one image, cached once for the series and the items borrowing it"
    backdrop = await service.http.get(f"/img/backdrop/{episode.id}")  # episodes never have their own
    assert backdrop.status_code == 200 and png_size(backdrop.content) == (320, 180)


async def test_an_episode_of_a_series_without_a_poster_is_404(service: Service) -> None:
    world = service.simulator.world
    episode, series = episode_of_a_series_with_images(world)
    series.flags |= FLAG_NO_PRIMARY
    await synced(service)
    assert_clean_error(await service.http.get(f"/img/primary/{episode.id}"), 404, "not_found")
    assert image_requests(service) == 0


async def test_a_missing_image_is_a_clean_404(service: Service) -> None:
    world = service.simulator.world
    without = movies(world, primary=False)[0]
    await synced(service)
    response = await service.http.get(f"/img/primary/{without.id}")
    assert_clean_error(response, 404, "not_found")
    assert response.json()["message"] == "the item has no primary image"
    assert image_requests(service) == 0, "the database knew: Emby was not asked"

    stale = movies(world)[0]
    stale.flags |= FLAG_NO_PRIMARY  # deleted in Emby after the sync stored its tag
    assert_clean_error(await service.http.get(f"/img/primary/{stale.id}"), 404, "not_found")
    assert image_requests(service) == 1


async def test_an_item_emby_does_not_know_is_404_and_not_asked_again(service: Service) -> None:
    metrics = service.simulator.metrics
    for _ in range(2):
        assert_clean_error(await service.http.get("/img/primary/999999999"), 404, "not_found")
    assert metrics.by_endpoint["/Items"] == 1 and image_requests(service) == 0


async def test_an_item_not_yet_synced_is_looked_up_once_and_stored(service: Service) -> None:
    movie = movies(service.simulator.world)[0]
    metrics = service.simulator.metrics
    for _ in range(2):
        assert (await service.http.get(f"/img/primary/{movie.id}")).status_code == 200
    assert (metrics.by_endpoint["/Items"], image_requests(service)) == (1, 1)
    stored = await service.state.db.read(
        lambda conn: conn.execute(items.select().where(items.c.id == str(movie.id))).first()
    )
    assert stored is not None and stored.primary_image_tag


SECRET_TEXT = b"NullReferenceException at Emby.Server.Implementations secret-detail"


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("down", "Emby did not send a usable image"),
        ("error_text", "Emby did not send a usable image"),
        ("html", "Emby did not send a usable image"),
        ("svg", "Emby did not send a usable image"),
        ("empty", "Emby did not send a usable image"),
        ("oversized", "Emby did not send a usable image"),
        ("odd_type", "Emby did not send a usable image"),
        ("svg_other_spelling", "Emby did not send a usable image"),
        ("redirect", "Emby did not send a usable image"),
        ("unauthorized", "Emby refused the API key"),
    ],
)
async def test_emby_failures_are_502_in_our_words(
    service: Service, clock: ManualClock, scenario: str, message: str
) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    faults = service.simulator.faults
    match scenario:
        case "down":
            faults.fail_next(2, status=503, endpoint=IMAGE_ENDPOINT)
        case "error_text":
            faults.answer_next(2, SECRET_TEXT, "text/plain", status=500, endpoint=IMAGE_ENDPOINT)
        case "html":
            faults.answer_next(1, b"<html>" + SECRET_TEXT + b"</html>", "text/html", endpoint=IMAGE_ENDPOINT)
        case "svg":
            faults.answer_next(1, b"<svg onload=alert(1)>" + SECRET_TEXT, "image/svg+xml", endpoint=IMAGE_ENDPOINT)
        case "empty":
            faults.answer_next(1, b"", "image/png", endpoint=IMAGE_ENDPOINT)
        case "oversized":
            faults.answer_next(1, PNG + bytes(10 * 1024 * 1024), "image/png", endpoint=IMAGE_ENDPOINT)
        case "odd_type":
            faults.answer_next(1, PNG, "image/png\x0b<script>", endpoint=IMAGE_ENDPOINT)
        case "svg_other_spelling":
            faults.answer_next(1, b"<svg onload=alert(1)>", "image/svg", endpoint=IMAGE_ENDPOINT)
        case "redirect":
            faults.answer_next(1, b"", "text/html", status=302, endpoint=IMAGE_ENDPOINT)
        case "unauthorized":
            faults.unauthorized_next(1, endpoint=IMAGE_ENDPOINT)
    response = await get_moving_retries(service, clock, f"/img/primary/{movie.id}")
    assert_clean_error(response, 502, "emby_unavailable")
    assert response.json()["message"] == message
    assert b"secret-detail" not in response.content and b"svg" not in response.content
    assert cache_files(service) == set(), "a failure is not cached"
    assert faults.pending() == 0
    assert (await service.http.get(f"/img/primary/{movie.id}")).status_code == 200, "the next request tries again"


async def test_a_stalled_emby_is_502_after_ten_seconds_on_the_clock(service: Service, clock: ManualClock) -> None:
    await synced(service)
    movie = movies(service.simulator.world)[0]
    service.simulator.faults.stall_next(1, seconds=3600, endpoint=IMAGE_ENDPOINT)
    request = asyncio.create_task(service.http.get(f"/img/primary/{movie.id}"))
    await until(lambda: clock.sleeping == 1)
    clock.advance(9.9)
    await asyncio.sleep(0)
    assert not request.done()
    clock.advance(0.1)
    async with asyncio.timeout(5):  # without the deadline this would wait for the stall's hour
        response = await request
    assert_clean_error(response, 502, "emby_unavailable")
    assert response.json()["message"] == "Emby did not send the image within 10 s"
    assert (await service.http.get(f"/img/primary/{movie.id}")).status_code == 200


async def test_emby_failing_to_say_what_an_item_is_is_502(service: Service) -> None:
    movie = movies(service.simulator.world)[0]  # not synced: the proxy must ask Emby what it is
    service.simulator.faults.unauthorized_next(1, endpoint="/Items")
    response = await service.http.get(f"/img/primary/{movie.id}")
    assert_clean_error(response, 502, "emby_unavailable")
    assert response.json()["message"] == "Emby could not be asked about this item"
    assert image_requests(service) == 0
    assert (await service.http.get(f"/img/primary/{movie.id}")).status_code == 200


async def test_stopping_the_service_cancels_a_fetch_in_flight(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    movie = movies(simulator.world)[0]
    async with running_service(make_settings(tmp_path), simulator, clock) as service:
        await synced(service)
        proxy = service.state.images
        source = await proxy.source(ImageKind.primary, str(movie.id))
        simulator.faults.stall_next(1, seconds=3600, endpoint=IMAGE_ENDPOINT)
        load = asyncio.create_task(proxy.image(source, None))
        await until(lambda: clock.sleeping == 1)
    with pytest.raises(asyncio.CancelledError):
        await load
    assert clock.sleeping == 0, "the fetch's deadline went with it"
