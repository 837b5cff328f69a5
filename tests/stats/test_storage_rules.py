"""The pure rules behind the storage and health reports, as tables of cases: the least-squares trend and its
forecast, the runtime outlier rules, path normalisation and duplicate grouping."""

from __future__ import annotations

from datetime import date

import pytest

from emby_analytics.stats.duplicates import (
    Copy,
    duplicate_groups,
    normalise_path,
)
from emby_analytics.stats.outliers import Runtime, judge, others_median, outliers
from emby_analytics.stats.trend import add_months, forecast, least_squares

D = date(2026, 1, 1).toordinal()
GB = 1024**3


@pytest.mark.parametrize(
    ("points", "slope", "intercept", "r2"),
    [
        ([(D, 100), (D + 1, 200), (D + 2, 300)], 100.0, 100.0, 1.0),  # a straight line
        ([(D, 5), (D + 10, 5)], 0.0, 5.0, None),  # flat: nothing to explain
        ([(D, 0), (D + 1, 10), (D + 2, 0), (D + 3, 10)], 2.0, 2.0, 0.2),  # noisy
        ([(D + 4, 40), (D, 0)], 10.0, 0.0, 1.0),  # any order, gaps between days
        ([(D, 300), (D + 1, 200), (D + 2, 100)], -100.0, 300.0, 1.0),  # shrinking
    ],
)
def test_least_squares(points: list[tuple[int, int]], slope: float, intercept: float, r2: float | None) -> None:
    fit = least_squares(points)
    assert fit is not None
    assert fit.slope == pytest.approx(slope) and fit.intercept == pytest.approx(intercept)
    assert fit.r2 == (None if r2 is None else pytest.approx(r2))
    assert fit.origin == min(day for day, _ in points)


@pytest.mark.parametrize("points", [[], [(D, 1)], [(D, 1), (D, 2)]])
def test_no_line_without_two_days(points: list[tuple[int, int]]) -> None:
    assert least_squares(points) is None


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 1), 6, date(2027, 6, 1)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_forecast_follows_the_line_for_six_months_and_never_goes_below_zero() -> None:
    growing = least_squares([(D, 10 * GB), (D + 10, 11 * GB)])
    assert growing is not None
    ahead = forecast(growing, D + 10)
    assert [day for day, _ in ahead] == [add_months(date.fromordinal(D + 10), m).toordinal() for m in range(1, 7)]
    assert all(size == round(10 * GB + (day - D) * GB / 10) for day, size in ahead)
    shrinking = least_squares([(D, 2 * GB), (D + 1, GB)])
    assert shrinking is not None
    assert all(size == 0 for _, size in forecast(shrinking, D + 1))


H, M = 3600, 60


@pytest.mark.parametrize(
    ("item", "median", "rule"),
    [
        (Runtime("a", "Movie", None, 95 * M), None, None),
        (Runtime("a", "Movie", None, 19 * M), None, "movie_short"),
        (Runtime("a", "Movie", None, 20 * M), None, None),  # 20 minutes exactly is allowed
        (Runtime("a", "Movie", None, 6 * H + 1), None, "movie_long"),
        (Runtime("a", "Movie", None, 25 * H), None, "over_24h"),
        (Runtime("a", "Video", None, 25 * H), None, "over_24h"),
        (Runtime("a", "Video", None, 10 * H), None, None),  # home videos may be long
        (Runtime("a", "Movie", None, None), None, None),  # no runtime: not judged
        (Runtime("a", "Episode", "s", 3 * H + 1), None, "episode_long"),
        (Runtime("a", "Episode", "s", 100 * M), 45 * M, "episode_vs_siblings"),
        (Runtime("a", "Episode", "s", 90 * M), 45 * M, None),  # a double episode: twice, not more
        (Runtime("a", "Episode", "s", 50 * M), 22 * M, None),  # more than twice, but only 28 minutes longer
        (Runtime("a", "Episode", "s", 100 * M), None, None),  # too few siblings to compare
    ],
)
def test_runtime_rules(item: Runtime, median: float | None, rule: str | None) -> None:
    found = judge(item, median)
    assert (found.rule if found else None) == rule
    if found is not None:
        assert found.reason and found.id == "a"


