"""Statistics answers are kept until the data changes: the same question again is a hit with the same body, a
browser with the answer gets a 304, any commit (ours, or another process's) or a new local day makes it ask again,
and STATS_CACHE_MB=0 turns it off. A client that accepts gzip gets the kept answer gzipped (compressed once), the
others the plain body, under one ETag."""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.conftest import make_settings

from emby_analytics.clock import ManualClock
from emby_analytics.simulator.server import Simulator
from emby_analytics.testing import Service, running_service
from emby_analytics.tracking.model import TICKS_PER_SECOND, Play, PlayContext, Segment, TickResult
from emby_analytics.tracking.store import PlayWriter


def _play(n: int, clock: ManualClock, minutes: int) -> Play:
    start = clock.now() - timedelta(hours=2)
    end = start + timedelta(minutes=minutes)
    segment = Segment(start, end, 0, minutes * 60 * TICKS_PER_SECOND)
    context = PlayContext(f"{n:032x}", "m1", item_type="Movie", item_name="One")
    return Play(f"{n:032x}", f"s{n}", start, end, context, stopped_at=end, segments=[segment])


async def _write(service: Service, play: Play) -> None:
    changed = TickResult([play], [play], [play])
    await service.state.db.write(lambda conn: PlayWriter().write(conn, changed, resume_window=timedelta(0)))


async def test_same_question_same_answer_until_the_data_changes(service: Service, clock: ManualClock) -> None:
    await _write(service, _play(1, clock, 30))
    first = await service.http.get("/stats/top/users")
    again = await service.http.get("/stats/top/users")
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert first.json()[0]["seconds"] == 1800

    unchanged = await service.http.get("/stats/top/users", headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""

    await _write(service, _play(2, clock, 45))  # a new play: the answer must show it
    after = await service.http.get("/stats/top/users")
    assert after.headers["x-cache"] == "miss" and after.headers["etag"] != first.headers["etag"]
    assert sorted(u["seconds"] for u in after.json()) == [1800, 2700]
    stale = await service.http.get("/stats/top/users", headers={"If-None-Match": first.headers["etag"]})
    assert stale.status_code == 200, "an old ETag gets the new answer"


async def test_another_process_writing_is_seen(service: Service) -> None:
    before = (await service.http.get("/stats/users/total")).json()["total_users"]
    now = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    with closing(sqlite3.connect(service.state.settings.sqlite_path)) as other:
        other.execute(
            "INSERT INTO users (id, name, is_admin, is_disabled, is_hidden, has_image, first_seen_at, updated_at) "
            "VALUES ('ffff', 'From elsewhere', 0, 0, 0, 0, ?, ?)",
            (now, now),
        )
        other.commit()
    assert (await service.http.get("/stats/users/total")).json()["total_users"] == before + 1


async def test_a_new_local_day_asks_again(service: Service, clock: ManualClock) -> None:
    first = await service.http.get("/stats/usage")
    clock.advance(86_400)
    later = await service.http.get("/stats/usage")
    assert later.headers["x-cache"] == "miss" and later.headers["etag"] != first.headers["etag"]


async def test_errors_are_not_kept_and_other_paths_not_touched(service: Service) -> None:
    for _ in range(2):
        missing = await service.http.get("/stats/user/ffffffffffffffffffffffffffffffff")
        assert missing.status_code == 404 and "etag" not in missing.headers
    health = await service.http.get("/health")
    assert "x-cache" not in health.headers


async def test_off_with_zero(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    settings = make_settings(tmp_path, STATS_CACHE_MB="0")
    async with running_service(settings, simulator, clock, run_jobs=False) as service:
        response = await service.http.get("/stats/top/users")
        assert response.status_code == 200 and "x-cache" not in response.headers


async def test_the_same_question_at_once_is_answered_once(service: Service, clock: ManualClock) -> None:
    await _write(service, _play(1, clock, 30))
    answers = await asyncio.gather(*(service.http.get("/stats/active-users") for _ in range(8)))
    assert sorted(a.headers["x-cache"] for a in answers) == ["hit"] * 7 + ["miss"]
    assert len({a.content for a in answers}) == 1


async def _raw(service: Service, path: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent (httpx would decode it)."""
    async with service.http.stream("GET", path, headers=headers) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_a_client_that_accepts_gzip_gets_the_answer_gzipped(service: Service, clock: ManualClock) -> None:
    await _write(service, _play(1, clock, 30))
    packed, raw = await _raw(service, "/stats/heatmap", **{"Accept-Encoding": "gzip, deflate, br"})  # computed now
    plain, body = await _raw(service, "/stats/heatmap", **{"Accept-Encoding": "identity"})  # kept
    assert (packed.headers["x-cache"], plain.headers["x-cache"]) == ("miss", "hit")
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert int(packed.headers["content-length"]) == len(raw) < len(body) == int(plain.headers["content-length"])
    assert gzip.decompress(raw) == body and len(json.loads(body)) == 168
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert packed.headers["etag"] == plain.headers["etag"], "one content, one weak ETag"

    again, raw_again = await _raw(service, "/stats/heatmap", **{"Accept-Encoding": "gzip"})
    assert again.headers["x-cache"] == "hit" and raw_again == raw, "compressed once, when kept"
    unchanged = await service.http.get(
        "/stats/heatmap", headers={"Accept-Encoding": "identity", "If-None-Match": packed.headers["etag"]}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["vary"] == "Accept-Encoding" and "content-encoding" not in unchanged.headers


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip", True),
        ("GZIP;q=0.5", True),
        ("br, x-gzip", True),
        ("*", True),
        ("identity", False),
        ("br, deflate", False),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("gzip;q=nonsense", False),
        ("", False),
    ],
)
async def test_gzip_only_when_the_client_accepts_it(service: Service, accept: str, gzipped: bool) -> None:
    response, raw = await _raw(service, "/stats/heatmap", **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert (response.headers.get("content-encoding") == "gzip") is gzipped
    assert len(json.loads(gzip.decompress(raw) if gzipped else raw)) == 168


async def test_small_answers_and_answers_not_kept_are_sent_plain(service: Service) -> None:
    small, raw = await _raw(service, "/stats/users/total", **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers and json.loads(raw) == {"total_users": 0}
    missing, _ = await _raw(service, "/stats/user/ffffffffffffffffffffffffffffffff", **{"Accept-Encoding": "gzip"})
    assert missing.status_code == 404 and "content-encoding" not in missing.headers
