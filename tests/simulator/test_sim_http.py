"""HTTP behaviour: auth forms, /emby prefix and case, errors, images, faults, latency and metrics."""

from __future__ import annotations

import asyncio
import json
import struct
import time

import httpx
import pytest

from emby_analytics.simulator import FaultConfig, Simulator
from emby_analytics.simulator.world import EPISODE, MOVIE

from .conftest import API_KEY

UNAUTH = "Access token is invalid or expired."


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"X-Emby-Token": API_KEY}, ""),
        ({"X-MediaBrowser-Token": API_KEY}, ""),
        (
            {
                "X-Emby-Authorization": f'Emby UserId="x", Client="t", Device="d", DeviceId="1", Version="1", '
                f'Token="{API_KEY}"'
            },
            "",
        ),
        ({"Authorization": f'MediaBrowser Client="t", Device="d", DeviceId="1", Version="1", Token="{API_KEY}"'}, ""),
        ({"Authorization": f"Emby Token={API_KEY}"}, ""),
        ({}, f"?api_key={API_KEY}"),
        ({}, f"?X-Emby-Token={API_KEY}"),
    ],
)
async def test_auth_forms_accepted(anon: httpx.AsyncClient, headers: dict[str, str], query: str) -> None:
    r = await anon.get(f"/emby/Users{query}", headers=headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Emby-Token": "wrong"}, {"Authorization": f"Bearer {API_KEY}"}, {"X-Emby-Authorization": "Emby Client=x"}],
)
async def test_auth_rejected_with_plain_text(anon: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for path in ("/emby/Users", "/Items", "/Sessions", "/System/Info", "/Items/Counts"):
        r = await anon.get(path, headers=headers)
        assert r.status_code == 401 and r.text == UNAUTH
        assert r.headers["content-type"].startswith("text/plain")


async def test_public_endpoints_and_key_rotation(anon: httpx.AsyncClient, sim: Simulator) -> None:
    for method in ("GET", "POST", "HEAD"):
        r = await anon.request(method, "/emby/System/Ping")
        assert r.status_code == 200 and r.text == ("" if method == "HEAD" else "Emby Server")
    assert (await anon.get("/System/Info/Public")).status_code == 200
    sim.tokens.discard(API_KEY)
    sim.tokens.add("rotated")
    assert (await anon.get("/Users", headers={"X-Emby-Token": API_KEY})).status_code == 401
    assert (await anon.get("/Users", headers={"X-Emby-Token": "rotated"})).status_code == 200


async def test_prefix_and_case_insensitive_paths(client: httpx.AsyncClient) -> None:
    base = (await client.get("/Items/Counts")).json()
    for path in ("/emby/Items/Counts", "/EMBY/items/counts", "/emby/ITEMS/COUNTS/", "/mediabrowser/Items/Counts"):
        r = await client.get(path)
        assert r.status_code == 200 and r.json() == base, path
    assert (await client.get("/emby/Nope")).status_code == 404
    assert (await client.delete("/emby/Items/Counts")).status_code == 405


async def test_user_errors_like_emby(client: httpx.AsyncClient, sim: Simulator) -> None:
    r = await client.get("/Users/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    r = await client.get("/Users/not-a-guid")
    assert r.status_code == 500 and "Guid" in r.text
    r = await client.get("/Users/not-a-guid/Items?Recursive=true")
    assert r.status_code == 500
    user = sim.world.users[0]
    dashed = f"{user.id[:8]}-{user.id[8:12]}-{user.id[12:16]}-{user.id[16:20]}-{user.id[20:]}"
    assert (await client.get(f"/Users/{dashed}")).json()["Id"] == user.id
    r = await client.get(f"/Users/{user.id}/Items/987654321")
    assert r.status_code == 500


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    return width, height


async def test_images(anon: httpx.AsyncClient, sim: Simulator) -> None:
    world = sim.world
    movie = next(r for r in world.records(world.ids_of_type(MOVIE)) if not r.flags & 6)
    r1 = await anon.get(f"/emby/Items/{movie.id}/Images/Primary")
    assert r1.status_code == 200 and r1.headers["content-type"] == "image/png"
    assert _png_size(r1.content) == (200, 300)
    r2 = await anon.get(f"/Items/{movie.id}/Images/primary?MaxWidth=100&tag=whatever")
    assert _png_size(r2.content) == (100, 150)
    assert (await anon.get(f"/Items/{movie.id}/Images/Primary")).content == r1.content  # deterministic
    assert _png_size((await anon.get(f"/Items/{movie.id}/Images/Backdrop/0")).content) == (320, 180)
    episode = world.ids_of_type(EPISODE)[0]
    r = await anon.get(f"/Items/{episode}/Images/Banner")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert (await anon.get("/Items/999999999/Images/Primary")).status_code == 500
    with_image = next(u for u in world.users if u.has_image)
    without = next(u for u in world.users if not u.has_image)
    assert _png_size((await anon.get(f"/Users/{with_image.id}/Images/Primary?MaxWidth=64")).content) == (64, 64)
    assert (await anon.get(f"/Users/{without.id}/Images/Primary")).status_code == 404


async def test_fail_next_and_runtime_switching(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.fail_next(2, status=503, endpoint="/Items")
    assert (await client.get("/Items/Counts")).status_code == 200  # other endpoints unaffected
    statuses = [(await client.get("/emby/items?Recursive=true&Limit=1")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    sim.faults.unauthorized_next(1)
    r = await client.get("/Sessions")
    assert r.status_code == 401 and r.text == UNAUTH
    sim.faults.malformed_next(1, endpoint="/Sessions")
    r = await client.get("/Sessions")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    sim.faults.fail_next(5, status=500)
    sim.faults.clear()
    assert (await client.get("/Users")).status_code == 200
    sim.faults.fail_next(1, status=502)
    sim.faults.enabled = False
    assert (await client.get("/Users")).status_code == 200
    sim.faults.enabled = True
    assert (await client.get("/Users")).status_code == 502
    assert sim.faults.injected == {"error": 3, "unauthorized": 1, "malformed": 1}


async def test_answer_next_replaces_the_answer(anon: httpx.AsyncClient, sim: Simulator) -> None:
    movie = sim.world.ids_of_type(MOVIE)[0]
    sim.faults.answer_next(1, b"<html>proxy error</html>", "text/html", endpoint="/Items/{Id}/Images/{Type}")
    assert (await anon.get("/Users/Public")).status_code == 200, "other endpoints answer as before"
    r = await anon.get(f"/Items/{movie}/Images/Primary")
    assert (r.status_code, r.headers["content-type"], r.content) == (200, "text/html", b"<html>proxy error</html>")
    sim.faults.answer_next(1, b"gone", "text/plain", status=410)
    assert (await anon.get("/System/Info/Public")).status_code == 410
    assert (await anon.get(f"/Items/{movie}/Images/Primary")).headers["content-type"] == "image/png"
    assert sim.faults.injected == {"answer": 2}


async def test_stall_and_latency(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.stall_next(1, seconds=0.2, endpoint="/System/Info")
    t0 = time.perf_counter()
    assert (await client.get("/System/Info")).status_code == 200
    assert time.perf_counter() - t0 >= 0.19
    sim.latency.set("/Users", base_ms=60, jitter_ms=10)
    t0 = time.perf_counter()
    await client.get("/Users")
    assert time.perf_counter() - t0 >= 0.045
    assert sim.latency.delay_for("/Items/Counts") == 0.0, "latency applies only where it was set"
    sim.latency.clear()
    assert sim.latency.delay_for("/Users") == 0.0


async def test_a_held_request_is_answered_when_released(client: httpx.AsyncClient, sim: Simulator) -> None:
    hold = sim.faults.hold_next(1, endpoint="/System/Info")
    held = asyncio.create_task(client.get("/System/Info"))
    async with asyncio.timeout(5):
        await hold.arrived.wait()
    assert (await client.get("/System/Info")).status_code == 200, "only the next one is held"
    assert not held.done()
    hold.release()
    assert (await held).status_code == 200 and sim.faults.injected == {"hold": 1}


def test_probabilistic_faults_are_seeded(sim: Simulator) -> None:
    def run(seed: int) -> list[bool]:
        faults = FaultConfig(seed=seed)
        faults.set_rate("error", 0.3, status=502)
        return [faults.pick("/Items") is not None for _ in range(200)]

    first = run(1)
    assert first == run(1) and first != run(2)
    assert 30 <= sum(first) <= 90


async def test_metrics_count_and_max_concurrency(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.metrics.reset()
    sim.latency.set(None, base_ms=40)
    await asyncio.gather(*(client.get(f"/Items?Recursive=true&StartIndex={i * 10}&Limit=10") for i in range(8)))
    sim.latency.clear()
    await client.get("/emby/sessions")
    m = sim.metrics
    assert m.max_in_flight == 8 and m.in_flight == 0
    assert m.by_endpoint["/Items"] == 8 and m.by_endpoint["/Sessions"] == 1 and m.total == 9
    assert m.by_status[200] == 9
