"""Every endpoint's JSON against Emby's OpenAPI schemas, plus key-set comparisons with real samples."""

from __future__ import annotations

from typing import Any

import httpx

from emby_analytics.clock import ManualClock
from emby_analytics.simulator import Pause, Play, PlaybackScript, Simulator, Transcode
from emby_analytics.simulator.world import EPISODE, MOVIE

from .openapi import OpenApi, sample

FULL = "Fields=MediaSources,MediaStreams,Path,ProviderIds,Genres,DateCreated,Studios,Overview,SortName,ParentId,"
FULL += "PremiereDate,ProductionYear,ExternalUrls,Chapters,Etag,PrimaryImageAspectRatio,People,Tags,Width,Height"

# NowPlayingItem keys of the real sample that the simulator deliberately leaves out (artwork inheritance).
_NOT_EMITTED = {
    "PresentationUniqueKey",
    "ParentLogoItemId",
    "ParentBackdropItemId",
    "ParentBackdropImageTags",
    "ParentLogoImageTag",
    "ParentThumbItemId",
    "ParentThumbImageTag",
}


async def _json(client: httpx.AsyncClient, path: str) -> Any:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


async def test_system_endpoints(client: httpx.AsyncClient, openapi: OpenApi) -> None:
    info = await _json(client, "/emby/System/Info")
    openapi.check(info, "SystemInfo")
    real = sample("system_info_emby4.8.0.62_redacted.json")
    assert set(info) == set(real)  # the 25 keys of a real 4.8 server
    public = await _json(client, "/emby/System/Info/Public")
    openapi.check(public, "PublicSystemInfo")
    assert public["Id"] == info["Id"]


async def test_users(client: httpx.AsyncClient, openapi: OpenApi) -> None:
    users = await _json(client, "/Users")
    assert isinstance(users, list) and users
    for user in users:
        openapi.check(user, "UserDto")
        assert len(user["Policy"]) >= 40
    query = await _json(client, "/Users/Query?Limit=3")
    openapi.check(query, openapi.response_schema("/Users/Query"))
    assert query["TotalRecordCount"] == len(users) and len(query["Items"]) == 3
    one = await _json(client, f"/Users/{users[0]['Id']}")
    openapi.check(one, openapi.response_schema("/Users/{Id}"))


async def test_items_thin_and_full(client: httpx.AsyncClient, openapi: OpenApi, sim: Simulator) -> None:
    schema = openapi.response_schema("/Items")
    thin = await _json(client, "/Items?Recursive=true&Limit=300")
    openapi.check(thin, schema)
    movie = next(i for i in thin["Items"] if i["Type"] == MOVIE)
    assert set(movie) == {
        "Name",
        "ServerId",
        "Id",
        "RunTimeTicks",
        "IsFolder",
        "Type",
        "UserData",
        "ImageTags",
        "BackdropImageTags",
        "MediaType",
    }
    for kind in ("Movie", "Series", "Season", "Episode", "Audio", "Video"):
        page = await _json(client, f"/Items?Recursive=true&IncludeItemTypes={kind}&Limit=60&{FULL}")
        assert page["Items"], kind
        openapi.check(page, schema)
    user = sim.world.users[0].id
    openapi.check(
        await _json(client, f"/Users/{user}/Items?Recursive=true&Limit=50&{FULL}"),
        openapi.response_schema("/Users/{UserId}/Items"),
    )
    openapi.check(await _json(client, "/Items"), schema)  # root: the library folders
    item_id = sim.world.ids_of_type(EPISODE)[0]
    openapi.check(await _json(client, f"/Users/{user}/Items/{item_id}"), "BaseItemDto")


async def test_items_match_real_episode_shapes(client: httpx.AsyncClient, sim: Simulator) -> None:
    page = await _json(client, f"/Items?Recursive=true&IncludeItemTypes=Episode&{FULL}")
    real = sample("item_episode_with_mediasources_emby48.json")
    aired = next(i for i in page["Items"] if "LocationType" not in i)
    assert set(real["MediaSources"][0]) <= set(aired["MediaSources"][0]) | {"DefaultSubtitleStreamIndex"}
    video = aired["MediaStreams"][0]
    assert set(real["MediaSources"][0]["MediaStreams"][0]) == set(video)
    assert set(real["MediaSources"][0]["MediaStreams"][1]) == set(aired["MediaStreams"][1])
    virtual = next(i for i in page["Items"] if i.get("LocationType") == "Virtual")
    placeholder = sample("item_episode_unaired_placeholder_emby48.json")
    assert set(virtual["MediaSources"][0]) == set(placeholder["MediaSources"][0]) | {"DefaultSubtitleStreamIndex"}
    assert virtual["MediaSources"][0]["Type"] == "Placeholder" and "Path" not in virtual
    shared = {
        "Name",
        "Id",
        "Type",
        "IndexNumber",
        "ParentIndexNumber",
        "SeriesId",
        "SeasonId",
        "SeriesName",
        "SeasonName",
        "MediaSources",
        "Path",
        "ProviderIds",
        "Container",
        "Size",
        "Bitrate",
        "RunTimeTicks",
    }
    assert shared <= set(aired)


