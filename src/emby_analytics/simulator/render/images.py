"""Tiny deterministic PNGs (zlib + struct, no Pillow): a two-colour gradient seeded by the item id."""

from __future__ import annotations

import struct
import zlib

from ..world.formats import mix64

# Default sizes per image type, roughly Emby's aspect ratios (poster 2:3, backdrop/thumb 16:9).
_SIZES: dict[str, tuple[int, int]] = {
    "primary": (200, 300),
    "backdrop": (320, 180),
    "thumb": (320, 180),
    "banner": (400, 74),
    "logo": (300, 116),
}
MAX_SIDE = 640  # keep every image cheap to build


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def image_size(image_type: str, max_width: int | None, max_height: int | None, square: bool) -> tuple[int, int]:
    """Default size for the type, scaled down (aspect kept) to honour MaxWidth/MaxHeight."""
    width, height = (150, 150) if square else _SIZES.get(image_type.lower(), (200, 300))
    scale = 1.0
    if max_width and max_width > 0:
        scale = min(scale, max_width / width)
    if max_height and max_height > 0:
        scale = min(scale, max_height / height)
    scale = min(scale, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_png(key: int, width: int, height: int) -> bytes:
    """A vertical gradient between two colours derived from `key`: same key and size, same bytes."""
    h = mix64(key)
    top = (h & 0xFF, h >> 8 & 0xFF, h >> 16 & 0xFF)
    bottom = (h >> 24 & 0xFF, h >> 32 & 0xFF, h >> 40 & 0xFF)
    rows = []
    for y in range(height):
        t = y / max(1, height - 1)
        pixel = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        rows.append(b"\x00" + pixel * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )
