"""The growth trend of the library (pure: no I/O): a least-squares line through the daily snapshots and where it
leads. Days are proleptic ordinals (`date.toordinal()`), sizes bytes; the line is fitted to (day, size) pairs as
they are, so days without a snapshot simply have no point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MIN_SNAPSHOTS = 7  # a line through fewer days says more about a week's noise than about growth
FORECAST_MONTHS = 6


@dataclass(frozen=True)
class Fit:
    """size ≈ intercept + slope × (day − origin): `slope` in bytes per day, `origin` the first day."""

    slope: float
    intercept: float
    origin: int
    r2: float | None  # how much of the variation the line explains (None: every size the same)

    def at(self, day: int) -> float:
        return self.intercept + self.slope * (day - self.origin)


def least_squares(points: list[tuple[int, int]]) -> Fit | None:
    """The ordinary least-squares line through (day, size) points; None with fewer than two distinct days."""
    if len({day for day, _ in points}) < 2:
        return None
    origin = min(day for day, _ in points)
    xs = [float(day - origin) for day, _ in points]
    ys = [float(size) for _, size in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    syy = sum((y - mean_y) ** 2 for y in ys)
    if syy == 0:
        r2 = None
    else:
        residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
        r2 = max(0.0, 1.0 - residual / syy)
    return Fit(slope=slope, intercept=intercept, origin=origin, r2=r2)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or the month's last day when it has no such day (31 → 30)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = following.toordinal() - 1
    return date.fromordinal(min(date(year, month, 1).toordinal() + day.day - 1, last))


def forecast(fit: Fit, last_day: int, months: int = FORECAST_MONTHS) -> list[tuple[int, int]]:
    """The line's size at each of the next `months` month-days after `last_day` (a shrinking library may go
    towards 0, never below it), as (day, bytes)."""
    start = date.fromordinal(last_day)
    days = [add_months(start, m).toordinal() for m in range(1, months + 1)]
    return [(day, max(0, round(fit.at(day)))) for day in days]
