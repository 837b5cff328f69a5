"""The backup routes through the real app and the simulator: admin only; take → list → download gives back the
database with the same plays; names that are not a backup's, paths out of the folder and other files in it are
refused; 409 while a backup runs; 507 when the disk lacks room; the settings (folder, interval 0, keep)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import threading
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Service, make_settings, running_service

from emby_analytics.backups import Backups
from emby_analytics.clock import ManualClock
from emby_analytics.config import Settings
from emby_analytics.simulator.playback import PlaybackHistory
from emby_analytics.simulator.server import Simulator

NAME = "emby-analytics-20260115-120000.db"
SQLITE_HEADER = b"SQLite format 3\x00"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, HISTORY_DAYS="0")


def _admin(service: Service) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.state.admin_token}"}


def _plays(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT id, user_id, item_id, started_at, watch_seconds FROM plays ORDER BY id").fetchall()
    conn.close()
    return rows


async def _with_plays(service: Service, clock: ManualClock) -> int:
    """Thirty days of the simulated Playback Reporting history, imported as a user's service would."""
    service.simulator.history = PlaybackHistory.generate(service.simulator.world, end=clock.now(), days=30, zone=UTC)
    result = await service.state.history_import.run()
    assert result.plays_added > 100
    return result.plays_added


async def test_backup_routes_need_the_admin_token(service: Service) -> None:
    wrong = {"Authorization": "Bearer wrong-token-0123456789abcdef"}
    for headers in ({}, wrong):
        assert (await service.http.post("/admin/backup", headers=headers)).status_code == 401
        assert (await service.http.get("/admin/backup", headers=headers)).status_code == 401
        assert (await service.http.get(f"/admin/backup/{NAME}", headers=headers)).status_code == 401
    assert not service.state.settings.backup_folder.exists(), "nothing was taken"


async def test_take_list_and_download_a_backup(tmp_path: Path, service: Service, clock: ManualClock) -> None:
    added = await _with_plays(service, clock)
    admin = _admin(service)

    created = await service.http.post("/admin/backup", headers=admin)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == NAME and body["created_at"] == "2026-01-15T12:00:00Z"
    assert body["download_url"] == f"/admin/backup/{NAME}" and created.headers["location"] == body["download_url"]
    folder = tmp_path / "data" / "backups"
    assert body["bytes"] == (folder / NAME).stat().st_size > 0

    listed = await service.http.get("/admin/backup", headers=admin)
    assert listed.status_code == 200
    info = listed.json()
    assert info["backups"] == [body] and info["folder"] == str(folder) and info["running"] is False
    assert (info["interval_hours"], info["keep"]) == (24, 7)
    assert info["scheduled"]["name"] == "backup" and info["scheduled"]["interval_sec"] == 3600.0
    assert info["scheduled"]["runs"] == 0, "the scheduled job has not run (jobs are off in tests)"

    download = await service.http.get(body["download_url"], headers=admin)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/vnd.sqlite3"
    assert download.headers["content-disposition"] == f'attachment; filename="{NAME}"'
    assert download.content.startswith(SQLITE_HEADER) and len(download.content) == body["bytes"]
    copy = tmp_path / "downloaded.db"
    copy.write_bytes(download.content)
    live = _plays(service.state.db.path)
    assert len(live) == added and _plays(copy) == live

    clock.advance(90)
    second = (await service.http.post("/admin/backup", headers=admin)).json()
    assert second["name"] == "emby-analytics-20260115-120130.db"
    names = [b["name"] for b in (await service.http.get("/admin/backup", headers=admin)).json()["backups"]]
    assert names == [second["name"], NAME], "newest first"


