"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from emby_analytics.state import AppState


async def get_state(connection: HTTPConnection) -> AppState:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on every request for a lookup.
    # A connection, not a request: websocket routes use it too.
    state: AppState = connection.app.state.emby_analytics
    return state


State = Annotated[AppState, Depends(get_state)]
