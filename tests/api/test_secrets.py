"""No secret leaves the service: with a known Emby API key, admin token and webhook token, every route is driven
(with the admin credential, without it, with a wrong one) and so are Emby's faults (a rotated key, malformed
answers, an unknown item); then every response (body and headers) and every log record (before the log
formatter's scrubbing: the safety net must not be what keeps a secret out) is searched for each secret.

Three disclosures are by design and excluded where they happen: `/admin/webhook/stats` gives the admin the webhook
URL to paste into Emby (its token included), `POST /admin/cookie` hands the admin cookie to a browser that has just
shown the admin token, and `ADMIN_AUTO_COOKIE` hands the admin token to the UI as a cookie (off here)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.api.test_access import _all_routes
from tests.conftest import API_KEY, make_settings, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.db.schema import plays
from emby_analytics.simulator.playback import Device, Pause, Play, PlaybackScript
from emby_analytics.simulator.server import Simulator
from emby_analytics.simulator.world import MOVIE

ADMIN_TOKEN = "admin-secret-7f3a9c1e5b2d4f60"
WEBHOOK_TOKEN = "hook-secret-2b4d6f8a0c1e3a5b"
SECRETS = {"api key": API_KEY, "admin token": ADMIN_TOKEN, "webhook token": WEBHOOK_TOKEN}
WRONG = "wrong-token-0000000000000000"
# The webhook URL to paste into Emby; the admin cookie given to a browser that showed the admin token already.
BY_DESIGN = {("GET", "/admin/webhook/stats"): "webhook token", ("POST", "/admin/cookie"): "admin token"}


class Seen:
    """Every response of the run, with what may legitimately carry a secret."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, str, httpx.Response]] = []

    def add(self, method: str, path: str, answer: httpx.Response) -> httpx.Response:
        self.responses.append((method, path, answer))
        return answer

    def leaks(self) -> list[str]:
        found = []
        for method, path, answer in self.responses:
            text = answer.text + "\n" + "\n".join(f"{k}: {v}" for k, v in answer.headers.multi_items())
            for name, secret in SECRETS.items():
                if secret in text and BY_DESIGN.get((method, path)) != name:
                    found.append(f"{name} in {method} {path} ({answer.status_code})")
        return found


def _filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), m.group(1)), path)


def _body(path: str) -> Any:
    if path.startswith("/admin/reset-"):
        return {"confirm": "not really"}  # a reset's wrong confirmation: refused, nothing deleted
    return {"header": "hi", "text": "hello", "timeout_ms": 5000}


async def _drive_every_route(service: Any, seen: Seen, values: dict[str, str]) -> int:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    calls = 0
    for route in _all_routes(service.app.routes):
        if route.path == "/now/stream":
            continue  # never ends; its views are /now/snapshot's, driven here
        path = _filled(route.path, values)
        if route.path.startswith("/webhooks") or route.path == "/admin/webhook/emby":
            path += f"?token={WEBHOOK_TOKEN}"
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            for headers in (admin, {}, {"Authorization": f"Bearer {WRONG}"}, {"X-Admin-Token": API_KEY}):
                body = _body(route.path) if method == "POST" else None
                answer = await service.http.request(method, path, headers=headers, json=body)
                assert answer.status_code < 500 or answer.status_code in (502, 503, 504, 507), (method, path)
                seen.add(method, route.path, answer)
                calls += 1
            service.state.clock.advance(61)  # past the wrong-token limit (10 a minute), which would answer 429
    return calls


def _log_leaks(records: list[logging.LogRecord]) -> list[str]:
    found = []
    for record in records:
        if record.name == "httpx" and "http://service/" in record.getMessage():
            continue  # this test's own client, not the service
        text = record.getMessage() + " " + " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k != "msg")
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        for name, secret in SECRETS.items():
            if secret in text:
                found.append(f"{name} in a log record of {record.name}: {record.msg!r}")
    return found


async def test_no_secret_in_any_response_or_log(
    tmp_path: Path, simulator: Simulator, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(
        tmp_path, ADMIN_TOKEN=ADMIN_TOKEN, WEBHOOK_TOKEN=WEBHOOK_TOKEN, ADMIN_AUTO_COOKIE="false", READ_ACCESS="local"
    )
    seen = Seen()
    async with running_service(settings, simulator, clock) as service:
        state = service.state
        await state.user_sync.run()
        await state.library_sync.full()
        world = simulator.world
        movie = next(r for i in world.ids_of_type(MOVIE) if (r := world.item(i)) is not None)
        user = next(u for u in world.users if not u.is_disabled)
        device = Device(device_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d", device_name="Phone")
        script = PlaybackScript(user.id, clock.now(), (Play(0, str(movie.id)), Pause(120)), device)
        simulator.sessions.add_script(script)
        for _ in range(6):
            await state.feed.poll()
            clock.advance(30)
        play_id = await state.db.read(lambda c: c.execute(select(plays.c.id).limit(1)).scalar_one())
        values = {
            "user_id": user.id, "play_id": play_id, "item_id": str(movie.id), "kind": "primary",
            "codec": "h264", "quality": "1080p",
        }  # fmt: skip
        calls = await _drive_every_route(service, seen, values)

        # Emby's faults: a rotated key, malformed answers, an item Emby does not know.
        simulator.faults.unauthorized_next(50)
        calls += await _drive_every_route(service, seen, values)
        simulator.faults.clear()
        simulator.faults.malformed_next(50)
        calls += await _drive_every_route(service, seen, {**values, "item_id": "f" * 32})
        simulator.faults.clear()
        clock.advance(timedelta(minutes=5).total_seconds())
        await state.feed.poll()

    assert calls > 300, "every route was driven, several ways"
    assert seen.leaks() == []
    records = caplog.records
    assert _log_leaks(records) == []
    assert sum(answer.status_code == 502 for _, _, answer in seen.responses) >= 4, "Emby's faults were met"
    assert len(records) > calls, "the logs were captured (and searched)"
