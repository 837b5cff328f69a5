"""The storage reports, library health and the admin's library lists on the simulator's library (with its planted
oddities: a second version of a movie, a movie without provider ids, a 12-minute movie, an episode far longer than
its siblings, a missing and unaired episodes), synced into real SQLite, with plays written through the tracker's
store. Every list is checked against a plain reference computed here from the stored rows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.conftest import make_settings, running_service
from tests.stats.test_facts_api import fold_all
from tests.stats.test_stats_api import NOW, at, get, play

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items, library_snapshots
from emby_analytics.rollups.snapshots import SnapshotJob
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE
from emby_analytics.simulator.world.population import NO_IDS, SAMPLE, TWIN, TWIN_OF
from emby_analytics.testing import Service
from emby_analytics.tracking.model import TickResult
from emby_analytics.tracking.store import PlayWriter

VIDEO = ("Movie", "Episode", "MusicVideo", "Video", "Trailer")


@pytest.fixture
async def library(tmp_path: Path, simulator: Simulator) -> AsyncIterator[tuple[Service, dict[str, Any]]]:
    clock = ManualClock(NOW)
    simulator.world.clock = clock
    settings = make_settings(tmp_path, TZ="Europe/Berlin")
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        rows = await service.state.db.read(lambda c: c.execute(select(items)).all())
        live = [r for r in rows if r.removed_at is None and not r.is_placeholder]
        on_disk = sorted((r for r in live if r.type in VIDEO and (r.size_bytes or 0) > 0), key=lambda r: r.id)
        movies = [str(i) for i in simulator.world.ids_of_type(MOVIE)]
        by_id = {r.id: r for r in rows}
        a, b = (u.id for u in simulator.world.users[:2])
        big = sorted(on_disk, key=lambda r: -(r.size_bytes or 0))
        plays = [
            play(1, a, big[0], [(at(3, 20), at(3, 21), 0)]),  # the largest file: 3 days ago, an hour
            play(2, b, big[1], [(at(0, 9), at(0, 9, 30), 0)]),  # the second largest: today, half an hour
        ]
        await service.state.db.write(
            lambda conn: PlayWriter().write(conn, TickResult(plays, plays, plays), resume_window=timedelta(0))
        )
        yield service, {"rows": rows, "live": live, "on_disk": on_disk, "movies": movies, "by_id": by_id, "big": big}


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


async def _all_pages(service: Service, path: str, key: str = "items", size: int = 7) -> list[Any]:
    found: list[Any] = []
    page = 1
    while True:
        joiner = "&" if "?" in path else "?"
        answer = await service.http.get(f"{path}{joiner}page={page}&page_size={size}", headers=_admin(service))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["page"] == page and body["page_size"] == size and len(body[key]) <= size
        found += body[key]
        if len(body[key]) < size:
            assert len(found) == body["total"]
            return found
        page += 1


async def test_stale_lists_what_nobody_played_largest_first(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    first, second = known["big"][:2]
    never = [r for r in known["big"] if r.id not in (first.id, second.id)]
    listed = await _all_pages(service, "/stats/storage/stale", size=50)
    assert [i["id"] for i in listed] == [r.id for r in never]
    assert all(i["last_played"] is None for i in listed)
    assert listed[0]["size_bytes"] == never[0].size_bytes and listed[0]["size_gb"] == round(
        never[0].size_bytes / 1024**3, 2
    )
    page = await get(service, "/stats/storage/stale?page_size=3")
    assert page["total"] == len(never) and page["total_size_bytes"] == sum(r.size_bytes for r in never)
    assert page["days"] is None and page["since"] is None
    # Not played in the last 2 local days: the largest (played 3 days ago) is back, with its last play.
    recent = await get(service, "/stats/storage/stale?days=2&page_size=2")
    assert recent["items"][0]["id"] == first.id and recent["total"] == len(never) + 1
    assert datetime.fromisoformat(recent["items"][0]["last_played"]) == at(3, 20)
    assert datetime.fromisoformat(recent["since"]) == datetime(2026, 1, 13, 23, 0, tzinfo=UTC)  # 14 Jan, Berlin
    episodes = await get(service, "/stats/storage/stale?media_type=Episode&page_size=500")
    assert {i["id"] for i in episodes["items"]} == {r.id for r in never if r.type == "Episode"}
    past = await get(service, "/stats/storage/stale?page=999")
    assert past["items"] == [] and past["total"] == len(never)


async def test_roi_ranks_watch_hours_per_gb(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    first, second = known["big"][:2]
    best = await get(service, "/stats/storage/roi?order=best&page_size=2")
    expected = sorted([(first, 3600), (second, 1800)], key=lambda p: -p[1] / p[0].size_bytes)
    assert [i["id"] for i in best["items"]] == [r.id for r, _ in expected]
    top = best["items"][0]
    row, watched = expected[0]
    assert top["seconds"] == watched and top["hours_per_gb"] == round(watched / 3600 / (row.size_bytes / 1024**3), 3)
    assert best["total"] == len(known["on_disk"]) and best["order"] == "best"
    movies = await get(service, "/stats/storage/roi?media_type=Movie&page_size=1")
    assert movies["total"] == sum(r.type == "Movie" for r in known["on_disk"]) < best["total"]
    worst = await _all_pages(service, "/stats/storage/roi", size=100)
    assert worst[0]["id"] == known["big"][2].id  # unwatched, the largest first
    assert {i["id"] for i in worst[-2:]} == {first.id, second.id}
    assert await get(service, "/stats/storage/roi?sort=best&page_size=2") == best  # the original's name
    # Folded into the rollups or not, the same answer.
    await fold_all(service)
    assert await get(service, "/stats/storage/roi?order=best&page_size=2") == best


async def test_duplicates_group_versions_and_paths(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    by_id = known["by_id"]
    original, twin = (known["movies"][n] for n in (TWIN_OF, TWIN))
    groups = await _all_pages(service, "/stats/storage/duplicates", key="groups", size=5)
    (version,) = [g for g in groups if {c["id"] for c in g["copies"]} >= {original, twin}]
    ids = json.loads(by_id[original].provider_ids)
    assert {f"{k}:{v.lower()}" for k, v in ids.items() if k in ("imdb", "tmdb")} <= set(version["matched_by"])
    sizes = sorted((by_id[original].size_bytes, by_id[twin].size_bytes))
    assert version["files"] == 2 and version["reclaimable_bytes"] == sizes[0] and version["size_bytes"] == sum(sizes)
    assert [c["kept"] for c in version["copies"]] == [True, False]
    assert "path" not in json.dumps(version["copies"])  # paths are compared, not shown
    # Every group holds items that share a normalised path or a provider id; the total is their sum.
    for group in groups:
        rows = [by_id[c["id"]] for c in group["copies"]]
        paths = [r.path.lower().rstrip("/") for r in rows]
        provider = [set(json.loads(r.provider_ids).items()) for r in rows]
        assert len(set(paths)) < len(paths) or any(a & b for n, a in enumerate(provider) for b in provider[n + 1 :])
    first = await get(service, "/stats/storage/duplicates")
    assert first["reclaimable_bytes"] == sum(g["reclaimable_bytes"] for g in groups)


async def test_growth_needs_seven_daily_snapshots(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    empty = await get(service, "/stats/storage/growth")
    assert empty["snapshots"] == [] and empty["trend"] is None and empty["forecast"] == []
    assert "0 daily snapshots so far" in empty["message"] and "7" in empty["message"]
    clock = service.state.clock
    assert isinstance(clock, ManualClock)
    job = SnapshotJob(service.state.db, service.state.settings.zone, clock)
    await job.run_now()
    clock.advance(3600)
    await job.run_now()  # the same local day: the row rewritten, not a second one
    assert job.state.last_error is None and job.written == 2
    count = await service.state.db.read(
        lambda c: c.execute(select(func.count()).select_from(library_snapshots)).scalar()
    )
    assert count == 1
    one = await get(service, "/stats/storage/growth")
    (snapshot,) = one["snapshots"]
    assert snapshot["day"] == "2026-01-15" and snapshot["items"] == sum(
        1 for r in known["live"] if r.type not in ("Folder", "CollectionFolder", "UserView")
    )
    assert snapshot["size_bytes"] == sum(r.size_bytes or 0 for r in known["live"])
    assert snapshot["by_type"]["Movie"]["items"] == sum(1 for r in known["live"] if r.type == "Movie")
    assert one["trend"] is None and "1 daily snapshot so far" in one["message"]
    for _ in range(6):
        clock.advance(86_400)
        await job.run_now()
    seven = await get(service, "/stats/storage/growth")
    assert [s["day"] for s in seven["snapshots"]] == [
        (date(2026, 1, 15) + timedelta(days=n)).isoformat() for n in range(7)
    ]
    assert seven["message"] is None and seven["trend"]["bytes_per_day"] == 0.0  # the library did not change
    assert len(seven["forecast"]) == 6 and seven["forecast"][0]["day"] == "2026-02-21"
    assert {p["size_bytes"] for p in seven["forecast"]} == {snapshot["size_bytes"]}
    assert len((await get(service, "/stats/storage/growth?days=3"))["snapshots"]) == 3


async def test_library_health_lists(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    live = known["live"]
    no_poster = await _all_pages(service, "/stats/library/health/no-poster")
    poster_types = ("Movie", "Series", "Season", "Episode", "MusicVideo", "Video", "Trailer")
    expected = {r.id for r in live if r.type in poster_types and r.primary_image_tag is None}
    assert {i["id"] for i in no_poster} == expected and expected
    no_ids = await _all_pages(service, "/stats/library/health/no-provider-ids")
    expected = {r.id for r in live if r.type in ("Movie", "Series", "Episode") and r.provider_ids in (None, "{}")}
    assert {i["id"] for i in no_ids} == expected and known["movies"][NO_IDS] in expected
    placeholders = await _all_pages(service, "/stats/library/health/placeholders", key="series", size=2)
    stored = [r for r in known["rows"] if r.type == "Episode" and r.is_placeholder and r.removed_at is None]
    missing = {r.id for r in stored if r.premiere_date is not None and r.premiere_date <= NOW}
    unaired = {r.id for r in stored} - missing
    assert missing, "the simulator has missing episodes (its unaired ones premiere after the world starts: by NOW)"
    listed = {e["id"]: e["kind"] for s in placeholders for e in s["episodes"]}
    assert listed == {**{i: "missing" for i in missing}, **{i: "unaired" for i in unaired}}
    assert all(s["missing"] + s["unaired"] == len(s["episodes"]) for s in placeholders)
    counts = [s["missing"] + s["unaired"] for s in placeholders]
    assert counts == sorted(counts, reverse=True)
    whole = await get(service, "/stats/library/health/placeholders")
    assert (whole["missing"], whole["unaired"]) == (len(missing), len(unaired))


async def test_admin_library_lists(library: tuple[Service, dict[str, Any]]) -> None:
    service, known = library
    for path in ("/admin/library/runtime-outliers", "/admin/library/missing-files"):
        assert (await service.http.get(path)).status_code == 401
    outliers = await _all_pages(service, "/admin/library/runtime-outliers")
    rules = {i["id"]: i["rule"] for i in outliers}
    assert rules[known["movies"][SAMPLE]] == "movie_short"
    (long,) = [i for i in outliers if i["rule"] == "episode_vs_siblings"]
    assert long["runtime_seconds"] == 135 * 60 and long["expected_seconds"] < 70 * 60 and long["reason"]
    assert [i["runtime_seconds"] for i in outliers] == sorted((i["runtime_seconds"] for i in outliers), reverse=True)
    only = await service.http.get("/admin/library/runtime-outliers?rule=movie_short", headers=_admin(service))
    assert {i["rule"] for i in only.json()["items"]} == {"movie_short"}
    files = await _all_pages(service, "/admin/library/missing-files")
    expected = {
        r.id
        for r in known["live"]
        if r.type in VIDEO and (not r.path or not r.size_bytes) and r.location_type != "Virtual"
    }
    assert {i["id"] for i in files} == expected


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/stats/storage/stale", "days=0"),
        ("/stats/storage/stale", "days=4000"),
        ("/stats/storage/stale", "page=0"),
        ("/stats/storage/stale", "page_size=501"),
        ("/stats/storage/stale", "media_type=Audio"),
        ("/stats/storage/roi", "order=middle"),
        ("/stats/storage/roi", "order=best&sort=worst"),
        ("/stats/storage/roi", "page_size=0"),
        ("/stats/storage/duplicates", "page=abc"),
        ("/stats/storage/growth", "days=-1"),
        ("/stats/library/health/no-poster", "media_type=Audio"),
        ("/stats/library/health/no-provider-ids", "page_size=1000"),
        ("/stats/library/health/placeholders", "page=0"),
        ("/admin/library/runtime-outliers", "rule=short"),
        ("/admin/library/missing-files", "page_size=0"),
    ],
)
async def test_bad_parameters_are_422_with_a_message(
    library: tuple[Service, dict[str, Any]], path: str, query: str
) -> None:
    service, _ = library
    answer = await service.http.get(f"{path}?{query}", headers=_admin(service))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_parameter" and answer.json()["message"]


async def test_no_snapshot_of_an_empty_library(service: Service, clock: ManualClock) -> None:
    """Before the first sync there is nothing to chart: the job writes no row (and does not fail)."""
    job = SnapshotJob(service.state.db, service.state.settings.zone, clock)
    await job.run_now()
    assert job.state.last_error is None and job.written == 0
    growth = await get(service, "/stats/storage/growth")
    assert growth["snapshots"] == [] and "0 daily snapshots" in growth["message"]


async def test_storage_lists_carry_posters_only_where_the_library_has_one(
    library: tuple[Service, dict[str, Any]],
) -> None:
    service, known = library
    by_id = known["by_id"]

    def expected(item_id: str) -> str | None:
        row = by_id[item_id]
        if row.primary_image_tag:
            return f"/img/primary/{item_id}"
        return f"/img/primary/{row.series_id}" if row.series_primary_image_tag else None

    listed = (await service.http.get("/stats/storage/stale?page_size=500")).json()["items"]
    listed += (await service.http.get("/stats/storage/roi?page_size=500")).json()["items"]
    for group in (await service.http.get("/stats/storage/duplicates?page_size=500")).json()["groups"]:
        listed += group["copies"]
    assert any(item["poster"] for item in listed) and any(item["poster"] is None for item in listed)
    for item in listed:
        assert item["poster"] == expected(item["id"]), item["display"]
