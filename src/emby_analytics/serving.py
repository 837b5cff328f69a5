"""The HTTP server around an ASGI app: the listening socket, bound before anything else happens, and uvicorn with a
bounded shutdown (docs/security.md, "Start-up and shutdown")."""

from __future__ import annotations

import errno
import signal
import socket
import threading
from types import FrameType

import uvicorn
from starlette.types import ASGIApp

# Requests still running this long after SIGTERM are cancelled (a slow Emby call, a client that stopped sending):
# with the jobs' cancellation and the last write, the process is gone within 5 s.
SHUTDOWN_GRACE_SEC = 2
# A browser sends nothing on our websocket (the live view): a message bigger than this ends the connection.
WS_MAX_BYTES = 4096


class ListenError(Exception):
    """The address cannot be listened on (the port is taken, the address is not ours)."""


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), for the server to listen on. Bound first, so a busy port is one clear error
    before any file is touched, and port 0 tells which port we got."""
    # IPPROTO_TCP said outright: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol
    # says TCP, and a connection takes its listener's. With protocol 0, an answer written as head then body waited
    # for the client's delayed ACK: 40 ms added to every response.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        hint = " (is another program using it? set PORT)" if exc.errno == errno.EADDRINUSE else ""
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None
    sock.set_inheritable(True)
    return sock


def server(app: ASGIApp) -> uvicorn.Server:
    """uvicorn for `app`, logging through our handlers, with the shutdown grace above."""
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SEC,
        ws_max_size=WS_MAX_BYTES,
        # wsproto is already loaded for Emby's websocket (httpx-ws); the `websockets` server would add ~0.8 MB.
        ws="wsproto",
    )
    return uvicorn.Server(config)


async def serve(app: ASGIApp, sock: socket.socket) -> None:
    """Serve `app` on `sock` until SIGINT or SIGTERM, then shut down (the app's lifespan included)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stopped)
    await server(app).serve(sockets=[sock])


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    # uvicorn shuts down on SIGTERM, then raises it again for the handler it found; the default one would end the
    # process with status 143 after a clean stop. A stop that was asked for is a success: status 0.
    raise SystemExit(0)
