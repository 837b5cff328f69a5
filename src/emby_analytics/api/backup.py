"""Backup routes (`/admin/backup`): take a backup of the database now, list the backups, download one. Admin only
(the access layer sees to it); a download serves only a file of the backup folder named exactly like a backup."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from emby_analytics.api.admin import JobInfo
from emby_analytics.api.deps import State
from emby_analytics.api.errors import ErrorBody
from emby_analytics.backups import MEDIA_TYPE, BackupBusy, BackupFile, BackupJob, BackupSpaceError, parse_name
from emby_analytics.db.engine import StorageError

log = logging.getLogger(__name__)

router = APIRouter(prefix="/admin", tags=["admin"])


class BackupInfo(BaseModel):
    name: str
    bytes: int
    created_at: datetime = Field(description="When it was taken (UTC, also in its name).")
    before_upgrade_from: str | None = Field(
        description="Taken before an upgrade from this schema revision: kept until deleted by hand."
    )
    download_url: str = Field(description="Where to download it (with the admin token).")

    @classmethod
    def of(cls, backup: BackupFile) -> BackupInfo:
        return cls(
            name=backup.name,
            bytes=backup.size_bytes,
            created_at=backup.created_at,
            before_upgrade_from=backup.before,
            download_url=f"/admin/backup/{backup.name}",
        )


class BackupList(BaseModel):
    folder: str = Field(description="The backup folder on the service's disk (BACKUP_DIR).")
    interval_hours: int = Field(description="Hours between scheduled backups (BACKUP_INTERVAL_HOURS); 0: none.")
    keep: int = Field(description="Backups kept (BACKUP_KEEP); older ones are deleted after each backup.")
    running: bool = Field(description="A backup is being taken now.")
    scheduled: JobInfo | None = Field(description="The scheduled backup job's state; null when there is none.")
    backups: list[BackupInfo] = Field(description="Newest first.")


@router.post(
    "/backup",
    response_model=BackupInfo,
    status_code=201,
    summary="Take a backup",
    description="Copies the database now, consistently while the service keeps recording, into the backup folder, "
    "and deletes the oldest backups beyond BACKUP_KEEP. 409 while a backup runs; 507 when the disk lacks room.",
    responses={
        409: {"model": ErrorBody, "description": "A backup is running."},
        503: {"model": ErrorBody, "description": "The backup could not be written."},
        507: {"model": ErrorBody, "description": "Not enough disk space in the backup folder."},
    },
)
async def backup_create(state: State, response: Response) -> BackupInfo:
    try:
        taken = await state.backups.take()
    except BackupBusy:
        raise HTTPException(409, "a backup is running; try again when it is done") from None
    except BackupSpaceError as exc:
        log.error("backup failed", extra={"error": str(exc)})
        raise HTTPException(507, str(exc)) from None
    except StorageError as exc:
        log.error("backup failed", extra={"error": str(exc)})
        raise HTTPException(503, str(exc)) from None
    info = BackupInfo.of(taken)
    response.headers["Location"] = info.download_url
    return info


@router.get(
    "/backup",
    response_model=BackupList,
    summary="Backups",
    description="The backups in the backup folder, newest first, the folder's settings and the scheduled backup "
    "job's last run.",
)
async def backup_list(state: State) -> BackupList:
    backups = await asyncio.to_thread(state.backups.listed)
    job = state.scheduler.jobs.get(BackupJob.name)
    return BackupList(
        folder=str(state.backups.folder),
        interval_hours=state.settings.backup_interval_hours,
        keep=state.backups.keep,
        running=state.backups.running,
        scheduled=JobInfo.of(job.state) if job is not None else None,
        backups=[BackupInfo.of(backup) for backup in backups],
    )


@router.get(
    "/backup/{name}",
    response_class=FileResponse,
    summary="Download a backup",
    description="The backup file (a SQLite database) as an attachment. The name must be a backup's, as listed; "
    "404 when there is no such backup.",
    responses={
        200: {
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The backup.",
        },
        404: {"model": ErrorBody, "description": "No backup of that name."},
        422: {"model": ErrorBody, "description": "Not a backup's name."},
    },
)
async def backup_download(
    state: State,
    name: Annotated[str, PathParam(description="A backup's name.", examples=["emby-analytics-20260115-030000.db"])],
) -> FileResponse:
    if parse_name(name) is None:  # the exact pattern: nothing else of the folder (or beyond it) is reachable
        raise HTTPException(
            422, "name: not a backup's name (emby-analytics-YYYYMMDD-HHMMSS.db, as GET /admin/backup lists them)"
        )
    found = await asyncio.to_thread(state.backups.find, name)
    if found is None:
        raise HTTPException(404, f"no backup named {name}")
    return FileResponse(found.path, media_type=MEDIA_TYPE, filename=found.name)
