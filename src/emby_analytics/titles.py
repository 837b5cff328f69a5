"""How an item is named to people: one rule for every answer that shows a title (history, items by id)."""

from __future__ import annotations

from typing import Any


def display_title(row: Any) -> str | None:
    """Episodes as 'Series - Name (SxxEyy)', anything else by its name.

    `row` carries `item_type`, `item_name`, `series_name`, `season_number` and `episode_number` (a `plays` row, or
    an `items` row with its columns labelled so)."""
    if row.item_type == "Episode" and row.series_name:
        season = f"S{row.season_number:02d}" if row.season_number is not None else ""
        episode = f"E{row.episode_number:02d}" if row.episode_number is not None else ""
        code = f" ({season}{episode})" if season or episode else ""
        return f"{row.series_name} - {row.item_name}{code}"
    return row.item_name  # type: ignore[no-any-return]
