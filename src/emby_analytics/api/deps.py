"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from emby_analytics.state import AppState


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request for a lookup.
    state: AppState = request.app.state.emby_analytics
    return state


State = Annotated[AppState, Depends(get_state)]
