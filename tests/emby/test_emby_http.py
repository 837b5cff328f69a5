"""The HTTP client every talk with Emby goes through (`emby_http`): real loopback servers, plain and TLS.

An `http://` Emby's client loads no CA bundle (it never needs one), yet it must never talk TLS unverified: an `https`
URL, which only a redirect could bring it to (and it follows none), meets a context that trusts nobody.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
from tests.fixture_files import TLS_CERT, TLS_KEY

from emby_analytics.emby.connection import emby_http


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\npong")
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass  # the client gave up at the handshake
    finally:
        writer.close()


async def _server(tls: ssl.SSLContext | None) -> AsyncIterator[str]:
    server = await asyncio.start_server(_answer, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"


@pytest.fixture
async def plain_url() -> AsyncIterator[str]:
    async for url in _server(None):
        yield url


@pytest.fixture
async def tls_url() -> AsyncIterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS_CERT, TLS_KEY)
    async for url in _server(context):
        yield url


async def test_a_plain_http_emby_is_reached_and_redirects_are_not_followed(plain_url: str) -> None:
    async with emby_http(plain_url) as http:
        assert not http.follow_redirects
        reply = await http.get(f"{plain_url}/emby/System/Ping")
    assert (reply.status_code, reply.text) == (200, "pong")


@pytest.mark.parametrize("base", ["http://127.0.0.1:8096", "HTTP://127.0.0.1:8096/emby"])
async def test_a_plain_http_embys_client_refuses_tls_it_cannot_verify(base: str, tls_url: str) -> None:
    async with emby_http(base) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"{tls_url}/emby/System/Ping")


async def test_an_https_embys_certificate_is_verified(tls_url: str) -> None:
    # Self-signed: no CA that a client trusts by default signed it.
    async with emby_http(tls_url) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"{tls_url}/emby/System/Ping")

    # The same server with its certificate trusted answers: the check above is verification, not a broken TLS.
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=TLS_CERT)) as trusting:
        reply = await trusting.get(f"{tls_url}/emby/System/Ping")
    assert reply.text == "pong"
