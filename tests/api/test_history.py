"""`/stats/history`: keyset paging without gaps or repeats, filters, and clear errors for bad parameters."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import START, Service

from emby_analytics.db.schema import plays, segment_rows

USERS = ["a" * 32, "b" * 32]


def _play(n: int, **overrides: Any) -> dict[str, Any]:
    # Every third play shares its start time with the previous one: paging must still be exact.
    started = START - timedelta(hours=n - n % 3 // 2)
    row: dict[str, Any] = {
        "id": f"{n:032x}",
        "view_id": f"{n:032x}",
        "source": "live",
        "user_id": USERS[n % 2],
        "user_name": f"user {n % 2}",
        "item_id": str(1000 + n % 7),
        "item_type": "Episode" if n % 2 else "Movie",
        "item_name": f"Title {n}",
        "series_id": "900" if n % 2 else None,
        "series_name": "Some Show" if n % 2 else None,
        "season_number": 1 if n % 2 else None,
        "episode_number": n if n % 2 else None,
        "client": "Emby Web" if n % 3 else "Roku SG",
        "device_name": "device",
        "started_at": started,
        "stopped_at": started + timedelta(minutes=40),
        "last_seen_at": started + timedelta(minutes=40),
        "watch_seconds": 1800.4,
        "content_seconds": 1700.0,
        "paused_seconds": 600.0,
        "play_method": "Transcode" if n % 5 == 0 else "DirectPlay",
        "transcode_reasons": "AudioCodecNotSupported VideoCodecNotSupported" if n % 5 == 0 else None,
        "short": False,
        "live_tv": False,
    }
    row.update(overrides)
    return row


async def _insert(service: Service, rows: list[dict[str, Any]]) -> None:
    """The plays, each with one segment of its watch time from its start (as the store writes them)."""
    spans = [
        {"play_id": r["id"], "seq": 0, "started_at": r["started_at"],
         "ended_at": r["started_at"] + timedelta(seconds=r["watch_seconds"])}
        for r in rows
    ]  # fmt: skip

    def write(conn: Any) -> None:
        conn.execute(plays.insert(), rows)
        conn.execute(segment_rows.insert(), spans)

    await service.state.db.write(write)


async def _all_pages(service: Service, query: str, limit: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/stats/history?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        response = await service.http.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["plays"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


async def test_pages_cover_every_play_once_newest_first(service: Service) -> None:
    await _insert(service, [_play(n) for n in range(53)])
    for limit in (1, 7, 50, 500):
        rows = await _all_pages(service, "", limit)
        assert len(rows) == 53
        assert len({r["play_id"] for r in rows}) == 53
        keys = [(r["started_at"], r["play_id"]) for r in rows]
        assert keys == sorted(keys, reverse=True)


async def test_fields_and_display(service: Service) -> None:
    await _insert(service, [_play(5), _play(6, stopped_at=None)])
    rows = (await service.http.get("/stats/history")).json()["plays"]
    episode = next(r for r in rows if r["play_id"] == f"{5:032x}")
    assert episode["display"] == "Some Show - Title 5 (S01E05)"
    assert episode["watch_seconds"] == 1800
    assert episode["watch_hours"] == 0.5
    assert episode["transcode_reasons"] == ["AudioCodecNotSupported", "VideoCodecNotSupported"]
    assert episode["source"] == "live"
    open_play = next(r for r in rows if r["play_id"] == f"{6:032x}")
    assert open_play["stopped_at"] is None
    assert open_play["display"] == "Title 6"


async def test_filters(service: Service) -> None:
    await _insert(service, [_play(n) for n in range(30)])

    async def ids(query: str) -> set[str]:
        return {r["play_id"] for r in await _all_pages(service, query, 500)}

    assert await ids(f"&user_id={USERS[0]}") == {f"{n:032x}" for n in range(0, 30, 2)}
    assert await ids("&item_id=1003") == {f"{n:032x}" for n in range(30) if n % 7 == 3}
    assert await ids("&item_id=900") == {f"{n:032x}" for n in range(1, 30, 2)}, "a series id matches its episodes"
    assert await ids("&media_type=Movie") == {f"{n:032x}" for n in range(0, 30, 2)}
    assert await ids("&play_method=Transcode") == {f"{n:032x}" for n in range(0, 30, 5)}
    assert await ids("&client=Roku%20SG") == {f"{n:032x}" for n in range(0, 30, 3)}
    assert await ids("&q=title%2012") == {f"{12:032x}"}
    assert await ids("&q=some%20show&user_id=" + USERS[0]) == set()
    day = START.date().isoformat()
    assert await ids(f"&from={day}&to={day}") == {
        r["id"] for r in map(_play, range(30)) if r["started_at"].date() == START.date()
    }


async def test_title_search_treats_wildcards_as_text(service: Service) -> None:
    await _insert(
        service, [_play(1, item_name="100% Wolf"), _play(2, item_name="1000 Wolves"), _play(3, item_name="a_b")]
    )
    rows = await _all_pages(service, "&q=100%25", 50)
    assert [r["title"] for r in rows] == ["100% Wolf"]
    rows = await _all_pages(service, "&q=_", 50)
    assert [r["title"] for r in rows] == ["a_b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("user_id=robert'); DROP TABLE plays;--", "user_id"),
        ("item_id=../../etc", "item_id"),
        ("media_type=Spaceship", "media_type"),
        ("play_method=Teleport", "play_method"),
        ("from=2026-13-01", "from"),
        ("from=2026-02-02&to=2026-02-01", "from must not be after to"),
        ("cursor=not-a-cursor", "cursor"),
        ("q=" + "x" * 101, "q"),
    ],
)
async def test_bad_parameters_are_422_with_a_message(service: Service, query: str, expected: str) -> None:
    response = await service.http.get(f"/stats/history?{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_parameter"
    assert expected in body["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["user_id", "item_id", "media_type", "client", "play_method", "from", "to", "q", "limit", "cursor"]
        ),
        st.text(max_size=40),
        max_size=4,
    )
)
async def test_any_input_gives_200_or_422_never_500(service: Service, params: dict[str, str]) -> None:
    response = await service.http.get("/stats/history", params=params)
    assert response.status_code in (200, 422), response.text
    assert "Traceback" not in response.text


async def test_overview_counts_viewings_and_hours(service: Service) -> None:
    rows = [
        _play(1, watch_seconds=1800.0),
        _play(2, item_id="1001", view_id=f"{1:032x}", watch_seconds=1200.0),  # resumes play 1: one viewing
        _play(3, item_id="1002", short=True, watch_seconds=12.0),  # short: time counts, not a play
        _play(4, item_id="7", live_tv=True, item_type="TvChannel", watch_seconds=3600.0),  # Live TV
    ]
    await _insert(service, rows)
    body = (await service.http.get("/stats/overview")).json()
    assert body["total_plays"] == 1
    assert body["unique_plays"] == 1
    assert body["total_seconds"] == 3012
    assert body["total_hours"] == 0.84


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "from=0001-01-01",
        "cursor=" + base64.urlsafe_b64encode(b"0001-01-01T00:00:00+05:00|x").decode(),
        "cursor=" + base64.urlsafe_b64encode(b"9999-12-31T23:59:59-05:00|x").decode(),
    ],
)
async def test_dates_at_the_edge_of_time_are_422(service: Service, query: str) -> None:
    response = await service.http.get(f"/stats/history?{query}")
    assert response.status_code == 422, response.text
