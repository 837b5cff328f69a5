"""Images fetched from Emby for the image proxy."""

from __future__ import annotations

from dataclasses import dataclass

# The ImageType enum of Emby's spec.
IMAGE_TYPES = frozenset(
    {
        "Primary",
        "Art",
        "Backdrop",
        "Banner",
        "Logo",
        "Thumb",
        "Disc",
        "Box",
        "Screenshot",
        "Menu",
        "Chapter",
        "BoxRear",
        "Thumbnail",
        "LogoLight",
        "LogoLightColor",
    }
)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_WIDTH = 10_000


@dataclass(frozen=True, repr=False)
class EmbyImage:
    """An image's bytes and its (image/*) content type."""

    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"EmbyImage(content_type={self.content_type!r}, bytes={len(self.data)})"
