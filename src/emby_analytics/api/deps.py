"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from emby_analytics.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.emby_analytics
    return state


State = Annotated[AppState, Depends(get_state)]
