"""`/config` (public UI configuration), `/access` (what the caller may do) and `/version`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from emby_analytics.api.access import COOKIE, caller, cookie_header, is_admin
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


class CookieChange(BaseModel):
    keep: bool = Field(True, description="true: hand this browser the admin cookie; false: take it back.")


@router.post(
    "/admin/cookie",
    status_code=204,
    tags=["admin"],
    summary="Admin cookie for this browser",
    description="For a browser where the automatic cookie does not apply (another network, a reverse proxy, "
    "ADMIN_TOKEN set): shown the admin token once, it gets the admin cookie (HttpOnly, SameSite=Strict, Secure "
    "over HTTPS), which the live view needs (a browser's EventSource cannot send a header). `keep: false` clears it.",
)
async def admin_cookie(request: Request, state: State, change: CookieChange | None = None) -> Response:
    headers = dict(request.scope.get("headers") or [])
    secure = caller(request.scope, headers, state.settings.proxy_networks).https
    keep = change is None or change.keep
    value = (
        cookie_header(state.admin_token, secure)
        if keep
        else f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0".encode()
    )
    response = Response(status_code=204)
    response.raw_headers.append((b"set-cookie", value))
    return response


@router.get("/version", response_model=VersionInfo, summary="Version", description="Release and build commit.")
async def version(state: State) -> VersionInfo:
    return VersionInfo(version=VERSION, commit=state.commit)
