"""The Emby client's error tree.

Messages are short and safe to show to an admin: they name the HTTP method, the endpoint path (never the query
string, never the token) and the status, and never quote the upstream body.
"""

from __future__ import annotations


class EmbyError(Exception):
    """Base of every error raised by the Emby client."""

    def __init__(self, message: str, *, path: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.status = status


class EmbyConnectionError(EmbyError):
    """Emby could not be reached: DNS, refused, reset or timed out, after all retries."""


class EmbyAuthError(EmbyError):
    """Emby answered 401/403: the API key is invalid or expired (or lacks admin rights)."""


class EmbyResponseError(EmbyError):
    """Emby answered, but not as expected: bad status, malformed JSON, or a payload not fitting the model."""


class EmbyNotFoundError(EmbyResponseError):
    """Emby answered 404 (unknown user, route or image)."""


class EmbySocketError(EmbyError):
    """Emby's websocket could not be used. The message names the cause (never the token or the URL)."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message, path="/embywebsocket")
        self.auth = auth
