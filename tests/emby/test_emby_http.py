"""The HTTP client every talk with Emby goes through (`emby_http`): real loopback servers, plain and TLS.

An `http://` Emby's client loads no CA bundle (it never needs one), yet it must never talk TLS unverified: an `https`
URL, which only a redirect could bring it to (and it follows none), meets a context that trusts nobody.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from tests.fixture_files import TLS_CERT, TLS_KEY

from emby_analytics.emby.connection import emby_http


@asynccontextmanager
async def _server(reply: bytes, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback HTTP(S) server that answers every request with `reply`; yields its URL and the requests seen."""
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(reply)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away without a whole request
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen


PONG = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\npong"


@pytest.fixture
async def tls_url() -> AsyncIterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS_CERT, TLS_KEY)
    async with _server(PONG, context) as (url, _):
        yield url


async def test_a_plain_http_emby_is_reached_and_its_redirects_are_not_followed() -> None:
    async with _server(PONG) as (elsewhere, elsewhere_seen):
        moved = f"HTTP/1.1 302 Found\r\nLocation: {elsewhere}/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        async with _server(PONG) as (emby, _), _server(moved.encode()) as (redirecting, _), emby_http(emby) as http:
            reply = await http.get(f"{emby}/emby/System/Ping")
            redirected = await http.get(f"{redirecting}/emby/System/Ping")
        assert (reply.status_code, reply.text) == (200, "pong")
        assert redirected.status_code == 302
        assert elsewhere_seen == []


@pytest.mark.parametrize("base", ["http://127.0.0.1:8096", "HTTP://127.0.0.1:8096/emby"])
async def test_a_plain_http_embys_client_refuses_tls_it_cannot_verify(base: str, tls_url: str) -> None:
    async with emby_http(base) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"{tls_url}/emby/System/Ping")


async def test_an_https_embys_certificate_is_verified(tls_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Self-signed: no CA that a client trusts by default signed it.
    async with emby_http(tls_url) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"{tls_url}/emby/System/Ping")

    # With the certificate trusted, as docs/configuration.md tells an admin with a private CA to do, it answers:
    # what failed above is the verification, not the TLS.
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_CERT))
    async with emby_http(tls_url) as http:
        reply = await http.get(f"{tls_url}/emby/System/Ping")
    assert reply.text == "pong"
