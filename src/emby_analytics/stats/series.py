"""`/stats/series`: the TV library at a glance (see `stats.facts` for what each half reads).

A series' size and runtime are its episodes' (Emby gives a series no file); its genres are its own (Emby leaves
episodes' genres empty), and its watch time is its episodes'. The original's field names (`total_series`,
`total_episodes`, `largest_series_name`, `largest_series_total_gb`, `largest_episode_name`, `largest_episode_gb`,
`longest_series_name`, `longest_series_runtime_minutes`, `most_watched_series{name, hours}`,
`total_episode_runtime_hours`, `newest_series{name, date}`, `episodes_added_this_month`) are kept. Unlike the
original, `newest_series` is the series Emby added last (the original named the newest episode there, which is
`newest_episode` here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from emby_analytics.db.schema import items
from emby_analytics.stats.facts import (
    GenreFact,
    ItemFact,
    Shelf,
    Watched,
    add_genre_time,
    gib,
    load_fact,
    load_shelf,
    loose_micros,
    ranked_genres,
    shelf,
)
from emby_analytics.stats.genres import SERIES_COLUMNS, ListedSeries, series_totals
from emby_analytics.stats.library import in_library
from emby_analytics.stats.library_answers import KeptAnswer, jsonable, kept_or_computed
from emby_analytics.stats.library_cache import cached
from emby_analytics.stats.rolled import Rolled, hours, seconds

_SERIES_TIME = (
    "SELECT series_id, SUM(micros), SUM(views) FROM rollup_item_totals WHERE item_type = 'Episode' "
    "AND series_id IS NOT NULL GROUP BY series_id"
)


class SeriesFacts(BaseModel):
    total_series: int = Field(description="Series in the library.")
    total_seasons: int = Field(description="Seasons in the library.")
    total_episodes: int = Field(description="Episodes in the library (missing and unaired placeholders not).")
    total_size_bytes: int = Field(description="The episodes' files, in bytes.")
    total_episode_runtime_hours: float = Field(description="The episodes' runtime, hours to 0.01.")
    total_episode_runtime_seconds: int
    largest_series: ListedSeries | None = Field(description="The series whose episodes take the most space.")
    largest_series_name: str | None
    largest_series_total_gb: float | None = Field(description="Its episodes' size in GiB, to 0.01.")
    longest_series: ListedSeries | None = Field(description="The series with the most runtime (time to watch it).")
    longest_series_name: str | None
    longest_series_runtime_minutes: int | None
    shortest_series: ListedSeries | None = Field(description="The series with the least runtime (of those with one).")
    largest_episode: ItemFact | None = Field(description="The largest episode file.")
    largest_episode_name: str | None
    largest_episode_gb: float | None
    longest_episode: ItemFact | None
    shortest_episode: ItemFact | None = Field(description="The shortest episode of those with a runtime.")
    newest_series: ItemFact | None = Field(description="The series Emby added last (DateCreated, `date`).")
    newest_episode: ItemFact | None = Field(description="The episode Emby added last (DateCreated, `date`).")
    most_watched_series: Watched | None = Field(
        description="The series in the library whose episodes have the most watch time, all time. For a window: "
        "/stats/top/series."
    )
    popular_genres: list[GenreFact] = Field(description="Genres by number of series, then watch time.")
    most_watched_genres: list[GenreFact] = Field(description="Genres by all-time watch time of their series.")
    added_this_month: int = Field(description="Episodes Emby added since the month began in TZ.")
    episodes_added_this_month: int = Field(description="The same (the original's field).")
    series_added_this_month: int = Field(description="Series Emby added since the month began in TZ.")
    month_start: datetime = Field(description="When this month began in TZ (UTC).")


@dataclass(frozen=True)
class SeriesShelf:
    series: dict[str, ListedSeries]  # every series in the library, with its episodes' totals
    seasons: int
    episodes: Shelf
    series_added: int
    newest_series: ItemFact | None


def series_shelf(conn: Connection, since: datetime) -> SeriesShelf:
    rows = conn.execute(select(*SERIES_COLUMNS).where(in_library(), items.c.type == "Series")).all()
    totals = series_totals(conn, None)
    seasons = conn.execute(select(func.count()).where(in_library(), items.c.type == "Season")).scalar_one()
    whole = shelf(conn, "Series", since, genres=False)  # counts and newest; sizes and runtimes are the episodes'
    return SeriesShelf(
        series={row.id: ListedSeries.of(row, totals.get(row.id)) for row in rows},
        seasons=seasons,
        episodes=shelf(conn, "Episode", since, genres=False),
        series_added=whole.added_since,
        newest_series=whole.newest,
    )


def _load(dumped: dict[str, Any]) -> SeriesShelf:
    return SeriesShelf(
        series={key: ListedSeries.model_validate(show) for key, show in dumped["series"].items()},
        seasons=dumped["seasons"],
        episodes=load_shelf(dumped["episodes"]),
        series_added=dumped["series_added"],
        newest_series=load_fact(dumped["newest_series"]),
    )


# The name carries the answer's form (`SeriesShelf`, `Shelf`, `ItemFact`, `ListedSeries`).
SERIES_SHELF = KeptAnswer("series-shelf/1", series_shelf, jsonable, _load, monthly=True)


def series_facts(rolled: Rolled, since: datetime, *, genres: int) -> SeriesFacts:
    held = cached(rolled.conn, ("series", since), lambda conn: kept_or_computed(conn, SERIES_SHELF, since))
    shows = list(held.series.values())
    # Ties go to the lowest id, as the library's ORDER BY ... id does for items.
    largest = min((s for s in shows if s.size_bytes > 0), key=lambda s: (-s.size_bytes, s.id), default=None)
    timed = [s for s in shows if s.runtime_seconds > 0]
    longest = min(timed, key=lambda s: (-s.runtime_seconds, s.id), default=None)
    shortest = min(timed, key=lambda s: (s.runtime_seconds, s.id), default=None)
    watched = _watched(rolled)
    counts: dict[str, int] = {}
    micros: dict[str, int] = {}
    for show in shows:
        add_genre_time(counts, show.genres, 1)
        add_genre_time(micros, show.genres, watched.get(show.id, (0, 0))[0])
    episodes = held.episodes
    runtime = round(episodes.runtime_ticks / 10_000_000)
    return SeriesFacts(
        total_series=len(shows),
        total_seasons=held.seasons,
        total_episodes=episodes.count,
        total_size_bytes=episodes.size_bytes,
        total_episode_runtime_hours=round(runtime / 3600, 2),
        total_episode_runtime_seconds=runtime,
        largest_series=largest,
        largest_series_name=largest.name if largest else None,
        largest_series_total_gb=gib(largest.size_bytes) if largest else None,
        longest_series=longest,
        longest_series_name=longest.name if longest else None,
        longest_series_runtime_minutes=longest.runtime_seconds // 60 if longest else None,
        shortest_series=shortest,
        largest_episode=episodes.largest,
        largest_episode_name=episodes.largest.name if episodes.largest else None,
        largest_episode_gb=gib(episodes.largest.size_bytes) if episodes.largest else None,
        longest_episode=episodes.longest,
        shortest_episode=episodes.shortest,
        newest_series=held.newest_series,
        newest_episode=episodes.newest,
        most_watched_series=_most_watched(watched, held.series),
        popular_genres=ranked_genres(counts, micros, by_time=False, limit=genres),
        most_watched_genres=ranked_genres(counts, micros, by_time=True, limit=genres),
        added_this_month=episodes.added_since,
        episodes_added_this_month=episodes.added_since,
        series_added_this_month=held.series_added,
        month_start=since,
    )


def _watched(rolled: Rolled) -> dict[str, tuple[int, int]]:
    """All-time (microseconds, viewings) of each series' episodes: the rollup's, plus the unfolded plays'."""
    out = {series_id: (int(m), int(v)) for series_id, m, v in rolled.rows(_SERIES_TIME)}
    for series_id, micros in loose_micros(rolled, "Episode", key="series_id").items():
        m, v = out.get(series_id, (0, 0))
        out[series_id] = (m + micros, v)
    for view in rolled.loose_views():
        if view.item_type == "Episode" and view.series_id:
            m, v = out.get(view.series_id, (0, 0))
            out[view.series_id] = (m, v + 1)
    return out


def _most_watched(watched: dict[str, tuple[int, int]], series: dict[str, ListedSeries]) -> Watched | None:
    """The series in the library with the most watch time (then viewings, then id)."""
    found = [(m, v, sid) for sid, (m, v) in watched.items() if sid in series and m > 0]
    if not found:
        return None
    micros, views, series_id = min(found, key=lambda t: (-t[0], -t[1], t[2]))
    show = series[series_id]
    return Watched(
        id=series_id, name=show.name, poster=show.poster, hours=hours(micros), seconds=seconds(micros), plays=views
    )
