"""The statistics API on a known history: the simulator's library, synced, and plays written through the tracker's
store with exact segments (TZ=Europe/Berlin, so days and hours are local). Every number is checked by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.conftest import make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items, play_rows
from emby_analytics.quality import QUALITIES, quality
from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import Service
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, Stream, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
T = TICKS_PER_SECOND


def at(day: int, hh: int, mm: int = 0) -> datetime:
    """A Berlin wall-clock time `day` days before NOW's date (winter: UTC+1), as UTC."""
    return datetime(2026, 1, 15 - day, hh, mm, tzinfo=UTC) - timedelta(hours=1)


def play(
    n: int, user: str, item: Any, parts: list[tuple[datetime, datetime, float]], *, view: str | None = None, **kw: Any
) -> Play:
    """A closed play of `item` (a row of items) with segments (start, end, position at start in seconds)."""
    segments = [Segment(a, b, round(p * T), round((p + (b - a).total_seconds()) * T)) for a, b, p in parts]
    context = PlayContext(
        user, item.id, user_name="viewer", item_type=item.type, item_name=item.name, series_id=item.series_id,
        series_name=item.series_name, season_number=item.season_number, episode_number=item.episode_number,
        runtime_ticks=item.runtime_ticks, client=kw.pop("client", "Emby Web"), device_name=kw.pop("device", "Chrome"),
        live_tv=kw.pop("live_tv", False), stream=kw.pop("stream", Stream(play_method="DirectPlay")),
    )  # fmt: skip
    end = segments[-1].ended_at
    made = Play(f"{n:032x}", f"s{n}", segments[0].started_at, end, context, stopped_at=end, segments=segments, **kw)
    made.short = made.watch_seconds < 30
    return made


@pytest.fixture
async def history(tmp_path: Path, simulator: Simulator) -> AsyncIterator[tuple[Service, dict[str, Any]]]:
    clock = ManualClock(NOW)
    simulator.world.clock = clock  # the library's dates as of NOW
    settings = make_settings(tmp_path, TZ="Europe/Berlin", COUNT_LIVE_TV="false")
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        rows = await service.state.db.read(lambda c: c.execute(select(items)).all())
        films = [r for r in rows if r.type == "Movie" and r.runtime_ticks]
        # The third without a poster in Emby: the top list must offer no image for it.
        movies = [r for r in films if r.primary_image_tag][:2] + [r for r in films if not r.primary_image_tag][:1]
        episodes = [r for r in rows if r.type == "Episode" and r.series_id][:2]
        users = [u.id for u in simulator.world.users[:2]]
        a, b = users
        transcode = Stream(play_method="Transcode", video_method="transcode", audio_method="direct",
                           transcode_reasons=("VideoCodecNotSupported",))  # fmt: skip
        channel = type("Row", (), {"id": "77", "type": "TvChannel", "name": "News", "series_id": None,
                                   "series_name": None, "season_number": None, "episode_number": None,
                                   "runtime_ticks": None})()  # fmt: skip
        plays = [
            # user a: movie 0 from 23:30 to 00:30 across midnight, 2 days ago → 1800 s on each day
            play(1, a, movies[0], [(at(2, 23, 30), at(1, 0, 30), 0)]),
            # user a resumes the same viewing the next evening: 20:00-20:50 (one view with play 1)
            play(2, a, movies[0], [(at(1, 20), at(1, 20, 50), 3600)], view=f"{1:032x}"),
            # user b: episode 0, 10:00-10:30 and, after a 10 min pause, 10:40-11:00 today, transcoded
            play(
                3,
                b,
                episodes[0],
                [(at(0, 10), at(0, 10, 30), 0), (at(0, 10, 40), at(0, 11), 1800)],
                stream=transcode,
                client="Roku SG",
                device="Roku Ultra",
            ),
            # user b: episode 1, 10:50-11:10 today (overlaps play 3: two streams at once from 10:50)
            play(4, b, episodes[1], [(at(0, 10, 50), at(0, 11, 10), 0)]),
            # user a: a short play (10 s) of movie 1, and a seek ahead in movie 2
            play(5, a, movies[1], [(at(0, 9), at(0, 9, 0) + timedelta(seconds=10), 0)]),
            play(6, a, movies[2], [(at(0, 8), at(0, 8, 10), 0), (at(0, 8, 10), at(0, 8, 20), 3000)]),
            # Live TV: recorded, never in item statistics, not in hours (COUNT_LIVE_TV=false)
            play(7, b, channel, [(at(0, 7), at(0, 8), 0)], live_tv=True),
        ]
        views = {f"{2:032x}": f"{1:032x}"}

        def write(conn: Any) -> None:
            PlayWriter().write(conn, TickResult(plays, plays, plays), resume_window=timedelta(0))
            for play_id, view in views.items():  # the resume, as the store's grouping would have found it
                conn.execute(update(play_rows).where(play_rows.c.id == play_id).values(view_id=view))

        await service.state.db.write(write)
        yield service, {"users": users, "movies": movies, "episodes": episodes, "plays": plays}