@pytest.mark.parametrize(
    ("season", "own", "expected"),
    [
        ([10, 20, 30, 40], 40, 20.0),
        ([10, 20, 30, 40], 10, 30.0),
        ([10, 20, 30, 40, 50], 30, 30.0),  # the others: 10 20 40 50
        ([20, 20, 20, 90], 90, 20.0),
        ([20, 20, 90], 90, None),  # two others: too few
    ],
)
def test_others_median(season: list[int], own: int, expected: float | None) -> None:
    assert others_median(season, own) == expected


def test_outliers_compare_an_episode_with_its_season_only() -> None:
    season = [Runtime(f"e{n}", "Episode", "s1", 44 * M + n) for n in range(5)]
    long = Runtime("long", "Episode", "s1", 135 * M)
    other_season = [Runtime(f"o{n}", "Episode", "s2", 130 * M) for n in range(4)]
    found = outliers([*season, long, *other_season, Runtime("m", "Movie", None, 12 * M)])
    assert [(o.id, o.rule, o.expected_seconds) for o in found] == [
        ("long", "episode_vs_siblings", 44 * M + 2),
        ("m", "movie_short", None),
    ]


@pytest.mark.parametrize(
    ("path", "normalised"),
    [
        ("/mnt/Media/Movie.mkv", "/mnt/media/movie.mkv"),
        ("\\\\NAS\\Media\\Movie.MKV", "//nas/media/movie.mkv"),
        ("/mnt/media/folder/", "/mnt/media/folder"),
        ("/mnt/ÉTÉ.mkv", "/mnt/ÉtÉ.mkv"),  # only ASCII letters fold (as SQLite's lower())
        (None, None),
        ("/", None),
    ],
)
def test_normalise_path(path: str | None, normalised: str | None) -> None:
    assert normalise_path(path) == normalised


def _copy(item_id: str, size: int, path: str | None = None, item_type: str = "Movie", **ids: str) -> Copy:
    return Copy(item_id, item_type, path, size, ids)


@pytest.mark.parametrize(
    ("copies", "expected"),
    [
        # the same file listed twice: one file, nothing to free
        ([_copy("a", 5, "/m/A.mkv"), _copy("b", 5, "/M/a.mkv")], [(["a", "b"], ["path"], 1, 5, 0)]),
        # the same movie in two versions: free the smaller
        (
            [_copy("a", 8, "/m/a-4k.mkv", imdb="tt1"), _copy("b", 3, "/m/a-hd.mkv", imdb="TT1")],
            [(["a", "b"], ["imdb:tt1"], 2, 11, 3)],
        ),
        # a chain: a-b by path, b-c by tmdb: one group of two files
        (
            [_copy("a", 4, "/x"), _copy("b", 4, "/X/", tmdb="9"), _copy("c", 6, "/y", tmdb="9")],
            [(["c", "a", "b"], ["path", "tmdb:9"], 2, 10, 4)],
        ),
        # a movie and an episode with the same number are not the same title
        ([_copy("a", 1, "/a", tvdb="5"), _copy("b", 1, "/b", "Episode", tvdb="5")], []),
        # no path: each is its own file; an empty id ties nothing
        (
            [_copy("a", 2, imdb="tt2"), _copy("b", 2, imdb="tt2"), _copy("c", 9, imdb=" ")],
            [(["a", "b"], ["imdb:tt2"], 2, 4, 2)],
        ),
        # other types are compared by path only
        ([_copy("a", 1, "/a", "Video", imdb="tt3"), _copy("b", 1, "/b", "Video", imdb="tt3")], []),
    ],
)
def test_duplicate_groups(copies: list[Copy], expected: list[tuple[list[str], list[str], int, int, int]]) -> None:
    found = [(g.ids, g.matched_by, g.files, g.size_bytes, g.reclaimable_bytes) for g in duplicate_groups(copies)]
    assert found == expected


def test_duplicate_groups_most_reclaimable_first_and_keep_the_largest() -> None:
    groups = duplicate_groups(
        [_copy("a", 1, "/a", imdb="tt1"), _copy("b", 2, "/b", imdb="tt1"), _copy("c", 50, "/c", imdb="tt2"),
         _copy("d", 20, "/d", imdb="tt2")]
    )  # fmt: skip
    assert [(g.keep_id, g.reclaimable_bytes) for g in groups] == [("c", 20), ("b", 1)]
