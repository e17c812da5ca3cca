"""An httpx transport that sends over aiohttp: the client keeps httpx's API, aiohttp keeps the connections.

Under a thousand concurrent chats httpcore's pool costs more CPU than everything else (it re-examines every
connection, and every queued request against every connection, each time a request starts or ends); aiohttp's
connector hands out connections from a queue and costs a few times less per request (`bench/pools.py`). Every
aiohttp failure is raised here as the httpx exception that means the same, so `bot.nemo.seam` stays the one place
that turns them into `NemoError`s.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx

KEEPALIVE = 4.0  # idle connections are dropped first, before servers that keep them 5 s (uvicorn's default) do


class AiohttpTransport(httpx.AsyncBaseTransport):
    """At most `connections` connections; a request that finds none free waits for one, up to its pool timeout."""

    def __init__(self, connections: int, *, keepalive_expiry: float = KEEPALIVE) -> None:
        if connections < 1:
            raise ValueError(f"a pool needs at least one connection, not {connections!r}")
        self.connections = connections
        self._keepalive = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"AiohttpTransport(connections={self.connections})"

    def _opened(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop it will run on.
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.connections, limit_per_host=0, keepalive_timeout=self._keepalive,
                ssl=httpx.create_ssl_context(),
            )
            # httpx decodes the body and sets every header itself: aiohttp adds nothing and decodes nothing.
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and return as soon as the headers are in; the body streams from the response."""
        timeout = request.extensions.get("timeout", {})
        limits = aiohttp.ClientTimeout(
            total=None, connect=timeout.get("pool"), sock_connect=timeout.get("connect"),
            sock_read=timeout.get("read"),
        )
        with _mapped(request):
            reply = await self._opened().request(
                request.method, str(request.url), headers=request.headers.multi_items(), data=_body(request),
                allow_redirects=False, timeout=limits,
            )
        extensions = {"http_version": b"HTTP/1.1", "reason_phrase": (reply.reason or "").encode()}
        return httpx.Response(
            reply.status, headers=list(reply.raw_headers), stream=_Body(reply, request), extensions=extensions,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        if self._session is not None:
            await self._session.close()


def _body(request: httpx.Request) -> bytes | AsyncIterator[bytes] | None:
    """The request's body: its bytes when it is in memory, else its stream (an upload is never read whole)."""
    try:
        return request.content or None
    except httpx.RequestNotRead:
        return _chunks(request)


async def _chunks(request: httpx.Request) -> AsyncIterator[bytes]:
    stream = request.stream
    assert isinstance(stream, httpx.AsyncByteStream)  # an async client's request streams asynchronously
    async for chunk in stream:
        yield chunk


class _Body(httpx.AsyncByteStream):
    """The response body as it arrives; closing it gives the connection back (or drops it, if unread)."""

    def __init__(self, reply: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._reply.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._reply.release()


@contextlib.contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    """Raise aiohttp's failures as the httpx exceptions that mean the same."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
    except (TimeoutError, aiohttp.SocketTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out reading", request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except aiohttp.ClientOSError as exc:
        raise httpx.ReadError(str(exc), request=request) from exc
    except aiohttp.InvalidURL as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except aiohttp.ClientError as exc:
        raise httpx.NetworkError(str(exc), request=request) from exc
