"""The simulated Playback Reporting plugin and played flags, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.demo import build_simulator
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.playback.history import plugin_date
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import WorldSpec

QUERY = "/emby/user_usage_stats/submit_custom_query"


@pytest.fixture
def history(simulator: Simulator, clock: ManualClock) -> PlaybackHistory:
    simulator.history = PlaybackHistory.generate(simulator.world, end=clock.now(), days=30)
    return simulator.history


@pytest.fixture
async def http(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=simulator.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", headers={"X-Emby-Token": API_KEY}) as c:
        yield c


async def ask(http: httpx.AsyncClient, sql: str, path: str = QUERY, **extra: Any) -> dict[str, Any]:
    response = await http.post(path, json={"CustomQueryString": sql, "ReplaceUserId": False, **extra})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_select_answers_strings_with_misspelled_colums(http: httpx.AsyncClient, history: PlaybackHistory) -> None:
    body = await ask(http, "SELECT rowid, DateCreated, PlayDuration, NULL AS Empty FROM PlaybackActivity LIMIT 3")
    assert body["colums"] == ["rowid", "DateCreated", "PlayDuration", "Empty"]
    assert body["message"] == ""
    assert len(body["results"]) == 3
    assert all(isinstance(cell, str) for row in body["results"] for cell in row)
    assert body["results"][0][0] == "1" and body["results"][0][3] == ""  # NULL -> ""
    # Without the /emby prefix too.
    assert (await ask(http, "SELECT count(*) FROM PlaybackActivity", path=QUERY[5:]))["results"] == [
        [str(history.row_count())]
    ]


async def test_no_rows_message(http: httpx.AsyncClient, history: PlaybackHistory) -> None:
    body = await ask(http, "SELECT * FROM PlaybackActivity WHERE rowid < 0")
    assert body == {"colums": [], "results": [], "message": "Query executed, no data returned."}


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM PlaybackActivity",
        "DROP TABLE PlaybackActivity",
        "UPDATE PlaybackActivity SET PlayDuration = 0",
        "INSERT INTO UserList VALUES ('x')",
        "PRAGMA writable_schema = 1",
        "SELECT 1; DELETE FROM PlaybackActivity",
        "ATTACH DATABASE ':memory:' AS other",
        "not sql at all",
    ],
)
async def test_only_select_is_allowed(http: httpx.AsyncClient, history: PlaybackHistory, sql: str) -> None:
    before = history.row_count()
    body = await ask(http, sql)
    assert body["colums"] == [] and body["results"] == []
    assert body["message"].startswith("<pre>")
    assert history.row_count() == before
    assert (await ask(http, "SELECT count(*) FROM UserList"))["results"] == [["0"]]


async def test_replace_user_id(http: httpx.AsyncClient, history: PlaybackHistory, simulator: Simulator) -> None:
    body = await ask(http, "SELECT UserId, ItemId FROM PlaybackActivity LIMIT 5", ReplaceUserId=True)
    assert body["colums"] == ["UserName", "ItemId"]
    names = {u.name for u in simulator.world.users}
    assert all(row[0] in names for row in body["results"])


async def test_admin_auth_required(http: httpx.AsyncClient, history: PlaybackHistory, simulator: Simulator) -> None:
    payload = {"CustomQueryString": "SELECT 1", "ReplaceUserId": False}
    assert (await http.post(QUERY, json=payload, headers={"X-Emby-Token": "wrong"})).status_code == 401
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app()), base_url="http://sim") as anon:
        assert (await anon.post(QUERY, json=payload)).status_code == 401
    user = next(u for u in simulator.world.users if not u.is_admin)
    simulator.tokens.add("user-token")
    history.user_tokens["user-token"] = user.id
    assert (await http.post(QUERY, json=payload, headers={"X-Emby-Token": "user-token"})).status_code == 403
    assert (await http.get(QUERY)).status_code == 405


async def test_without_history_the_route_is_missing(http: httpx.AsyncClient, simulator: Simulator) -> None:
    assert simulator.history is None
    response = await http.post(QUERY, json={"CustomQueryString": "SELECT 1"})
    assert response.status_code == 404


async def test_played_filter_and_user_data(http: httpx.AsyncClient, history: PlaybackHistory) -> None:
    user_id, played = next((u, p) for u, p in history.played.items() if p)
    body = (await http.get(f"/emby/Users/{user_id}/Items", params={"Recursive": "true", "IsPlayed": "true"})).json()
    assert body["TotalRecordCount"] == len(played)
    assert {int(i["Id"]) for i in body["Items"]} == set(played)
    for item in body["Items"]:
        data, state = item["UserData"], played[int(item["Id"])]
        assert data["Played"] is True and data["PlayCount"] == state.play_count
        assert data["LastPlayedDate"].endswith("Z")
    filtered = (await http.get(f"/Users/{user_id}/Items", params={"Recursive": "true", "Filters": "IsPlayed"})).json()
    assert filtered["TotalRecordCount"] == len(played)
    unplayed = (await http.get(f"/Users/{user_id}/Items", params={"Recursive": "true", "IsPlayed": "false"})).json()
    assert not {int(i["Id"]) for i in unplayed["Items"]} & set(played)
    one = next(iter(played))
    detail = (await http.get(f"/Users/{user_id}/Items/{one}")).json()
    assert detail["UserData"]["Played"] is True
    # Another user's view of the same item is unaffected unless they played it too.
    other = next(u for u in history.world.users if u.id not in history.played)
    other_view = (await http.get(f"/Users/{other.id}/Items/{one}")).json()
    assert other_view["UserData"]["Played"] is False


def test_rows_follow_the_plugin_format(history: PlaybackHistory) -> None:
    for date_text, user_id, method, reasons in history.db.execute(
        "SELECT DateCreated, UserId, PlaybackMethod, TranscodeReasons FROM PlaybackActivity"
    ):
        assert len(user_id) == 32 and int(user_id, 16) >= 0
        datetime.strptime(date_text[:19], "%Y-%m-%d %H:%M:%S")
        assert method in ("DirectPlay", "DirectStream", "Transcode") or method.startswith("Transcode (v:")
        assert reasons.split() == sorted(reasons.split())
    durations = history.db.execute("SELECT min(PlayDuration - PauseDuration), min(PauseDuration) FROM PlaybackActivity")
    assert min(durations.fetchone()) >= 0


def test_plugin_date_format() -> None:
    when = datetime(2025, 7, 1, 20, 5, 3, 120000, tzinfo=UTC)
    assert plugin_date(when, UTC) == "2025-07-01 20:05:03.12"
    assert plugin_date(when.replace(microsecond=0), UTC) == "2025-07-01 20:05:03"


def test_generation_is_fast_and_build_simulator_option() -> None:
    clock = ManualClock(datetime(2026, 1, 15, tzinfo=UTC))
    started = datetime.now(UTC)
    sim = build_simulator(WorldSpec.demo(), clock, household=False, history_days=90)
    assert datetime.now(UTC) - started < timedelta(seconds=20)
    assert sim.history is not None and sim.history.row_count() > 500
    assert build_simulator(WorldSpec(), clock, household=False).history is None
