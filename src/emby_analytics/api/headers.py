"""Headers every response carries, so a browser treats what we send as exactly what we say it is.

Names from Emby (users, titles, devices) are hostile input and reach every answer. JSON escapes what JSON must, and
these headers keep a browser from reading an answer as anything else: no guessing of the type (a JSON answer
holding `<script>` stays JSON), no framing by another site, no address of ours in the Referer of links followed,
and for the UI a content security policy: its own scripts, styles and images only.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # The UI loads nothing from elsewhere (fonts, icons, the API's documentation are all ours): the browser holds it
    # to that, and a name from Emby that got into markup could neither run a script nor send anything away.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}


class SecurityHeaders:
    """ASGI middleware: adds `SECURITY_HEADERS` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
