"""A fake Discord HTTP API (and CDN) on 127.0.0.1, reached through discord.py's own `Route.BASE`.

It answers what the bot needs, records every request (what a user would end up seeing), saves uploaded files,
refuses interaction tokens older than 15 minutes by its clock (401 / 50027) and content over 2,000 characters
(400 / 50035, as Discord does), and can inject failures.
`answered` hooks see each call once its answer is decided but before the bot receives it (the bot is still waiting
on that request): a test can move the clock there without racing the bot's next request.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

APP_ID = 111
BOT_ID = 222
TOKEN_LIFETIME = 15 * 60.0
MAX_CONTENT = 2000
BOT_USER = {"id": str(BOT_ID), "username": "nemo", "discriminator": "0", "avatar": None, "bot": True}


class WebsocketHandler(Protocol):
    """Something that serves a websocket (the fake gateway)."""

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one connection."""


@dataclass(slots=True)
class Call:
    """One request the bot made, as the fake saw it."""

    method: str
    path: str  # below /api/v10, or /cdn/... for attachment downloads
    body: Any  # the JSON body (or multipart payload_json): a dict, or a list for command syncs
    files: list[Path]
    at: float  # time.monotonic() on arrival
    clock: float  # the fake's clock on arrival
    status: int = 200

    @property
    def content(self) -> str:
        """The message text sent or edited in."""
        return str(self.body.get("content") or "") if isinstance(self.body, dict) else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The embeds sent or edited in."""
        return list(self.body.get("embeds") or []) if isinstance(self.body, dict) else []

    @property
    def visible(self) -> str:
        """What the message shows in words: its text, then each embed's title, description and fields."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
            parts += [f"{field['name']}: {field['value']}" for field in embed.get("fields") or []]
        return "\n".join(part for part in parts if part)

    @property
    def custom_ids(self) -> list[str]:
        """Custom ids of the buttons drawn under the message."""
        rows = (self.body.get("components") or []) if isinstance(self.body, dict) else []
        return [item.get("custom_id", "") for row in rows for item in row.get("components", [])]


@dataclass(slots=True)
class Fault:
    """The next `times` matching requests get `status` with Discord error `code`."""

    method: str
    contains: str
    status: int
    code: int
    times: int = 1
    files_only: bool = False
    message: str = ""

    def matches(self, method: str, path: str, has_files: bool) -> bool:
        """Whether this fault applies."""
        return (self.times > 0 and method == self.method and self.contains in path
                and (has_files or not self.files_only))


