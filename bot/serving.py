"""Serving an ASGI app with uvicorn inside the bot's own event loop (the Telegram webhook, the health server), and
one server's routes shared with another part (the webhook on the health port)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """uvicorn inside someone else's loop: no signal handlers of its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing; the process's owner handles signals."""
        yield


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, host: str, port: int, *, name: str = "asgi-server") -> AsyncIterator[int]:
    """Serve `app` in this loop until exit; yields the bound port (port 0 picks a free one).

    A port that cannot be bound raises OSError here, before anything is served.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bound here: uvicorn reports a bind failure with sys.exit, which would end the whole process.
    sock = socket.create_server((host, port), family=family)
    config = uvicorn.Config(
        app, http="h11", lifespan="off", log_config=None, access_log=False, log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=name)
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError(f"{name} stopped during start-up")
                await asyncio.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()


Serve = Callable[[Starlette], AbstractAsyncContextManager[int]]
"""Serves an app until exit and yields the port it answers on: its own server, or one shared (`SharedServer.adding`)."""


class SharedServer:
    """A running server that another part may add its routes to, so both answer on one port."""

    def __init__(self, app: Starlette, port: int) -> None:
        self._app = app
        self.port = port

    @contextlib.asynccontextmanager
    async def adding(self, app: Starlette) -> AsyncIterator[int]:
        """Answer `app`'s routes too (after the server's own) until exit; yields the server's port."""
        added = list(app.routes)
        self._app.router.routes.extend(added)
        try:
            yield self.port
        finally:
            for route in added:
                self._app.router.routes.remove(route)
