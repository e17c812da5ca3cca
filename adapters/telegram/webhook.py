"""Webhook mode: a small HTTP endpoint that checks Telegram's secret token and keeps the update in the inbox."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from json import JSONDecodeError

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from adapters.telegram.client import AnyApplication
from adapters.telegram.inbox import Inbox
from bot.serving import serve_asgi as serve_asgi  # served from here before it was shared
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates, the secret it sends back, and where this process listens."""

    url: str
    secret: str = field(repr=False)
    listen: str
    port: int
    path: str


def webhook_app(application: AnyApplication, secret: str, path: str, inbox: Inbox) -> Starlette:
    """POST `path`: 403 unless the secret header matches; otherwise the update is kept in the inbox and 200 returned
    at once (503 when it cannot be kept: Telegram then delivers it again later)."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call with a wrong secret token refused")
            return Response(status_code=403)
        try:
            data = await request.json()
            Update.de_json(data, application.bot)
        except (JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            return Response(status_code=400)
        # Kept before the answer, so an update Telegram was told we have survives this process; the work runs
        # later, so Telegram never re-sends for a slow answer.
        try:
            await inbox.put(data)
        except StoreError as exc:
            log.warning("an update could not be kept; Telegram is asked to send it again: %s", exc)
            return Response(status_code=503)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])
