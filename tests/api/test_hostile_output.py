"""Hostile names from Emby (the simulator plants `<script>`, `"><img onerror=…>`, RTL overrides, 4-byte emoji, a
10 KiB name) are watched by a hostile user on a hostile device, then every GET route is read: each answer is JSON
(or an image) that parses back to the names as data, says so in its type with `nosniff` (a browser never reads it
as HTML), and holds the 10 KiB name only as capped by storage; every response carries the security headers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.api.test_access import _all_routes
from tests.conftest import Service

from emby_analytics.api.headers import SECURITY_HEADERS
from emby_analytics.api.web import PAGES
from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import NAME_MAX
from emby_analytics.simulator.playback import Device, Play, PlaybackScript
from emby_analytics.simulator.world import WorldSpec
from emby_analytics.simulator.world.hostile import HOSTILE_DEVICE_NAMES, LONG_NAME, SCRIPT_TAG
from emby_analytics.simulator.world.records import FLAG_HOSTILE


@pytest.fixture
def world_spec() -> WorldSpec:
    """Enough users for every hostile name (the 10 KiB one is the fifth)."""
    return WorldSpec(seed=7, users=9, movies=60, series=2, seasons_per_series=1, episodes_per_season=3, music_tracks=3)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def test_hostile_names_come_out_only_as_json_data(service: Service, clock: ManualClock) -> None:
    state, world = service.state, service.simulator.world
    await state.user_sync.run()
    await state.library_sync.full()
    hostile_items = [r for r in world.records(world.all_ids()) if r.flags & FLAG_HOSTILE and (r.runtime or 0) > 0]
    users = {u.name: u for u in world.users}
    players = [users[SCRIPT_TAG], users[LONG_NAME]]
    for n, (user, item) in enumerate(zip(players, hostile_items, strict=False)):
        device = Device(device_id=f"0000000{n}-1111-4222-8333-444444444444", device_name=HOSTILE_DEVICE_NAMES[n])
        service.simulator.sessions.add_script(PlaybackScript(user.id, clock.now(), (Play(0, str(item.id)),), device))
    for _ in range(8):
        await state.feed.poll()
        clock.advance(30)
    await state.rollups.run_once()

    values = {"user_id": users[SCRIPT_TAG].id, "item_id": str(hostile_items[0].id), "kind": "primary",
              "codec": "h264", "quality": "1080p", "play_id": "0"}  # fmt: skip
    seen: list[str] = []
    for route in _all_routes(service.app.routes):
        if "GET" not in (route.methods or ()) or route.path.startswith(("/admin", "/docs", "/now/stream")):
            continue  # (/now/stream never ends; its views are /now/snapshot's)
        if route.path in PAGES:
            continue  # the UI's index.html, the same file whatever the data (the browser tests render the names)
        path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), route.path)
        answer = await service.http.get(path, params={"timeframe": "all-time"} if path.startswith("/stats") else None)
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (path, name)
        kind = answer.headers.get("content-type", "")
        if kind.startswith("image/") or answer.is_redirect:
            continue
        assert kind.startswith("application/json"), (path, kind)
        seen += _strings(json.loads(answer.text))

    assert SCRIPT_TAG in seen, "the hostile user's name reached the answers"
    assert any(name in seen for name in HOSTILE_DEVICE_NAMES), "and so did the hostile device"
    assert LONG_NAME not in seen and LONG_NAME[:NAME_MAX] in seen, "the 10 KiB name only as storage caps it"
    service.http.cookies.clear()  # "/" handed this local client the admin cookie (ADMIN_AUTO_COOKIE=local)
    refused = await service.http.get("/admin/diagnostics")
    assert refused.status_code == 401 and refused.headers["X-Content-Type-Options"] == "nosniff"