@dataclass(slots=True)
class FakeDiscord:
    """The server's state; use `running()` to serve it."""

    folder: Path
    clock: Callable[[], float] = time.time
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    cdn: dict[str, bytes] = field(default_factory=dict)
    channels: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    listeners: list[Callable[[str, str], None]] = field(default_factory=list)
    answered: list[Callable[[Call], None]] = field(default_factory=list)
    url: str = ""
    gateway_url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_000))
    _originals: dict[str, int] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        """What `DISCORD_API_URL` points at."""
        return f"{self.url}/api/v10"

    def serve(self, name: str, data: bytes) -> str:
        """Serve a file on the fake CDN (an attachment a user sent); returns its URL."""
        self.cdn[name] = data
        return f"{self.url}/cdn/attachments/{name}?ex=1&is=1&hm=signed"

    def fail(self, method: str, contains: str, status: int, code: int, *, times: int = 1,
             files_only: bool = False, message: str = "") -> None:
        """Make the next matching requests fail."""
        self.faults.append(Fault(method, contains, status, code, times, files_only, message))

    def find(self, method: str | None = None, contains: str = "") -> list[Call]:
        """Recorded requests, filtered."""
        return [c for c in self.calls if (method is None or c.method == method) and contains in c.path]

    def original_id(self, token: str) -> int:
        """The message id of an interaction's original response."""
        return self._originals.setdefault(token, next(self._ids))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every request lands here."""
        path = request.path.removeprefix("/api/v10")
        for listener in self.listeners:
            listener(request.method, path)
        if path.startswith("/cdn/"):
            data = self.cdn.get(path.rsplit("/", 1)[-1])
            self.calls.append(Call(request.method, path, None, [], time.monotonic(), self.clock(),
                                   200 if data is not None else 404))
            return web.Response(body=data or b"", status=200 if data is not None else 404)
        body, files = await self._read(request)
        call = Call(request.method, path, body, files, time.monotonic(), self.clock())
        self.calls.append(call)
        status, reply = self._answer(call)
        call.status = status
        for hook in self.answered:
            hook(call)
        if reply is None:
            return web.Response(status=status)
        return web.Response(body=json.dumps(reply).encode(), status=status,
                            headers={"Content-Type": "application/json"})

    async def _read(self, request: web.Request) -> tuple[Any, list[Path]]:
        if request.content_type == "application/json":
            return await request.json(), []
        if not request.content_type.startswith("multipart/"):
            return None, []
        body: dict[str, Any] | None = None
        files: list[Path] = []
        reader = await request.multipart()
        async for part in reader:
            data = await part.read()  # type: ignore[union-attr]
            if part.filename:  # type: ignore[union-attr]
                self.folder.mkdir(parents=True, exist_ok=True)
                saved = self.folder / f"{next(self._ids)}-{part.filename}"  # type: ignore[union-attr]
                saved.write_bytes(data)
                files.append(saved)
            elif part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(data)
        return body, files

    def _answer(self, call: Call) -> tuple[int, Any]:
        for fault in self.faults:
            if fault.matches(call.method, call.path, bool(call.files)):
                fault.times -= 1
                return fault.status, {"message": fault.message or f"fake failure {fault.code}", "code": fault.code}
        if len(call.content) > MAX_CONTENT:
            return 400, {"message": "Invalid Form Body", "code": 50035}
        expired = self._expired(call.path)
        if expired:
            return 401, {"message": "Invalid Webhook Token", "code": 50027}
        return self._route(call)

    def _expired(self, path: str) -> bool:
        parts = path.split("/")
        if len(parts) > 3 and parts[1] in ("interactions", "webhooks"):
            created = self.tokens.get(parts[3])
            return created is not None and self.clock() >= created + TOKEN_LIFETIME
        return False

    def _route(self, call: Call) -> tuple[int, Any]:  # noqa: C901 - one flat table of routes
        method, path, parts = call.method, call.path, call.path.split("/")
        if path == "/users/@me":
            return 200, BOT_USER
        if path == "/oauth2/applications/@me":
            return 200, {"id": str(APP_ID), "name": "nemo", "description": "", "icon": None, "bot_public": True,
                         "bot_require_code_grant": False, "verify_key": "00", "flags": 0,
                         "owner": {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}}
        if path == "/gateway/bot":
            return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}
        if method == "PUT" and path.endswith("/commands"):
            return 200, [self._command(c) for c in (call.body or [])]
        if path.endswith("/callback"):
            return 200, {"interaction": {"id": parts[2], "type": 2, "response_message_loading": True,
                                         "response_message_ephemeral": False}}
        if method == "DELETE":
            return 204, None
        if parts[1] == "webhooks" and method in ("POST", "PATCH"):
            message_id = self.original_id(parts[3]) if path.endswith("@original") else (
                int(parts[-1]) if method == "PATCH" else next(self._ids))
            return 200, self._message(message_id, 555, call)
        if parts[1] == "channels" and path.endswith("/typing"):
            return 204, None
        if parts[1] == "channels" and method in ("POST", "PATCH") and "/messages" in path:
            message_id = next(self._ids) if method == "POST" else int(parts[-1])
            return 200, self._message(message_id, int(parts[2]), call)
        if parts[1] == "channels" and method == "GET" and int(parts[2]) in self.channels:
            return 200, self.channels[int(parts[2])]
        return 404, {"message": "404: Not Found", "code": 0}

    def _command(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1",
                "default_member_permissions": None, "type": data.get("type", 1)}

    @staticmethod
    def _message(message_id: int, channel_id: int, call: Call) -> dict[str, Any]:
        return {"id": str(message_id), "channel_id": str(channel_id), "type": 0, "content": call.content,
                "author": BOT_USER, "attachments": [
                    {"id": str(index + 1), "filename": path.name.split("-", 1)[1], "size": path.stat().st_size,
                     "url": f"http://cdn.invalid/{path.name}", "proxy_url": f"http://cdn.invalid/{path.name}"}
                    for index, path in enumerate(call.files)],
                "embeds": [], "mentions": [], "mention_roles": [], "pinned": False, "mention_everyone": False,
                "tts": False, "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None, "flags": 0,
                "components": (call.body.get("components") or []) if isinstance(call.body, dict) else []}


@asynccontextmanager
async def running(
    folder: Path, clock: Callable[[], float] = time.time, gateway: WebsocketHandler | None = None,
) -> AsyncIterator[FakeDiscord]:
    """Serve a fake Discord on a free port of 127.0.0.1 (with a gateway at /gateway when one is given)."""
    fake = FakeDiscord(folder, clock)
    app = web.Application(client_max_size=256 * 1024 * 1024)
    if gateway is not None:
        app.router.add_get("/gateway", gateway.handle)
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    fake.gateway_url = fake.url.replace("http://", "ws://") + "/gateway"
    try:
        yield fake
    finally:
        await runner.cleanup()
