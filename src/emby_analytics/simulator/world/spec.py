"""`WorldSpec`: what to generate (seed, counts, start, server name), with the demo and sized presets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

_TV_ITEMS_PER_SERIES = 34  # 1 series + ~3 seasons + ~30 episodes, at the default spec


def _default_start() -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WorldSpec:
    """What to generate. Counts of series/seasons/episodes are averages: each series varies around them."""

    seed: int = 42
    users: int = 8
    movies: int = 400
    series: int = 40
    seasons_per_series: int = 3
    episodes_per_season: int = 10
    music_tracks: int = 40
    other: int = 12  # home videos (Type "Video")
    hostile_names: bool = True
    start: datetime = field(default_factory=_default_start)
    years_of_history: int = 6  # DateCreated spread over this many years before `start`
    server_name: str = "Simulated Emby"
    version: str = "4.8.10.0"

    @classmethod
    def demo(cls, seed: int = 42, start: datetime | None = None) -> WorldSpec:
        """A realistic household: 9 users, 1,500 movies, 80 series (about 2,700 episodes)."""
        return cls(
            seed=seed,
            users=9,
            movies=1500,
            series=80,
            seasons_per_series=3,
            episodes_per_season=11,
            music_tracks=300,
            other=40,
            start=start or _default_start(),
        )

    @classmethod
    def sized(cls, total_items: int, seed: int = 42, start: datetime | None = None) -> WorldSpec:
        """About `total_items` movies + series + seasons + episodes (15 % movies); no music or home videos."""
        movies = max(1, int(total_items * 0.15))
        series = max(1, round((total_items - movies) / _TV_ITEMS_PER_SERIES))
        return cls(
            seed=seed,
            movies=movies,
            series=series,
            music_tracks=0,
            other=0,
            start=start or _default_start(),
        )
