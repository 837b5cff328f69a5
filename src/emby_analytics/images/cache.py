"""The on-disk image cache: one file per image and width, in a folder beside the database, bounded in bytes, the
least recently used image out first.

A file is named by its key (64 hex digits) and holds the content type, a newline, then the image's bytes. Files
are written under a temporary name and renamed, so a crash leaves whole files or temporary ones (deleted at the
next start). The order of use is each file's modification time, set on every write and hit (strictly increasing
within a run, whatever the file system's timestamp granularity), so it survives restarts.
The index (key → size, in order of use) lives in memory, read from the folder the first time the cache is used.
File work runs in threads; the index is only changed on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_KEY = re.compile(r"[0-9a-f]{64}")
# What we serve from our own origin: a plain image type (no parameters), never SVG in any spelling (it can carry
# script).
_IMAGE_TYPE = re.compile(r"image/[a-z0-9][a-z0-9.+-]{0,80}")
_TEMP_SUFFIX = ".tmp"


def safe_image_type(content_type: str) -> bool:
    return _IMAGE_TYPE.fullmatch(content_type) is not None and "svg" not in content_type


@dataclass(frozen=True, repr=False)
class CachedImage:
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"CachedImage(content_type={self.content_type!r}, bytes={len(self.data)})"

    @property
    def stored_size(self) -> int:
        return len(self.content_type) + 1 + len(self.data)


class ImageCache:
    """Images on disk under `folder`, at most `max_bytes` in all."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.folder = folder
        self.max_bytes = max_bytes
        self._index: OrderedDict[str, int] = OrderedDict()  # least recently used first
        self._total = 0
        self._stamp = 0  # the last modification time given to a file, in ns
        self._loaded = False
        self._loading = asyncio.Lock()

    @property
    def size_bytes(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    async def get(self, key: str) -> CachedImage | None:
        """The image stored under `key` (now the most recently used), or None."""
        await self._load()
        if key not in self._index:
            return None
        image = await asyncio.to_thread(_read, self.folder / key, self._next_stamp())
        if image is None:  # gone or damaged behind our back: forget it, it is fetched again
            self._forget(key)
            return None
        if key in self._index:
            self._index.move_to_end(key)
        return image

    async def put(self, key: str, image: CachedImage) -> None:
        """Store `image` under `key`, then evict the least recently used images until the bound holds. An image
        larger than the whole cache is not kept; a disk that refuses the write only costs the cache."""
        if not _KEY.fullmatch(key) or not safe_image_type(image.content_type):
            raise ValueError("not a cache key or not a servable image")
        await self._load()
        size = image.stored_size
        if size > self.max_bytes:
            return
        try:
            await asyncio.to_thread(_write, self.folder, key, image, self._next_stamp())
        except OSError as exc:
            log.warning("image cache: cannot write", extra={"error": str(exc)})
            return
        self._forget(key)
        self._index[key] = size
        self._total += size
        await self._evict()

    def _next_stamp(self) -> int:
        self._stamp = max(time.time_ns(), self._stamp + 1)
        return self._stamp

    def _forget(self, key: str) -> None:
        size = self._index.pop(key, None)
        if size is not None:
            self._total -= size

    async def _evict(self) -> None:
        doomed: list[str] = []
        while self._total > self.max_bytes:
            old, old_size = self._index.popitem(last=False)
            self._total -= old_size
            doomed.append(old)
        if doomed:
            await asyncio.to_thread(_unlink_all, self.folder, doomed)

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._loading:
            if self._loaded:
                return
            try:
                entries = await asyncio.to_thread(_scan, self.folder)
            except OSError as exc:
                log.warning(
                    "image cache: cannot read its folder", extra={"folder": str(self.folder), "error": str(exc)}
                )
                entries = []
            for key, size, stamp in entries:
                self._index[key] = size
                self._total += size
                self._stamp = max(self._stamp, stamp)
            await self._evict()  # the bound may have shrunk since the last run
            self._loaded = True


def _scan(folder: Path) -> list[tuple[str, int, int]]:
    """The cache's files as (key, size, mtime in ns), least recently used first; deletes writes a crash cut
    short."""
    folder.mkdir(parents=True, exist_ok=True)
    found: list[tuple[int, str, int]] = []
    for path in folder.iterdir():
        if path.name.endswith(_TEMP_SUFFIX):
            path.unlink(missing_ok=True)
        elif _KEY.fullmatch(path.name) and path.is_file():  # anything else in the folder is not ours: left alone
            stat = path.stat()
            found.append((stat.st_mtime_ns, path.name, stat.st_size))
    return [(name, size, stamp) for stamp, name, size in sorted(found)]


def _read(path: Path, stamp: int) -> CachedImage | None:
    try:
        raw = path.read_bytes()
        os.utime(path, ns=(stamp, stamp))  # most recently used, also for the next start's order
    except OSError:
        return None
    head, newline, data = raw.partition(b"\n")
    content_type = head.decode("ascii", "replace")
    if not newline or not data or not safe_image_type(content_type):
        path.unlink(missing_ok=True)
        return None
    return CachedImage(content_type, data)


def _write(folder: Path, key: str, image: CachedImage, stamp: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=key + ".", suffix=_TEMP_SUFFIX)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(image.content_type.encode("ascii") + b"\n")
            out.write(image.data)
        os.utime(temp, ns=(stamp, stamp))
        os.replace(temp, folder / key)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _unlink_all(folder: Path, keys: list[str]) -> None:
    for key in keys:
        try:
            (folder / key).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("image cache: cannot delete", extra={"file": key, "error": str(exc)})
