"""Which Emby image answers a request: the item's own, or its series' when an episode or season has none (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from emby_analytics.emby.validation import check_id

# The ids and tags we put into Emby URLs; anything else stored for an item is not used (see emby.validation).
_ID = re.compile(r"[0-9a-fA-F]{32}|\d{1,20}")
_TAG = re.compile(r"[0-9A-Za-z]{1,64}")
_FALLS_BACK_TO_SERIES = frozenset({"Episode", "Season"})


class ImageKind(StrEnum):
    """The images the proxy serves, named as in its routes."""

    primary = "primary"
    backdrop = "backdrop"

    @property
    def emby_type(self) -> str:
        return "Primary" if self is ImageKind.primary else "Backdrop"


def proxy_url(kind: ImageKind, item_id: str | None) -> str | None:
    """The proxy's URL of an item's image (`/img/{kind}/{id}`), only for an id it takes: nothing from Emby goes into
    a URL unchecked."""
    try:
        return f"/img/{kind.value}/{check_id(item_id)}" if item_id else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ImageFacts:
    """What the `items` table knows about one item's images."""

    id: str
    type: str
    series_id: str | None
    primary_tag: str | None
    backdrop_tag: str | None
    series_primary_tag: str | None  # Emby sends it with an episode, so no series row is needed for the poster


@dataclass(frozen=True)
class ImageSource:
    """One image in Emby: whose, which type, and its tag (the tag changes when the image does)."""

    item_id: str
    emby_type: str
    tag: str

    def key(self, width: int | None) -> str:
        """The image at this width, as 64 hex digits: its cache file's name and (cut short) its ETag."""
        text = f"{self.item_id}/{self.emby_type}/{self.tag}/{width or 0}"
        return hashlib.sha256(text.encode()).hexdigest()


def pick_source(kind: ImageKind, item: ImageFacts, series: ImageFacts | None) -> ImageSource | None:
    """The image that answers for `item`, or None when neither it nor (for an episode or season) its series has
    one. `series` is the series' row when the database has it."""
    own = item.primary_tag if kind is ImageKind.primary else item.backdrop_tag
    if own is not None and _usable(item.id, own):
        return ImageSource(item.id, kind.emby_type, own)
    if item.type not in _FALLS_BACK_TO_SERIES or not item.series_id:
        return None
    if kind is ImageKind.primary:
        tag = item.series_primary_tag or (series.primary_tag if series else None)
    else:
        tag = series.backdrop_tag if series else None
    if tag is not None and _usable(item.series_id, tag):
        return ImageSource(item.series_id, kind.emby_type, tag)
    return None


def _usable(item_id: str, tag: str) -> bool:
    return _TAG.fullmatch(tag) is not None and _ID.fullmatch(item_id) is not None
