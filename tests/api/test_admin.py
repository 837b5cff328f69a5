"""Admin routes through the real app and the simulator: jobs, library refresh (409 while one runs), user sync,
the webhook's URL and counts, diagnostics without a secret."""

from __future__ import annotations

import asyncio
import json

import httpx
from tests.conftest import API_KEY, Service
from tests.fixture_files import EMBY_SAMPLES as SAMPLES

from emby_analytics.db.schema import users


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


async def _get(service: Service, path: str) -> httpx.Response:
    return await service.http.get(path, headers=_admin(service))


async def _post(service: Service, path: str) -> httpx.Response:
    return await service.http.post(path, headers=_admin(service))


async def test_scheduler_stats_lists_every_job(service: Service) -> None:
    answer = await _get(service, "/admin/scheduler/stats")
    assert answer.status_code == 200
    jobs = {job["name"]: job for job in answer.json()}
    assert set(jobs) == set(service.state.scheduler.jobs)
    assert jobs["rollups"]["interval_sec"] == 15.0 and jobs["rollups"]["runs"] == 0
    assert jobs["library-snapshot"]["interval_sec"] == 3600.0
    assert (await service.http.get("/admin/scheduler/stats")).status_code == 401


async def test_refresh_runs_in_the_background_and_reports_progress(service: Service) -> None:
    before = (await _get(service, "/admin/refresh/status")).json()
    assert before["running"] is False and before["kind"] is None and before["pct"] is None

    running = asyncio.create_task(service.state.library_sync.full())
    await asyncio.sleep(0)  # the sync holds its lock from its first step
    for path in ("/admin/refresh/start", "/admin/refresh/incremental"):
        busy = await _post(service, path)
        assert busy.status_code == 409 and "/admin/refresh/status" in busy.json()["message"]
    assert (await _get(service, "/admin/refresh/status")).json()["running"] is True
    await running

    done = (await _get(service, "/admin/refresh/status")).json()
    assert done["running"] is False and done["kind"] == "full" and done["status"] == "done"
    assert done["total"] > 0 and done["processed"] == done["total"] and done["pct"] == 100.0
    assert done["started_at"] <= done["finished_at"] and done["error"] is None

    started = await _post(service, "/admin/refresh/start")
    assert started.status_code == 202 and started.json() == {"started": True, "job_id": "library-full"}
    assert service.state.scheduler.jobs["library-full"].triggered
    incremental = await _post(service, "/admin/refresh/incremental")
    assert incremental.json() == {"started": True, "job_id": "library-incremental"}
    assert (await service.http.get("/admin/refresh/start", headers=_admin(service))).status_code == 405


async def test_users_force_sync_answers_with_what_changed(service: Service) -> None:
    first = await _post(service, "/admin/users/force-sync")
    assert first.status_code == 200
    body = first.json()
    expected = len(service.simulator.world.users)
    assert body == {"total_users": expected, "added": expected, "updated": 0, "removed": 0}
    stored = await service.state.db.read(lambda conn: len(conn.execute(users.select()).all()))
    assert stored == expected
    again = (await _post(service, "/admin/users/force-sync")).json()
    assert again == {"total_users": expected, "added": 0, "updated": 0, "removed": 0}


async def test_webhook_stats_gives_the_url_to_paste_into_emby(service: Service) -> None:
    token = service.state.webhook_token
    info = (await _get(service, "/admin/webhook/stats")).json()
    assert info["url"] == f"http://service/webhooks/emby?token={token}"
    assert info["events"] == {} and info["last_received_at"] is None
    body = json.loads((SAMPLES / "webhook_system.webhooktest_emby4.7.14.json").read_text(encoding="utf-8"))
    body = body[0] if isinstance(body, list) else body
    assert (await service.http.post("/webhooks/emby", params={"token": token}, json=body)).status_code == 200
    await service.http.post("/webhooks/emby", params={"token": "wrong-token-0123456789"}, json=body)
    info = (await _get(service, "/admin/webhook/stats")).json()
    assert info["events"] == {body["Event"]: 1} and info["rejected"] == 1
    assert info["last_received_at"] is not None


async def test_diagnostics_show_settings_without_secrets(service: Service) -> None:
    answer = await _get(service, "/admin/diagnostics")
    assert answer.status_code == 200
    body = answer.json()
    assert body["settings"]["emby_api_key"] is True and body["settings"]["admin_token"] is False
    assert body["settings"]["tz"] == "UTC" and body["settings"]["read_access"] == "local"
    assert body["database_bytes"] > 0 and body["sqlite"] and body["python"]
    assert {job["name"] for job in body["jobs"]} == set(service.state.scheduler.jobs)
    for secret in (API_KEY, service.state.admin_token, service.state.webhook_token):
        assert secret not in answer.text
