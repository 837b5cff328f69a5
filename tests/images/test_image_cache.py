"""The disk cache on real files: round trip, the byte bound with least-recently-used eviction, order kept across a
restart, and whatever a crash or a stranger left in the folder."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from emby_analytics.images import CachedImage, ImageCache

PNG = b"\x89PNG\r\n\x1a\n"


def key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def image(size: int, fill: bytes = b"x") -> CachedImage:
    """An image whose stored size (type line + bytes) is exactly `size`."""
    header = len("image/png") + 1
    return CachedImage("image/png", PNG + fill * (size - header - len(PNG)))


async def test_round_trip_in_a_private_file(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "cache", 10_000)
    assert await cache.get(key("a")) is None
    await cache.put(key("a"), image(100))
    got = await cache.get(key("a"))
    assert got == image(100) and "bytes=" in repr(got) and "PNG" not in repr(got)
    path = tmp_path / "cache" / key("a")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (len(cache), cache.size_bytes) == (1, 100)
    assert files(tmp_path / "cache") == {key("a")}, "no temporary file left behind"


async def test_the_least_recently_used_image_goes_first(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path, 300)
    for name in "abc":
        await cache.put(key(name), image(100))
    assert await cache.get(key("a")) is not None  # b is now the least recently used
    await cache.put(key("d"), image(100))
    assert key("b") not in cache and not (tmp_path / key("b")).exists()
    assert {key(n) for n in "acd"} == files(tmp_path)
    assert cache.size_bytes == 300
    await cache.put(key("e"), image(250))  # needs room for 250: the three others are older, all go
    assert files(tmp_path) == {key("e")} and cache.size_bytes == 250


async def test_an_image_larger_than_the_cache_is_not_kept(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path, 300)
    await cache.put(key("a"), image(100))
    await cache.put(key("big"), image(301))
    assert key("big") not in cache and key("a") in cache
    assert files(tmp_path) == {key("a")}


async def test_replacing_an_image_counts_its_size_once(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path, 1000)
    await cache.put(key("a"), image(100))
    await cache.put(key("a"), image(200, b"y"))
    assert (len(cache), cache.size_bytes) == (1, 200)
    assert await cache.get(key("a")) == image(200, b"y")


async def test_the_order_of_use_survives_a_restart(tmp_path: Path) -> None:
    first = ImageCache(tmp_path, 300)
    for name in "abc":
        await first.put(key(name), image(100))
    assert await first.get(key("a")) is not None
    again = ImageCache(tmp_path, 300)  # a new process: only the files remain
    assert await again.get(key("c")) is not None  # b is the least recently used, in either life
    await again.put(key("d"), image(100))
    assert files(tmp_path) == {key("a"), key("c"), key("d")}


async def test_a_smaller_bound_trims_the_folder_at_start(tmp_path: Path) -> None:
    first = ImageCache(tmp_path, 1000)
    for name in "abcd":
        await first.put(key(name), image(100))
    smaller = ImageCache(tmp_path, 250)
    assert await smaller.get(key("d")) is not None
    assert files(tmp_path) == {key("c"), key("d")}
    assert smaller.size_bytes == 200


async def test_leftovers_and_strangers(tmp_path: Path) -> None:
    (tmp_path / f"{key('a')}.abc.tmp").write_bytes(b"half written")  # a write a crash cut short
    (tmp_path / "README").write_text("not ours")
    (tmp_path / key("damaged")).write_bytes(b"no header line")
    (tmp_path / key("svg")).write_bytes(b"image/svg+xml\n<svg onload=alert(1)>")
    cache = ImageCache(tmp_path, 1000)
    assert await cache.get(key("damaged")) is None
    assert await cache.get(key("svg")) is None, "never served, even from our own folder"
    assert files(tmp_path) == {"README"}
    assert (len(cache), cache.size_bytes) == (0, 0)


async def test_a_file_deleted_behind_the_caches_back_is_a_miss(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path, 1000)
    await cache.put(key("a"), image(100))
    (tmp_path / key("a")).unlink()
    assert await cache.get(key("a")) is None
    assert (len(cache), cache.size_bytes) == (0, 0)


async def test_a_folder_that_cannot_be_written_only_costs_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    cache = ImageCache(blocker, 1000)
    await cache.put(key("a"), image(100))
    assert await cache.get(key("a")) is None and len(cache) == 0


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("not-a-key", "image/png"),
        (key("a"), "image/svg+xml"),
        (key("a"), "image/svg"),
        (key("a"), "text/html"),
        (key("a"), "image/png; charset=x"),
        (key("a"), "image/png\n"),
    ],
)
async def test_put_refuses_what_it_must_not_store(tmp_path: Path, name: str, content_type: str) -> None:
    with pytest.raises(ValueError, match="not a cache key or not a servable image"):
        await ImageCache(tmp_path, 1000).put(name, CachedImage(content_type, b"data"))


def test_the_bound_is_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        ImageCache(tmp_path, 0)
