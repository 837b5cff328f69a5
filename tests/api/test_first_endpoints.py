"""The first HTTP routes, through the real app wired to the simulator."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import tomllib
from pathlib import Path

import httpx
import pytest
from tests.conftest import API_KEY, Service, running_service

from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.emby.client import EmbyClient
from emby_analytics.emby.reachability import MAX_AGE_SEC
from emby_analytics.simulator.server import Simulator, create_simulator_app

ROOT = Path(__file__).resolve().parents[2]


async def _emby_count(service: Service, item_type: str) -> int:
    """What Emby itself says: the number of non-virtual items of a type (its /Items/Counts semantics)."""
    page = await service.state.emby.items(include_item_types=[item_type], limit=0)
    virtual = await service.state.emby.items(include_item_types=[item_type], fields=["LocationType"], limit=10_000)
    return (page.total_record_count or 0) - sum(1 for item in virtual.items if item.is_placeholder)


async def test_overview_and_users_total_match_emby_after_sync(service: Service) -> None:
    state = service.state
    empty = (await service.http.get("/stats/overview")).json()
    assert empty == {
        "total_users": 0,
        "total_items": 0,
        "items_by_type": {},
        "total_plays": 0,
        "unique_plays": 0,
        "total_hours": 0.0,
        "total_seconds": 0,
    }

    await state.user_sync.run()
    await state.library_sync.full()

    overview = (await service.http.get("/stats/overview")).json()
    counts = await state.emby.item_counts()
    assert overview["total_users"] == len(await state.emby.users())
    assert overview["items_by_type"]["Movie"] == counts.movie_count
    assert overview["items_by_type"]["Series"] == counts.series_count
    assert overview["items_by_type"]["Episode"] == counts.episode_count
    for item_type, stored in overview["items_by_type"].items():
        assert stored == await _emby_count(service, item_type), item_type
    assert overview["total_items"] == sum(overview["items_by_type"].values())

    total = (await service.http.get("/stats/users/total")).json()
    assert total == {"total_users": overview["total_users"]}


async def test_health_reports_database_and_jobs(service: Service) -> None:
    response = await service.http.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["db"]["ok"] is True
    assert body["db"]["size_bytes"] > 0
    assert body["status"] == "ok"
    assert body["poller"]["ok"] is True
    assert {job["name"] for job in body["jobs"]} == {
        "sessions-poll",
        "server-info",
        "users",
        "library-incremental",
        "library-full",
        "history-import",
        "emby-websocket",
        "rollups",
        "library-snapshot",
        "library-answers",
        "compaction",
        "backup",
    }


async def test_health_emby_ok_and_failing_without_leaking_the_key(service: Service, clock: ManualClock) -> None:
    response = await service.http.get("/health/emby")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["server_name"] == service.simulator.world.spec.server_name
    assert body["latency_ms"] >= 0

    service.simulator.faults.unauthorized_next(5)
    clock.advance(MAX_AGE_SEC)  # past the answer kept from the last check
    response = await service.http.get("/health/emby")
    assert response.status_code == 502
    assert response.json()["ok"] is False
    assert "auth" in response.json()["error"].lower() or "401" in response.json()["error"]
    assert API_KEY not in response.text

    service.simulator.faults.fail_next(10, status=503)
    clock.advance(MAX_AGE_SEC)
    response = await service.http.get("/health/emby")
    assert response.status_code == 502
    assert API_KEY not in response.text


async def test_health_emby_only_reports(service: Service) -> None:
    """Asking whether Emby answers changes nothing: what /config says of the server is the server-info job's."""
    before = (await service.http.get("/config")).json()
    assert (await service.http.get("/health/emby")).json()["ok"] is True
    assert (await service.http.get("/config")).json() == before
    assert before["server_name"] is None and service.state.server_info.identity is None