async def test_counts_and_libraries(client: httpx.AsyncClient, openapi: OpenApi, sim: Simulator) -> None:
    counts = await _json(client, "/Items/Counts")
    openapi.check(counts, openapi.response_schema("/Items/Counts"))
    assert len(counts) == 14 and counts == sim.world.counts()
    folders = await _json(client, "/Library/VirtualFolders")
    assert {f["CollectionType"] for f in folders} >= {"movies", "tvshows"} and len(folders) >= 3
    for folder in folders:
        openapi.check(folder, "VirtualFolderInfo")
    openapi.check(
        await _json(client, "/Library/VirtualFolders/Query"), openapi.response_schema("/Library/VirtualFolders/Query")
    )


def _scripts(sim: Simulator, clock: ManualClock) -> tuple[str, str, str]:
    world = sim.world
    users = world.users
    episode = str(world.ids_of_type(EPISODE)[3])
    movie = str(world.ids_of_type(MOVIE)[1])
    now = clock.now()
    transcode = sim.sessions.add_script(
        PlaybackScript(
            users[0].id,
            now,
            (Play(0, episode, 60, "Transcode", Transcode(is_video_direct=True, reasons=("AudioCodecNotSupported",))),),
        )
    )
    direct = sim.sessions.add_script(PlaybackScript(users[1].id, now, (Play(0, movie),)))
    paused = sim.sessions.add_script(
        PlaybackScript(users[2].id, now, (Play(0, movie, 0, "Transcode", Transcode(report_info=False)), Pause(5)))
    )
    sim.sessions.add_script(PlaybackScript(users[3].id, now, ()))  # idle
    return transcode, direct, paused


async def test_sessions_schema_and_real_key_sets(
    client: httpx.AsyncClient, openapi: OpenApi, sim: Simulator, clock: ManualClock
) -> None:
    transcode, direct, paused = _scripts(sim, clock)
    clock.advance(30)
    sessions = await _json(client, "/Sessions")
    openapi.check(sessions, openapi.response_schema("/Sessions"))
    by_id = {s["Id"]: s for s in sessions}
    real_tc = sample("sessions_emby48_roku_transcode.json")[0]
    assert list(by_id[transcode]) == list(real_tc)  # same keys, same order
    assert list(by_id[transcode]["PlayState"]) == list(real_tc["PlayState"])
    assert set(by_id[transcode]["TranscodingInfo"]) == set(real_tc["TranscodingInfo"])
    real_dp = sample("sessions_emby48_roku_directplay.json")[0]
    assert list(by_id[direct]) == list(real_dp)
    real_paused = sample("session_emby48_roku_transcode_paused.json")
    assert list(by_id[paused]) == list(real_paused)
    assert by_id[paused]["PlayState"]["PlayMethod"] == "Transcode" and by_id[paused]["PlayState"]["IsPaused"]
    idle = next(s for s in sessions if "NowPlayingItem" not in s)
    real_idle = sample("sessions_emby48_roku_idle.json")[0]
    assert list(idle) == list(real_idle) and list(idle["PlayState"]) == list(real_idle["PlayState"])
    npi = by_id[transcode]["NowPlayingItem"]
    real_npi = real_tc["NowPlayingItem"]
    assert set(real_npi) - _NOT_EMITTED <= set(npi)
    assert "MediaSources" not in npi and "UserData" not in npi


async def test_remote_control_post_answers(client: httpx.AsyncClient, sim: Simulator, clock: ManualClock) -> None:
    transcode, _, _ = _scripts(sim, clock)
    r = await client.post(f"/Sessions/{transcode}/Playing/Pause")
    assert r.status_code == 204 and r.content == b""
    r = await client.post("/Sessions/00000000000000000000000000000000/Playing/Pause")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
