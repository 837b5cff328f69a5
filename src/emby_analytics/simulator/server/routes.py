"""The route table: each endpoint's template, methods, auth and handler function.

Templates are the endpoints' names: metrics count by them and the latency and fault knobs address them
(e.g. "/Items", "/Users/{UserId}/Items", "/Sessions"). Paths match case-insensitively, with or without a
trailing slash; the `/emby` prefix is stripped before matching (app.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from . import handlers, plugin, remote
from .state import SimulatorState

Handler = Callable[[SimulatorState, Request, dict[str, str], dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    template: str
    methods: frozenset[str]
    handler: Handler
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$", re.IGNORECASE))


def _r(template: str, methods: str, handler: Handler, auth: bool = True) -> Route:
    return Route(template, frozenset(methods.split(",")), handler, auth)


ROUTES: tuple[Route, ...] = (
    _r("/System/Ping", "GET,POST,HEAD", handlers.ping, auth=False),
    _r("/System/Info/Public", "GET", handlers.system_info_public, auth=False),
    _r("/System/Info", "GET", handlers.system_info),
    _r("/Users", "GET", handlers.users),
    _r("/Users/Public", "GET", handlers.users_public, auth=False),
    _r("/Users/Query", "GET", handlers.users_query),
    _r("/Users/{UserId}", "GET", handlers.user),
    _r("/Users/{UserId}/Items", "GET", handlers.items),
    _r("/Users/{UserId}/Items/{Id}", "GET", handlers.user_item),
    _r("/Users/{UserId}/Images/{Type}", "GET,HEAD", handlers.user_image, auth=False),
    _r("/Users/{UserId}/Images/{Type}/{Index}", "GET,HEAD", handlers.user_image, auth=False),
    _r("/Items", "GET", handlers.items),
    _r("/Items/Counts", "GET", handlers.item_counts),
    _r("/Items/{Id}/Images/{Type}", "GET,HEAD", handlers.item_image, auth=False),
    _r("/Items/{Id}/Images/{Type}/{Index}", "GET,HEAD", handlers.item_image, auth=False),
    _r("/Library/VirtualFolders", "GET", handlers.virtual_folders),
    _r("/Library/VirtualFolders/Query", "GET", handlers.virtual_folders_query),
    _r("/Sessions", "GET", handlers.sessions),
    _r("/Sessions/{Id}/Playing", "POST", remote.play),
    _r("/Sessions/{Id}/Playing/{Command}", "POST", remote.playstate),
    _r("/Sessions/{Id}/Message", "POST", remote.message),
    _r("/Sessions/{Id}/Command", "POST", remote.command),
    _r("/Sessions/{Id}/Command/{Command}", "POST", remote.command),
    _r("/user_usage_stats/submit_custom_query", "POST", plugin.submit_custom_query),  # Playback Reporting
)


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route whose template matches `path` (already without the `/emby` prefix), and its parameters."""
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            return route, m.groupdict()
    return None
