"""`/admin/guard`: the 4K transcode guard's state and counters, and turning it on or off at run time.

PREVENT_4K_VIDEO_TRANSCODING is what a new installation starts with; an admin's choice here is kept beside the
database (`guard.json`) and wins from then on, across restarts.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from emby_analytics.api.deps import State
from emby_analytics.guard import MESSAGE_TEXT
from emby_analytics.guard.choice import FILE_NAME, keep_choice
from emby_analytics.state import AppState

router = APIRouter(prefix="/admin", tags=["admin"])


class GuardInfo(BaseModel):
    prevent_4k_video_transcoding: bool = Field(description="Whether 4K video transcodes are stopped now.")
    setting: bool = Field(
        description="PREVENT_4K_VIDEO_TRANSCODING: what the service starts with until an admin chooses here."
    )
    message: str = Field(description="What the viewer is shown before the stop.")
    stopped: int = Field(description="4K video transcodes stopped since start-up.")
    failures: int = Field(description="Requests to Emby (message or stop) that failed; each is retried with backoff.")
    gave_up: int = Field(description="4K transcodes left playing because Emby refused every stop.")
    pending: int = Field(description="Plays being stopped now.")
    last_stopped_at: datetime | None
    last_error: str | None = Field(description="The last failed request to Emby and why.")


class GuardChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prevent_4k_video_transcoding: StrictBool


def _info(state: AppState) -> GuardInfo:
    guard, status = state.guard, state.guard.status
    return GuardInfo(
        prevent_4k_video_transcoding=guard.enabled,
        setting=state.settings.prevent_4k_video_transcoding,
        message=MESSAGE_TEXT,
        stopped=status.stopped,
        failures=status.failures,
        gave_up=status.gave_up,
        pending=guard.pending,
        last_stopped_at=status.last_stopped_at,
        last_error=status.last_error,
    )


@router.get(
    "/guard",
    response_model=GuardInfo,
    summary="4K transcode guard",
    description="Whether 4K video transcodes are stopped, and what the guard did since start-up.",
)
async def guard_state(state: State) -> GuardInfo:
    return _info(state)


@router.post(
    "/guard",
    response_model=GuardInfo,
    summary="Turn the 4K transcode guard on or off",
    description=(
        "Takes effect at once: turned on, the 4K video transcodes playing now are stopped at the next poll (asked "
        "for now). The choice is kept across restarts (it wins over PREVENT_4K_VIDEO_TRANSCODING); 503 when it "
        "cannot be saved, and then nothing changes."
    ),
)
async def guard_change(state: State, change: GuardChange) -> GuardInfo:
    try:
        keep_choice(state.settings.data_dir / FILE_NAME, change.prevent_4k_video_transcoding)
    except OSError as error:
        detail = f"the choice could not be saved ({error.strerror or 'disk error'}); nothing changed"
        raise HTTPException(503, detail) from None  # the cause is in the message; no path or trace goes out
    state.guard.set_enabled(change.prevent_4k_video_transcoding)
    if change.prevent_4k_video_transcoding:
        state.feed.poll_job.trigger()  # the plays offending now need not wait out a poll interval
    return _info(state)
