"""`/stats/movies`: the movie library at a glance (see `stats.facts` for what each half reads).

Field names of the original (`total_movies`, `largest_movie_name`, `largest_movie_gb`, `longest_runtime_minutes`,
`newest_movie{name, date}`, `most_watched_movie{name, hours}`, `popular_genres[{genre, count}]`,
`movies_added_this_month`, ...) are kept, so its scripts keep working; each notable movie is also given whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from emby_analytics.db.schema import items
from emby_analytics.stats.facts import (
    GenreFact,
    ItemFact,
    Shelf,
    Watched,
    add_genre_time,
    gib,
    library_genres,
    load_shelf,
    loose_micros,
    minutes,
    ranked_genres,
    rows_with_library,
    shelf,
)
from emby_analytics.stats.library import in_library
from emby_analytics.stats.library_answers import KeptAnswer, jsonable, kept_or_computed
from emby_analytics.stats.library_cache import cached
from emby_analytics.stats.posters import poster_url
from emby_analytics.stats.rolled import Rolled, hours, seconds

# The most watched movie is the first of this many top items that is still in the library.
_TOP_CANDIDATES = 50
# Watch time per genre of the movies in the library now (each movie once per genre), from the all-time rollup.
_GENRE_TIME = (
    "SELECT value, SUM(micros) FROM (SELECT DISTINCT i.id, g.value AS value, r.micros AS micros "
    "FROM rollup_item_totals r JOIN items i ON i.id = r.item_id, json_each(i.genres) g "
    "WHERE r.item_type = 'Movie' AND i.type = 'Movie' AND i.removed_at IS NULL AND i.is_placeholder = 0 "
    "AND i.genres IS NOT NULL AND i.genres != '[]' AND g.type = 'text') GROUP BY value"
)


class MovieFacts(BaseModel):
    total_movies: int = Field(description="Movies in the library (not removed).")
    total_size_bytes: int = Field(description="Their files, in bytes.")
    total_runtime_hours: float = Field(description="Their runtime, hours to 0.01 (time to watch them all).")
    total_runtime_seconds: int
    largest_movie: ItemFact | None = Field(description="The largest file.")
    largest_movie_name: str | None = Field(description="Its name (the original's field).")
    largest_movie_gb: float | None = Field(description="Its size in GiB, to 0.01 (the original's field).")
    longest_movie: ItemFact | None = Field(description="The longest runtime.")
    longest_movie_name: str | None
    longest_runtime_minutes: int | None
    shortest_movie: ItemFact | None = Field(description="The shortest runtime of those with one.")
    shortest_movie_name: str | None
    shortest_runtime_minutes: int | None
    newest_movie: ItemFact | None = Field(description="The last added, by Emby's DateCreated (`date`).")
    most_watched_movie: Watched | None = Field(
        description="The movie in the library with the most watch time, all time (time really playing, not "
        "plays). For a window: /stats/top/items?media_type=Movie."
    )
    popular_genres: list[GenreFact] = Field(description="Genres by number of movies, then watch time.")
    most_watched_genres: list[GenreFact] = Field(description="Genres by all-time watch time of their movies.")
    added_this_month: int = Field(description="Movies Emby added since the month began in TZ.")
    movies_added_this_month: int = Field(description="The same (the original's field).")
    month_start: datetime = Field(description="When this month began in TZ (UTC): what `added_this_month` counts from.")


def _movie_shelf(conn: Connection, since: datetime) -> Shelf:
    return shelf(conn, "Movie", since)


# The name carries the answer's form (`Shelf`, `ItemFact`).
MOVIE_SHELF = KeptAnswer("movies-shelf/1", _movie_shelf, jsonable, load_shelf, monthly=True)


def movie_facts(rolled: Rolled, since: datetime, *, genres: int) -> MovieFacts:
    """The movies' facts; `since`: when this month began; `genres`: how many of each genre ranking."""
    held = cached(rolled.conn, ("movies", since), lambda conn: kept_or_computed(conn, MOVIE_SHELF, since))
    runtime = round(held.runtime_ticks / 10_000_000)
    micros = _genre_micros(rolled)
    return MovieFacts(
        total_movies=held.count,
        total_size_bytes=held.size_bytes,
        total_runtime_hours=round(runtime / 3600, 2),
        total_runtime_seconds=runtime,
        largest_movie=held.largest,
        largest_movie_name=held.largest.name if held.largest else None,
        largest_movie_gb=gib(held.largest.size_bytes) if held.largest else None,
        longest_movie=held.longest,
        longest_movie_name=held.longest.name if held.longest else None,
        longest_runtime_minutes=minutes(held.longest),
        shortest_movie=held.shortest,
        shortest_movie_name=held.shortest.name if held.shortest else None,
        shortest_runtime_minutes=minutes(held.shortest),
        newest_movie=held.newest,
        most_watched_movie=_most_watched(rolled),
        popular_genres=ranked_genres(held.genres, micros, by_time=False, limit=genres),
        most_watched_genres=ranked_genres(held.genres, micros, by_time=True, limit=genres),
        added_this_month=held.added_since,
        movies_added_this_month=held.added_since,
        month_start=since,
    )


def _most_watched(rolled: Rolled) -> Watched | None:
    top = rolled.top_items(_TOP_CANDIDATES, item_type="Movie")
    ranked = sorted(top.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    found = _in_library(rolled.conn, [item_id for item_id, _ in ranked])
    for item_id, (micros, views) in ranked:
        row = found.get(item_id)
        if row is not None and micros > 0:
            return Watched(
                id=item_id,
                name=row.name,
                poster=poster_url(item_id) if row.primary_image_tag else None,
                hours=hours(micros),
                seconds=seconds(micros),
                plays=views,
            )
    return None


def _in_library(conn: Connection, ids: list[str]) -> dict[str, Any]:
    """These movies that are in the library: their names and poster tags."""
    if not ids:
        return {}
    columns = (items.c.id, items.c.name, items.c.primary_image_tag)
    query = select(*columns).where(in_library(), items.c.type == "Movie", items.c.id.in_(ids))
    return {row.id: row for row in conn.execute(query)}


def _genre_micros(rolled: Rolled) -> dict[str, int]:
    """All-time watch time per genre of the movies in the library: the rollup's, plus the unfolded plays'."""
    out = {name: int(micros) for name, micros in rows_with_library(rolled, _GENRE_TIME)}
    loose = loose_micros(rolled, "Movie")
    for item_id, genres in library_genres(rolled.conn, sorted(loose), "Movie").items():
        add_genre_time(out, genres, loose[item_id])
    return out
