"""Poster URLs of our image proxy, given only for images the library says exist (a browser logs every image that
fails to load, so a URL for a missing one is a console error on every page that lists it)."""

from __future__ import annotations

from typing import Any

from emby_analytics.images import ImageKind, proxy_url


def poster_url(item_id: str | None) -> str | None:
    """Our image proxy's poster URL, for an id it takes."""
    return proxy_url(ImageKind.primary, item_id)


def row_poster(row: Any) -> str | None:
    """The poster of an item row with `id`, `primary_image_tag`, `series_id` and `series_primary_image_tag`: its
    own, else its series' (an episode without one); None when the library knows of neither, or when the row is not
    from the library (an item known only from its plays has no image tags)."""
    if row is None or "primary_image_tag" not in row._fields:
        return None
    if row.primary_image_tag:
        return poster_url(row.id)
    fields = row._fields
    if "series_primary_image_tag" in fields and row.series_primary_image_tag:
        return poster_url(row.series_id)
    return None
