"""A bounded connection pool for many concurrent requests: a first-come-first-served wait, small httpcore pools.

httpcore's pool re-examines every connection, and every queued request against every connection, each time a
request starts or ends (`AsyncConnectionPool._assign_requests_to_connections`); with a thousand connections, or
hundreds of requests queued in it, that scan is where the CPU goes. So requests wait here, in an
`asyncio.Semaphore` (constant time per request), and only go on to an httpcore pool that has a free connection;
the connections are split over pools of at most `SHARD` each, so each scan stays short.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import cast

import httpx

SHARD = 8  # connections per httpcore pool: its per-request scan is quadratic in this, so keep it small
# An idle connection is dropped after this long: under the 5 s many servers (uvicorn's default among them) keep
# one open, so a request never goes out on a connection the server is closing at that moment.
KEEPALIVE = 4.0


class BoundedPool(httpx.AsyncBaseTransport):
    """At most `connections` requests in flight; the others wait in arrival order, up to the request's pool
    timeout (then `httpx.PoolTimeout`, as httpx's own pool raises)."""

    def __init__(self, connections: int, *, keepalive_expiry: float = KEEPALIVE) -> None:
        if connections < 1:
            raise ValueError(f"a pool needs at least one connection, not {connections!r}")
        count = math.ceil(connections / SHARD)
        size = math.ceil(connections / count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=keepalive_expiry)
        tls = httpx.create_ssl_context()  # one for all shards: making one loads the CA bundle, some 10 ms of CPU
        self._shards = [httpx.AsyncHTTPTransport(limits=limits, verify=tls) for _ in range(count)]
        self._busy = [0] * count
        self._free = asyncio.Semaphore(connections)
        self.connections = connections

    def __repr__(self) -> str:
        return f"BoundedPool(connections={self.connections}, shards={len(self._shards)})"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Wait for a free connection, then send on the least busy shard; the place is freed when the response
        is closed (a stream holds it until then)."""
        timeout = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(timeout):
                await self._free.acquire()
        except TimeoutError as exc:
            raise httpx.PoolTimeout("no connection became free within the pool timeout", request=request) from exc
        # Fewer requests are in flight than there are connections, so the least busy shard has a free one.
        shard = min(range(len(self._busy)), key=self._busy.__getitem__)
        self._busy[shard] += 1
        release = _once(lambda: self._release(shard))
        try:
            response = await self._shards[shard].handle_async_request(request)
        except BaseException:
            release()
            raise
        response.stream = _Releasing(response.stream, release)
        return response

    def _release(self, shard: int) -> None:
        self._busy[shard] -= 1
        self._free.release()

    async def aclose(self) -> None:
        """Close every connection."""
        for shard in self._shards:
            await shard.aclose()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


class _Releasing(httpx.AsyncByteStream):
    """A response body that frees its place in the pool when it is closed."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = cast(httpx.AsyncByteStream, stream)  # an async transport's responses stream asynchronously
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """`action`, made safe to call more than once (it runs the first time only)."""
    done = False

    def run() -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return run
