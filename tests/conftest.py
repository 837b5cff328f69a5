"""Shared fixtures: a small simulated Emby world, real SQLite files in tmp_path, the real app in-process."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.db import migrate
from emby_analytics.db.engine import Database
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import World, WorldSpec
from emby_analytics.testing import Service, running_service, service_settings

__all__ = ["API_KEY", "START", "Service", "make_settings", "running_service"]

API_KEY = "0123456789abcdef0123456789abcdef"
START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

# repo_boundary: a test that reads beside the repository fails the run; skip_reasons: a skip must say why.
pytest_plugins = ["tests.repo_boundary", "tests.skip_reasons", "pytester"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def world_spec() -> WorldSpec:
    """Small enough for fast tests, big enough for several pages per library and every item type."""
    return WorldSpec(
        seed=7, users=6, movies=60, series=5, seasons_per_series=2, episodes_per_season=4, music_tracks=10, other=4
    )


@pytest.fixture
def world(world_spec: WorldSpec, clock: ManualClock) -> World:
    return World.generate(world_spec, clock)


@pytest.fixture
def simulator(world: World, clock: ManualClock) -> Simulator:
    return Simulator(world, clock, api_key=API_KEY)


def make_settings(tmp_path: Path, **overrides: str) -> Settings:
    env = {"EMBY_BASE_URL": "http://emby.test:8096", "REFRESH_CHUNK_SIZE": "25", **overrides}
    return service_settings(tmp_path / "data" / "emby.db", api_key=API_KEY, **env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def service(settings: Settings, simulator: Simulator, clock: ManualClock) -> AsyncIterator[Service]:
    async with running_service(settings, simulator, clock) as running:
        yield running


@contextmanager
def migrated_database() -> Iterator[Database]:
    """A new database file at the newest schema, for tests that make many (one per hypothesis example)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "emby.db")
        try:
            migrate.upgrade(db)
            yield db
        finally:
            db.close()
