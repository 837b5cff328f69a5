"""`/items/by-ids`: what the ids a page holds (history, now playing) stand for, in one request."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from emby_analytics.api.deps import State
from emby_analytics.api.errors import ErrorBody
from emby_analytics.api.params import ID_PATTERN
from emby_analytics.api.response_cache import dont_keep
from emby_analytics.sync.lookup import MAX_IDS, ItemSummary

router = APIRouter(prefix="/items", tags=["items"])

_ID = re.compile(ID_PATTERN)


@router.get(
    "/by-ids",
    response_model=list[ItemSummary],
    summary="Items by id",
    description=(
        f"Name, type and display title of up to {MAX_IDS} items, in the order asked (each id once). Answered from "
        "the database; ids it does not know are asked of Emby in one request and stored, so the next question "
        "costs nothing. Ids Emby does not know either are simply absent from the answer, and so are unknown ids "
        "while Emby cannot be reached. An answer the database alone gave is kept until the data changes, with an "
        "ETag, as statistics are."
    ),
    responses={422: {"model": ErrorBody}},
)
async def items_by_ids(
    state: State,
    request: Request,
    ids: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_IDS * 34,
            description=f"Comma-separated Emby item ids (numbers or 32 hex digits), 1 to {MAX_IDS}.",
            examples=["4784184,4784190"],
        ),
    ],
) -> list[ItemSummary]:
    wanted = [part.strip() for part in ids.split(",")]
    if len(wanted) > MAX_IDS:
        raise HTTPException(422, f"ids: at most {MAX_IDS} ids")
    if not all(_ID.fullmatch(item_id) for item_id in wanted):
        raise HTTPException(422, "ids: every id must be a number or 32 hex digits, separated by commas")
    found = await state.items.summaries(wanted)
    if not found.from_database:
        # Emby was asked (or could not be, or a remembered miss was used): the same question later may be answered
        # differently with the same data, so this answer is not kept.
        dont_keep(request.scope)
    return found.items
