"""ASGI middleware that records every request for `GET /__sim/requests` and injects configured faults."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nemo_sim.config import Fault
from nemo_sim.errors import SimError, error_response
from nemo_sim.records import RequestRecord
from nemo_sim.world import World

CONTROL_PREFIX = "/__sim"
MAX_RECORDED_BODY = 64 * 1024


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _describe_body(content_type: str, size: int, head: bytes) -> Any:
    """What the log keeps of a body: small JSON parsed, multipart and large bodies only as a size."""
    if size == 0:
        return None
    if content_type.startswith("multipart/"):
        return f"<multipart {size} bytes>"
    if size > MAX_RECORDED_BODY:
        return f"<{size} bytes>"
    try:
        return json.loads(head)
    except ValueError:
        return head.decode("utf-8", errors="replace")


class _BodyTap:
    """Wraps `receive`, counting body bytes and keeping the first few KiB, then fills the record in."""

    def __init__(self, receive: Receive, record: RequestRecord) -> None:
        self._receive = receive
        self._record = record
        self._size = 0
        self._head = bytearray()
        self.done = False

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request" and not self.done:
            chunk: bytes = message.get("body", b"")
            self._size += len(chunk)
            if len(self._head) <= MAX_RECORDED_BODY:
                self._head += chunk[: MAX_RECORDED_BODY + 1 - len(self._head)]
            if not message.get("more_body", False):
                self.done = True
                content_type = self._record["headers"].get("content-type", "")
                self._record["body"] = _describe_body(content_type, self._size, bytes(self._head))
        return message

    async def drain(self) -> None:
        """Read the rest of the body, so an early answer does not break a client still uploading."""
        while not self.done:
            message = await self()
            if message["type"] == "http.disconnect":
                return


class RecorderMiddleware:
    """Records each API request (not `/__sim/*`) and answers with a fault when one matches."""

    def __init__(self, app: ASGIApp, world: World) -> None:
        self.app = app
        self.world = world

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record, then maybe fault, then pass on."""
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        record: RequestRecord = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": _headers(scope),
            "body": None,
        }
        self.world.requests.append(record)
        tap = _BodyTap(receive, record)
        fault = self._take_fault(scope["method"], scope["path"])
        if fault is not None:
            await tap.drain()
            render = scope["path"].startswith("/api/render/")
            error = SimError(fault.code, render=render, wrapped=fault.wrapped)
            response = error_response(error, self.world.config.error_mode)
            await response(scope, tap, send)
            return
        await self.app(scope, tap, send)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        faults = self.world.config.faults
        for index, fault in enumerate(faults):
            if fault.matches(method, path):
                if fault.times <= 1:
                    del faults[index]
                else:
                    fault.times -= 1
                return fault
        return None
