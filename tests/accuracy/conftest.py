"""Fixtures for tracker tests: a small deterministic simulator world."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emby_analytics.clock import ManualClock
from emby_analytics.simulator import World, WorldSpec

START = datetime(2025, 1, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim_world() -> World:
    return World.generate(WorldSpec(seed=7, start=START, movies=60, series=6), ManualClock(START))
