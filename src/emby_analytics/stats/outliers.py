"""Which runtimes are implausible for their item's type (pure: no I/O). The rules, in order (an item is flagged
by the first that holds; `/admin/library/runtime-outliers` lists them, docs/api.md describes them):

- any video item longer than 24 hours: a runtime no real file has (a mis-read duration, a stream recorded
  forever);
- a movie shorter than 20 minutes (a sample, a trailer or a broken file filed as a movie) or longer than 6 hours;
- an episode longer than 3 hours;
- an episode more than twice as long as the median of its season's other episodes and at least 30 minutes longer
  (a double episode is about twice: this is more), judged only when at least 3 siblings have a runtime.

Items without a runtime are not judged (Emby had none to give: nothing to say it is wrong).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TICKS_PER_SECOND = 10_000_000
MINUTE = 60
HOUR = 3600

ANY_MAX = 24 * HOUR
MOVIE_MIN = 20 * MINUTE
MOVIE_MAX = 6 * HOUR
EPISODE_MAX = 3 * HOUR
SIBLING_FACTOR = 2.0
SIBLING_MARGIN = 30 * MINUTE
SIBLINGS_NEEDED = 3


@dataclass(frozen=True)
class Runtime:
    id: str
    type: str
    season_id: str | None
    seconds: int | None


@dataclass(frozen=True)
class Outlier:
    id: str
    rule: str  # a key: over_24h, movie_short, movie_long, episode_long, episode_vs_siblings
    reason: str  # the rule in plain words, with this item's figures
    expected_seconds: int | None  # the siblings' median, for episode_vs_siblings


def judge(item: Runtime, sibling_median: float | None = None) -> Outlier | None:
    """The first rule `item` breaks, or None. `sibling_median`: the median runtime of its season's other
    episodes with a runtime, when there are at least SIBLINGS_NEEDED of them."""
    seconds = item.seconds
    if seconds is None or seconds <= 0:
        return None
    if seconds > ANY_MAX:
        return Outlier(item.id, "over_24h", f"runs {_span(seconds)}: no real file is longer than 24 hours", None)
    if item.type == "Movie":
        if seconds < MOVIE_MIN:
            return Outlier(item.id, "movie_short", f"a movie of {_span(seconds)}: under 20 minutes", None)
        if seconds > MOVIE_MAX:
            return Outlier(item.id, "movie_long", f"a movie of {_span(seconds)}: over 6 hours", None)
    if item.type == "Episode":
        if seconds > EPISODE_MAX:
            return Outlier(item.id, "episode_long", f"an episode of {_span(seconds)}: over 3 hours", None)
        if (
            sibling_median is not None
            and seconds > SIBLING_FACTOR * sibling_median
            and seconds - sibling_median >= SIBLING_MARGIN
        ):
            typical = round(sibling_median)
            reason = f"runs {_span(seconds)} where its season's other episodes run {_span(typical)} (median)"
            return Outlier(item.id, "episode_vs_siblings", reason, typical)
    return None


def outliers(runtimes: Iterable[Runtime]) -> list[Outlier]:
    """Every item that breaks a rule, in the order given; episodes are compared with their season's others."""
    listed = list(runtimes)
    seasons: dict[str, list[int]] = {}
    for item in listed:
        if item.type == "Episode" and item.season_id and item.seconds and item.seconds > 0:
            seasons.setdefault(item.season_id, []).append(item.seconds)
    for season in seasons.values():
        season.sort()
    found = []
    for item in listed:
        typical = None
        if item.type == "Episode" and item.season_id and item.seconds and item.seconds > 0:
            typical = others_median(seasons[item.season_id], item.seconds)
        outlier = judge(item, typical)
        if outlier is not None:
            found.append(outlier)
    return found


def others_median(season: Sequence[int], own: int) -> float | None:
    """The median of a sorted season's runtimes without one `own` (which it holds), or None with fewer than
    SIBLINGS_NEEDED others. Which copy of `own` is left out does not matter: they are equal."""
    others = len(season) - 1
    if others < SIBLINGS_NEEDED:
        return None
    skip = bisect_left(season, own)

    def nth(k: int) -> int:  # the k-th of the others, in order
        return season[k if k < skip else k + 1]

    middle = others // 2
    return float(nth(middle)) if others % 2 else (nth(middle - 1) + nth(middle)) / 2


def _span(seconds: int) -> str:
    hours, rest = divmod(seconds, HOUR)
    minutes = rest // MINUTE
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min" if minutes else f"{seconds} s"
