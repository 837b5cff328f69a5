"""`/config` (public UI configuration), `/access` (what the caller may do) and `/version`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from emby_analytics.api.access import is_admin
from emby_analytics.api.deps import State
from emby_analytics.version import VERSION

router = APIRouter(tags=["meta"])


class PublicConfig(BaseModel):
    emby_external_url: str
    emby_server_id: str | None
    server_name: str | None
    tz: str
    features: dict[str, bool]


class AccessInfo(BaseModel):
    admin: bool = Field(description="Whether this request showed the admin credential (token or cookie).")


class VersionInfo(BaseModel):
    version: str
    commit: str


@router.get(
    "/config",
    response_model=PublicConfig,
    summary="Public UI configuration",
    description="What the UI needs to know about this deployment. Never contains a secret.",
)
async def public_config(state: State) -> PublicConfig:
    server = state.server_info.identity  # learnt by a background job: this request never waits on Emby
    return PublicConfig(
        emby_external_url=state.settings.external_url,
        emby_server_id=server.server_id if server else None,
        server_name=server.server_name if server else None,
        tz=state.settings.tz,
        features={"library_sync": True, "user_sync": True},
    )


@router.get(
    "/access",
    response_model=AccessInfo,
    summary="What the caller may do",
    description="Whether this request carries the admin credential, so the UI shows admin controls (pause, stop, "
    "message) only to an admin without trying an admin route. A wrong token is refused (401) as on any route.",
)
async def access(request: Request, response: Response) -> AccessInfo:
    response.headers["Cache-Control"] = "no-store"  # per caller: never shared by a cache
    return AccessInfo(admin=is_admin(request.scope))


@router.get("/version", response_model=VersionInfo, summary="Version", description="Release and build commit.")
async def version(state: State) -> VersionInfo:
    return VersionInfo(version=VERSION, commit=state.commit)
