"""Which connection-pool layout serves many agent streams and the short calls beside them with the least CPU.

Each of `--chats` chats holds one agent stream open (a generation of `--seconds`, with keepalives) while it makes
`--calls` short state requests, one every `--every` seconds; all chats start at once. The same load runs over:

- `httpx-one`: one httpx client for everything, its pool raised to chats + 100 connections;
- `httpx-two`: two httpx clients with their default-style pools (streams: chats, calls: 100 connections);
- `bounded`: two httpx clients over `BoundedPool` (below: a FIFO wait in front of httpcore pools of 8);
- `aiohttp`: one aiohttp session, its connector limited to chats + 100 connections;
- `httpx-aio`: the bot's layout: two httpx clients (streams: chats, calls: 100) over `AiohttpTransport`;
- `httpx-h2`: one httpx client speaking HTTP/2 (h2c) to the simulator served by hypercorn (`bench/h2sim.py`), so
  the streams and calls share a few multiplexed connections.

Printed per layout: CPU seconds, CPU per request, short-call latency p50/p99, event-loop lag p99. Run:

    .venv/bin/python -m bench.pools --chats 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import cast

import aiohttp
import httpx

from bench.common import (
    ATTRIBUTION,
    cpu_seconds,
    free_port,
    give_credits,
    loop_lag,
    percentile,
    raise_open_files,
    server_process,
    simulator,
)
from bot.nemo.client import NemoClient
from bot.nemo.transport import KEEPALIVE, AiohttpTransport
from bot.nemo.wire import APP_NAME, ME, Endpoint

SHARD = 8  # connections per httpcore pool: its per-request scan is quadratic in this, so keep it small


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


Stream = Callable[[str], Awaitable[None]]
Call = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Layout:
    """One way of sending the load: a stream and a short call."""

    stream: Stream
    call: Call


def body(session_id: str) -> dict[str, object]:
    """A generation request."""
    return {"app_name": APP_NAME, "user_id": ME, "session_id": session_id,
            "new_message": {"parts": [{"text": "make a video of a harbour"}]}}


@contextlib.asynccontextmanager
async def httpx_layout(url: str, headers: dict[str, str], streams: httpx.AsyncClient,
                       calls: httpx.AsyncClient) -> AsyncIterator[Layout]:
    """Streams over `streams`, short calls over `calls`."""

    async def stream(session_id: str) -> None:
        async with streams.stream("POST", url + Endpoint.RUN_SSE, json=body(session_id), headers=headers) as reply:
            async for _ in reply.aiter_lines():
                pass

    async def call(session_id: str) -> None:
        reply = await calls.get(url + Endpoint.STATE.format(uid=ME, sid=session_id), headers=headers)
        reply.json()

    yield Layout(stream, call)


@contextlib.asynccontextmanager
async def opened(name: str, url: str, headers: dict[str, str], chats: int) -> AsyncIterator[Layout]:
    """The layout called `name`, open."""
    timeout = httpx.Timeout(120.0, connect=15.0)
    if name == "aiohttp":
        connector = aiohttp.TCPConnector(limit=chats + 100, limit_per_host=chats + 100)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as session:

            async def stream(session_id: str) -> None:
                async with session.post(url + Endpoint.RUN_SSE, json=body(session_id), headers=headers) as reply:
                    async for _ in reply.content:
                        pass

            async def call(session_id: str) -> None:
                async with session.get(url + Endpoint.STATE.format(uid=ME, sid=session_id), headers=headers) as reply:
                    json.loads(await reply.read())

            yield Layout(stream, call)
        return
    if name == "httpx-h2":
        limits = httpx.Limits(max_connections=chats + 100, max_keepalive_connections=chats + 100)
        async with (
            httpx.AsyncClient(timeout=timeout, limits=limits, http1=False, http2=True) as client,
            httpx_layout(url, headers, client, client) as layout,
        ):
            yield layout
        return
    if name == "httpx-one":
        limits = httpx.Limits(max_connections=chats + 100, max_keepalive_connections=chats + 100)
        async with (
            httpx.AsyncClient(timeout=timeout, limits=limits) as client,
            httpx_layout(url, headers, client, client) as layout,
        ):
            yield layout
        return
    if name == "httpx-two":
        big = httpx.Limits(max_connections=chats, max_keepalive_connections=chats)
        small = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with (
            httpx.AsyncClient(timeout=timeout, limits=big) as streams,
            httpx.AsyncClient(timeout=timeout, limits=small) as calls,
            httpx_layout(url, headers, streams, calls) as layout,
        ):
            yield layout
        return
    kind = AiohttpTransport if name == "httpx-aio" else BoundedPool
    async with (
        httpx.AsyncClient(timeout=timeout, transport=kind(chats)) as streams,
        httpx.AsyncClient(timeout=timeout, transport=kind(100)) as calls,
        httpx_layout(url, headers, streams, calls) as layout,
    ):
        yield layout


async def run(name: str, url: str, headers: dict[str, str], sessions: list[str], args: argparse.Namespace) -> None:
    """Send the load over one layout and print its figures."""
    latencies: list[float] = []
    async with opened(name, url, headers, len(sessions)) as layout:

        async def chat(session_id: str) -> None:
            streaming = asyncio.ensure_future(layout.stream(session_id))
            try:
                for _ in range(args.calls):
                    started = time.monotonic()
                    await layout.call(session_id)
                    latencies.append(time.monotonic() - started)
                    await asyncio.sleep(args.every)
            finally:
                await asyncio.gather(streaming, return_exceptions=True)
            failure = streaming.exception()
            if failure is not None:
                raise failure

        cpu, started = cpu_seconds(), time.monotonic()
        async with loop_lag() as lag:
            outcomes = await asyncio.gather(*(chat(session_id) for session_id in sessions), return_exceptions=True)
        used, took = cpu_seconds() - cpu, time.monotonic() - started
    failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    requests = len(sessions) * (args.calls + 1)
    kinds = ", ".join(sorted({type(outcome).__name__ for outcome in failed}))
    failures = f"{len(failed)} chats failed" + (f" ({kinds})" if kinds else "")
    print(f"{name:>9}: {used:5.1f}s CPU in {took:5.1f}s, {used / requests * 1000:.2f} ms CPU/request; short calls "
          f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms; "
          f"loop lag p99 {percentile(lag, 0.99) * 1000:.0f} ms; {failures}")


async def prepared(url: str, chats: int) -> tuple[dict[str, str], list[str]]:
    """A token with credits, and `chats` sessions."""
    async with httpx.AsyncClient(timeout=60) as http:
        nemo = NemoClient(http, base_url=url, client_id="bench-pools", attribution=ATTRIBUTION)
        token = (await nemo.authenticate()).token
        await give_credits(url, nemo.user_id)
        sessions = [(await nemo.create_session("en")).session_id for _ in range(chats)]
    return {**ATTRIBUTION, "Authorization": f"Bearer {token}"}, sessions


@contextlib.contextmanager
def served_by_hypercorn(speed: float) -> Iterator[str]:
    """The simulator under hypercorn (HTTP/1.1 and h2c) in another process; yields its URL."""
    port = free_port()
    env = {**os.environ, "SIM_SPEED": str(speed), "SIM_MAX_CLIENTS_PER_IP": "1000"}
    command = [sys.executable, "-m", "bench.h2sim", str(port)]
    with server_process(command, env, f"http://127.0.0.1:{port}", "/__sim/config") as (url, _):
        yield url


async def main(args: argparse.Namespace) -> None:
    """Start the simulator, make the sessions, run each layout in turn."""
    raise_open_files()
    speed = args.seconds / 120  # a generation nominally runs 120 s
    print(f"{args.chats} chats: a {args.seconds:.0f}s stream each, with {args.calls} state calls "
          f"{args.every}s apart beside it")
    names = args.layouts.split(",")
    with simulator(speed=speed, max_clients_per_ip=1000) as sim:
        headers, sessions = await prepared(sim.url, args.chats)
        for name in names:
            if name != "httpx-h2":
                await run(name, sim.url, headers, sessions, args)
    if "httpx-h2" in names:
        with served_by_hypercorn(speed) as url:
            headers, sessions = await prepared(url, args.chats)
            await run("httpx-h2", url, headers, sessions, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long each stream stays open")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--every", type=float, default=0.3)
    parser.add_argument("--layouts", default="httpx-one,httpx-two,bounded,httpx-h2,aiohttp,httpx-aio")
    asyncio.run(main(parser.parse_args()))
