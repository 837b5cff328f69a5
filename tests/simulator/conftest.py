"""Fixtures for simulator tests: a small deterministic world, a simulator, an httpx client and schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from emby_analytics.clock import ManualClock
from emby_analytics.simulator import Simulator, World, WorldSpec

from .openapi import OpenApi

START = datetime(2025, 1, 1, 20, 0, tzinfo=UTC)
API_KEY = "test-api-key"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def world(clock: ManualClock) -> World:
    return World.generate(WorldSpec(seed=7, start=START), clock)


@pytest.fixture
def sim(world: World, clock: ManualClock) -> Simulator:
    return Simulator(world, clock, api_key=API_KEY)


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sim.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers={"X-Emby-Token": API_KEY}) as c:
        yield c


@pytest.fixture
async def anon(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app()), base_url="http://sim") as c:
        yield c


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi.load()
