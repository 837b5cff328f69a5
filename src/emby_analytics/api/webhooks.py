"""`POST /webhooks/emby` (also the original's `/admin/webhook/emby`): Emby's webhook deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.types import Message

from emby_analytics.api.deps import State
from emby_analytics.api.errors import ErrorBody
from emby_analytics.credentials import same_secret
from emby_analytics.tracking.webhooks import MalformedWebhook

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 1024 * 1024


class WebhookAccepted(BaseModel):
    outcome: str


async def _read_payload(request: Request) -> bytes | str:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise HTTPException(413, f"webhook bodies are limited to {MAX_BODY_BYTES} bytes")
    # Read with the cap first, whatever the encoding: a chunked body has no Content-Length to check.
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"webhook bodies are limited to {MAX_BODY_BYTES} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # Emby before 4.8 posts a form whose `data` field holds the JSON: parse the bytes already read.
        async def replay() -> Message:
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        form = await Request(request.scope, replay).form(max_files=0, max_fields=20, max_part_size=MAX_BODY_BYTES)
        data = form.get("data")
        if not isinstance(data, str):
            raise HTTPException(400, "form body without a `data` field")
        return data
    return bytes(body)


@router.post(
    "/webhooks/emby",
    response_model=WebhookAccepted,
    summary="Receive an Emby webhook",
    description=(
        "Paste this URL, with `?token=<webhook token>`, into Emby's webhook settings (JSON or the older form "
        "encoding both work). Playback events give exact pause/resume/stop times; library events trigger an "
        "incremental library sync. Repeated deliveries are acknowledged and ignored."
    ),
    responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 413: {"model": ErrorBody}},
)
@router.post(
    "/admin/webhook/emby",
    response_model=WebhookAccepted,
    summary="Receive an Emby webhook (original path)",
    description="The same as `POST /webhooks/emby`, at the path the original Emby Analytics used.",
    responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 413: {"model": ErrorBody}},
)
async def emby_webhook(
    request: Request,
    state: State,
    token: Annotated[str | None, Query(max_length=256, description="The webhook token.")] = None,
) -> Response | WebhookAccepted:
    intake = state.webhooks
    if not same_secret(token, state.webhook_token):
        intake.stats.rejected += 1
        raise HTTPException(401, "missing or wrong webhook token")
    payload = await _read_payload(request)
    try:
        outcome = await intake.receive(payload)
    except MalformedWebhook as exc:
        raise HTTPException(400, str(exc)) from None
    return WebhookAccepted(outcome=outcome)
