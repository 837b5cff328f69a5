"""The pure parts of the movie and series facts and the genre lists, on tables of cases: which genre a path names,
how a stored genres column reads back (never split at a comma), when "this month" began in TZ, and how genres
rank."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from emby_analytics.stats.facts import add_genre_time, gib, ranked_genres
from emby_analytics.stats.genres import GENRE_MAX, InvalidGenre, clean_genre, genres_of
from emby_analytics.stats.window import month_start


@pytest.mark.parametrize(
    ("given", "genre"),
    [
        ("Drama", "Drama"),
        ("  Science Fiction ", "Science Fiction"),
        ("Action, Adventure", "Action, Adventure"),  # one genre, comma and all
        ("Sci-Fi/Fantasy", "Sci-Fi/Fantasy"),
        ("Ação & Aventura", "Ação & Aventura"),
        ("' OR 1=1 --", "' OR 1=1 --"),  # only ever a bound parameter
        ("x" * GENRE_MAX, "x" * GENRE_MAX),
    ],
)
def test_a_genre_is_taken_whole(given: str, genre: str) -> None:
    assert clean_genre(given) == genre


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (GENRE_MAX + 1), f"at most {GENRE_MAX}"),
        ("Dra\x00ma", "control"),
        ("Dra\nma", "control"),
        ("\u202egnp", "control"),  # a right-to-left override: invisible, garbles what is shown
    ],
)
def test_a_genre_no_item_can_have_is_refused_with_a_reason(given: str, why: str) -> None:
    with pytest.raises(InvalidGenre, match=why):
        clean_genre(given)


@pytest.mark.parametrize(
    ("stored", "genres"),
    [
        (None, []),
        ("", []),
        ("[]", []),
        ('["Drama"]', ["Drama"]),
        ('["Action, Adventure", "Drama"]', ["Action, Adventure", "Drama"]),  # the comma stays inside its name
        ('"Action, Adventure"', []),  # a bare string is not a list of genres: it is not split to make one
        ("Action, Adventure", []),  # not JSON (a comma-separated column of other tools): never guessed apart
        ('["Drama", "Comedy", "Drama"]', ["Drama", "Comedy"]),  # each once, in Emby's order
        ('[1, null, " ", "Drama", {"Name": "X"}]', ["Drama"]),
        ('{"Name": "Drama"}', []),
        ('["Ação", "\\u00c9pico"]', ["Ação", "Épico"]),
    ],
)
def test_stored_genres_read_back_as_the_list_emby_gave(stored: str | None, genres: list[str]) -> None:
    assert genres_of(stored) == genres


BERLIN, NEW_YORK, AUCKLAND = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize(
    ("now", "zone", "start"),
    [
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), BERLIN, datetime(2025, 12, 31, 23, 0, tzinfo=UTC)),
        # 00:30 on 1 January in Berlin is still December in UTC: the local month has begun
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), BERLIN, datetime(2025, 12, 31, 23, 0, tzinfo=UTC)),
        # 23:30 on 31 December in Berlin: December's start, though UTC shows the same date
        (datetime(2025, 12, 31, 22, 30, tzinfo=UTC), BERLIN, datetime(2025, 11, 30, 23, 0, tzinfo=UTC)),
        # summer time: the month began at 00:00 CEST, 22:00 UTC the day before
        (datetime(2026, 4, 10, 8, 0, tzinfo=UTC), BERLIN, datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),
        # the month in which the clocks change began on the old offset
        (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), BERLIN, datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),
        (datetime(2026, 3, 1, 3, 0, tzinfo=UTC), NEW_YORK, datetime(2026, 2, 1, 5, 0, tzinfo=UTC)),
        (datetime(2026, 2, 28, 12, 0, tzinfo=UTC), AUCKLAND, datetime(2026, 2, 28, 11, 0, tzinfo=UTC)),
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), ZoneInfo("UTC"), datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_this_month_begins_at_local_midnight_of_its_first_day(now: datetime, zone: ZoneInfo, start: datetime) -> None:
    assert month_start(now, zone) == start


H = 3_600_000_000  # an hour in microseconds


@pytest.mark.parametrize(
    ("counts", "micros", "by_time", "limit", "expected"),
    [
        # by titles, then watch time, then name
        ({"Drama": 3, "Comedy": 3, "Action": 5}, {"Comedy": H}, False, 10, ["Action", "Comedy", "Drama"]),
        ({"Drama": 3, "Comedy": 3, "Action": 5}, {}, False, 2, ["Action", "Comedy"]),
        # by watch time: genres never watched are left out
        ({"Drama": 3, "Comedy": 1, "Action": 5}, {"Comedy": 2 * H, "Drama": H}, True, 10, ["Comedy", "Drama"]),
        ({"Drama": 3, "Comedy": 1}, {"Comedy": H, "Drama": H}, True, 10, ["Drama", "Comedy"]),
        # time of a genre no title in the library has any more: nothing to stand beside
        ({"Drama": 1}, {"Gone": 9 * H, "Drama": H}, True, 10, ["Drama"]),
        ({"Drama": 0, "Comedy": 1}, {}, False, 10, ["Comedy"]),
        ({}, {}, False, 10, []),
    ],
)
def test_genres_rank_by_titles_or_by_watch_time(
    counts: dict[str, int], micros: dict[str, int], by_time: bool, limit: int, expected: list[str]
) -> None:
    ranked = ranked_genres(counts, micros, by_time=by_time, limit=limit)
    assert [g.genre for g in ranked] == expected
    for g in ranked:
        assert g.count == counts[g.genre] and g.seconds == round(micros.get(g.genre, 0) / 1_000_000)


def test_a_title_counts_once_in_each_of_its_genres() -> None:
    totals: dict[str, int] = {"Drama": 5}
    add_genre_time(totals, ["Drama", "Action, Adventure", "Drama"], 10)
    assert totals == {"Drama": 15, "Action, Adventure": 10}


@pytest.mark.parametrize(
    ("size", "gb"), [(None, None), (0, 0.0), (1024**3, 1.0), (160_003_898_610, 149.02), (5_000_000, 0.0)]
)
def test_sizes_in_the_originals_gigabytes(size: int | None, gb: float | None) -> None:
    assert gib(size) == gb
