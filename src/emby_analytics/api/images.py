"""`/img/{primary|backdrop}/{item_id}`: item images through the proxy (see `emby_analytics.images`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query
from fastapi.responses import Response

from emby_analytics.api.deps import State
from emby_analytics.api.errors import ErrorBody, error_response
from emby_analytics.api.params import ID_PATTERN
from emby_analytics.images import (
    CACHE_CONTROL,
    FETCH_TIMEOUT_SEC,
    MAX_WIDTH,
    ImageKind,
    ImageNotFound,
    ImageUnavailable,
    etag_matches,
    etag_of,
)

router = APIRouter(prefix="/img", tags=["images"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The image (any image type but SVG), with `ETag` and `Cache-Control`.",
        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
    },
    304: {"description": "`If-None-Match` names the current ETag: the browser's copy is current."},
    404: {"model": ErrorBody, "description": "Unknown item, or neither it nor its series has this image."},
    422: {"model": ErrorBody, "description": "Bad image type, item id or width."},
    502: {"model": ErrorBody, "description": "Emby failed, was too slow, or sent something that is not an image."},
}


@router.get(
    "/{kind}/{item_id}",
    response_class=Response,
    summary="Item image",
    description=(
        "An item's primary image (poster) or backdrop, from Emby through a bounded disk cache. An episode or "
        "season without its own image shows its series'. `w` asks Emby for that width (aspect kept). Emby is "
        f"asked at most once per image and width, however many requests want it, and gets {FETCH_TIMEOUT_SEC:g} s; "
        "the API key never leaves the service. Answers 304 when `If-None-Match` names the current ETag."
    ),
    responses=_RESPONSES,
)
async def item_image(
    state: State,
    kind: Annotated[ImageKind, Path(description="primary (poster) or backdrop.")],
    item_id: Annotated[str, Path(pattern=ID_PATTERN, description="Emby item id.", examples=["4784184"])],
    w: Annotated[
        int | None, Query(ge=1, le=MAX_WIDTH, description=f"Width in pixels, 1-{MAX_WIDTH} (default: Emby's size).")
    ] = None,
    if_none_match: Annotated[str | None, Header(description="ETags the browser holds.")] = None,
) -> Response:
    proxy = state.images
    try:
        source = await proxy.source(kind, item_id)
        etag = etag_of(source, w)
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        image = await proxy.image(source, w)
    except ImageNotFound as exc:
        raise HTTPException(404, exc.message) from None
    except ImageUnavailable as exc:
        return error_response(502, "emby_unavailable", exc.message)
    headers["X-Content-Type-Options"] = "nosniff"  # the browser keeps to the type we checked
    return Response(image.data, media_type=image.content_type, headers=headers)
