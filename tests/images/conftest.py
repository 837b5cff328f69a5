"""Helpers for the image proxy's tests: the simulator's image endpoint, PNG sizes, and a GET that moves the clock
past retry backoffs."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable

import httpx
from tests.conftest import Service

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.world import EPISODE, FLAG_NO_BACKDROP, FLAG_NO_PRIMARY, MOVIE, ItemRecord, World

IMAGE_ENDPOINT = "/Items/{Id}/Images/{Type}"
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == PNG and body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def image_requests(service: Service) -> int:
    """Image requests that reached the simulated Emby."""
    return service.simulator.metrics.by_endpoint[IMAGE_ENDPOINT]


def movies(world: World, *, primary: bool = True, backdrop: bool = True) -> list[ItemRecord]:
    """Movies with (or without) each image, as the world generated them."""
    return [
        rec
        for rec in world.records(world.ids_of_type(MOVIE))
        if bool(rec.flags & FLAG_NO_PRIMARY) != primary and bool(rec.flags & FLAG_NO_BACKDROP) != backdrop
    ]


def episode_of_a_series_with_images(world: World) -> tuple[ItemRecord, ItemRecord]:
    """An episode and its series, the series given both images and the episode none of its own."""
    episode = next(iter(world.records(world.ids_of_type(EPISODE))))
    series = world.item(episode.series)
    assert series is not None
    series.flags &= ~(FLAG_NO_PRIMARY | FLAG_NO_BACKDROP)
    episode.flags |= FLAG_NO_PRIMARY
    return episode, series


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0)


async def get_moving_retries(service: Service, clock: ManualClock, url: str) -> httpx.Response:
    """GET `url`; whenever a retry waits beside the fetch's deadline, move the clock past the retry's backoff
    (1 s, well inside the 10 s deadline)."""
    request = asyncio.create_task(service.http.get(url))
    async with asyncio.timeout(10):
        while not request.done():
            if clock.sleeping >= 2:
                clock.advance(1)
            await asyncio.sleep(0)
    return request.result()
