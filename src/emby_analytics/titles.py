"""How an item is named to people: one rule for every answer that shows a title (history, items by id)."""

from __future__ import annotations

from typing import Any


def display_title(row: Any) -> str | None:
    """Episodes as 'Series - Name (SxxEyy)', anything else by its name.

    `row` carries `item_type`, `item_name`, `series_name`, `season_number` and `episode_number` (a `plays` row, or
    an `items` row with its columns labelled so)."""
    return display(row.item_type, row.item_name, row.series_name, row.season_number, row.episode_number)


def display(
    item_type: str | None,
    name: str | None,
    series_name: str | None,
    season: int | None,
    episode: int | None,
    year: int | None = None,
) -> str | None:
    """`display_title` from the parts; a film given its `year` is 'Name (Year)' (the live view names it so)."""
    if item_type == "Episode" and series_name:
        code = (f"S{season:02d}" if season is not None else "") + (f"E{episode:02d}" if episode is not None else "")
        return f"{series_name} - {name}" + (f" ({code})" if code else "")
    if item_type == "Movie" and name and year:
        return f"{name} ({year})"
    return name