async def get(service: Service, path: str, status: int = 200) -> Any:
    response = await service.http.get(path)
    assert response.status_code == status, (path, response.text)
    return response.json()


async def test_usage_splits_days_at_local_midnight(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    a, b = facts["users"]
    rows = await get(service, "/stats/usage?days=7")
    got = {(r["day"], r["user_id"]): r["seconds"] for r in rows}
    assert got == {
        ("2026-01-13", a): 1800,
        ("2026-01-14", a): 1800 + 3000,
        ("2026-01-15", a): 10 + 1200,
        ("2026-01-15", b): 3000 + 1200,
    }
    assert await get(service, f"/stats/usage?days=7&user_id={b}") == [r for r in rows if r["user_id"] == b]
    only_today = await get(service, "/stats/usage?days=1")
    assert {r["day"] for r in only_today} == {"2026-01-15"}


async def test_usage_keeps_the_top_users_and_sums_the_rest(history: tuple[Service, dict[str, Any]]) -> None:
    """A chart of hundreds of users draws the few who watched most and everyone else as one series."""
    service, facts = history
    a = facts["users"][0]  # a watched 7,810 s in the week, b 4,200 s
    top_one = await get(service, "/stats/usage?days=7&top=1")
    assert {(r["day"], r["user_id"]): r["seconds"] for r in top_one} == {
        ("2026-01-13", a): 1800,
        ("2026-01-14", a): 4800,
        ("2026-01-15", a): 1210,
        ("2026-01-15", None): 4200,  # b, with everyone else
    }
    assert [r["user"] for r in top_one if r["user_id"] is None] == [None]
    day_totals = await get(service, "/stats/usage?days=7&top=0")
    assert {(r["day"], r["user_id"]): r["seconds"] for r in day_totals} == {
        ("2026-01-13", None): 1800,
        ("2026-01-14", None): 4800,
        ("2026-01-15", None): 1210 + 4200,
    }
    assert await get(service, "/stats/usage?days=7&top=2") == await get(service, "/stats/usage?days=7")
    for bad in ("top=-1", "top=101", "top=many"):
        assert "top" in (await get(service, f"/stats/usage?days=7&{bad}", 422))["message"]


async def test_top_users_and_the_totals_agree(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    a, b = facts["users"]
    top = await get(service, "/stats/top/users?days=7")
    assert [(u["user_id"], u["seconds"], u["plays"]) for u in top] == [(a, 7810, 2), (b, 4200, 2)]
    assert await get(service, "/stats/top-users?days=7") == top
    overview = await get(service, "/stats/overview?days=7")
    assert overview["total_seconds"] == 7810 + 4200 == sum(u["seconds"] for u in top)
    assert overview["total_plays"] == 4, "play 1+2 are one viewing; the short play and Live TV do not count"
    history_rows = (await get(service, "/stats/history?days=7&limit=500"))["plays"]
    assert sum(p["watch_seconds"] for p in history_rows if not p["live_tv"]) == 7810 + 4200
    two_days = await get(service, "/stats/overview?days=2")
    assert two_days["total_seconds"] == 1800 + 3000 + 1210 + 4200, "the play across the window's start is cut"


async def test_top_items_and_series(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    movies, episodes = facts["movies"], facts["episodes"]
    top = await get(service, "/stats/top/items?days=7")
    assert [i["item_id"] for i in top][:2] == [movies[0].id, episodes[0].id]
    assert "77" not in {i["item_id"] for i in top}, "Live TV is not an item statistic"
    first = top[0]
    assert (first["seconds"], first["plays"], first["type"]) == (1800 + 1800 + 3000, 1, "Movie")
    episode = next(i for i in top if i["item_id"] == episodes[0].id)
    assert episode["display"].startswith(f"{episodes[0].series_name} - ") and "(S" in episode["display"]
    assert await get(service, "/stats/top-items?days=7") == top
    movies_only = await get(service, "/stats/top/items?days=7&media_type=Movie")
    assert {i["type"] for i in movies_only} == {"Movie"}
    series = await get(service, "/stats/top/series?days=7")
    assert await get(service, "/stats/top/items?days=7&group=series") == series
    by_series = {s["series_id"]: s["seconds"] for s in series}
    expected: dict[str, int] = {}
    for episode_row, seconds in ((episodes[0], 3000), (episodes[1], 1200)):
        expected[episode_row.series_id] = expected.get(episode_row.series_id, 0) + seconds
    assert by_series == expected
    # A poster URL only where Emby has a poster: each one loads, and an item without one offers none.
    assert next(i for i in top if i["item_id"] == movies[2].id)["poster"] is None
    for row in [*top, *series]:
        item_id = row.get("item_id") or row["series_id"]
        if row["poster"] is not None:
            assert (await service.http.get(row["poster"])).status_code == 200, row
        else:
            assert (await service.http.get(f"/img/primary/{item_id}")).status_code == 404, row


async def test_active_users_and_one_user(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    a, _ = facts["users"]
    active = await get(service, "/stats/active-users?days=7")
    first = active[0]
    assert (first["user_id"], first["days"], first["hours"], first["minutes"]) == (a, 0, 2, 10)  # 7810 s
    assert first["active_days"] == 3 and first["last_seen"] is not None
    detail = await get(service, f"/stats/user/{a}?days=7")
    assert await get(service, f"/stats/users/{a}?days=7") == detail
    assert (detail["total_seconds"], detail["plays"], detail["movies"]) == (7810, 2, 2)
    assert sum(h["seconds"] for h in detail["by_hour"]) == 7810 and len(detail["by_hour"]) == 24
    assert next(h for h in detail["by_hour"] if h["hour"] == 23)["seconds"] == 1800
    assert sum(d["seconds"] for d in detail["by_day"]) == 7810
    assert detail["devices"][0]["name"] == "Chrome" and detail["clients"][0]["name"] == "Emby Web"
    assert len(detail["recent_plays"]) == 4 and detail["top_items"][0]["item_id"] == facts["movies"][0].id
    await get(service, f"/stats/user/{'f' * 32}", 404)
    await get(service, "/stats/user/not-an-id", 422)


async def test_play_methods_and_clients(history: tuple[Service, dict[str, Any]]) -> None:
    service, _ = history
    methods = await get(service, "/stats/play-methods?days=7")
    assert methods["methods"] == {"DirectPlay": 5, "DirectStream": 0, "Transcode": 1}
    assert methods["transcode_reasons"] == {"VideoCodecNotSupported": 1}
    assert methods["transcode_reasons_text"] == {"VideoCodecNotSupported": "the client cannot play the video codec"}
    assert methods["detailed"]["transcode/direct"] == 1
    assert [s["play_method"] for s in methods["sessions"]] == ["Transcode"], "direct plays listed with show_all"
    everything = await get(service, "/stats/play-methods?days=7&show_all=true")
    assert everything["total_sessions"] == 6 and len(everything["sessions"]) == 6
    assert await get(service, "/stats/playback-methods?days=7") == methods
    clients = await get(service, "/stats/clients?days=7")
    roku = next(c for c in clients if c["client"] == "Roku SG")
    assert roku["devices"][0]["device"] == "Roku Ultra" and roku["methods"] == {"Transcode": 1}
    assert sum(c["seconds"] for c in clients) == 7810 + 4200


async def test_heatmap_and_concurrency(history: tuple[Service, dict[str, Any]]) -> None:
    service, _ = history
    cells = await get(service, "/stats/heatmap?days=7")
    assert len(cells) == 168 and sum(c["seconds"] for c in cells) == 7810 + 4200
    thursday = next(c for c in cells if c["weekday"] == 3 and c["hour"] == 10)  # 2026-01-15 is a Thursday
    assert thursday["seconds"] == 1800 + 1200 + 600  # play 3 (10:00-10:30, 10:40-11:00) and play 4 from 10:50
    peaks = await get(service, "/stats/concurrency?days=3")
    today = next(d for d in peaks["days"] if d["day"] == "2026-01-15")
    assert today["peak"] == 2 and today["at"] == at(0, 10, 50).isoformat().replace("+00:00", "Z")
    assert peaks["peak"] == 2 and [d["day"] for d in peaks["days"]] == ["2026-01-13", "2026-01-14", "2026-01-15"]
    assert next(d for d in peaks["days"] if d["day"] == "2026-01-14")["peak"] == 1, "carried over midnight"


async def test_one_play_explained(history: tuple[Service, dict[str, Any]]) -> None:
    service, _ = history
    paused = await get(service, f"/stats/history/{3:032x}")
    assert [s["seconds"] for s in paused["segments"]] == [1800, 1200]
    assert paused["play"]["watch_seconds"] == 3000
    assert any("not counted (10 min)" in line and "paused" in line for line in paused["why"])
    seek = await get(service, f"/stats/history/{6:032x}")
    assert any("skipped ahead" in line for line in seek["why"])
    assert any("not counted as a play" in line for line in (await get(service, f"/stats/history/{5:032x}"))["why"])
    await get(service, f"/stats/history/{99:032x}", 404)


async def test_library_qualities_and_codecs_agree_with_their_lists(history: tuple[Service, dict[str, Any]]) -> None:
    service, _ = history
    buckets = (await get(service, "/stats/qualities"))["buckets"]
    for label, per_type in buckets.items():
        listed = await get(service, f"/stats/items/by-quality/{label}?page_size=500")
        assert listed["total"] == sum(per_type.values()), label
        assert all(item["quality"] == label for item in listed["items"])
    assert set(buckets) <= set(QUALITIES)
    await get(service, "/stats/items/by-quality/2K", 400)
    codecs = (await get(service, "/stats/codecs"))["codecs"]
    for name, per_type in codecs.items():
        assert name == name.lower()
        listed = await get(service, f"/stats/items/by-codec/{name.upper()}?page_size=1")
        assert listed["total"] == sum(per_type.values()) and listed["page_size"] == 1
    library = await get(service, "/stats/library")
    overview = await get(service, "/stats/overview")
    folders = {"Folder", "CollectionFolder", "UserView"}
    assert library["items"] == sum(n for t, n in overview["items_by_type"].items() if t not in folders)
    assert library["size_bytes"] > 0 and sum(t["items"] for t in library["by_type"]) == library["items"]
    assert sum(lib["items"] for lib in library["libraries"]) == library["items"]


@pytest.mark.parametrize(
    ("width", "height", "label"),
    [
        (3840, 2160, "4K"), (3840, 1600, "4K"), (4096, 1716, "4K"), (5120, 2880, "4K"), (7680, 4320, "8K"),
        (1920, 1080, "1080p"), (1920, 800, "1080p"), (1440, 1080, "1080p"), (1280, 720, "720p"), (1280, 536, "720p"),
        (720, 576, "SD"), (640, 480, "SD"), (None, None, "Unknown"), (0, 0, "Unknown"),
    ],
)  # fmt: skip
def test_one_quality_classifier(width: int | None, height: int | None, label: str) -> None:
    assert quality(width, height) == label


@pytest.mark.parametrize(
    "query",
    [
        "limit=100000", "limit=0", "days=-5", "days=abc", "days=4000", "timeframe=forever",
        "from=2026-01-10&to=2026-01-05", "from=2026-01-10&days=3", "from=2099-01-01", "from=2026-13-01",
    ],
)  # fmt: skip
async def test_bad_parameters_are_4xx_with_a_message(history: tuple[Service, dict[str, Any]], query: str) -> None:
    service, _ = history
    for path in ("/stats/top/users", "/stats/usage", "/stats/active-users", "/stats/top/items"):
        response = await service.http.get(f"{path}?{query}")
        if "limit" in query and path == "/stats/usage":
            continue  # usage has no limit
        assert 400 <= response.status_code < 500, (path, query, response.text)
        assert response.json()["message"]


async def test_usage_is_per_day_so_at_most_a_year(history: tuple[Service, dict[str, Any]]) -> None:
    service, _ = history
    assert isinstance(await get(service, "/stats/usage?days=366"), list)
    for query in ("days=367", "timeframe=all-time", "to=2026-01-10", "from=2024-01-01&to=2026-01-10"):
        body = await get(service, f"/stats/usage?{query}", 422)
        assert "at most 366 days" in body["message"]
