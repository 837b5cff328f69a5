"""Which image answers: the item's own, else (episodes and seasons) the series', else none. A table of cases."""

from __future__ import annotations

import pytest

from emby_analytics.images import ImageFacts, ImageKind, ImageSource, pick_source

P, B = ImageKind.primary, ImageKind.backdrop
SERIES = ImageFacts("900", "Series", None, primary_tag="sp", backdrop_tag="sb", series_primary_tag=None)
BARE_SERIES = ImageFacts("900", "Series", None, None, None, None)


def item(
    type_: str, primary: str | None = None, backdrop: str | None = None, series_tag: str | None = None
) -> ImageFacts:
    series_id = "900" if type_ in ("Episode", "Season") else None
    return ImageFacts("42", type_, series_id, primary, backdrop, series_tag)


@pytest.mark.parametrize(
    ("kind", "facts", "series", "expected"),
    [
        (P, item("Movie", "mp"), None, ImageSource("42", "Primary", "mp")),
        (B, item("Movie", "mp", "mb"), None, ImageSource("42", "Backdrop", "mb")),
        (B, item("Movie", "mp"), None, None),
        (P, item("Movie"), SERIES, None),  # only episodes and seasons borrow
        (P, item("Episode", "ep"), SERIES, ImageSource("42", "Primary", "ep")),  # its own comes first
        (P, item("Episode", series_tag="st"), None, ImageSource("900", "Primary", "st")),  # no series row needed
        (P, item("Episode"), SERIES, ImageSource("900", "Primary", "sp")),
        (P, item("Season"), SERIES, ImageSource("900", "Primary", "sp")),
        (B, item("Episode"), SERIES, ImageSource("900", "Backdrop", "sb")),
        (B, item("Season"), SERIES, ImageSource("900", "Backdrop", "sb")),
        (P, item("Episode"), BARE_SERIES, None),
        (P, item("Episode"), None, None),
        (P, ImageFacts("42", "Episode", None, None, None, "st"), None, None),  # no series id, nothing to borrow
        (P, item("Movie", "not/a tag"), None, None),  # a stored value we would not put in a URL
        (P, ImageFacts("../1", "Episode", "x/y", "t", None, "st"), None, None),
    ],
)
def test_pick_source(
    kind: ImageKind, facts: ImageFacts, series: ImageFacts | None, expected: ImageSource | None
) -> None:
    assert pick_source(kind, facts, series) == expected


def test_keys_differ_by_image_tag_and_width() -> None:
    source = ImageSource("42", "Primary", "t1")
    keys = {
        source.key(None),
        source.key(100),
        ImageSource("42", "Primary", "t2").key(None),
        ImageSource("42", "Backdrop", "t1").key(None),
        ImageSource("43", "Primary", "t1").key(None),
    }
    assert len(keys) == 5 and all(len(k) == 64 for k in keys)
    assert source.key(None) == ImageSource("42", "Primary", "t1").key(None)