async def test_only_backups_of_the_folder_are_served(tmp_path: Path, service: Service) -> None:
    admin = _admin(service)
    assert (await service.http.post("/admin/backup", headers=admin)).status_code == 201
    folder = service.state.settings.backup_folder
    (folder / "notes.txt").write_text("not a backup")
    (folder / "emby-analytics-latest.db").write_bytes(SQLITE_HEADER)
    (folder / "emby-analytics-20200101-000000.db").symlink_to(service.state.db.path)  # named like one: a link
    (tmp_path / "outside.db").write_bytes(SQLITE_HEADER)

    # A bare ".." is "%2e%2e" to the server (httpx resolves "/admin/backup/.." to "/admin", the UI's page, first).
    attempts = [
        "../emby.db", "..%2Femby.db", "%2e%2e%2Femby.db", "%2e%2e", "%2Fetc%2Fpasswd", "/etc/passwd",
        "notes.txt", "emby-analytics-latest.db", "emby.db", "emby.db-wal", "admin_token", f"{NAME}%00",
        f"{NAME}%0A", f"..%2F..%2F{NAME}", f"backups%2F{NAME}", "emby-analytics-20200101-000000.db",
        "emby-analytics-20991231-235959.db", "emby-analytics-20261399-000000.db", "%2E%2E%2Foutside.db",
    ]  # fmt: skip
    for attempt in attempts:
        answer = await service.http.get(f"/admin/backup/{attempt}", headers=admin)
        assert answer.status_code in (404, 422), (attempt, answer.status_code)
        assert not answer.content.startswith(SQLITE_HEADER), attempt
        assert answer.headers["content-type"] == "application/json", attempt
    unknown = await service.http.get("/admin/backup/emby-analytics-20991231-235959.db", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    invalid = await service.http.get("/admin/backup/notes.txt", headers=admin)
    assert invalid.status_code == 422 and invalid.json() == {
        "error": "invalid_parameter",
        "message": "name: not a backup's name (emby-analytics-YYYYMMDD-HHMMSS.db, as GET /admin/backup lists them)",
    }
    listed = (await service.http.get("/admin/backup", headers=admin)).json()["backups"]
    assert [b["name"] for b in listed] == [NAME], "other files in the folder are not listed"


async def test_a_second_backup_while_one_runs_is_refused(service: Service) -> None:
    # Every worker of the loop's thread pool busy, so the first backup holds its turn (its copy waits for a worker)
    # for as long as the test wants: no race with how fast the copy is.
    loop = asyncio.get_running_loop()
    gate = threading.Event()
    busy = [loop.run_in_executor(None, gate.wait) for _ in range(32)]
    first = asyncio.create_task(service.state.backups.take())
    try:
        await asyncio.sleep(0)
        assert service.state.backups.running
        async with asyncio.timeout(30):  # the route itself needs no worker thread to refuse
            busy_answer = await service.http.post("/admin/backup", headers=_admin(service))
        assert busy_answer.status_code == 409
        assert busy_answer.json() == {"error": "conflict", "message": "a backup is running; try again when it is done"}
    finally:
        gate.set()
        await asyncio.gather(*busy)
    assert (await first).name == NAME
    listed = (await service.http.get("/admin/backup", headers=_admin(service))).json()
    assert listed["running"] is False and [b["name"] for b in listed["backups"]] == [NAME]


async def test_no_room_on_the_disk_is_507(tmp_path: Path, service: Service, clock: ManualClock) -> None:
    state = service.state
    # The same folder, asked to keep more free than the disk has: the real free space cannot hold the backup.
    free = shutil.disk_usage(tmp_path).free
    state.backups = Backups(state.db, state.backups.folder, clock, keep=7, reserve_bytes=free * 2)
    answer = await service.http.post("/admin/backup", headers=_admin(service))
    assert answer.status_code == 507
    body = answer.json()
    assert body["error"] == "insufficient_storage"
    assert body["message"].startswith(f"not enough disk space for a backup in {state.backups.folder}: ")
    assert list(state.backups.folder.iterdir()) == []


async def test_the_settings_folder_interval_and_keep(tmp_path: Path, simulator: Simulator, clock: ManualClock) -> None:
    folder = tmp_path / "elsewhere" / "backups"
    env = {"BACKUP_DIR": str(folder), "BACKUP_INTERVAL_HOURS": "0", "BACKUP_KEEP": "2"}
    async with running_service(make_settings(tmp_path, **env), simulator, clock) as service:
        assert "backup" not in service.state.scheduler.jobs, "0: no scheduled backups"
        admin = _admin(service)
        names = []
        for _ in range(3):
            answer = await service.http.post("/admin/backup", headers=admin)
            assert answer.status_code == 201
            names.append(answer.json()["name"])
            clock.advance(1)
        info = (await service.http.get("/admin/backup", headers=admin)).json()
        assert (info["folder"], info["interval_hours"], info["keep"], info["scheduled"]) == (str(folder), 0, 2, None)
        assert [b["name"] for b in info["backups"]] == names[:0:-1], "manual backups are kept to BACKUP_KEEP too"
        assert sorted(p.name for p in folder.iterdir()) == sorted(names[1:])
        health = (await service.http.get("/health")).json()
        assert "backup" not in {job["name"] for job in health["jobs"]}


async def test_the_scheduled_backup_reports_like_every_job(service: Service) -> None:
    job = service.state.scheduler.jobs["backup"]
    await job.run_now()
    assert job.state.last_error is None and job.state.runs == 1
    stats = (await service.http.get("/admin/scheduler/stats", headers=_admin(service))).json()
    scheduled = next(j for j in stats if j["name"] == "backup")
    assert (scheduled["runs"], scheduled["failures"], scheduled["last_error"]) == (1, 0, None)
    health = (await service.http.get("/health")).json()
    assert next(j for j in health["jobs"] if j["name"] == "backup")["runs"] == 1
    listed = (await service.http.get("/admin/backup", headers=_admin(service))).json()
    assert [b["name"] for b in listed["backups"]] == [NAME] and listed["scheduled"]["runs"] == 1


async def test_readers_see_a_failed_backup_without_the_folder(
    tmp_path: Path, simulator: Simulator, clock: ManualClock
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backups should go")
    settings = make_settings(tmp_path, BACKUP_DIR=str(blocked))
    async with running_service(settings, simulator, clock) as service:
        await service.state.scheduler.jobs["backup"].run_now()
        health = (await service.http.get("/health")).json()
        failed = next(j for j in health["jobs"] if j["name"] == "backup")
        assert health["status"] == "degraded" and "<backup folder>" in failed["last_error"]
        assert str(tmp_path) not in json.dumps(health)
        stats = (await service.http.get("/admin/scheduler/stats", headers=_admin(service))).json()
        assert str(blocked) in next(j for j in stats if j["name"] == "backup")["last_error"], "the admin sees it"
