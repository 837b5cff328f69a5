"""The one video quality classifier, for the chart and its drill-down alike (as Python and as the same SQL).

Judged by width or height, whichever says more, so letterboxed encodes keep their class (3840×1600 is 4K, 1920×800
is 1080p) and anamorphic ones too (1440×1080 is 1080p); 8K only above 4K (5120×2880 is still 4K).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, case, or_

Quality = Literal["8K", "4K", "1080p", "720p", "SD", "Unknown"]
QUALITIES: tuple[Quality, ...] = ("8K", "4K", "1080p", "720p", "SD", "Unknown")
# (label, width at least, height at least): the first that either dimension reaches.
_CLASSES: tuple[tuple[Quality, int, int], ...] = (
    ("8K", 7000, 4000),
    ("4K", 3200, 2000),
    ("1080p", 1700, 1000),
    ("720p", 1100, 700),
    ("SD", 1, 1),
)


def quality(width: int | None, height: int | None) -> Quality:
    w, h = width or 0, height or 0
    return next((label for label, min_w, min_h in _CLASSES if w >= min_w or h >= min_h), "Unknown")


def quality_sql(width: ColumnElement[Any], height: ColumnElement[Any]) -> ColumnElement[str]:
    """`quality()` as a SQL expression over two columns."""
    whens = [(or_(width >= min_w, height >= min_h), label) for label, min_w, min_h in _CLASSES]
    return case(*whens, else_="Unknown")


def quality_condition(label: Quality, width: ColumnElement[Any], height: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows of one quality: the drill-down's filter, from the same classes."""
    return quality_sql(width, height) == label
