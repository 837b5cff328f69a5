"""`/stats/transcodes/fix-list` and `/stats/transcodes/by-client`: on a known history written through the tracker's
store (every number by hand), and on the simulated household against the simulator's truth."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.conftest import make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import items
from emby_analytics.simulator.playback import household_scripts
from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import Service
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, Stream, TickResult
from emby_analytics.tracking.store import PlayWriter

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
T = TICKS_PER_SECOND
HEVC = Stream(
    play_method="Transcode",
    video_method="transcode",
    audio_method="direct",
    video_codec_from="hevc",
    transcode_reasons=("VideoCodecNotSupported",),
)
AUDIO = Stream(
    play_method="Transcode",
    video_method="copy",
    audio_method="transcode",
    transcode_reasons=("AudioChannelsNotSupported", "AudioCodecNotSupported"),
)
REMUX = Stream(play_method="DirectStream", video_method="copy", audio_method="copy",
               transcode_reasons=("ContainerNotSupported",))  # fmt: skip
SILENT = Stream(play_method="Transcode")  # a client that sent no TranscodingInfo
DIRECT = Stream(play_method="DirectPlay")


def play(n: int, user: str, item: Any, start: datetime, minutes: float, stream: Stream, client: str, **kw: Any) -> Play:
    end = start + timedelta(minutes=minutes)
    context = PlayContext(
        user, item.id, user_name="viewer", item_type=item.type, item_name=item.name, series_id=item.series_id,
        series_name=item.series_name, season_number=item.season_number, episode_number=item.episode_number,
        runtime_ticks=item.runtime_ticks, client=client, device_name=kw.pop("device", "Device"),
        live_tv=kw.pop("live_tv", False), stream=stream,
    )  # fmt: skip
    segments = [Segment(start, end, 0, round(minutes * 60 * T))]
    made = Play(f"{n:032x}", f"s{n}", start, end, context, stopped_at=end, segments=segments)
    made.short = made.watch_seconds < 30
    return made


@pytest.fixture
async def history(tmp_path: Path, simulator: Simulator) -> AsyncIterator[tuple[Service, dict[str, Any]]]:
    clock = ManualClock(NOW)
    simulator.world.clock = clock
    settings = make_settings(tmp_path, TZ="UTC")
    async with running_service(settings, simulator, clock) as service:
        await service.state.library_sync.full()
        rows = await service.state.db.read(lambda c: c.execute(select(items)).all())
        movies = [r for r in rows if r.type == "Movie" and r.runtime_ticks][:3]
        episode = next(r for r in rows if r.type == "Episode" and r.series_id)
        a, b, c = (u.id for u in simulator.world.users[:3])
        m0, m1, m2 = movies

        def facts(conn: Any) -> None:  # the files as the library knows them: movie 0 is HEVC Main10 with TrueHD 7.1
            conn.execute(
                update(items)
                .where(items.c.id == m0.id)
                .values(video_codec="hevc", video_bit_depth=10, video_profile="Main 10", container="mkv",
                        audio_codec="truehd", audio_channels=8, path="/media/movies/Zero (2020)/zero.mkv")
            )  # fmt: skip

        await service.state.db.write(facts)
        day = timedelta(days=1)
        plays = [
            # movie 0 on Roku SG: 3 plays by 2 users, 60 + 30 + 0.2 min (the short one counts too)
            play(1, a, m0, NOW - 3 * day, 60, HEVC, "Roku SG"),
            play(2, b, m0, NOW - 2 * day, 30, HEVC, "Roku SG"),
            play(3, a, m0, NOW - 2 * day + timedelta(hours=2), 0.2, HEVC, "Roku SG"),
            # movie 0 on Emby Web: its audio, 45 min
            play(4, c, m0, NOW - day, 45, AUDIO, "Emby Web"),
            # movie 1 remuxed on Emby Web, 100 min; played directly on Roku SG (not listed)
            play(5, a, m1, NOW - day, 100, REMUX, "Emby Web"),
            play(6, a, m1, NOW - 4 * day, 100, DIRECT, "Roku SG"),
            # episode: transcoded without a reason, 20 min, 40 days ago (outside 30 days)
            play(7, b, episode, NOW - 40 * day, 20, SILENT, "Emby for Android"),
            # movie 2 direct on Emby Web, 10 min
            play(8, b, m2, NOW - day, 10, DIRECT, "Emby Web"),
            # Live TV transcoded: never a file to fix
            play(9, b, m2, NOW - day, 50, HEVC, "Emby Web", live_tv=True),
        ]
        await service.state.db.write(
            lambda conn: PlayWriter().write(conn, TickResult(plays, plays, plays), resume_window=timedelta(0))
        )
        yield service, {"users": (a, b, c), "movies": movies, "episode": episode}


async def get(service: Service, path: str, status: int = 200) -> Any:
    response = await service.http.get(path)
    assert response.status_code == status, (path, response.text)
    return response.json()


async def test_fix_list_ranks_files_on_clients_by_transcoded_time(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    m0, m1, _ = facts["movies"]
    page = await get(service, "/stats/transcodes/fix-list")
    assert page["total"] == 3 and (page["offset"], page["limit"]) == (0, 50)
    got = [(f["item_id"], f["client"], f["reasons"], f["plays"], f["users"], f["seconds"]) for f in page["fixes"]]
    assert got == [
        (m1.id, "Emby Web", ["ContainerNotSupported"], 1, 1, 6000),
        (m0.id, "Roku SG", ["VideoCodecNotSupported"], 3, 2, 3600 + 1800 + 12),
        (m0.id, "Emby Web", ["AudioChannelsNotSupported", "AudioCodecNotSupported"], 1, 1, 2700),
    ]
    roku = page["fixes"][1]
    assert roku["cause"] == "HEVC Main10 is not supported by Roku SG"
    assert roku["fix"] == "an H.264 version, or a client that plays HEVC"
    assert roku["file"] == "zero.mkv" and "/media" not in str(page)  # readers see the file, not the folders
    assert (roku["container"], roku["video"], roku["audio"]) == ("mkv", "HEVC Main10", "TrueHD 7.1")
    assert roku["hours"] == 1.5 and roku["reasons_text"] == ["the client cannot play the video codec"]
    assert roku["last_transcoded_at"] == "2026-01-13T14:00:12Z"
    web = page["fixes"][2]
    assert [x["reason"] for x in web["advice"]] == ["AudioChannelsNotSupported", "AudioCodecNotSupported"]
    assert web["cause"] == (
        "7.1 audio has more channels than Emby Web plays; TrueHD 7.1 audio is not supported by Emby Web"
    )
    # Older plays, with the window: the reasonless transcode of the episode says so.
    everything = await get(service, "/stats/transcodes/fix-list?timeframe=all-time")
    assert everything["total"] == 4
    silent = everything["fixes"][-1]
    assert (silent["item_id"], silent["reasons"], silent["seconds"]) == (facts["episode"].id, [], 1200)
    assert silent["cause"] == "Emby did not say why Emby for Android got a transcode"
    assert silent["advice"][0]["reason"] is None


async def test_fix_list_filters_and_pages(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    m0, m1, _ = facts["movies"]
    b = facts["users"][1]
    base = "/stats/transcodes/fix-list?days=30"
    full = (await get(service, base))["fixes"]
    pages = [await get(service, f"{base}&limit=1&offset={n}") for n in range(4)]
    assert [p["fixes"][0] for p in pages[:3]] == full and pages[3]["fixes"] == []
    assert {p["total"] for p in pages} == {3}  # a page past the end still counts
    only_roku = (await get(service, f"{base}&client=Roku%20SG"))["fixes"]
    assert [(f["item_id"], f["client"]) for f in only_roku] == [(m0.id, "Roku SG")]
    by_b = (await get(service, f"{base}&user_id={b}"))["fixes"]
    assert [(f["item_id"], f["plays"], f["seconds"]) for f in by_b] == [(m0.id, 1, 1800)]
    codec = (await get(service, f"{base}&reason=AudioCodecNotSupported"))["fixes"]
    assert [f["client"] for f in codec] == ["Emby Web"] and codec[0]["item_id"] == m0.id
    one_item = (await get(service, f"{base}&item_id={m1.id}"))["fixes"]
    assert [f["reasons"] for f in one_item] == [["ContainerNotSupported"]]
    assert (await get(service, "/stats/transcodes/fix-list?days=2"))["total"] == 2  # yesterday and today


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("days=0", "days"),
        ("timeframe=2w", "timeframe"),
        ("reason=Bogus", "reason"),
        ("user_id=nope", "user_id"),
        ("item_id=../x", "item_id"),
        ("client=", "client"),
        ("from=2026-01-10&days=3", "from"),
        ("from=2026-01-10&to=2026-01-01", "after"),
    ],
)
async def test_fix_list_refuses_bad_parameters(
    history: tuple[Service, dict[str, Any]], query: str, fragment: str
) -> None:
    service, _ = history
    body = await get(service, f"/stats/transcodes/fix-list?{query}", 422)
    assert body["error"] == "invalid_parameter" and fragment in body["message"], body


async def test_by_client(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    c = facts["users"][2]
    rows = await get(service, "/stats/transcodes/by-client")
    got = {r["client"]: (r["plays"], r["transcodes"], r["share"], r["seconds"], r["files"]) for r in rows}
    assert got == {
        "Emby Web": (3, 2, 0.667, 6000 + 2700, 2),  # the remux, the audio transcode, a direct play (Live TV not)
        "Roku SG": (4, 3, 0.75, 3600 + 1800 + 12, 1),
    }
    assert [r["client"] for r in rows] == ["Emby Web", "Roku SG"]
    web = rows[0]["top_reasons"]
    assert [(r["reason"], r["plays"]) for r in web] == [
        ("AudioChannelsNotSupported", 1),
        ("AudioCodecNotSupported", 1),
        ("ContainerNotSupported", 1),
    ]
    assert web[2]["words"] == "the client cannot play the file's container"
    android = {r["client"]: r for r in await get(service, "/stats/transcodes/by-client?timeframe=all-time")}
    assert android["Emby for Android"]["top_reasons"] == [{"reason": None, "words": "Emby gave no reason", "plays": 1}]
    mine = await get(service, f"/stats/transcodes/by-client?user_id={c}")
    assert [(r["client"], r["plays"], r["transcodes"]) for r in mine] == [("Emby Web", 1, 1)]
    assert (await get(service, "/stats/transcodes/by-client?limit=0", 422))["error"] == "invalid_parameter"
    assert (await get(service, "/stats/transcodes/by-client?days=9999", 422))["error"] == "invalid_parameter"


# -- against the simulator's truth ------------------------------------------------------------------------------------
SIM_HOURS = 60


async def test_fix_list_names_what_the_simulated_household_really_transcoded(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    """The household plays for two and a half days, the service polling Emby as it does; the fix-list then names
    exactly the (file, client) pairs the simulator transcoded, with as many plays each."""
    engine = simulator.sessions
    engine.attach(household_scripts(simulator.world, clock, seed=11, max_concurrent=3))
    async with running_service(make_settings(tmp_path, TZ="UTC"), simulator, clock) as service:
        await service.state.library_sync.full()
        end = clock.now() + timedelta(hours=SIM_HOURS)
        while clock.now() < end:
            busy = any(rt.play is not None for rt in engine.runtimes())
            clock.advance(10 if busy else 60)  # nothing plays for under a minute: idle minutes are skipped whole
            await service.state.feed.poll()
        truth: Counter[tuple[str, str]] = Counter(
            (p.item_id, p.client) for p in engine.truth() if any(m == "Transcode" for _, m in p.methods)
        )
        assert len(truth) >= 5, "the household should transcode a few times in two days"
        page = await get(service, "/stats/transcodes/fix-list?timeframe=all-time&limit=500")
        found: Counter[tuple[str, str]] = Counter()
        for fix in page["fixes"]:
            found[(fix["item_id"], fix["client"])] += fix["plays"]
            assert fix["cause"] and fix["fix"] and fix["display"]
        assert found == truth
        by_client = await get(service, "/stats/transcodes/by-client?timeframe=all-time")
        assert {r["client"]: r["transcodes"] for r in by_client if r["transcodes"]} == {
            client: sum(n for (_, c), n in truth.items() if c == client) for _, client in truth
        }
        everything = Counter(p.client for p in engine.truth())
        assert {r["client"]: r["plays"] for r in by_client} == everything


async def test_fix_list_posters_only_where_the_library_has_one(history: tuple[Service, dict[str, Any]]) -> None:
    service, facts = history
    m0, m1, _ = facts["movies"]
    episode = facts["episode"]

    def tags(conn: Any) -> None:  # movie 0 has none; the episode has none of its own, its series has one
        conn.execute(update(items).where(items.c.id == m0.id).values(primary_image_tag=None))
        conn.execute(update(items).where(items.c.id == m1.id).values(primary_image_tag="a" * 32))
        conn.execute(
            update(items)
            .where(items.c.id == episode.id)
            .values(primary_image_tag=None, series_primary_image_tag="b" * 32)
        )

    await service.state.db.write(tags)
    page = await get(service, "/stats/transcodes/fix-list?timeframe=all-time")
    posters = {f["item_id"]: f["poster"] for f in page["fixes"]}
    assert posters == {m1.id: f"/img/primary/{m1.id}", m0.id: None, episode.id: f"/img/primary/{episode.series_id}"}
