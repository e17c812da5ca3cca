"""A scripted Nemo endpoint behind httpx.MockTransport, for reply shapes the simulator does not produce."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.nemo.client import NemoClient
from bot.nemo.models import AnonToken

BASE = "http://nemo.test"
TOKEN = "nmv_usr_" + "A" * 40
TOKEN_2 = "nmv_usr_" + "B" * 40
ATTRIBUTION = {"X-Skill-Source": "nemo-video", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "console"}

Reply = httpx.Response | Callable[[httpx.Request], Awaitable[httpx.Response]]


def ok(data: Any) -> httpx.Response:
    """A success envelope."""
    return httpx.Response(200, json={"code": 0, "message": "ok", "data": data})


def token_reply(token: str = TOKEN) -> httpx.Response:
    """An anonymous-token reply."""
    return ok(
        {"token": token, "user_id": "anon_0123456789abcdef", "credits": 100, "expires_at": "2099-01-01T00:00:00Z"}
    )


def sse(body: AsyncIterator[bytes] | bytes) -> httpx.Response:
    """An event-stream reply."""
    return httpx.Response(200, headers={"content-type": "text/event-stream; charset=utf-8"}, content=body)


@dataclass
class Script:
    """Replies queued per path (the last one repeats) and every request seen."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)
    issued: list[AnonToken] = field(default_factory=list)

    def on(self, path: str, *replies: Reply) -> Script:
        """Queue replies for a path."""
        self.replies.setdefault(path, []).extend(replies)
        return self

    def paths(self) -> list[str]:
        """The paths requested, in order."""
        return [r.url.path for r in self.seen]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """MockTransport handler."""
        await request.aread()
        self.seen.append(request)
        queue = self.replies.get(request.url.path)
        if not queue:
            return httpx.Response(404, json={"detail": "Not Found"})
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, httpx.Response):
            # A fresh copy, so the last reply can repeat (streamed replies are given as callables instead).
            return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)
        return await reply(request)

    def client(self, http: httpx.AsyncClient, **kwargs: Any) -> NemoClient:
        """A client on this script that records issued tokens."""

        async def keep(token: AnonToken) -> None:
            self.issued.append(token)

        options: dict[str, Any] = {"rate_limit_backoff": 0.01, "on_token": keep, **kwargs}
        return NemoClient(http, base_url=BASE, client_id="cid-1", attribution=ATTRIBUTION, **options)


def http_for(script: Script) -> httpx.AsyncClient:
    """An AsyncClient whose every request goes to the script."""
    return httpx.AsyncClient(transport=httpx.MockTransport(script.handle), timeout=5.0)
