"""`/stats/movies`, `/stats/series` and the genre lists on the simulator's library, synced, with plays written
through the tracker's store (TZ=Europe/Berlin). Every figure is checked against a plain reference computed here
from the stored rows; genres are compared whole ("Action, Adventure" is one genre, in the simulator's library)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select, update
from tests.conftest import make_settings, running_service
from tests.stats.test_stats_api import NOW, at, get, play

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items
from emby_analytics.rollups.fold import ensure_zone, fold
from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import Service
from emby_analytics.tracking.model import TickResult
from emby_analytics.tracking.store import PlayWriter

COMMA = "Action, Adventure"
BERLIN_NEW_YEAR = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 1 January 00:00 in Berlin


@pytest.fixture
async def library(tmp_path: Path, simulator: Simulator) -> AsyncIterator[tuple[Service, dict[str, Any]]]:
    clock = ManualClock(NOW)
    world = simulator.world
    world.clock = clock
    # Added either side of the local month's start: 00:30 on 1 January in Berlin is still 2025 in UTC.
    fresh = [
        world.add_movie("New Year Movie", BERLIN_NEW_YEAR + timedelta(minutes=30)),
        world.add_movie("Today Movie", NOW - timedelta(hours=1)),
    ]
    world.add_movie("Old Year Movie", BERLIN_NEW_YEAR - timedelta(minutes=30))
    settings = make_settings(tmp_path, TZ="Europe/Berlin", COUNT_LIVE_TV="false")
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        rows = await service.state.db.read(lambda c: c.execute(select(items)).all())
        live = [r for r in rows if r.removed_at is None and not r.is_placeholder]
        movies = sorted((r for r in live if r.type == "Movie" and r.runtime_ticks), key=lambda r: r.id)
        episodes = sorted((r for r in live if r.type == "Episode" and r.series_id), key=lambda r: r.id)
        a, b = (u.id for u in world.users[:2])
        other_series = next(e for e in episodes if e.series_id != episodes[0].series_id)
        plays = [
            play(1, a, movies[0], [(at(2, 20), at(2, 21), 0)]),  # 3600 s
            play(2, b, movies[0], [(at(1, 20), at(1, 20, 30), 0)]),  # 1800 s more: 5400 s, two viewings
            play(3, a, movies[1], [(at(1, 10), at(1, 11, 30), 0)]),  # 5400 s, one viewing: ranks below movie 0
            play(4, b, episodes[0], [(at(0, 9), at(0, 9, 40), 0)]),  # 2400 s
            play(5, b, other_series, [(at(0, 10), at(0, 10, 20), 0)]),  # 1200 s
        ]
        await service.state.db.write(
            lambda conn: PlayWriter().write(conn, TickResult(plays, plays, plays), resume_window=timedelta(0))
        )
        yield service, {"rows": live, "movies": movies, "episodes": episodes, "fresh": fresh, "other": other_series}


def genres(row: Any) -> list[str]:
    return list(dict.fromkeys(json.loads(row.genres or "[]")))


async def fold_all(service: Service) -> None:
    zone = service.state.settings.zone

    def work(conn: Any) -> None:
        ensure_zone(conn, zone)
        while fold(conn, zone):
            pass

    await service.state.db.write(work)


async def test_movie_facts_agree_with_the_library(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    movies = [r for r in known["rows"] if r.type == "Movie"]
    facts = await get(service, "/stats/movies?genres=100")
    assert facts["total_movies"] == len(movies)
    assert facts["total_size_bytes"] == sum(r.size_bytes or 0 for r in movies)
    runtime = round(sum(r.runtime_ticks or 0 for r in movies) / 10_000_000)
    assert facts["total_runtime_seconds"] == runtime and facts["total_runtime_hours"] == round(runtime / 3600, 2)
    largest = max(movies, key=lambda r: r.size_bytes or 0)
    assert facts["largest_movie"]["id"] == largest.id and facts["largest_movie"]["size_bytes"] == largest.size_bytes
    assert facts["largest_movie_name"] == largest.name
    assert facts["largest_movie_gb"] == round(largest.size_bytes / 1024**3, 2)
    timed = [r for r in movies if r.runtime_ticks]
    longest, shortest = max(timed, key=lambda r: r.runtime_ticks), min(timed, key=lambda r: r.runtime_ticks)
    assert facts["longest_movie"]["id"] == longest.id
    assert facts["longest_runtime_minutes"] == round(longest.runtime_ticks / 10_000_000) // 60
    assert facts["shortest_movie"]["id"] == shortest.id and facts["shortest_movie_name"] == shortest.name
    newest = max((r for r in movies if r.date_created), key=lambda r: r.date_created)
    assert facts["newest_movie"]["name"] == "Today Movie" == newest.name
    assert datetime.fromisoformat(facts["newest_movie"]["date"]) == newest.date_created
    # Added since 1 January 00:00 in Berlin: the two fresh movies, not the one 30 minutes before.
    this_month = {r.id for r in movies if r.date_created and r.date_created >= BERLIN_NEW_YEAR}
    assert this_month == set(known["fresh"])
    assert facts["added_this_month"] == facts["movies_added_this_month"] == 2
    assert datetime.fromisoformat(facts["month_start"]) == BERLIN_NEW_YEAR


async def test_the_most_watched_movie_is_by_watch_time_not_plays(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    first, second = known["movies"][:2]
    before = await get(service, "/stats/movies")
    # 5400 s each: the tie goes to more viewings (two for movie 0, one for movie 1)
    poster = f"/img/primary/{first.id}" if first.primary_image_tag else None
    assert before["most_watched_movie"] == {
        "id": first.id, "name": first.name, "poster": poster, "hours": 1.5, "seconds": 5400, "plays": 2,
    }  # fmt: skip
    # Folded into the rollups or not, the same answer.
    await fold_all(service)
    assert await get(service, "/stats/movies") == before
    # More time on movie 1 wins it, whatever the play counts.
    extra = play(6, known["rows"][0].id, second, [(at(0, 6), at(0, 6, 5), 0)])
    await service.state.db.write(
        lambda conn: PlayWriter().write(conn, TickResult([extra], [extra], [extra]), resume_window=timedelta(0))
    )
    after = (await get(service, "/stats/movies"))["most_watched_movie"]
    assert (after["id"], after["seconds"], after["plays"]) == (second.id, 5700, 2)


async def test_movie_genres_count_whole_names(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    movies = [r for r in known["rows"] if r.type == "Movie"]
    counts: dict[str, int] = {}
    for row in movies:
        for name in genres(row):
            counts[name] = counts.get(name, 0) + 1
    assert counts.get(COMMA, 0) > 0, "the simulator's library has a genre with a comma in it"
    seconds = {known["movies"][0].id: 5400, known["movies"][1].id: 5400}
    watched: dict[str, int] = {}
    for row in movies:
        for name in genres(row):
            watched[name] = watched.get(name, 0) + seconds.get(row.id, 0)
    for folded in (False, True):
        if folded:
            await fold_all(service)
        facts = await get(service, "/stats/movies?genres=100")
        assert {g["genre"]: g["count"] for g in facts["popular_genres"]} == counts
        assert {g["genre"]: g["seconds"] for g in facts["popular_genres"]} == watched
        by_count = [(-g["count"], -g["seconds"], g["genre"]) for g in facts["popular_genres"]]
        assert by_count == sorted(by_count)
        by_time = {g["genre"]: g["seconds"] for g in facts["most_watched_genres"]}
        assert by_time == {name: s for name, s in watched.items() if s > 0}
    assert len((await get(service, "/stats/movies?genres=2"))["popular_genres"]) == 2


async def test_series_facts_agree_with_the_library(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    rows = known["rows"]
    shows = [r for r in rows if r.type == "Series"]
    episodes = [r for r in rows if r.type == "Episode"]
    facts = await get(service, "/stats/series?genres=100")
    assert facts["total_series"] == len(shows)
    assert facts["total_seasons"] == len([r for r in rows if r.type == "Season"])
    assert facts["total_episodes"] == len(episodes)
    assert facts["total_size_bytes"] == sum(r.size_bytes or 0 for r in episodes)
    size: dict[str, int] = {}
    runtime: dict[str, int] = {}
    for e in episodes:
        size[e.series_id] = size.get(e.series_id, 0) + (e.size_bytes or 0)
        runtime[e.series_id] = runtime.get(e.series_id, 0) + (e.runtime_ticks or 0)
    biggest = max(size, key=lambda s: size[s])
    assert facts["largest_series"]["id"] == biggest and facts["largest_series"]["size_bytes"] == size[biggest]
    assert facts["largest_series_total_gb"] == round(size[biggest] / 1024**3, 2)
    longest = max(runtime, key=lambda s: runtime[s])
    assert facts["longest_series"]["id"] == longest
    assert facts["longest_series_runtime_minutes"] == round(runtime[longest] / 10_000_000) // 60
    largest_episode = max(episodes, key=lambda r: r.size_bytes or 0)
    assert facts["largest_episode"]["id"] == largest_episode.id
    assert facts["largest_episode"]["display"].startswith(f"{largest_episode.series_name} - ")
    newest = max(shows, key=lambda r: r.date_created)
    assert facts["newest_series"]["id"] == newest.id
    counts: dict[str, int] = {}
    for show in shows:
        for name in genres(show):
            counts[name] = counts.get(name, 0) + 1
    assert {g["genre"]: g["count"] for g in facts["popular_genres"]} == counts
    # Watch time of a series is its episodes': 2400 s on the first episode's series, 1200 s on the other.
    first, other = known["episodes"][0], known["other"]
    tagged = next(r for r in shows if r.id == first.series_id).primary_image_tag
    assert facts["most_watched_series"] == {
        "id": first.series_id, "name": first.series_name,
        "poster": f"/img/primary/{first.series_id}" if tagged else None, "hours": 0.67, "seconds": 2400, "plays": 1,
    }  # fmt: skip
    await fold_all(service)
    assert await get(service, "/stats/series?genres=100") == facts
    series_seconds = {first.series_id: 2400, other.series_id: 1200}
    watched: dict[str, int] = {}
    for show in shows:
        for name in genres(show):
            watched[name] = watched.get(name, 0) + series_seconds.get(show.id, 0)
    assert {g["genre"]: g["seconds"] for g in facts["most_watched_genres"]} == {
        name: s for name, s in watched.items() if s > 0
    }


async def test_a_comma_genre_stays_whole_in_every_list(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    video = {"Movie", "Episode", "MusicVideo", "Video", "Trailer"}
    listed = [r for r in known["rows"] if r.type in video]
    for genre in (COMMA, "Action", "Adventure"):
        expected = sorted(r.id for r in listed if genre in genres(r))
        page = await get(service, f"/stats/items/by-genre/{quote(genre, safe='')}?page_size=500")
        assert sorted(item["id"] for item in page["items"]) == expected, genre
        assert page["total"] == len(expected) and page["genre"] == genre
    # Only with the whole name: never "Action" alone, never a part of it.
    comma_only = [r.id for r in listed if genres(r) == [COMMA]]
    action = await get(service, "/stats/items/by-genre/Action?page_size=500")
    assert comma_only and not set(comma_only) & {item["id"] for item in action["items"]}
    assert (await get(service, "/stats/items/by-genre/Action,%20Adventure"))["total"] == len(
        [r for r in listed if COMMA in genres(r)]
    )
    assert (await get(service, "/stats/items/by-genre/Action,Adventure"))["total"] == 0  # another name: none
    shows = [r for r in known["rows"] if r.type == "Series"]
    series = await get(service, f"/stats/series/by-genre/{quote(COMMA)}")
    assert sorted(s["id"] for s in series["items"]) == sorted(r.id for r in shows if COMMA in genres(r))
    assert all(COMMA in s["genres"] for s in series["items"])


async def test_genre_lists_page_like_the_other_item_lists(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    whole = await get(service, "/stats/items/by-genre/drama?page_size=500")
    assert whole["genre"] == "Drama", "ASCII case does not matter; the library's spelling is given back"
    assert whole == await get(service, "/stats/items/by-genre/DRAMA?page_size=500") | {"genre": "Drama"}
    seen = []
    for page in range(1, whole["total"] + 2):
        one = await get(service, f"/stats/items/by-genre/Drama?page={page}&page_size=1")
        assert one["total"] == whole["total"] and one["page"] == page and one["page_size"] == 1
        seen += [item["id"] for item in one["items"]]
    assert seen == [item["id"] for item in whole["items"]], "pages in order, each item once; past the end empty"
    movies = await get(service, "/stats/items/by-genre/Drama?media_type=Movie&page_size=500")
    assert movies["items"] and all(item["media_type"] == "Movie" for item in movies["items"])
    shows = await get(service, "/stats/series/by-genre/Drama?page_size=1")
    assert shows["page_size"] == 1 and len(shows["items"]) <= 1
    if shows["items"]:
        show = shows["items"][0]
        episodes = [r for r in known["rows"] if r.type == "Episode" and r.series_id == show["id"]]
        assert show["episodes"] == len(episodes) and show["size_bytes"] == sum(r.size_bytes or 0 for r in episodes)
    nothing = await get(service, "/stats/items/by-genre/No%20Such%20Genre")
    assert nothing == {
        "items": [], "total": 0, "page": 1, "page_size": 50, "genre": "No Such Genre", "sort": "name", "order": "asc",
    }  # fmt: skip


ITEM_FIGURES = {"year": "production_year", "size": "size_bytes", "runtime": "runtime_seconds", "added": "date"}
SERIES_FIGURES = {**ITEM_FIGURES, "episodes": "episodes"}


def _in_order(listed: list[dict[str, Any]], field: str, order: str) -> None:
    """Each figure in order (those without one last), ties by name."""
    having = [x[field] for x in listed if x[field] is not None]
    assert having == sorted(having, reverse=order == "desc"), field
    assert all(x[field] is None for x in listed[len(having) :]), "without the figure: last"


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["name", *ITEM_FIGURES])
async def test_genre_items_sort_by_a_figure_and_page_in_that_order(
    library: tuple[Service, dict[str, Any]], sort: str, order: str
) -> None:
    service, _ = library
    whole = await get(service, f"/stats/items/by-genre/Drama?page_size=500&sort={sort}&order={order}")
    assert whole["sort"] == sort and whole["order"] == order and whole["total"] > 2
    if sort == "name":
        default = (await get(service, "/stats/items/by-genre/Drama?page_size=500"))["items"]
        if order == "asc":
            assert whole["items"] == default
        else:  # Z to A (titles with the same sort name keep their id order)
            assert sorted(whole["items"], key=lambda i: i["id"]) == sorted(default, key=lambda i: i["id"])
            assert whole["items"][0]["name"] == default[-1]["name"]
    else:
        _in_order(whole["items"], ITEM_FIGURES[sort], order)
    paged = []
    for page in range(1, whole["total"] + 1):
        paged += (await get(service, f"/stats/items/by-genre/Drama?page={page}&page_size=1&sort={sort}&order={order}"))[
            "items"
        ]
    assert paged == whole["items"], "the pages follow the same order"


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["name", *SERIES_FIGURES])
async def test_genre_series_sort_by_a_figure_and_page_in_that_order(
    library: tuple[Service, dict[str, Any]], sort: str, order: str
) -> None:
    service, _ = library
    genre = quote(COMMA)
    whole = await get(service, f"/stats/series/by-genre/{genre}?page_size=500&sort={sort}&order={order}")
    assert whole["sort"] == sort and whole["order"] == order and whole["total"] >= 2
    if sort != "name":
        _in_order(whole["items"], SERIES_FIGURES[sort], order)
    paged = []
    for page in range(1, whole["total"] + 1):
        one = await get(service, f"/stats/series/by-genre/{genre}?page={page}&page_size=1&sort={sort}&order={order}")
        paged += one["items"]
    assert paged == whole["items"], "the pages follow the same order"


async def test_sorting_defaults_names_a_to_z_and_figures_largest_first(library: tuple[Service, dict[str, Any]]) -> None:
    service, _ = library
    assert (await get(service, "/stats/items/by-genre/Drama"))["order"] == "asc"
    by_size = await get(service, "/stats/items/by-genre/Drama?sort=size&page_size=500")
    assert by_size["order"] == "desc"
    assert by_size == await get(service, "/stats/items/by-genre/Drama?sort=size&order=desc&page_size=500")
    assert (await get(service, "/stats/series/by-genre/Drama?sort=episodes"))["order"] == "desc"


async def test_posters_only_where_the_library_has_one(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    tags = {r.id: r.primary_image_tag for r in known["rows"]}
    listed = (await get(service, "/stats/items/by-genre/Drama?page_size=500"))["items"]
    listed += (await get(service, f"/stats/series/by-genre/{quote(COMMA)}?page_size=500"))["items"]
    assert any(x["poster"] for x in listed)
    for x in listed:
        assert x["poster"] == (f"/img/primary/{x['id']}" if tags[x["id"]] else None), x["name"]
    facts = await get(service, "/stats/movies")
    for key in ("largest_movie", "longest_movie", "shortest_movie", "newest_movie", "most_watched_movie"):
        fact = facts[key]
        assert fact["poster"] == (f"/img/primary/{fact['id']}" if tags[fact["id"]] else None), key
    shows = await get(service, "/stats/series")
    for key in ("largest_series", "longest_series", "newest_series", "most_watched_series"):
        fact = shows[key]
        assert fact["poster"] == (f"/img/primary/{fact['id']}" if tags[fact["id"]] else None), key


async def test_a_genre_with_a_slash_is_one_genre(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    movie = known["movies"][0]
    await service.state.db.write(
        lambda conn: conn.execute(update(items).where(items.c.id == movie.id).values(genres='["Sci-Fi/Fantasy"]'))
    )
    for path in ("Sci-Fi/Fantasy", "Sci-Fi%2FFantasy"):
        page = await get(service, f"/stats/items/by-genre/{path}")
        assert [item["id"] for item in page["items"]] == [movie.id], path
    facts = await get(service, "/stats/movies?genres=100")
    assert {"genre": "Sci-Fi/Fantasy", "count": 1, "hours": 1.5, "seconds": 5400} in facts["popular_genres"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/stats/movies?genres=0", "genres"),
        ("/stats/movies?genres=101", "genres"),
        ("/stats/series?genres=abc", "genres"),
        ("/stats/items/by-genre/Drama?page=0", "page"),
        ("/stats/items/by-genre/Drama?page=100001", "page"),
        ("/stats/items/by-genre/Drama?page_size=0", "page_size"),
        ("/stats/series/by-genre/Drama?page_size=501", "page_size"),
        ("/stats/items/by-genre/Drama?media_type=Audio", "media_type"),
        ("/stats/items/by-genre/Drama?sort=watched", "sort"),
        ("/stats/items/by-genre/Drama?sort=episodes", "sort"),
        ("/stats/series/by-genre/Drama?sort=codec", "sort"),
        ("/stats/items/by-genre/Drama?order=up", "order"),
        ("/stats/series/by-genre/Drama?order=DESC", "order"),
        ("/stats/items/by-genre/%20%20", "the genre is empty"),
        ("/stats/items/by-genre/", "the genre is empty"),
        ("/stats/series/by-genre/Dra%00ma", "control"),
        ("/stats/items/by-genre/" + "x" * 129, "at most 128"),
        ("/stats/series/by-genre/" + "x" * 600, "genre"),
    ],
)
async def test_bad_parameters_are_422_with_a_message(
    library: tuple[Service, dict[str, Any]], path: str, message: str
) -> None:
    service, _ = library
    body = await get(service, path, 422)
    assert body["error"] and message in body["message"], body