async def test_config_is_public_and_secret_free(service: Service) -> None:
    # Before Emby has answered once, /config answers at once without asking it (here Emby would stall for 30 s).
    service.simulator.faults.stall_next(5, seconds=30)
    early = (await service.http.get("/config")).json()
    assert (early["emby_server_id"], early["server_name"]) == (None, None)
    service.simulator.faults.clear()

    await service.state.server_info.run_once()
    body = (await service.http.get("/config")).json()
    assert body["emby_external_url"] == "http://emby.test:8096"
    assert body["emby_server_id"] == service.simulator.world.server_id
    assert body["server_name"] == service.simulator.world.spec.server_name
    assert body["tz"] == "UTC"
    assert API_KEY not in str(body)


async def _version(settings: Settings, simulator: Simulator, clock: ManualClock) -> dict[str, str]:
    """GET /version of a freshly started service (the commit is read once, at startup)."""
    async with running_service(settings, simulator, clock) as service:
        body: dict[str, str] = (await service.http.get("/version")).json()
        return body


async def test_version_is_the_packages_and_the_commit_comes_from_the_build(
    settings: Settings, simulator: Simulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setenv("EMBY_ANALYTICS_COMMIT", f"  {commit}-and-more  ")  # as the Docker build sets it
    body = await _version(settings, simulator, clock)
    assert body == {"version": importlib.metadata.version("emby-analytics"), "commit": commit}  # cut at 40
    assert body["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def _git_head() -> str | None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return None
    out = subprocess.run([git, "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip()


async def test_without_the_build_variable_the_commit_is_gits_else_unknown(
    settings: Settings, simulator: Simulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMBY_ANALYTICS_COMMIT", "   ")  # blank counts as unset
    if (head := _git_head()) is not None:  # a checkout: this test's own commit
        assert (await _version(settings, simulator, clock))["commit"] == head
    monkeypatch.setenv("PATH", str(tmp_path))  # no git to ask
    assert (await _version(settings, simulator, clock))["commit"] == "unknown"


async def test_unknown_routes_and_methods_get_json_errors(service: Service) -> None:
    response = await service.http.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found"}
    response = await service.http.post("/stats/overview")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


async def test_openapi_documents_every_route(service: Service) -> None:
    spec = (await service.http.get("/openapi.json")).json()
    expected = {"/health", "/health/emby", "/config", "/version", "/stats/overview", "/stats/users/total"}
    assert expected <= set(spec["paths"])
    for path, operations in spec["paths"].items():  # every route documents itself
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("description"), (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)


def _replace_database_with_a_folder(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.mkdir()


async def test_database_outage_is_503_not_a_stack_trace(service: Service) -> None:
    service.state.db.reader.dispose()
    _replace_database_with_a_folder(service.state.db.path)  # opening the database now fails
    for path in ("/stats/overview", "/health"):
        response = await service.http.get(path)
        assert response.status_code == 503
        assert "Traceback" not in response.text
    assert (await service.http.get("/stats/overview")).json()["error"] == "storage_unavailable"
    assert (await service.http.get("/health")).json()["db"]["ok"] is False


async def test_emby_base_url_with_or_without_prefix(service: Service) -> None:
    transport = httpx.ASGITransport(app=create_simulator_app(service.simulator))
    for base in ("http://emby.test:8096", "http://emby.test:8096/emby", "http://emby.test:8096/EMBY/"):
        async with httpx.AsyncClient(transport=transport) as http:
            client = EmbyClient(http, base_url=base, api_key=API_KEY)
            assert (await client.system_info()).id == service.simulator.world.server_id


async def test_a_failing_background_job_makes_health_degraded_until_it_succeeds(service: Service) -> None:
    job = service.state.scheduler.jobs["users"]
    service.simulator.faults.unauthorized_next(1, endpoint="/Users")  # refused at once: no retry to wait for
    await job.run_now()
    body = (await service.http.get("/health")).json()
    assert body["ok"] is True and body["status"] == "degraded"
    (users,) = [j for j in body["jobs"] if j["name"] == "users"]
    assert users["consecutive_failures"] == 1 and users["last_error"]
    assert job.next_delay() <= 10, "retried soon, not in the job's interval"
    service.simulator.faults.clear()
    await job.run_now()
    body = (await service.http.get("/health")).json()
    assert body["status"] == "ok"
