"""Webhook mode: a small HTTP endpoint that checks Telegram's secret token and queues the update for PTB."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from json import JSONDecodeError

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp
from telegram import Update

from adapters.telegram.client import AnyApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
STARTUP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates, the secret it sends back, and where this process listens."""

    url: str
    secret: str = field(repr=False)
    listen: str
    port: int
    path: str


def webhook_app(application: AnyApplication, secret: str, path: str) -> Starlette:
    """POST `path`: 403 unless the secret header matches; otherwise the update is queued and 200 returned at once."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call with a wrong secret token refused")
            return Response(status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            return Response(status_code=400)
        # Acknowledge first: the work runs later, so Telegram never re-sends for a slow answer.
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


class _Server(uvicorn.Server):
    """uvicorn inside someone else's loop: no signal handlers of its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing; the process's owner handles signals."""
        yield


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, host: str, port: int) -> AsyncIterator[int]:
    """Serve `app` in this loop until exit; yields the bound port (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bound here: uvicorn reports a bind failure with sys.exit, which would end the whole process.
    sock = socket.create_server((host, port), family=family)
    config = uvicorn.Config(
        app, http="h11", lifespan="off", log_config=None, access_log=False, log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="tg-webhook-server")
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("the webhook server stopped during start-up")
                await asyncio.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()
