"""Items: paging, filters, incremental sync, mutations, determinism, hostile names, scale."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from emby_analytics.clock import ManualClock
from emby_analytics.simulator import Simulator, World, WorldSpec
from emby_analytics.simulator.world import EPISODE, FLAG_VIRTUAL, MOVIE, SEASON, SERIES
from emby_analytics.simulator.world.formats import emby_date
from emby_analytics.simulator.world.hostile import HOSTILE_USER_NAMES

from .conftest import API_KEY, START


async def _get(client: httpx.AsyncClient, path: str) -> Any:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.text[:200])
    return r.json()


async def _walk(client: httpx.AsyncClient, query: str, limit: int = 97) -> tuple[list[str], int]:
    ids: list[str] = []
    start, total = 0, -1
    while total < 0 or start < total:
        page = await _get(client, f"/Items?{query}&StartIndex={start}&Limit={limit}")
        total = page["TotalRecordCount"]
        ids.extend(i["Id"] for i in page["Items"])
        start += limit
    return ids, total


async def test_recursive_paging_yields_every_item_once(client: httpx.AsyncClient, sim: Simulator) -> None:
    ids, total = await _walk(client, "Recursive=true")
    counts = sim.world.counts()
    assert len(ids) == len(set(ids)) == total == len(sim.world)
    by_type: dict[str, int] = {}
    virtual = 0
    for item_id in ids:
        rec = sim.world.item(item_id)
        assert rec is not None
        if rec.flags & FLAG_VIRTUAL:
            virtual += 1  # listed, but not counted by /Items/Counts (as in Emby)
            continue
        by_type[rec.type] = by_type.get(rec.type, 0) + 1
    assert virtual > 0
    assert counts["ItemCount"] == len(sim.world) - virtual
    assert by_type[MOVIE] == counts["MovieCount"]
    assert by_type[SERIES] == counts["SeriesCount"]
    assert by_type[EPISODE] == counts["EpisodeCount"]
    assert by_type.get("Audio", 0) == counts["SongCount"]
    movies, total_movies = await _walk(client, "Recursive=true&IncludeItemTypes=Movie", limit=50)
    assert len(set(movies)) == total_movies == counts["MovieCount"]


async def test_type_filters_parent_and_root(client: httpx.AsyncClient, sim: Simulator) -> None:
    world = sim.world
    root = await _get(client, "/Items")
    assert {i["Type"] for i in root["Items"]} == {"CollectionFolder"}
    assert root["TotalRecordCount"] == len(world.libraries)
    excl = await _get(client, "/Items?Recursive=true&ExcludeItemTypes=Episode,Season&Limit=1")
    assert excl["TotalRecordCount"] == len(world) - len(world.ids_of_type(EPISODE)) - len(world.ids_of_type(SEASON))
    tv = next(lib for lib in world.libraries if lib.collection_type == "tvshows")
    shows = await _get(client, f"/Items?ParentId={tv.id}")
    assert {i["Type"] for i in shows["Items"]} == {SERIES}
    assert shows["TotalRecordCount"] == world.counts()["SeriesCount"]
    series_id = shows["Items"][0]["Id"]
    seasons = await _get(client, f"/Items?ParentId={series_id}")
    assert {i["Type"] for i in seasons["Items"]} == {SEASON}
    assert [i["IndexNumber"] for i in seasons["Items"]] == list(range(1, len(seasons["Items"]) + 1))
    episodes = await _get(client, f"/Items?ParentId={seasons['Items'][0]['Id']}&Fields=ParentId")
    assert episodes["Items"] and all(e["SeasonId"] == seasons["Items"][0]["Id"] for e in episodes["Items"])
    assert all(e["SeriesId"] == series_id and e["ParentId"] == seasons["Items"][0]["Id"] for e in episodes["Items"])
    whole = await _get(client, f"/Items?ParentId={series_id}&Recursive=true&IncludeItemTypes=Episode")
    assert whole["TotalRecordCount"] == sum(len(world.children(int(s["Id"]))) for s in seasons["Items"])
    lib_movies = await _get(client, f"/Items?ParentId={world.libraries[0].id}&Recursive=true&Limit=0")
    assert lib_movies["TotalRecordCount"] == world.counts()["MovieCount"] and lib_movies["Items"] == []
    lower = await _get(client, "/Items?recursive=TRUE&includeitemtypes=movie&limit=1")
    assert lower["TotalRecordCount"] == world.counts()["MovieCount"]
    skipped = await _get(client, "/Items?Recursive=true&Limit=5&EnableTotalRecordCount=false")
    assert len(skipped["Items"]) == 5 and skipped["TotalRecordCount"] == 0


async def test_ids_sorting_and_bad_parameters(client: httpx.AsyncClient, sim: Simulator) -> None:
    movies = sim.world.ids_of_type(MOVIE)
    wanted = [str(movies[5]), str(movies[2]), "999999999"]
    page = await _get(client, f"/Items?Ids={','.join(wanted)}")
    assert [i["Id"] for i in page["Items"]] == wanted[:2] and page["TotalRecordCount"] == 2
    sorted_page = await _get(client, "/Items?Recursive=true&IncludeItemTypes=Movie&SortBy=SortName&Fields=SortName")
    names = [i["SortName"] for i in sorted_page["Items"]]
    assert names == sorted(names)
    by_date = await _get(
        client,
        "/Items?Recursive=true&IncludeItemTypes=Movie&SortBy=DateCreated"
        "&SortOrder=Descending&Fields=DateCreated&Limit=50",
    )
    dates = [i["DateCreated"] for i in by_date["Items"]]
    assert dates == sorted(dates, reverse=True)
    r = await client.get("/Items?Recursive=true&StartIndex=abc")
    assert r.status_code == 400


async def test_min_date_last_saved_returns_exactly_touched(
    client: httpx.AsyncClient, sim: Simulator, clock: ManualClock
) -> None:
    world = sim.world
    since = emby_date(clock.now())
    assert (await _get(client, f"/Items?Recursive=true&MinDateLastSaved={since}"))["TotalRecordCount"] == 0
    clock.advance(60)
    touched = [world.ids_of_type(MOVIE)[3], world.ids_of_type(EPISODE)[10], world.ids_of_type(SERIES)[0]]
    world.touch_items(touched, name="Renamed")
    world.touch_items([world.ids_of_type(MOVIE)[4]], changes={"OfficialRating": "PG-13"})
    touched.append(world.ids_of_type(MOVIE)[4])
    page = await _get(client, f"/Items?Recursive=true&MinDateLastSaved={since}&Fields=OfficialRating")
    assert sorted(int(i["Id"]) for i in page["Items"]) == sorted(touched)
    assert sum(i["Name"] == "Renamed" for i in page["Items"]) == 3
    assert any(i.get("OfficialRating") == "PG-13" for i in page["Items"])
    later = emby_date(clock.now() + timedelta(seconds=1))
    assert (await _get(client, f"/Items?Recursive=true&MinDateLastSaved={later}"))["TotalRecordCount"] == 0
    clock.advance(60)
    new = [*world.add_items(2), world.add_movie("Brand New"), *world.add_items(1, SERIES)]
    page = await _get(client, f"/Items?Recursive=true&MinDateLastSaved={later}")
    assert {i["Id"] for i in page["Items"]} == set(new)


async def test_removed_items_disappear_everywhere(client: httpx.AsyncClient, sim: Simulator) -> None:
    world = sim.world
    before = world.counts()
    series_id = world.ids_of_type(SERIES)[2]
    season_id = world.children(series_id)[0]
    episode_ids = list(world.children(season_id))
    movie_id = world.ids_of_type(MOVIE)[7]
    await _get(client, "/Items?Recursive=true&IncludeItemTypes=Episode&Limit=10")  # warm the query cache
    world.remove_items([series_id, movie_id])
    after = world.counts()
    assert after["MovieCount"] == before["MovieCount"] - 1 and after["SeriesCount"] == before["SeriesCount"] - 1
    assert after["ItemCount"] < before["ItemCount"]
    ids, total = await _walk(client, "Recursive=true", limit=500)
    assert total == len(world) and len(ids) == total and str(movie_id) not in ids and str(episode_ids[0]) not in ids
    assert (await _get(client, f"/Items?Ids={movie_id},{episode_ids[0]}"))["TotalRecordCount"] == 0
    assert (await _get(client, f"/Items?ParentId={season_id}"))["TotalRecordCount"] == 0
    episodes = await _get(client, "/Items?Recursive=true&IncludeItemTypes=Episode&Limit=1")
    assert episodes["TotalRecordCount"] == len(world.ids_of_type(EPISODE))
    r = await client.get(f"/Items/{movie_id}/Images/Primary")
    assert r.status_code == 500


async def test_user_mutations(client: httpx.AsyncClient, sim: Simulator) -> None:
    world = sim.world
    new_id = world.add_user("newbie")
    target = world.users[1].id
    world.rename_user(target, "renamed")
    world.set_user_disabled(new_id)
    gone = world.users[2].id
    world.remove_user(gone)
    users = {u["Id"]: u for u in await _get(client, "/Users")}
    assert users[new_id]["Policy"]["IsDisabled"] and users[target]["Name"] == "renamed" and gone not in users
    assert (await client.get(f"/Users/{gone}")).status_code == 404


def test_determinism_and_variety() -> None:
    clock = ManualClock(START)
    a = World.generate(WorldSpec(seed=11, start=START), clock)
    b = World.generate(WorldSpec(seed=11, start=START), clock)
    c = World.generate(WorldSpec(seed=12, start=START), clock)
    from emby_analytics.simulator.render import render_item
    from emby_analytics.simulator.server.handlers import ALL_FIELDS

    def dump(w: World) -> str:
        items = [render_item(w, r, ALL_FIELDS) for r in w.records(w.all_ids()[::7])]
        return json.dumps([items, [u.__repr__() for u in w.users]])

    assert dump(a) == dump(b)
    assert dump(a) != dump(c)
    facts: dict[str, set[Any]] = {"res": set(), "codec": set(), "ext": set(), "audio": set(), "container": set()}
    imdb_keys: set[str] = set()
    for rec in a.records(a.ids_of_type(MOVIE)):
        p = a.profiles[rec.profile]
        facts["res"].add((p.width, p.height))
        facts["codec"].add(p.video_codec)
        facts["ext"].add(p.extended)
        facts["container"].add(p.container)
        facts["audio"].update((t.codec, t.layout) for t in p.audio)
        imdb_keys.update(
            k for k in render_item(a, rec, frozenset({"providerids"}))["ProviderIds"] if k.lower() == "imdb"
        )
    assert {
        (720, 480),
        (640, 360),
        (1280, 720),
        (1920, 1080),
        (1920, 800),
        (3840, 1600),
        (1920, 1036),
        (3840, 2160),
        (7680, 4320),
    } <= facts["res"]
    assert {"h264", "hevc", "av1", "mpeg2video", "vc1", "HEVC"} <= facts["codec"]
    assert {"None", "Hdr10", "Hdr10Plus", "DolbyVision", "HyperLogGamma"} <= facts["ext"]
    assert {"mkv", "mp4", "ts", "avi", "m2ts"} <= facts["container"]
    assert {c for c, _ in facts["audio"]} >= {"aac", "ac3", "eac3", "dts", "truehd", "flac", "opus"}
    assert {layout for _, layout in facts["audio"]} >= {"stereo", "5.1", "7.1"}
    assert imdb_keys == {"Imdb", "IMDB"}


async def test_hostile_names_planted(client: httpx.AsyncClient, sim: Simulator) -> None:
    names = {u["Name"] for u in await _get(client, "/Users")}
    assert set(HOSTILE_USER_NAMES) <= names
    assert any(len(n) >= 10 * 1024 for n in names) and any("\u202e" in n for n in names)
    users = sim.world.users
    assert any(u.is_admin for u in users) and any(u.is_disabled for u in users) and any(u.is_hidden for u in users)
    page = await _get(client, "/Items?Recursive=true&IncludeItemTypes=Movie,Series,Episode")
    titles = [i["Name"] for i in page["Items"]]
    assert any("<script>" in t for t in titles) and any("onerror" in t for t in titles)
    clean = World.generate(WorldSpec(seed=7, start=START, hostile_names=False), ManualClock(START))
    assert not set(HOSTILE_USER_NAMES) & {u.name for u in clean.users}


def test_presets() -> None:
    clock = ManualClock(START)
    demo = World.generate(WorldSpec.demo(), clock)
    counts = demo.counts()
    assert 6 <= len(demo.users) <= 10 and 1000 <= counts["MovieCount"] <= 2000
    assert counts["SeriesCount"] == 80 and counts["EpisodeCount"] > 2000
    sized = World.generate(WorldSpec.sized(5000, seed=3), clock)
    tv_and_movies = sum(sized.count_by_type().values())
    assert abs(tv_and_movies - 5000) < 500


async def test_150k_world_generates_and_pages() -> None:
    """Size and paging of the benchmark world (its speed and memory are measured by benchmarks/sync_bench.py)."""
    clock = ManualClock(START)
    world = World.generate(WorldSpec.sized(150_000, seed=5), clock)
    assert abs(len(world) - 150_000) < 7_500
    sim = Simulator(world, clock, api_key=API_KEY)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app()), base_url="http://sim", headers={"X-Emby-Token": API_KEY}
    ) as client:
        fields = "Fields=MediaSources,MediaStreams,Path,ProviderIds,Genres,DateCreated"
        total = len(world)
        for start in (0, 100, total // 2, total - 100):
            page = await _get(client, f"/Items?Recursive=true&StartIndex={start}&Limit=100&{fields}")
            assert page["TotalRecordCount"] == total and len(page["Items"]) == 100
        episodes = await _get(client, "/Items?Recursive=true&IncludeItemTypes=Episode&StartIndex=90000&Limit=100")
        assert episodes["TotalRecordCount"] == len(world.ids_of_type(EPISODE))
